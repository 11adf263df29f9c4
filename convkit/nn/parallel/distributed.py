"""DistributedDataParallel: one model replica per process, gradients averaged over the group.

How the gradients travel (torch's Reducer, in Python over MPI):

- The parameters that require grad are cut into buckets in reverse registration order (about the
  order backward produces their gradients): with the default cap the first bucket holds about
  1 MiB, the others ``bucket_cap_mb`` (25 MB), never mixing dtypes. Each bucket is one
  contiguous buffer. (torch starts with one bucket and rebuilds them after the first iteration
  in the order the gradients arrived; here the assignment is made once, at construction.)
- A post-accumulate-grad hook on every parameter copies its ``.grad``, divided by the world size,
  into its slot. When a bucket is full its all-reduce (a non-blocking MPI ``Iallreduce``, sum)
  starts while backward goes on with the layers below; buckets start strictly in index order,
  so every rank issues the same collectives in the same order.
- At the end of backward (``autograd.queue_callback``) the remaining buckets start, every
  reduction is waited for (with the group's timeout) and the averages are copied back into
  ``.grad`` (or ``.grad`` becomes a view of the bucket with ``gradient_as_bucket_view``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ...autograd import is_grad_enabled, queue_callback
from ...distributed import _mpi
from ...distributed import distributed_c10d as c10d
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["DistributedDataParallel"]

#: torch's ``dist._DEFAULT_FIRST_BUCKET_BYTES``: a small first bucket starts communicating early.
FIRST_BUCKET_BYTES = 1024 * 1024
DEFAULT_BUCKET_CAP_MB = 25
#: torch's cap for the coalesced broadcasts of parameters and buffers.
BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024


class _Bucket:
    """One contiguous gradient buffer and the parameters whose slots it holds."""

    def __init__(self, params: list[Parameter]) -> None:
        self.params = params
        dtype = params[0]._array.dtype
        sizes = [p._array.size for p in params]
        self.buffer = np.zeros(sum(sizes), dtype=dtype)
        starts = np.cumsum([0] + sizes[:-1])
        self.views = [
            self.buffer[s : s + n].reshape(p._array.shape)
            for s, n, p in zip(starts, sizes, params, strict=True)
        ]
        self.pending = len(params)
        self.request: Any = None


def _bucket_assignment(
    params: list[Parameter], first_cap: int, cap_bytes: int
) -> list[list[Parameter]]:
    """Buckets in reverse parameter order, one dtype per bucket; a bucket closes once it holds
    at least its cap (``first_cap`` for the first)."""
    buckets: list[list[Parameter]] = []
    open_by_dtype: dict[np.dtype, tuple[list[Parameter], int]] = {}
    for p in reversed(params):
        dtype = p._array.dtype
        members, size = open_by_dtype.get(dtype, ([], 0))
        members.append(p)
        size += p._array.nbytes
        limit = first_cap if not buckets else cap_bytes
        if size >= limit:
            buckets.append(members)
            open_by_dtype.pop(dtype, None)
        else:
            open_by_dtype[dtype] = (members, size)
    buckets.extend(members for members, _ in open_by_dtype.values())
    return buckets


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of a process group (torch's
    ``nn.parallel.DistributedDataParallel``).

    Each rank runs this wrapper around its own replica of ``module`` on its own share of the
    batch; after ``loss.backward()`` every rank holds the gradient averaged over all ranks, so
    identical optimiser steps keep the replicas identical.

    Args:
        module: the model; ``ddp.module`` is it, and ``state_dict`` keys get ``module.``.
        device_ids, output_device: must be None (convkit runs on the CPU, as torch's CPU
            modules require).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every rank
            at the start of each forward (default True).
        init_sync: copy rank 0's parameters and buffers to every rank now (default True).
        process_group: the group to average over (default: the world).
        bucket_cap_mb: the size of a gradient bucket (default 25).
        find_unused_parameters: allow parameters that receive no gradient in a backward pass
            (their bucket slots count as zero; a parameter unused on every rank keeps its
            ``.grad``). Without it such a parameter is an error, as in torch.
        gradient_as_bucket_view: make each ``.grad`` a view of its bucket (saves a copy).
        static_graph, check_reduction, skip_all_reduce_unused_params, batched_grad_copy,
            forward_sync_buffers: accepted for torch's signature.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool | None = None,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params: Any = None,
        param_to_hook_all_reduce: Any = None,
        mixed_precision: Any = None,
        device_mesh: Any = None,
        skip_all_reduce_unused_params: bool = False,
        bucket_cap_mb_list: list[int] | None = None,
        batched_grad_copy: bool = False,
        forward_sync_buffers: bool | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"module must be a convkit.nn.Module, got {type(module).__name__}")
        if device_ids is not None or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                "{device(type='cpu')}."
            )
        for name, value in (
            ("delay_all_reduce_named_params", delay_all_reduce_named_params),
            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
            ("mixed_precision", mixed_precision),
            ("device_mesh", device_mesh),
            ("bucket_cap_mb_list", bucket_cap_mb_list),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"DistributedDataParallel({name}=...) is not supported by convkit"
                )
        if process_group is not None and device_mesh is not None:
            raise RuntimeError("Cannot specify both process_group and device_mesh arguments.")
        group = c10d._require_group(process_group)
        self.module = module
        self.process_group = group
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.static_graph = bool(static_graph)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        cap_mb = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * 1024 * 1024)
        # As torch: the small first bucket only with the default cap.
        first_cap = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap

        self._params = [p for p in module.parameters() if p.requires_grad]
        if not self._params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient."
            )
        self._verify_same_model()
        # Gradient all-reduces run on their own communicator, so they never interleave with
        # collectives the model or the training loop issue on the group meanwhile
        # (SyncBatchNorm's during backward, a loss all-reduce for logging).
        self._comm_group = c10d.ProcessGroup(
            group._comm.Dup(), group._ranks, group.name(), group._timeout, group.group_name
        )
        self.modules_buffers = [b for b in module.buffers()]
        if init_sync:
            self._broadcast_coalesced(list(module.parameters()) + self.modules_buffers)
        self._buckets = [
            _Bucket(ps) for ps in _bucket_assignment(self._params, first_cap, self.bucket_bytes_cap)
        ]
        self._slot = {
            id(p): (bucket, i) for bucket in self._buckets for i, p in enumerate(bucket.params)
        }
        self._sync_this_backward = False
        self._in_pass = False
        self._next_bucket = 0
        self._used: set[int] = set()
        self._hook_handles = [
            p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params
        ]

    # ----- construction ---------------------------------------------------------------------
    def _verify_same_model(self) -> None:
        """Every rank must wrap the same parameter shapes, or averaging would mix them up."""
        mine = [(tuple(p._array.shape), p._array.dtype.str) for p in self._params]
        everyone: list[Any] = [None] * self.process_group.size()
        c10d.all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs == mine:
                continue
            me = self.process_group.rank()
            if len(theirs) != len(mine):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank {me} has {len(mine)} "
                    f"params, while rank {r} has inconsistent {len(theirs)} params."
                )
            i = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
            raise RuntimeError(
                f"DDP expects same model across all ranks, but Rank {me} "
                f"has parameter {i} of shape {mine[i][0]} and dtype {mine[i][1]}, while rank {r} "
                f"has shape {theirs[i][0]} and dtype {theirs[i][1]}."
            )

    def _broadcast_coalesced(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values of ``tensors`` to every rank, one broadcast per dtype and
        250 MB."""
        group = self._comm_group
        root = 0
        by_dtype: dict[np.dtype, list[list[Tensor]]] = {}
        for t in tensors:
            chunks = by_dtype.setdefault(t._array.dtype, [[]])
            if sum(x._array.nbytes for x in chunks[-1]) + t._array.nbytes > BROADCAST_BUCKET_BYTES:
                chunks.append([])
            chunks[-1].append(t)
        for chunks in by_dtype.values():
            for chunk in chunks:
                if not chunk:
                    continue
                flat = np.concatenate([t._array.reshape(-1) for t in chunk])
                request = group._comm.Ibcast(_mpi.buffer(flat, False), root=root)
                c10d._wait(group, "DistributedDataParallel broadcast", [request], group._timeout)
                start = 0
                for t in chunk:
                    n = t._array.size
                    t._array[...] = flat[start : start + n].reshape(t._array.shape)
                    start += n

    # ----- forward --------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        grad_sync = is_grad_enabled() and self.require_backward_grad_sync
        self.require_forward_param_sync = grad_sync
        if grad_sync and self.broadcast_buffers and self.modules_buffers:
            self._broadcast_coalesced(self.modules_buffers)
        # Decided here, as torch decides in forward: a backward of this output averages
        # gradients unless the forward ran under no_sync() or no_grad.
        self._sync_this_backward = grad_sync
        return self.module(*inputs, **kwargs)

    def will_sync_module_buffers(self) -> bool:
        return (
            self.require_forward_param_sync
            and self.broadcast_buffers
            and len(self.modules_buffers) > 0
        )

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward and backward accumulate gradients locally without communicating;
        the first backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ----- backward -------------------------------------------------------------------------
    def _grad_ready(self, param: Parameter) -> None:
        if not self._sync_this_backward:
            return
        if not self._in_pass:
            self._in_pass = True
            queue_callback(self._finish_backward)
        bucket, i = self._slot[id(param)]
        self._used.add(id(param))
        assert param.grad is not None
        np.divide(param.grad._array, self.process_group.size(), out=bucket.views[i])
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()
        else:
            self._progress()

    def _launch_ready(self) -> None:
        MPI = _mpi.mpi()
        comm = self._comm_group._comm
        while self._next_bucket < len(self._buckets):
            bucket = self._buckets[self._next_bucket]
            if bucket.pending:
                break
            bucket.request = comm.Iallreduce(
                MPI.IN_PLACE, _mpi.buffer(bucket.buffer, True), MPI.SUM
            )
            self._next_bucket += 1

    def _progress(self) -> None:
        """Let MPI move the reductions in flight along (it progresses only inside MPI calls)."""
        requests = [b.request for b in self._buckets[: self._next_bucket] if b.request is not None]
        _mpi.test(requests)

    def _finish_backward(self) -> None:
        try:
            unused = [p for p in self._params if id(p) not in self._used]
            if unused and not self.find_unused_parameters:
                self._launch_ready()
                self._wait_launched()
                names = {id(p): n for n, p in self.module.named_parameters()}
                missing = ", ".join(names.get(id(p), "?") for p in unused)
                raise RuntimeError(
                    "Expected to have finished reduction in the prior iteration before starting "
                    "a new one. This error indicates that your module has parameters that were "
                    "not used in producing loss. You can enable unused parameter detection by "
                    "passing the keyword argument `find_unused_parameters=True` to "
                    "`convkit.nn.parallel.DistributedDataParallel`, and by making sure all "
                    "`forward` function outputs participate in calculating loss. Parameters "
                    f"that received no gradient on rank {self.process_group.rank()}: {missing}"
                )
            for p in unused:
                bucket, i = self._slot[id(p)]
                bucket.views[i][...] = 0
                bucket.pending -= 1
            self._launch_ready()
            unused_everywhere = self._unused_everywhere() if self.find_unused_parameters else set()
            self._wait_launched()
            for bucket in self._buckets:
                for p, view in zip(bucket.params, bucket.views, strict=True):
                    if id(p) not in unused_everywhere:  # else no rank has a gradient: keep .grad
                        self._store_grad(p, view)
        finally:
            self._reset_pass()

    def _unused_everywhere(self) -> set[int]:
        """The ids of the parameters that received a gradient on no rank in this pass (one
        all-reduce of a flag per parameter, as torch's ``local_used_map``)."""
        MPI = _mpi.mpi()
        flags = np.array([id(p) in self._used for p in self._params], dtype=np.uint8)
        group = self._comm_group
        request = group._comm.Iallreduce(MPI.IN_PLACE, [flags, MPI.UINT8_T], MPI.MAX)
        c10d._wait(
            group, "DistributedDataParallel unused-parameter check", [request], group._timeout
        )
        return {id(p) for p, used in zip(self._params, flags, strict=True) if not used}

    def _wait_launched(self) -> None:
        group = self._comm_group
        requests = [b.request for b in self._buckets[: self._next_bucket]]
        c10d._wait(group, "DistributedDataParallel gradient all-reduce", requests, group._timeout)

    def _store_grad(self, p: Parameter, view: np.ndarray) -> None:
        grad = p.grad
        if self.gradient_as_bucket_view:
            if grad is None or grad._array is not view:
                p.grad = Tensor._wrap(view)
        elif grad is None:
            p.grad = Tensor._wrap(view.copy())
        else:
            grad._array[...] = view

    def _reset_pass(self) -> None:
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
            bucket.request = None
        self._next_bucket = 0
        self._used = set()
        self._in_pass = False
