"""torch.distributed's process groups and collectives, over MPI.

Each process group owns a duplicate of an MPI communicator (so that a user's own mpi4py calls
on ``COMM_WORLD`` never mix with convkit's). Every collective starts a non-blocking MPI
operation and returns a ``Work``; a blocking call is ``Work.wait()`` at once. Waiting polls the
request against the group's timeout (``init_process_group(timeout=...)``), so a rank that died
or hung makes the others raise ``DistBackendError`` instead of waiting forever; after that the
group is unusable and the job is stopped (MPI_Abort) when the process exits. An unhandled
exception on any rank stops every rank the same way.

Ranks are global (``COMM_WORLD``) ranks, as in torch; ``group_src``/``group_dst`` are ranks
inside the group.
"""

from __future__ import annotations

import atexit
import collections
import enum
import io
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import _mpi

__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "default_pg_timeout",
    "destroy_process_group",
    "gather",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_node_local_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "irecv",
    "is_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "isend",
    "new_group",
    "recv",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "send",
]

#: torch's default collective timeout (torch.distributed.constants.default_pg_timeout).
default_pg_timeout = timedelta(minutes=30)


class DistError(RuntimeError):
    """Base of the errors convkit.distributed raises for communication failures (as torch's)."""


class DistBackendError(DistError):
    """A collective failed: a timeout, or a group left unusable by an earlier failure."""


class Backend(str):
    """A backend name, lower-cased, as torch's ``Backend`` (a ``str``).

    convkit has one transport, MPI. ``"gloo"`` (torch's CPU backend, which CPU scripts ask for)
    is served by it too, so such scripts run unchanged; GPU backends do not exist here.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    MPI = "mpi"
    NCCL = "nccl"
    UCC = "ucc"
    XCCL = "xccl"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, got {name!r}")
        return super().__new__(cls, name.lower())


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"


class ReduceOp:
    """The reduction operators of ``all_reduce``, ``reduce`` and ``reduce_scatter``
    (``ReduceOp.SUM``, ...), members of ``ReduceOp.RedOpType`` as in torch."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


class ProcessGroup:
    """A set of ranks that run collectives together: what ``new_group`` returns and
    ``group.WORLD`` is. ``rank()`` and ``size()`` are this process's rank in it and its size."""

    def __init__(
        self, comm: Any, ranks: list[int], backend: str, timeout: float, name: str
    ) -> None:
        self._comm = comm
        self._ranks = ranks
        self._rank = int(comm.Get_rank())
        self._backend = backend
        self._timeout = timeout
        self.group_name = name

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return len(self._ranks)

    def name(self) -> str:
        return self._backend

    def __repr__(self) -> str:
        return f"<convkit.distributed.ProcessGroup {self.group_name!r} ranks={self._ranks}>"


class _WorldMeta(type):
    """``group.WORLD`` and ``GroupMember.WORLD`` read the default group at access time."""

    @property
    def WORLD(cls) -> ProcessGroup | None:
        return _world.default_pg


class group(metaclass=_WorldMeta):
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD`` and ``GroupMember.NON_GROUP_MEMBER``, what ``new_group`` returns
    on a rank outside the new group."""

    NON_GROUP_MEMBER = -100


class _World:
    def __init__(self) -> None:
        self.default_pg: ProcessGroup | None = None
        self.groups: list[ProcessGroup] = []
        self.broken: str | None = None  # why the job can no longer communicate
        self.hooked = False
        self.previous_excepthook: Any = None


_world = _World()

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)


# ----- availability and set-up ----------------------------------------------------------------


def is_available() -> bool:
    """True: the API is always there; communication needs MPI (``is_mpi_available``)."""
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py (and so an MPI library) is installed."""
    return _mpi.available()


def is_gloo_available() -> bool:
    """Whether ``backend="gloo"`` works: convkit serves it over MPI."""
    return _mpi.available()


def is_nccl_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized() -> bool:
    return _world.default_pg is not None


def _resolve_backend(backend: str | None) -> str:
    name = Backend(backend if backend is not None else Backend.MPI)
    if ":" in name:  # torch's per-device form, "cpu:gloo,cuda:nccl": the CPU entry counts
        per_device = dict(item.split(":", 1) for item in name.split(",") if ":" in item)
        if "cpu" not in per_device:
            raise ValueError(f"backend {backend!r} names no backend for the cpu device")
        name = Backend(per_device["cpu"])
    if name in (Backend.MPI, Backend.GLOO):
        return name
    if name in (Backend.NCCL, Backend.UCC, Backend.XCCL):
        raise RuntimeError(
            f"Distributed package doesn't have {name.upper()} built in: convkit runs on the "
            "CPU and communicates over MPI; use backend='mpi' (or 'gloo', which convkit serves "
            "over MPI)"
        )
    raise ValueError(f"Invalid backend: '{backend}'; convkit supports 'mpi' and 'gloo'")


def _seconds(timeout: Any, what: str = "timeout") -> float:
    if not isinstance(timeout, timedelta):
        raise TypeError(f"Expected {what} argument to be of type datetime.timedelta, got {timeout}")
    seconds = timeout.total_seconds()
    if seconds <= 0:
        raise ValueError(f"{what} must be positive, got {timeout}")
    return seconds


def _check_launch(size: int, world_size: int, rank: int, actual_rank: int) -> None:
    """The rank and world size the caller or torch's ``env://`` variables name must be MPI's."""
    claims = [
        ("world_size", world_size, size),
        ("rank", rank, actual_rank),
        ("the WORLD_SIZE environment variable", os.environ.get("WORLD_SIZE"), size),
        ("the RANK environment variable", os.environ.get("RANK"), actual_rank),
    ]
    for source, claimed, actual in claims:
        if claimed is None or claimed == "" or int(claimed) == -1 or int(claimed) == actual:
            continue
        kind = "world size" if "SIZE" in source or source == "world_size" else "rank"
        raise RuntimeError(
            f"init_process_group: {source} is {int(claimed)} but MPI gave this process {kind} "
            f"{actual} (world size {size}). convkit.distributed runs over MPI: start the "
            "processes with `mpiexec -n N python script.py` or `python -m "
            "convkit.distributed.run --nproc-per-node N script.py`; processes started by "
            "torchrun or mp.spawn are not connected to each other"
        )


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the job's processes into the default group (``group.WORLD``).

    The processes come from the MPI launcher (``mpiexec -n N``, a cluster's ``srun``); a
    process started alone is a world of one. ``world_size``/``rank`` and torch's ``env://``
    variables (``WORLD_SIZE``, ``RANK``), where given, must agree with MPI's; ``init_method``
    and ``store`` are accepted for torch's scripts and not needed (MPI does the rendezvous).
    ``timeout`` (default 30 minutes, as torch) bounds every wait for the other ranks.
    Afterwards ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and ``LOCAL_WORLD_SIZE`` are set in the
    environment where they were not, as torchrun sets them.
    """
    if _world.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _resolve_backend(backend)
    seconds = _seconds(default_pg_timeout if timeout is None else timeout)
    MPI = _mpi.mpi()
    world = MPI.COMM_WORLD
    size, actual_rank = int(world.Get_size()), int(world.Get_rank())
    _check_launch(size, world_size, rank, actual_rank)
    comm = world.Dup()
    pg = ProcessGroup(comm, list(range(size)), name, seconds, group_name or "0")
    _world.default_pg, _world.groups, _world.broken = pg, [pg], None
    local = world.Split_type(MPI.COMM_TYPE_SHARED, key=actual_rank)
    local_rank, local_size = int(local.Get_rank()), int(local.Get_size())
    local.Free()
    for key, value in (
        ("RANK", actual_rank),
        ("WORLD_SIZE", size),
        ("LOCAL_RANK", local_rank),
        ("LOCAL_WORLD_SIZE", local_size),
    ):
        os.environ.setdefault(key, str(value))
    _install_failure_handlers(size)
    barrier(pg)


def _install_failure_handlers(size: int) -> None:
    if size > 1 and not _world.hooked:
        _world.previous_excepthook = sys.excepthook
        sys.excepthook = _excepthook
        _world.hooked = True
    # Registered after mpi4py's finaliser, so it runs first (atexit is last in, first out).
    atexit.unregister(_at_exit)
    atexit.register(_at_exit)


def _excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """An uncaught exception on one rank would leave the others waiting for it in their next
    collective (and this one in MPI_Finalize): report it, then stop the whole job."""
    previous = _world.previous_excepthook or sys.__excepthook__
    previous(kind, value, tb)
    pg = _world.default_pg
    if pg is not None and pg.size() > 1:
        _abort_job(
            f"convkit.distributed: rank {pg.rank()} of {pg.size()} stopped with an unhandled "
            f"{kind.__name__}; stopping every rank (MPI_Abort) so that none waits for it"
        )


def _at_exit() -> None:
    if _world.broken is not None:
        # A collective timed out: MPI_Finalize would wait for the lost rank forever.
        _abort_job(f"convkit.distributed: stopping every rank (MPI_Abort): {_world.broken}")


def _abort_job(message: str) -> None:
    """Say why on stderr, then MPI_Abort the job. The launcher forwards a rank's output through
    its own proxy, which the abort tears down: give it a moment to pass the message on (without
    the pause the reason was lost about one run in three on a loaded machine)."""
    print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    time.sleep(0.5)
    _mpi.abort(1)


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Release ``group`` (None: every group, after which ``init_process_group`` may be called
    again). MPI itself stays initialised until the process exits."""
    if group is None:
        if _world.default_pg is None:
            raise ValueError(_NOT_INITIALIZED)
        groups = list(_world.groups)
        _world.default_pg, _world.groups = None, []
        if _world.hooked:
            sys.excepthook = _world.previous_excepthook
            _world.hooked = False
    else:
        pg = _require_group(group)
        if pg is _world.default_pg:
            raise ValueError("destroy the default group with destroy_process_group()")
        groups = [pg]
        _world.groups = [g for g in _world.groups if g is not pg]
    if _world.broken is None:  # a pending collective of a broken group could never finish
        for pg in groups:
            pg._comm.Free()


def _default() -> ProcessGroup:
    if _world.default_pg is None:
        raise ValueError(_NOT_INITIALIZED)
    return _world.default_pg


def _require_group(pg: Any) -> ProcessGroup:
    if pg is None:
        return _default()
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, got {type(pg).__name__}")
    _default()
    return pg


def _member(pg: Any) -> ProcessGroup | None:
    """The group, or None when this rank is not in it (``GroupMember.NON_GROUP_MEMBER``)."""
    if pg is GroupMember.NON_GROUP_MEMBER:
        _default()
        return None
    return _require_group(pg)


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (default: the world); -1 outside the group."""
    pg = _member(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks in ``group`` (default: the world); -1 outside the group."""
    pg = _member(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    pg = _member(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return Backend(pg.name())


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_require_group(group)._ranks)


def get_global_rank(group: ProcessGroup | None, group_rank: int) -> int:
    ranks = _require_group(group)._ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup | None, global_rank: int) -> int:
    ranks = _require_group(group)._ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among those on its machine (``LOCAL_RANK``, set by
    ``init_process_group``)."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
        "`get_node_local_rank` to work, assuming you are not running in a multi-device "
        "context and want the code to run locally instead."
    )


def new_group(
    ranks: Sequence[int] | None = None,
    timeout: timedelta | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
    device_id: Any = None,
    sort_ranks: bool = True,
) -> Any:
    """A group of the global ``ranks`` (default: all). Every rank of the world must call it, in
    the same order; ranks outside get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _default()
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members.sort()
    for r in members:
        if not 0 <= r < size:
            raise ValueError(
                f"The new group's rank should be within the world_size set by "
                f"init_process_group: rank {r} is not in [0, {size - 1}]"
            )
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks must be distinct, got {members}")
    name = _resolve_backend(backend) if backend is not None else world.name()
    seconds = world._timeout if timeout is None else _seconds(timeout)
    _check_usable()
    MPI = _mpi.mpi()
    me = get_rank()
    inside = me in members
    comm = world._comm.Split(0 if inside else MPI.UNDEFINED, members.index(me) if inside else 0)
    if not inside:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, name, seconds, group_desc or str(len(_world.groups)))
    _world.groups.append(pg)
    return pg


# ----- work handles ---------------------------------------------------------------------------


class Work:
    """What a collective with ``async_op=True`` returns: ``wait()`` blocks until it has
    finished (the output tensors are then filled), ``is_completed()`` asks without blocking."""

    def __init__(
        self,
        pg: ProcessGroup,
        what: str,
        requests: list[Any],
        finish: Callable[[], Any] | None = None,
        result: list[Tensor] | None = None,
        statuses: list[Any] | None = None,
    ) -> None:
        self._pg, self._what, self._requests = pg, what, requests
        self._finish, self._result = finish, result or []
        self._statuses = statuses
        self._done = False
        self._value: Any = None

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._value = self._finish()

    def is_completed(self) -> bool:
        if not self._done and _mpi.test(self._requests, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self) -> None:
        return None

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until done; a timeout (default: the group's) raises DistBackendError."""
        if not self._done:
            seconds = self._pg._timeout
            if timeout is not None and timeout != timedelta(0):
                seconds = _seconds(timeout)
            _wait(self._pg, self._what, self._requests, seconds, self._statuses)
            self._complete()
        return True

    def synchronize(self) -> None:
        self.wait()

    def result(self) -> list[Tensor]:
        self.wait()
        return list(self._result)

    def source_rank(self) -> int:
        """The global rank a ``recv`` from any source received from."""
        self.wait()
        if not isinstance(self._value, int):
            raise RuntimeError("source_rank() is only available on the work of a recv")
        return self._value


def _wait(
    pg: ProcessGroup,
    what: str,
    requests: list[Any],
    seconds: float,
    statuses: list[Any] | None = None,
) -> None:
    def timed_out() -> DistBackendError:
        message = (
            f"rank {get_rank()}: {what} timed out after {seconds:g} s waiting for the other "
            f"ranks of group {pg.group_name} (ranks {pg._ranks}): a rank has died, hung, or "
            "skipped this collective (the limit is init_process_group's timeout)"
        )
        _world.broken = message
        return DistBackendError(message + "; the process group cannot be used any more")

    _mpi.wait(requests, seconds, timed_out, statuses)


def _check_usable() -> None:
    if _world.broken is not None:
        raise DistBackendError(
            f"the process group is unusable after an earlier failure: {_world.broken}"
        )


def _run(
    pg: ProcessGroup,
    what: str,
    requests: list[Any],
    async_op: bool,
    finish: Callable[[], Any] | None = None,
    result: list[Tensor] | None = None,
) -> Work | None:
    work = Work(pg, what, requests, finish, result)
    if async_op:
        return work
    work.wait()
    return None


# ----- argument checks ------------------------------------------------------------------------


def _check_tensor(t: Any, name: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type convkit.Tensor "
            f"but got {type(t)} instead."
        )


def _check_tensor_list(ts: Any, name: str) -> None:
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type "
            f"list[convkit.Tensor] but got {type(ts)} instead."
        )


def _check_same_dtype(*tensors: Tensor) -> None:
    dtypes = {t._array.dtype for t in tensors}
    if len(dtypes) > 1:
        a, b = sorted(dtypes, key=str)[:2]
        raise ValueError(
            f"Invalid usage of tensors with different dtypes: found {_dtype_name(a)} and "
            f"{_dtype_name(b)}"
        )


def _dtype_name(d: np.dtype) -> str:
    return f"convkit.{np.dtype(d).name}"


def _check_op(op: Any, dtype: np.dtype, what: str) -> None:
    if not isinstance(op, RedOpType):
        raise TypeError(f"{what}: op must be a ReduceOp (e.g. ReduceOp.SUM), got {op!r}")
    if op is RedOpType.PREMUL_SUM:
        raise RuntimeError(f"{what}: ReduceOp.PREMUL_SUM is not supported by the MPI backend")
    floating = np.dtype(dtype).kind == "f"
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and floating:
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
    if op is RedOpType.AVG and not floating:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {_mpi.scalar_name(dtype)}"
        )


def _mpi_op(op: RedOpType, dtype: np.dtype) -> Any:
    MPI = _mpi.mpi()
    if np.dtype(dtype) == np.bool_:  # as torch: a sum of booleans is their "or"
        table = {
            RedOpType.SUM: MPI.MAX,
            RedOpType.MAX: MPI.MAX,
            RedOpType.BOR: MPI.MAX,
            RedOpType.PRODUCT: MPI.MIN,
            RedOpType.MIN: MPI.MIN,
            RedOpType.BAND: MPI.MIN,
            RedOpType.BXOR: MPI.BXOR,
        }
        return table[op]
    return {
        RedOpType.SUM: MPI.SUM,
        RedOpType.AVG: MPI.SUM,
        RedOpType.PRODUCT: MPI.PROD,
        RedOpType.MIN: MPI.MIN,
        RedOpType.MAX: MPI.MAX,
        RedOpType.BAND: MPI.BAND,
        RedOpType.BOR: MPI.BOR,
        RedOpType.BXOR: MPI.BXOR,
    }[op]


def _contiguous(t: Tensor) -> np.ndarray:
    """``t``'s array when MPI can use its memory directly, else a contiguous copy."""
    a = t._array
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.ascontiguousarray(a)


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, arg: str, what: str) -> int:
    """The group rank of a root given as a global ``rank`` or as ``group_rank``."""
    if (rank is None) == (group_rank is None):
        raise ValueError(f"{what}: give exactly one of {arg} and group_{arg}")
    if group_rank is not None:
        r = int(group_rank)
    elif pg is _world.default_pg:
        r = int(rank)  # type: ignore[arg-type]
    else:
        r = get_group_rank(pg, int(rank))  # type: ignore[arg-type]
    if not 0 <= r < pg.size():
        raise RuntimeError(
            f"{what}: invalid root rank: {r} (the group has ranks 0 to {pg.size() - 1})"
        )
    return r


def _start(group_arg: Any) -> ProcessGroup | None:
    pg = _member(group_arg)
    if pg is not None:
        _check_usable()
    return pg


# ----- collectives ----------------------------------------------------------------------------


def all_reduce(
    tensor: Tensor,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``tensor`` over the group in place: every rank ends with the same result."""
    _check_tensor(tensor, "tensor")
    _check_op(op, tensor._array.dtype, "all_reduce")
    pg = _start(group)
    if pg is None:
        return None
    arr = tensor._array
    buf = _contiguous(tensor)
    MPI = _mpi.mpi()
    request = pg._comm.Iallreduce(MPI.IN_PLACE, _mpi.buffer(buf, True), _mpi_op(op, arr.dtype))

    def finish() -> None:
        if op is RedOpType.AVG:
            np.divide(buf, pg.size(), out=buf, casting="unsafe")
        if buf is not arr:
            arr[...] = buf

    return _run(pg, "all_reduce", [request], async_op, finish, [tensor])


def broadcast(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Work | None:
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every rank."""
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "src", "broadcast")
    arr = tensor._array
    buf = _contiguous(tensor)
    request = pg._comm.Ibcast(_mpi.buffer(buf, False), root=root)

    def finish() -> None:
        if buf is not arr:
            arr[...] = buf

    return _run(pg, "broadcast", [request], async_op, finish, [tensor])


def _check_sizes(what: str, outputs: Sequence[Tensor], like: Tensor, n: int) -> None:
    if len(outputs) != n:
        raise RuntimeError(
            f"{what}: invalid output tensor list at index 0 (expected length {n}, got "
            f"{len(outputs)})"
        )
    _check_same_dtype(like, *outputs)
    for i, t in enumerate(outputs):
        if t._array.shape != like._array.shape:
            raise RuntimeError(
                f"{what}: invalid tensor size at index {i} (expected "
                f"{tuple(like._array.shape)}, got {tuple(t._array.shape)})"
            )


def all_gather(
    tensor_list: list[Tensor],
    tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """``tensor_list[i]`` receives ``tensor`` of group rank i, on every rank."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    _check_sizes("all_gather", tensor_list, tensor, pg.size())
    send = np.ascontiguousarray(tensor._array)
    recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype)  # (world, *shape)
    request = pg._comm.Iallgather(_mpi.buffer(send, False), _mpi.buffer(recv, False))

    def finish() -> None:
        for t, part in zip(tensor_list, recv, strict=True):
            t._array[...] = part

    return _run(pg, "all_gather", [request], async_op, finish, list(tensor_list))


def all_gather_into_tensor(
    output_tensor: Tensor,
    input_tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """``output_tensor`` (world size times ``input_tensor``'s elements, flat or stacked)
    receives every rank's ``input_tensor`` in rank order."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = _start(group)
    if pg is None:
        return None
    _check_same_dtype(output_tensor, input_tensor)
    if output_tensor._array.size != pg.size() * input_tensor._array.size:
        raise RuntimeError(
            f"all_gather_into_tensor: the output must have world size ({pg.size()}) times the "
            f"input's {input_tensor._array.size} elements, got {output_tensor._array.size}"
        )
    send = np.ascontiguousarray(input_tensor._array)
    out = output_tensor._array
    recv = _contiguous(output_tensor)
    request = pg._comm.Iallgather(_mpi.buffer(send, False), _mpi.buffer(recv, False))

    def finish() -> None:
        if recv is not out:
            out[...] = recv

    return _run(pg, "all_gather_into_tensor", [request], async_op, finish, [output_tensor])


def _reduce_scatter(
    what: str, output: Tensor, send: np.ndarray, op: Any, pg: ProcessGroup, async_op: bool
) -> Work | None:
    out = output._array
    recv = _contiguous(output)
    request = pg._comm.Ireduce_scatter_block(
        _mpi.buffer(send, True), _mpi.buffer(recv, True), _mpi_op(op, send.dtype)
    )

    def finish() -> None:
        if op is RedOpType.AVG:
            np.divide(recv, pg.size(), out=recv, casting="unsafe")
        if recv is not out:
            out[...] = recv

    return _run(pg, what, [request], async_op, finish, [output])


def reduce_scatter(
    output: Tensor,
    input_list: list[Tensor],
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """``output`` on group rank i receives the reduction over ranks of ``input_list[i]``."""
    _check_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    _check_op(op, output._array.dtype, "reduce_scatter")
    pg = _start(group)
    if pg is None:
        return None
    _check_sizes("reduce_scatter", input_list, output, pg.size())
    send = np.stack([t._array for t in input_list])  # (world, *shape)
    return _reduce_scatter("reduce_scatter", output, send, op, pg, async_op)


def reduce_scatter_tensor(
    output: Tensor,
    input: Tensor,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """``input`` holds world-size equal parts in rank order; ``output`` on rank i receives the
    reduction over ranks of part i."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    _check_op(op, output._array.dtype, "reduce_scatter_tensor")
    pg = _start(group)
    if pg is None:
        return None
    _check_same_dtype(output, input)
    if input._array.size != pg.size() * output._array.size:
        raise RuntimeError(
            f"reduce_scatter_tensor: the input must have world size ({pg.size()}) times the "
            f"output's {output._array.size} elements, got {input._array.size}"
        )
    send = np.ascontiguousarray(input._array)
    return _reduce_scatter("reduce_scatter_tensor", output, send, op, pg, async_op)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Reduce ``tensor`` over the group into ``tensor`` on rank ``dst`` only."""
    _check_tensor(tensor, "tensor")
    _check_op(op, tensor._array.dtype, "reduce")
    pg = _start(group)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "dst", "reduce")
    MPI = _mpi.mpi()
    arr = tensor._array
    buf = _contiguous(tensor)
    mine = pg.rank() == root
    request = pg._comm.Ireduce(
        MPI.IN_PLACE if mine else _mpi.buffer(buf, True),
        _mpi.buffer(buf, True) if mine else None,
        _mpi_op(op, arr.dtype),
        root=root,
    )

    def finish() -> None:
        if mine:
            if op is RedOpType.AVG:
                np.divide(buf, pg.size(), out=buf, casting="unsafe")
            if buf is not arr:
                arr[...] = buf

    return _run(pg, "reduce", [request], async_op, finish, [tensor])


def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """``gather_list[i]`` on rank ``dst`` receives ``tensor`` of group rank i."""
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    if dst is None and group_dst is None:
        dst = 0
    root = _root(pg, dst, group_dst, "dst", "gather")
    mine = pg.rank() == root
    if mine and gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if not mine and gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    send = np.ascontiguousarray(tensor._array)
    recv = None
    if mine:
        assert gather_list is not None
        _check_tensor_list(gather_list, "gather_list")
        _check_sizes("gather", gather_list, tensor, pg.size())
        recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype)  # (world, *shape)
    request = pg._comm.Igather(
        _mpi.buffer(send, False), None if recv is None else _mpi.buffer(recv, False), root=root
    )

    def finish() -> None:
        if recv is not None and gather_list is not None:
            for t, part in zip(gather_list, recv, strict=True):
                t._array[...] = part

    return _run(pg, "gather", [request], async_op, finish, list(gather_list or []))


def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Work | None:
    """``tensor`` on group rank i receives ``scatter_list[i]`` of rank ``src``."""
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    if src is None and group_src is None:
        src = 0
    root = _root(pg, src, group_src, "src", "scatter")
    mine = pg.rank() == root
    if mine and scatter_list is None:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    if not mine and scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    send = None
    if mine:
        assert scatter_list is not None
        _check_tensor_list(scatter_list, "scatter_list")
        _check_sizes("scatter", scatter_list, tensor, pg.size())
        send = np.stack([t._array for t in scatter_list])  # (world, *shape)
    arr = tensor._array
    recv = _contiguous(tensor)
    request = pg._comm.Iscatter(
        None if send is None else _mpi.buffer(send, False), _mpi.buffer(recv, False), root=root
    )

    def finish() -> None:
        if recv is not arr:
            arr[...] = recv

    return _run(pg, "scatter", [request], async_op, finish, [tensor])


def barrier(
    group: ProcessGroup | None = None,
    async_op: bool = False,
    device_ids: Any = None,
    timeout: timedelta | None = None,
) -> Work | None:
    """Wait until every rank of the group has reached this call."""
    pg = _start(group)
    if pg is None:
        return None
    request = pg._comm.Ibarrier()
    work = Work(pg, "barrier", [request])
    if async_op:
        return work
    work.wait(timeout)
    return None


# ----- point to point -------------------------------------------------------------------------


def isend(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``; the returned work finishes once it is sent."""
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    peer = _root(pg, dst, group_dst, "dst", "isend")
    if peer == pg.rank():
        raise ValueError(
            "Invalid destination rank: should not be the same as rank of the current process."
        )
    buf = np.ascontiguousarray(tensor._array)
    request = pg._comm.Isend(_mpi.buffer(buf, False), dest=peer, tag=tag)
    return Work(pg, "send", [request], lambda: buf, [tensor])


def irecv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (None: any rank)."""
    _check_tensor(tensor, "tensor")
    pg = _start(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _root(pg, src, group_src, "src", "irecv")
    arr = tensor._array
    buf = _contiguous(tensor)
    status = MPI.Status()
    request = pg._comm.Irecv(_mpi.buffer(buf, False), source=peer, tag=tag)

    def finish() -> int:
        if buf is not arr:
            arr[...] = buf
        return pg._ranks[status.Get_source()]

    return Work(pg, "recv", [request], finish, [tensor], statuses=[status])


def send(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> None:
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> int:
    """Receive into ``tensor``; returns the sender's global rank (-1 outside the group)."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()


# ----- Python objects (pickled: use only between ranks of one trusted job, as torch) ----------


def _gather_bytes(pg: ProcessGroup, payload: bytes, what: str) -> list[bytes]:
    MPI = _mpi.mpi()
    n = pg.size()
    sizes = np.zeros(n, dtype=np.int64)
    mine = np.array([len(payload)], dtype=np.int64)
    _wait(pg, what, [pg._comm.Iallgather([mine, MPI.INT64_T], [sizes, MPI.INT64_T])], pg._timeout)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    recv = np.empty(int(sizes.sum()), dtype=np.uint8)
    send = np.frombuffer(payload, dtype=np.uint8)
    request = pg._comm.Iallgatherv(
        [send, MPI.BYTE], [recv, (sizes.tolist(), offsets.tolist()), MPI.BYTE]
    )
    _wait(pg, what, [request], pg._timeout)
    return [recv[o : o + s].tobytes() for o, s in zip(offsets, sizes, strict=True)]


def _object_globals() -> dict[tuple[str, str], Any]:
    """The globals an object collective's payload may name: NumPy arrays (the dataset reader's
    allow-list), convkit tensors and parameters, and the builtin containers and numbers that
    pickle builds through a global. Nothing that runs code."""
    from ..data.cifar import _ALLOWED_GLOBALS
    from ..nn.parameter import Parameter
    from ..tensor import _rebuild

    allowed = dict(_ALLOWED_GLOBALS)
    for kind in (set, frozenset, complex, slice, range, bytearray):
        allowed[("builtins", kind.__name__)] = kind
    allowed[("collections", "OrderedDict")] = collections.OrderedDict
    allowed[("convkit.tensor", "_rebuild")] = _rebuild
    allowed[("convkit.tensor", "Tensor")] = Tensor
    allowed[("convkit.nn.parameter", "Parameter")] = Parameter
    return allowed


class _ObjectUnpickler(pickle.Unpickler):
    """Unpickles another rank's objects, resolving only ``_object_globals``: a payload that
    names anything else (``os.system``, ``builtins.eval``, a class) is refused before it runs."""

    def __init__(self, data: bytes, what: str) -> None:
        super().__init__(io.BytesIO(data))
        self._what = what
        self._allowed = _object_globals()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"{self._what}: refusing to unpickle global '{module}.{name}' sent by another "
                f"rank: object collectives carry containers, numbers, strings, bytes, NumPy "
                f"arrays and convkit tensors only (send other data as tensors)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"{self._what}: refusing a persistent id from another rank")


def _loads(data: bytes, what: str) -> Any:
    return _ObjectUnpickler(data, what).load()


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """``object_list[i]`` receives ``obj`` of group rank i.

    Unlike torch's, which unpickles whatever the other ranks send (and so can run code), the
    objects are restricted to containers, numbers, strings, bytes, NumPy arrays and convkit
    tensors (``_ObjectUnpickler``); anything else raises ``pickle.UnpicklingError`` on the
    receiving rank."""
    pg = _start(group)
    if pg is None:
        return
    for i, payload in enumerate(_gather_bytes(pg, pickle.dumps(obj), "all_gather_object")):
        object_list[i] = _loads(payload, "all_gather_object")


def broadcast_object_list(
    object_list: list[Any],
    src: int | None = None,
    group: ProcessGroup | None = None,
    device: Any = None,
    group_src: int | None = None,
) -> None:
    """Replace the items of ``object_list`` on every rank by those of rank ``src``.

    Rank ``src``'s objects are restricted as in ``all_gather_object``."""
    pg = _start(group)
    if pg is None:
        return
    if src is None and group_src is None:
        src = 0
    root = _root(pg, src, group_src, "src", "broadcast_object_list")
    MPI = _mpi.mpi()
    payload = pickle.dumps(list(object_list)) if pg.rank() == root else b""
    size = np.array([len(payload)], dtype=np.int64)
    _wait(
        pg, "broadcast_object_list", [pg._comm.Ibcast([size, MPI.INT64_T], root=root)], pg._timeout
    )
    buf = (
        np.frombuffer(payload, dtype=np.uint8).copy()
        if pg.rank() == root
        else np.empty(int(size[0]), dtype=np.uint8)
    )
    _wait(pg, "broadcast_object_list", [pg._comm.Ibcast([buf, MPI.BYTE], root=root)], pg._timeout)
    if pg.rank() != root:
        items = _loads(buf.tobytes(), "broadcast_object_list")
        if len(items) != len(object_list):
            raise RuntimeError(
                f"broadcast_object_list: rank {src} sent {len(items)} objects, this rank's "
                f"list has {len(object_list)} slots"
            )
        object_list[:] = items
