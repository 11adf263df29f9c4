"""What runs inside a DataLoader worker process, and what it sends back.

A worker is seeded as torch seeds its workers: with ``seed = base_seed + worker_id`` for
Python's ``random`` and convkit's generator, and NumPy's global RandomState from a hash of
``(base_seed, worker_id)`` (NumPy's SeedSequence mixing, as torch's ``_generate_state``), so
random augmentations in a worker draw what they would draw under torch. It then answers
``(task_index, indices)`` requests from its queue with ``(task_index, batch)``, or with an
``ExceptionWrapper`` carrying the worker's traceback, until it gets ``None``.
"""

from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .... import random as ck_random
from . import fetch


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its id, the number of workers, its seed and its dataset copy;
    None in the main process."""
    return _worker_info


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError shows the traceback text as is."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception from another process or thread: its class and its formatted traceback."""

    def __init__(self, exc_info: Any = None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self) -> None:
        """Raise the same exception class here, its message carrying the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # An exception class that cannot be built from one message string.
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # No cycle exception -> traceback -> this frame -> exception: the failed iterator
            # (and its workers) is freed as soon as the caller drops it, without a gc pass.
            del exception


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset copy is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new epoch (persistent workers): rebuild the fetcher and acknowledge."""


def _numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """Four 32-bit words for NumPy's global RandomState, as torch's ``_generate_state``: a
    SeedSequence over the entropy words (worker_id, low and high halves of base_seed, 0)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    ck_random.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    return seed


def _worker_loop(
    iterable: bool,
    dataset: Any,
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    auto_collation: bool,
    collate_fn: Callable[[Any], Any],
    drop_last: bool,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    check_interval: float,
) -> None:
    global _worker_info
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error: ExceptionWrapper | None = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetch.create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        exhausted = False
        parent = os.getppid()
        while os.getppid() == parent:  # a worker whose parent died stops on its own
            try:
                request = index_queue.get(timeout=check_interval)
            except queue.Empty:
                continue
            if request is None:
                break
            if isinstance(request, _ResumeIteration):
                data_queue.put((request, None))
                exhausted = False
                fetcher = fetch.create_fetcher(
                    iterable, dataset, auto_collation, collate_fn, drop_last
                )
                continue
            if done_event.is_set() or exhausted:
                continue  # shutting down, or the stream is over: wait for None
            task, indices = request
            data: Any
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    assert fetcher is not None
                    data = fetcher.fetch(indices)
                except StopIteration:
                    if not iterable:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        exhausted = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((task, data))
            del data, indices, request
    except KeyboardInterrupt:
        pass  # the main process gets the interrupt too and shuts the workers down
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
