"""DistributedSampler: each of ``num_replicas`` processes reads its own share of a dataset."""

from __future__ import annotations

import importlib
import math
from typing import Any, Iterator

from ... import random as ck_random
from ...tensor import randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group() -> Any:
    """``convkit.distributed`` when it exists and is set up, else a RuntimeError like torch's."""
    try:  # optional: convkit.distributed may not exist (yet)
        dist = importlib.import_module("convkit.distributed")
    except ImportError:
        dist = None
    if dist is None or not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist


class DistributedSampler(Sampler[int]):
    """Replica ``rank`` of ``num_replicas`` reads indices ``rank, rank + num_replicas, ...`` of
    one order shared by all replicas: ``randperm(len(dataset))`` from a Generator seeded with
    ``seed + epoch`` (call ``set_epoch`` each epoch), padded by repeating its start to a multiple
    of ``num_replicas``, or cut to one with ``drop_last``.

    ``num_replicas`` and ``rank`` default to the world size and rank of ``convkit.distributed``.
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            num_replicas = int(_process_group().get_world_size())
        if rank is None:
            rank = int(_process_group().get_rank())
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = ck_random.Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass use the order of ``epoch`` (the same on every replica)."""
        self.epoch = epoch
