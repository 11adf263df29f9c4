"""The separable resampling primitive behind F.interpolate's nearest, linear and cubic modes."""

from __future__ import annotations

from ..autograd import Function
from ..kernels import upsample as K


class Resample(Function):
    """Resample the trailing spatial axes of ``x``: ``plans[d]`` maps axis ``x.ndim - n + d``
    (``bilinear``: two 2-tap plans summed as torch's bilinear kernel rounds them).

    Forward resamples the last axis first (torch's rounding order, see kernels.upsample);
    backward scatters the gradient back through the axes in the opposite order.
    """

    @staticmethod
    def forward(ctx, x, plans, bilinear=False):
        n = len(plans)
        first = x.ndim - n
        ctx.plans, ctx.in_shape = plans, x.shape
        if bilinear:
            return K.resample_bilinear(x, plans[0], plans[1])
        out = x
        for d in reversed(range(n)):
            out = K.resample(out, first + d, plans[d])
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        n = len(ctx.plans)
        first = len(ctx.in_shape) - n
        for d in range(n):
            g = K.resample_backward(g, first + d, ctx.plans[d], ctx.in_shape[first + d])
        return g


class ResampleAntialias(Function):
    """torch's antialiased resampling of the last two axes (``kernels.upsample.antialias_plan``).

    Forward resamples the width, then the height, skipping an axis whose size does not change
    (torch's separable kernel copies it, whatever the scale factor); backward is the adjoint of
    that forward. (torch's backward applies the weights of an unchanged axis all the same: with
    a scale factor that keeps the size, they are not the identity and its gradient is not the
    derivative of its forward; convkit keeps the true gradient, as Resample does.)
    """

    @staticmethod
    def forward(ctx, x, plans):
        n = len(plans)
        first = x.ndim - n
        ctx.plans, ctx.in_shape = plans, x.shape
        out = x
        for d in reversed(range(n)):
            if plans[d][0].shape[0] != x.shape[first + d]:
                out = K.resample_runs(out, first + d, plans[d])
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        n = len(ctx.plans)
        first = len(ctx.in_shape) - n
        for d in range(n):
            size = ctx.in_shape[first + d]
            if ctx.plans[d][0].shape[0] != size:
                g = K.resample_backward(g, first + d, ctx.plans[d], size)
        return g
