"""DataLoader: batches of a map-style dataset, optionally shuffled, collated into Tensors."""

from __future__ import annotations

import numbers
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import random as ck_random
from ..tensor import Tensor
from .dataset import Dataset


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch, the way torch's ``default_collate`` does.

    Tensors and NumPy arrays are stacked along a new first dimension (keeping their dtype);
    Python ints become an int64 Tensor, floats a float64 Tensor and bools a bool Tensor, as in
    torch; tuples and lists are collated position by position (a tuple gives a list, as in
    torch), dicts key by key; strings and other objects are returned as a list.
    """
    if len(batch) == 0:
        raise ValueError("default_collate got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor._wrap(np.stack([b._array for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUS":
            raise TypeError(
                f"default_collate: batch must contain tensors, numpy arrays, "
                f"numbers, dicts or lists; found an array of dtype {elem.dtype}"
            )
        return Tensor._wrap(np.stack(batch))
    if isinstance(elem, np.generic):
        return Tensor._wrap(np.array(batch))
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(samples)) for samples in zip(*batch, strict=True)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*columns)
        return columns
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
        f"or lists; found {type(elem).__name__}"
    )


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (a positive int).
        shuffle: draw a new random order of the samples at the start of every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: where the shuffled order comes from. ``None`` (the default) draws from
            convkit's global generator, so ``convkit.manual_seed(s)`` makes the order
            reproducible; an int seeds a private ``np.random.default_rng(seed)`` made once here
            (each epoch still gets a new order, the same sequence on every run); an
            ``np.random.Generator`` (or anything with ``permutation(n)``) is used as given.
            The orders differ from torch's for the same seed.
        collate_fn: turns a list of samples into a batch; ``default_collate`` by default.
        num_workers, pin_memory: accepted for torch compatibility; loading is in-process.

    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Any = None,
        collate_fn: Callable[[list], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if (
            not isinstance(batch_size, numbers.Integral)
            or isinstance(batch_size, bool)
            or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to "
                "disable multiprocessing."
            )
        if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None and not hasattr(generator, "permutation"):
            raise TypeError(
                f"generator must be None, an int seed or a np.random.Generator, "
                f"got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self.generator is None:
            return ck_random.permutation(n)
        return np.asarray(self.generator.permutation(n))

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            indices = order[start : start + self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)
