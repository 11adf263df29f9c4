"""The one place that imports mpi4py, lazily, and the MPI details the collectives share: buffer
types, reduction operators, waiting on requests with a timeout, and stopping every rank.

``import convkit`` never imports this module's dependencies; the first collective (or
``init_process_group``) does, and says how to install them when they are missing.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

INSTALL_HINT = 'pip install "convkit[mpi]"'


def mpi() -> Any:
    """The ``mpi4py.MPI`` module (initialising MPI on first use), or a RuntimeError saying how
    to install it."""
    module = sys.modules.get("mpi4py.MPI")
    if module is not None:
        return module
    try:
        import mpi4py
    except ImportError as e:
        raise RuntimeError(
            "convkit.distributed runs over MPI, which needs mpi4py and an MPI library; they are "
            f"not installed. Install both with: {INSTALL_HINT} (mpi4py and the MPICH wheel "
            "from PyPI; on a cluster, build mpi4py against the cluster's own MPI instead)"
        ) from e
    # Collectives are issued from one thread at a time (the training loop's); MPI's locking for
    # MPI_THREAD_MULTIPLE would cost every call.
    mpi4py.rc.thread_level = "serialized"
    from mpi4py import MPI

    return MPI


def available() -> bool:
    """Whether mpi4py can be imported (without importing it)."""
    if sys.modules.get("mpi4py.MPI") is not None:
        return True
    import importlib.util

    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError, AttributeError):  # a module blocked in sys.modules
        return False


# torch's names for the dtypes, which its error messages use.
_SCALAR_NAMES = {
    "float64": "Double",
    "float32": "Float",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def scalar_name(dtype: np.dtype) -> str:
    return _SCALAR_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def reduce_type(dtype: np.dtype) -> Any:
    """The MPI datatype that reductions of ``dtype`` arrays use (booleans travel as uint8)."""
    MPI = mpi()
    table = {
        "float64": MPI.DOUBLE,
        "float32": MPI.FLOAT,
        "float16": MPI.FLOAT16_T,
        "int64": MPI.INT64_T,
        "int32": MPI.INT32_T,
        "int16": MPI.INT16_T,
        "int8": MPI.INT8_T,
        "uint8": MPI.UINT8_T,
        "bool": MPI.UINT8_T,
    }
    name = np.dtype(dtype).name
    if name not in table or table[name] == MPI.DATATYPE_NULL:
        raise TypeError(f"convkit.distributed cannot reduce tensors of dtype {name} over MPI")
    return table[name]


def buffer(arr: np.ndarray, reducing: bool) -> list[Any]:
    """``[memory, datatype]`` for mpi4py: typed for reductions, raw bytes otherwise (so any
    dtype can be broadcast or gathered)."""
    assert arr.flags.c_contiguous
    if reducing:
        data = arr.view(np.uint8) if arr.dtype == np.bool_ else arr
        return [data, reduce_type(arr.dtype)]
    return [arr.reshape(-1).view(np.uint8), mpi().BYTE]


def wait(
    requests: list[Any], timeout: float, describe: Any, statuses: list[Any] | None = None
) -> None:
    """Wait until every request completes; after ``timeout`` seconds raise what
    ``describe()`` returns. ``statuses`` (one ``MPI.Status`` per request) receive the
    completions' sources.

    MPI makes progress on a collective only inside MPI calls, so the wait polls (``Testall``)
    rather than blocking in ``Waitall``, which could never time out: a few hundred polls back
    to back (a collective between ranks on one machine ends within microseconds), then sleeps
    growing to 1 ms, so that a rank waiting for a slow peer leaves the core to it.
    """
    if not requests:
        return
    MPI = mpi()
    if MPI.Request.Testall(requests, statuses):
        return
    deadline = time.monotonic() + timeout
    polls = 0
    pause = 2e-5
    while not MPI.Request.Testall(requests, statuses):
        polls += 1
        if polls < 200:
            continue
        if time.monotonic() > deadline:
            raise describe()
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


def test(requests: list[Any], statuses: list[Any] | None = None) -> bool:
    """Whether every request has completed (and a poke for MPI's progress engine)."""
    return not requests or bool(mpi().Request.Testall(requests, statuses))


def abort(code: int = 1) -> None:
    """Stop every rank of the job now (MPI_Abort), so that none waits forever for this one."""
    sys.stdout.flush()
    sys.stderr.flush()
    mpi().COMM_WORLD.Abort(code)
