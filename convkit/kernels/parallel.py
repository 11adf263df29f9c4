"""The kernels' threads, BLAS thread pinning and scratch buffers, in one place.

One setting decides how many threads every kernel uses: ``set_num_threads(n)`` (exported as
``convkit.set_num_threads``, as torch names it), read at import from ``CONVKIT_NUM_THREADS`` and
otherwise the number of cores this process may run on (``os.sched_getaffinity``).

Why Python threads: NumPy's ufuncs, copies and BLAS calls release the GIL, and NumPy's copies
and elementwise loops are single-threaded and bandwidth-bound, so a kernel that splits its work
into independent parts (batch chunks, blocks of pooling planes) and runs one part per thread
gets both cores' memory bandwidth, which BLAS threading alone never gives the copies. Each
worker then runs its GEMMs on a single-threaded BLAS (OpenBLAS's per-thread
``openblas_set_num_threads_local``): T workers each starting T BLAS threads would oversubscribe
the cores. Work too small to split runs on the calling thread, also with a single-threaded BLAS:
waking and joining BLAS threads costs more than their GEMMs there, and on a busy machine one
descheduled thread stalls the other for a scheduler tick (measured on LeNet conv2's backward:
2.3 ms on one thread, 10 ms median and 70 ms p90 on two).

Scratch buffers are kept per thread because every fresh NumPy buffer over about 128 KB is
mmapped and page-faulted on first touch (docs/PERFORMANCE.md: a LeNet step went from 8.3 to 5.7 ms
without those faults).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from numpy.typing import DTypeLike

P = TypeVar("P")
R = TypeVar("R")

#: Environment variable read once at import: the thread count of every kernel.
ENV_VAR = "CONVKIT_NUM_THREADS"
_WORKER_PREFIX = "convkit-worker"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux: every core counts
        return max(1, os.cpu_count() or 1)


def _check_count(n: object, source: str) -> int:
    """torch's rule for ``set_num_threads``: a positive int, bool excluded."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{source} expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"{source} expects a positive integer, but got {n}")
    return n


def _threads_from_env() -> int | None:
    text = os.environ.get(ENV_VAR)
    if text is None or not text.strip():
        return None
    try:
        return _check_count(int(text), ENV_VAR)
    except (ValueError, RuntimeError):
        warnings.warn(
            f"{ENV_VAR}={text!r} is not a positive integer; using the {available_cores()} "
            f"available cores",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


# ----------------------------------------------------------------------------------------------
# BLAS thread control (NumPy's bundled OpenBLAS; without it the pinning is skipped)
# ----------------------------------------------------------------------------------------------


def _openblas() -> ctypes.CDLL | None:
    libs = sorted(glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*")))
    for path in libs:
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _symbol(lib: ctypes.CDLL | None, *names: str) -> Callable[[int], int] | None:
    for name in names:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn  # type: ignore[no-any-return]
    return None


_lib = _openblas()
#: Per-thread BLAS thread count (OpenBLAS 0.3.27+); returns the previous count.
_blas_local = _symbol(_lib, "openblas_set_num_threads_local")
#: Process-wide BLAS thread count (scipy-openblas prefixes and suffixes its symbols).
_blas_global = _symbol(
    _lib,
    "openblas_set_num_threads",
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
)
_blas_get = getattr(_lib, "openblas_get_num_threads", None) or getattr(
    _lib, "scipy_openblas_get_num_threads64_", None
)


def blas_num_threads() -> int | None:
    """The calling thread's BLAS thread count, or None where it cannot be read."""
    if _blas_get is None:
        return None
    return int(_blas_get())


def can_pin_blas() -> bool:
    """Whether worker threads can run their GEMMs on a single-threaded BLAS."""
    return _blas_local is not None


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Run this thread's BLAS calls on ``n`` threads inside the block."""
    if _blas_local is None:
        yield
        return
    previous = _blas_local(n)
    try:
        yield
    finally:
        _blas_local(max(previous, 1))


# ----------------------------------------------------------------------------------------------
# The one thread setting and the worker pool
# ----------------------------------------------------------------------------------------------

_lock = threading.Lock()
_threads = _threads_from_env() or available_cores()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _forget_pool() -> None:
    global _pool, _pool_size, _lock
    _pool, _pool_size, _lock = None, 0, threading.Lock()


# A forked child (a DataLoader worker) inherits the executor but not its threads (and maybe a
# held lock): work submitted there would wait forever, so the child makes its own.
os.register_at_fork(after_in_child=_forget_pool)


def _apply_blas_global(n: int) -> None:
    if _blas_global is not None:
        _blas_global(n)


if os.environ.get(ENV_VAR):
    _apply_blas_global(_threads)


def get_num_threads() -> int:
    """Threads every convkit kernel uses (and NumPy's BLAS outside them)."""
    return _threads


def set_num_threads(n: int) -> None:
    """Set the threads every convkit kernel uses, and NumPy's BLAS thread count.

    Raises RuntimeError, as torch does, unless ``n`` is a positive int.
    """
    global _threads
    _check_count(n, "set_num_threads")
    with _lock:
        _threads = n
        _apply_blas_global(n)


def _init_worker() -> None:
    if _blas_local is not None:
        _blas_local(1)


def _executor(workers: int) -> ThreadPoolExecutor:
    """The pool, resized when the thread setting has changed."""
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix=_WORKER_PREFIX, initializer=_init_worker
            )
            _pool_size = workers
        return _pool


def in_worker() -> bool:
    """Whether this is one of the pool's threads (a kernel called there must not split again)."""
    return threading.current_thread().name.startswith(_WORKER_PREFIX)


def run_parts(
    work: Callable[[P], R], parts: Sequence[P], threaded: bool = True, uses_blas: bool = True
) -> list[R]:
    """``[work(p) for p in parts]``, the parts on separate threads when ``threaded``.

    Every part runs with a single-threaded BLAS except when ``threaded`` and there is only one
    part: that one GEMM may then use all of BLAS's threads. Work that ``uses_blas`` stays on one
    thread where BLAS cannot be pinned (threads times BLAS threads would oversubscribe the
    cores). The calling thread takes the first part itself; the results come back in the order
    of ``parts``.
    """
    parallel = (
        threaded
        and len(parts) > 1
        and _threads > 1
        and not in_worker()
        and (can_pin_blas() or not uses_blas)
    )
    if not parallel:
        if not uses_blas or (threaded and len(parts) <= 1):
            return [work(p) for p in parts]
        with blas_threads(1):
            return [work(p) for p in parts]
    pool = _executor(_threads - 1)
    futures: list[Future[R]] = [pool.submit(work, p) for p in parts[1:]]
    try:
        with blas_threads(1):
            first = work(parts[0])
    finally:
        rest = [f.result() for f in futures]
    return [first] + rest


def split(count: int, parts: int) -> list[slice]:
    """``range(count)`` cut into at most ``parts`` contiguous, non-empty, near-equal slices."""
    parts = max(1, min(parts, count))
    bounds = [count * i // parts for i in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def deal(items: Sequence[P], parts: int) -> list[list[P]]:
    """``items`` dealt round-robin into at most ``parts`` non-empty lists (``items[i::parts]``)."""
    return [list(items[i::parts]) for i in range(min(parts, len(items)))]


# ----------------------------------------------------------------------------------------------
# Scratch buffers
# ----------------------------------------------------------------------------------------------

#: Scratch buffers up to this size are kept per thread between calls; larger ones are rare and
#: their page faults are small next to their work.
SCRATCH_KEEP_BYTES = 32 * 2**20

_scratch_local = threading.local()


def scratch(name: str, size: int, dtype: DTypeLike) -> np.ndarray:
    """A flat, uninitialised buffer of ``size`` elements, reused by this thread under ``name``.

    Callers must not let it escape (results are always fresh arrays) nor hold two buffers of one
    name at once.
    """
    dt = np.dtype(dtype)
    nbytes = size * dt.itemsize
    if nbytes > SCRATCH_KEEP_BYTES:
        return np.empty(size, dtype=dt)
    bufs: dict[str, np.ndarray] | None = getattr(_scratch_local, "bufs", None)
    if bufs is None:
        bufs = _scratch_local.bufs = {}
    buf = bufs.get(name)
    if buf is None or buf.nbytes < nbytes:
        buf = bufs[name] = np.empty(max(nbytes, 1), dtype=np.uint8)
    return buf[:nbytes].view(dt)
