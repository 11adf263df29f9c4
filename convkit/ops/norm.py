"""The vector p-norm primitive, ``(sum |x|^p)^(1/p)`` over some axes.

Its backward is torch's (linalg_vector_norm_backward), which is defined where the chain rule over
``sqrt(sum(x*x))`` is not: a zero vector gets a zero gradient, not 0/0.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function


class VectorNorm(Function):
    """p-norm over ``axes`` (a tuple); p may be 0, inf or -inf as in torch."""

    @staticmethod
    def forward(ctx, a, p, axes, keepdims=False):
        ax = np.abs(a)
        if p == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
        elif p == 1:
            out = np.sum(ax, axis=axes, keepdims=True)
        elif p == math.inf:
            out = np.max(ax, axis=axes, keepdims=True, initial=0)
        elif p == -math.inf:
            out = np.min(ax, axis=axes, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=True).astype(a.dtype)
        else:
            out = np.power(np.sum(np.power(ax, p), axis=axes, keepdims=True), 1.0 / p)
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        ctx.p, ctx.axes, ctx.keepdims = p, axes, keepdims
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, norm = ctx.saved_tensors
        p = ctx.p
        if not ctx.keepdims:
            g = np.expand_dims(g, ctx.axes)
        zero = np.zeros((), dtype=a.dtype)
        if p == 0:
            return None  # torch defines no gradient for the count of non-zeros (grad stays None)
        if p == 1:
            return np.where(np.isnan(a), zero, np.sign(a)) * g  # torch: sgn(NaN) = 0
        if p == 2:
            # torch: grad * (self / norm).masked_fill_(norm == 0, 0): a NaN or infinite gradient
            # of a zero-norm row stays NaN (cosine_similarity with eps=0 of a zero vector)
            return g * np.where(norm == 0, zero, a / np.where(norm == 0, 1, norm))
        if p in (math.inf, -math.inf):
            # torch's sgn(x) * (g / count * hit): the gradient is shared evenly between the
            # entries that attain the norm or are NaN (sgn(NaN) = 0 sends them none). A product,
            # not a select: a NaN or infinite share (a NaN g, as x / inf-norm's backward gives)
            # makes every entry of its row NaN (0 * NaN), as in torch.
            absa = np.abs(a)
            hit = (absa == norm) | np.isnan(absa)
            count = hit.sum(axis=ctx.axes, keepdims=True).astype(a.dtype)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = g / count * hit
            return np.where(np.isnan(a), zero, np.sign(a)) * share
        absa = np.abs(a)
        if p < 2:
            scaled = np.sign(a) * np.power(absa, p - 1)
            if p < 1:
                scaled = np.where(a == 0, zero, scaled)
        else:
            scaled = a * np.power(absa, p - 2)
        safe = np.where(norm == 0, 1, norm)
        return scaled * np.where(norm == 0, zero, g / np.power(safe, p - 1))


class PdistInf(Function):
    """The largest ``|d|`` of each row of pair differences ``d (P, M)`` with torch's pdist
    gradient: every entry that attains it gets the whole gradient,
    ``g * sign(d) * (1 - min(1, ceil(||d| - dist|)))`` (NaN where d or dist is NaN, or both are
    infinite), where vector_norm's shares it between the tied entries."""

    @staticmethod
    def forward(ctx, d):
        out = np.max(np.abs(d), axis=1, initial=0).astype(d.dtype, copy=False)  # (P,)
        ctx.save_for_backward(d, out)
        return out

    @staticmethod
    def backward(ctx, g):
        d, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            off = np.minimum(1, np.ceil(np.abs(np.abs(d) - out[:, None])))  # (P, M)
        return g[:, None] * np.sign(d) * (1 - off)
