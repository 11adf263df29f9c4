"""Pooling primitives: max, average, adaptive average/max, fractional max, max unpooling.

Inputs are ``(N, C, *spatial)`` arrays with the arguments already normalised to tuples by
``nn.functional.pooling``; batch and channels are folded into one axis for the kernels. LPPool is
a composite of these and has no backward of its own.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..kernels import pool as K


def _planes(a: np.ndarray, n: int) -> np.ndarray:
    """(N, C, *spatial) -> (N*C, *spatial), the kernels' layout."""
    lead = a.shape[: a.ndim - n]
    return a.reshape((lead[0] * lead[1],) + a.shape[a.ndim - n :])  # (N*C, *spatial)


class MaxPool(Function):
    """Max pooling; returns (values, int64 indices) when ``return_indices``."""

    grad_fn_name = "MaxPool{d}DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out, return_indices=False):
        n = len(kernel)
        lead = x.shape[:2]
        xs = _planes(x, n)
        ctx.geometry = (kernel, stride, padding, dilation, out)
        if return_indices:
            y, idx = K.max_pool_indices(xs, kernel, stride, padding, dilation, out)
            ctx.save_for_backward(xs, y, idx)
            return y.reshape(lead + y.shape[1:]), idx.reshape(lead + idx.shape[1:])
        y = K.max_pool(xs, kernel, stride, padding, dilation, out)
        ctx.save_for_backward(xs, y, None)
        return y.reshape(lead + y.shape[1:])

    @staticmethod
    def backward(ctx, g):
        xs, y, idx = ctx.saved_tensors
        n = xs.ndim - 1
        # allocated in the caller's layout, so that the gradient owns its memory (the engine
        # would copy a reshaped view)
        gx = np.empty(g.shape[:2] + xs.shape[1:], dtype=xs.dtype)
        K.max_pool_backward(
            xs,
            y,
            _planes(g.astype(xs.dtype, copy=False), n),
            *ctx.geometry,
            indices=idx,
            out_array=_planes(gx, n),
        )
        return gx


class AvgPool(Function):
    """Average pooling with torch's divisor rule (``kernels.pool.avg_pool_divisor``)."""

    grad_fn_name = "AvgPool{d}DBackward0"

    @staticmethod
    def forward(
        ctx, x, kernel, stride, padding, out, count_include_pad=True, divisor_override=None
    ):
        n = len(kernel)
        spatial = x.shape[2:]
        divisor = K.avg_pool_divisor(
            spatial,
            kernel,
            stride,
            padding,
            out,
            count_include_pad,
            divisor_override,
            x.dtype if x.dtype.kind == "f" else np.int64,
        )
        ctx.geometry = (spatial, kernel, stride, padding, out)
        ctx.divisor = divisor
        y = K.avg_pool(_planes(x, n), kernel, stride, padding, out, divisor)
        return y.reshape(x.shape[:2] + y.shape[1:])

    @staticmethod
    def backward(ctx, g):
        spatial = ctx.geometry[0]
        gx = np.empty(g.shape[:2] + tuple(spatial), dtype=g.dtype)
        K.avg_pool_backward(
            _planes(g, len(spatial)),
            *ctx.geometry,
            divisor=ctx.divisor.astype(g.dtype, copy=False),
            out_array=_planes(gx, len(spatial)),
        )
        return gx


class AdaptiveAvgPool(Function):
    grad_fn_name = "AdaptiveAvgPool{d}DBackward0"

    @staticmethod
    def forward(ctx, x, out):
        n = len(out)
        ctx.spatial = x.shape[2:]
        y = K.adaptive_avg_pool(_planes(x, n), out)
        return y.reshape(x.shape[:2] + y.shape[1:])

    @staticmethod
    def backward(ctx, g):
        spatial = ctx.spatial
        gx = K.adaptive_avg_pool_backward(_planes(g, len(spatial)), spatial)
        return gx.reshape(g.shape[:2] + tuple(spatial))


class AdaptiveMaxPool(Function):
    """Adaptive max pooling; returns (values, int64 indices) when ``return_indices``."""

    grad_fn_name = "AdaptiveMaxPool{d}DBackward0"

    @staticmethod
    def forward(ctx, x, out, return_indices=False):
        n = len(out)
        lead, spatial = x.shape[:2], x.shape[2:]
        y, winners = K.adaptive_max_pool(_planes(x, n), out)
        ctx.spatial, ctx.winners = spatial, winners
        y = y.reshape(lead + y.shape[1:])
        if return_indices:
            idx = K.adaptive_max_pool_indices(winners, spatial)
            return y, idx.reshape(lead + idx.shape[1:])
        return y

    @staticmethod
    def backward(ctx, g):
        spatial = ctx.spatial
        gx = K.adaptive_max_pool_backward(_planes(g, len(spatial)), ctx.winners, spatial)
        return gx.reshape(g.shape[:2] + tuple(spatial))


class FractionalMaxPool(Function):
    """Fractional max pooling; always returns (values, int64 indices).

    ``samples``: (N', C, n) finite array in x's dtype, N' >= N, one u per spatial axis in axis
    order (the caller reorders torch's 2-d (W, H) layout). Any finite u gives windows inside the
    input once ``out + k - 1 <= L`` (then alpha >= 1 and start i lies within 1 of i*alpha).
    """

    grad_fn_name = "FractionalMaxPool{d}DBackward0"

    @staticmethod
    def forward(ctx, x, kernel, out, samples):
        n = len(kernel)
        lead, spatial = x.shape[:2], x.shape[2:]
        u = samples[: lead[0]].reshape(lead[0] * lead[1], n)  # (N*C, n)
        starts = [
            K.fractional_starts(u[:, d], L, o, k)
            for d, (L, o, k) in enumerate(zip(spatial, out, kernel, strict=True))
        ]
        y, idx = K.fractional_max_pool(_planes(x, n), starts, kernel)
        ctx.spatial, ctx.idx = spatial, idx
        return y.reshape(lead + y.shape[1:]), idx.reshape(lead + idx.shape[1:])

    @staticmethod
    def backward(ctx, g):
        spatial = ctx.spatial
        gx = K.fractional_max_pool_backward(_planes(g, len(spatial)), ctx.idx, spatial)
        return gx.reshape(g.shape[:2] + tuple(spatial))


class MaxUnpool(Function):
    """Scatter ``x`` to ``indices`` (checked in range by the caller) of a zero (N, C, *out)."""

    grad_fn_name = "MaxUnpool{d}DBackward0"

    @staticmethod
    def forward(ctx, x, indices, out):
        n = len(out)
        idx = _planes(indices, n)
        ctx.idx = idx
        y = K.max_unpool(_planes(x, n), idx, out)
        return y.reshape(x.shape[:2] + tuple(out))

    @staticmethod
    def backward(ctx, g):
        idx = ctx.idx
        gx = K.max_unpool_backward(_planes(g, idx.ndim - 1), idx)
        return gx.reshape(g.shape[:2] + idx.shape[1:]), None
