"""Loss primitives whose torch derivative is not the chain rule of their composite form."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

# torch's EPSILON in binary_cross_entropy_backward (aten/src/ATen/native/Loss.cpp): a float
# constant, so float64 gradients divide by float32(1e-12) too.
_BCE_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Function):
    """``-w * (t * max(log x, -100) + (1 - t) * max(log1p(-x), -100))`` elementwise.

    The logs are clamped at -100 so that x = 0 or 1 gives a finite loss; torch's gradient is
    ``w * (x - t) / max(x (1 - x), 1e-12)``, finite there too (the chain rule through the clamp
    would give 0 instead).
    """

    @staticmethod
    def forward(ctx, x, t, w=None):
        ctx.save_for_backward(x, t, w)
        floor = np.asarray(-100, dtype=x.dtype)
        loss = (t - 1) * np.maximum(np.log1p(-x), floor) - t * np.maximum(np.log(x), floor)
        return loss if w is None else loss * w

    @staticmethod
    def backward(ctx, g):
        x, t, w = ctx.saved_tensors
        scale = g if w is None else g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = scale * (x - t) / np.maximum((1 - x) * x, np.asarray(_BCE_EPS, dtype=x.dtype))
        if ctx.needs_input_grad[1]:
            gt = -scale * np.log(x / (1 - x))  # -logit(x)
        return gx, gt, None
