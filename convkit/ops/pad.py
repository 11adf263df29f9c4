"""The padding primitive: every mode, any number of trailing dimensions."""

from __future__ import annotations

from ..autograd import Function
from ..kernels import pad as K


class Pad(Function):
    """Pad the last ``len(pairs)`` dimensions; ``pairs`` are (before, after) in dimension order.

    The backward of reflect, replicate and circular adds every copied cell back onto the input
    cell it was read from; constant padding's backward keeps the uncropped core.
    """

    grad_fn_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pairs, mode="constant", value=0.0):
        ctx.in_shape, ctx.pairs, ctx.mode = x.shape, pairs, mode
        return K.pad(x, pairs, mode, value)

    @staticmethod
    def backward(ctx, g):
        return K.pad_backward(g, ctx.in_shape, ctx.pairs, ctx.mode)
