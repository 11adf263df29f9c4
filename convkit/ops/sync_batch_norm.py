"""Batch normalisation with statistics over the whole batch of several processes.

The communication is passed in (``gather`` and ``all_reduce_sum`` callables), so the op needs no
knowledge of MPI; ``convkit.nn.SyncBatchNorm`` supplies them from its process group.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autograd import Function

Array = np.ndarray


def combine_statistics(stats: Array, channels: int) -> tuple[Array, Array, float]:
    """(mean, biased variance, count) of the union of the ranks' batches.

    ``stats`` is (world, 1 + 2C) float64, each row ``[count, mean (C), M2 (C)]`` of one rank's
    batch, M2 being the sum of squared deviations from that rank's mean. Chan et al.'s pairwise
    update, summed over ranks: ``M2 = sum_r (M2_r + n_r (mean_r - mean)^2)``, which never
    subtracts two large sums (as ``E[x^2] - E[x]^2`` would).
    """
    counts = stats[:, 0]  # (world,)
    means = stats[:, 1 : 1 + channels]  # (world, C)
    m2s = stats[:, 1 + channels :]  # (world, C)
    total = float(counts.sum())
    mean = (counts[:, None] * means).sum(axis=0) / total  # (C,)
    m2 = (m2s + counts[:, None] * (means - mean) ** 2).sum(axis=0)  # (C,)
    return mean, m2 / total, total


class SyncBatchNorm(Function):
    """Training-mode batch normalisation of ``x`` (N, C, *) over the batches of every rank.

    Forward: each rank's count, mean and M2 per channel are gathered from every rank and
    combined; the running statistics get the global mean and unbiased variance. Backward, as
    torch's: the two per-channel sums that the input gradient needs, ``sum(g)`` and
    ``sum(g * xhat)``, are summed over the ranks, so that
    ``dx = invstd * w * (g - sum(g)/M - xhat * sum(g * xhat)/M)`` with M the global count;
    the weight and bias gradients stay this rank's sums (DistributedDataParallel averages them).
    """

    grad_fn_name = "SyncBatchNormBackward"

    @staticmethod
    def forward(
        ctx: Any,
        x: Array,
        weight: Array | None,
        bias: Array | None,
        running_mean: Array | None = None,
        running_var: Array | None = None,
        momentum: float = 0.1,
        eps: float = 1e-5,
        gather: Callable[[Array], Array] | None = None,
        all_reduce_sum: Callable[[Array], Array] | None = None,
    ) -> Array:
        assert gather is not None and all_reduce_sum is not None
        channels = x.shape[1]
        axes = (0,) + tuple(range(2, x.ndim))
        stat_shape = (1, channels) + (1,) * (x.ndim - 2)  # (1, C, 1, ...)
        count = x.size // channels
        local = np.zeros(1 + 2 * channels, dtype=np.float64)
        if count:
            local_mean = x.mean(axis=axes, dtype=x.dtype)
            centred = x - local_mean.reshape(stat_shape)
            local[0] = count
            local[1 : 1 + channels] = local_mean
            local[1 + channels :] = (centred * centred).sum(axis=axes, dtype=np.float64)
        mean64, var64, total = combine_statistics(gather(local), channels)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean64.astype(running_mean.dtype)
        if running_var is not None:
            unbiased = var64 * (total / (total - 1)) if total > 1 else var64
            running_var *= 1 - momentum
            running_var += momentum * unbiased.astype(running_var.dtype)
        mean = mean64.astype(x.dtype)
        invstd = (1 / np.sqrt(var64.astype(x.dtype) + np.asarray(eps, dtype=x.dtype))).astype(
            x.dtype
        )
        xhat = (x - mean.reshape(stat_shape)) * invstd.reshape(stat_shape)
        out = xhat
        if weight is not None:
            out = out * weight.reshape(stat_shape)
        if bias is not None:
            out = out + bias.reshape(stat_shape)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.axes, ctx.stat_shape, ctx.total = axes, stat_shape, total
        ctx.all_reduce_sum = all_reduce_sum
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, ...]:
        xhat, invstd, weight = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.stat_shape
        channels = xhat.shape[1]
        sum_g = g.sum(axis=axes)  # (C,)
        sum_gx = (g * xhat).sum(axis=axes)  # (C,)
        gx = None
        if ctx.needs_input_grad[0]:
            both = ctx.all_reduce_sum(np.concatenate([sum_g, sum_gx]))  # (2C,)
            mean_g = (both[:channels] / ctx.total).astype(g.dtype)
            mean_gx = (both[channels:] / ctx.total).astype(g.dtype)
            scale = invstd if weight is None else invstd * weight  # (C,)
            gx = scale.reshape(shape) * (g - mean_g.reshape(shape) - xhat * mean_gx.reshape(shape))
        gw = sum_gx if ctx.needs_input_grad[1] else None
        gb = sum_g if ctx.needs_input_grad[2] else None
        return gx, gw, gb
