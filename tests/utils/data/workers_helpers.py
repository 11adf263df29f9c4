"""Datasets used by the worker-process tests.

They live in a module of their own (importing NumPy and the library under test only, never
pytest) so that 'spawn' workers, which re-import the dataset's module, start quickly. Each takes
the library's module name, so the same class runs under torch's DataLoader and convkit's.
"""

import importlib
import os
import random
import time

import numpy as np


class Indices:
    """Sample i is i (an int)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


class SeedProbe:
    """Sample i reports what the worker's random sources give: the library's initial seed and a
    draw from it, Python's random, NumPy's global RandomState, and the worker info."""

    def __init__(self, lib, n):
        self.lib = lib
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        lib = importlib.import_module(self.lib)
        info = importlib.import_module(self.lib + ".utils.data").get_worker_info()
        return {
            "index": i,
            "initial_seed": lib.initial_seed(),
            "draw": float(lib.rand(1).numpy()[0]),
            "python": random.random(),
            "numpy": float(np.random.random_sample()),
            "worker": (-1, -1, -1) if info is None else (info.id, info.num_workers, info.seed),
        }


class Failing:
    """Raises ``exc_type`` at index ``bad``."""

    def __init__(self, n, bad, exc_type=ValueError):
        self.n, self.bad, self.exc_type = n, bad, exc_type

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc_type(f"sample {i} is broken")
        return i


class Dying:
    """Kills its worker process at index ``bad``."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            os._exit(3)
        return i


class Slow:
    """Sleeps ``delay`` seconds per sample and reports the process that loaded it."""

    def __init__(self, n, delay):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return np.array([i, os.getpid()])


def make_range_stream(lib):
    """An IterableDataset class of ``lib`` yielding start..end-1, split between workers."""
    data = importlib.import_module(lib + ".utils.data")

    class RangeStream(data.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            info = data.get_worker_info()
            if info is None:
                return iter(range(self.start, self.end))
            per = -(-(self.end - self.start) // info.num_workers)
            lo = self.start + info.id * per
            return iter(range(lo, min(lo + per, self.end)))

        def __len__(self):
            return self.end - self.start

    return RangeStream


class ConvkitRange(importlib.import_module("convkit.utils.data").IterableDataset):
    """A picklable (module-level) convkit IterableDataset for 'spawn' workers."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = importlib.import_module("convkit.utils.data").get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        return iter(range(self.start + info.id, self.end, info.num_workers))


def record_worker_id(worker_id):
    """A worker_init_fn: remember the id where __getitem__ can see it."""
    os.environ["CONVKIT_TEST_WORKER"] = str(worker_id)


class InitProbe:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return int(os.environ.get("CONVKIT_TEST_WORKER", "-1"))


class UsesKernels:
    """Sample i runs convkit's threaded pooling and convolution kernels."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        ck = importlib.import_module("convkit")
        F = importlib.import_module("convkit.nn.functional")
        ck.manual_seed(i)
        pooled = F.max_pool2d(ck.randn(4, 64, 112, 112), 3, 2, 1)
        conv = F.conv2d(ck.randn(4, 64, 56, 56), ck.randn(64, 64, 3, 3), padding=1)
        return float(pooled.sum().item()), float(conv.sum().item())


def failing_init(worker_id):
    """A worker_init_fn that fails in worker 1."""
    if worker_id == 1:
        raise OSError(f"worker {worker_id} cannot start")
