"""SyncBatchNorm: batch normalisation whose training statistics cover every rank's batch."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.sync_batch_norm import SyncBatchNorm as _SyncBatchNormFn
from ..tensor import Tensor
from .functional.normalization import check_batch_norm_args
from .module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over (N, C, *) inputs with the mean and variance of the global batch:
    the union of the batches of every rank of ``process_group`` (default: the world), so N
    ranks with batch B/N each train as one process with batch B.

    Outside training, without an initialised process group or with one rank it is
    ``BatchNorm``. Its signature, ``repr`` and ``state_dict`` are torch's; unlike torch's (which
    insists on GPU tensors) it runs on the CPU, the only device convkit has.
    ``convert_sync_batchnorm(model)`` swaps every ``BatchNorm*d`` of a model for it.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input: Tensor) -> None:
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input: Tensor) -> Tensor:
        from .. import distributed as dist

        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        group = None
        if self.training and dist.is_initialized():
            group = self.process_group or dist.group.WORLD
            if dist.get_world_size(group) <= 1:  # one rank, or not a member of the group
                group = None
        if group is None:
            return super().forward(input)
        factor = self._count_batch()
        running_mean = self.running_mean if self.track_running_stats else None
        running_var = self.running_var if self.track_running_stats else None
        check_batch_norm_args(input, running_mean, running_var, self.weight, self.bias)
        return _SyncBatchNormFn.apply(
            input,
            self.weight,
            self.bias,
            running_mean=None if running_mean is None else running_mean._array,
            running_var=None if running_var is None else running_var._array,
            momentum=float(factor),
            eps=float(self.eps),
            gather=_gatherer(group),
            all_reduce_sum=_all_reducer(group),
        )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every ``BatchNorm*d`` in ``module`` by a SyncBatchNorm sharing its parameters
        and buffers; returns ``module`` (or the new layer, when ``module`` is a BatchNorm)."""
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:
                output.weight = module.weight
                output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
            if hasattr(module, "qconfig"):
                output.qconfig = module.qconfig
        for name, child in list(module.named_children()):
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output


def _gatherer(group: Any) -> Any:
    """``gather(v)``: the rows ``v`` of every rank, stacked in rank order."""
    from .. import distributed as dist

    def gather(local: np.ndarray) -> np.ndarray:
        out = Tensor._wrap(np.empty((dist.get_world_size(group),) + local.shape, local.dtype))
        dist.all_gather_into_tensor(out, Tensor._wrap(local), group=group)
        return out._array

    return gather


def _all_reducer(group: Any) -> Any:
    from .. import distributed as dist

    def all_reduce_sum(local: np.ndarray) -> np.ndarray:
        t = Tensor._wrap(np.ascontiguousarray(local))
        dist.all_reduce(t, group=group)
        return t._array

    return all_reduce_sum
