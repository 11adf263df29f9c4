"""Indexing primitives beyond gather/scatter/index_put of ``ops.basic``: index_select, take,
masked_select, index_add, index_copy, masked_scatter, scatter_reduce and the legacy
``scatter(reduce='multiply')``.

Indices arrive checked (in range, integer, the right shapes): the public functions raise torch's
errors first. Each Function's backward sits right under its forward.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .basic import _block, _positions


def _along(axis: int, index: np.ndarray) -> tuple:
    return (slice(None),) * axis + (index,)


class IndexSelect(Function):
    grad_fn_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, a, axis, index):
        ctx.shape, ctx.where = a.shape, _along(axis, index)
        return a[ctx.where]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(out, ctx.where, g)
        return out


class Take(Function):
    """Elements at flat positions ``index`` (the output has index's shape)."""

    grad_fn_name = "TakeBackward0"

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a.reshape(-1)[index]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(int(np.prod(ctx.shape)), dtype=g.dtype)
        np.add.at(out, ctx.index, g)
        return out.reshape(ctx.shape)


class MaskedSelect(Function):
    """The elements of ``a`` (broadcast with ``mask``) where ``mask``, in row-major order."""

    grad_fn_name = "MaskedSelectBackward0"

    @staticmethod
    def forward(ctx, a, mask):
        shape = np.broadcast_shapes(a.shape, mask.shape)
        ctx.shape, ctx.mask = shape, np.broadcast_to(mask, shape)
        return np.broadcast_to(a, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        out[ctx.mask] = g  # the engine sums back to a's shape
        return out


class IndexAdd(Function):
    """``a`` with ``alpha * source[i]`` added at ``index[i]`` along ``axis``."""

    grad_fn_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, a, source, axis, index, alpha=1):
        ctx.where, ctx.alpha = _along(axis, index), alpha
        out = np.array(a, copy=True)
        add = source if alpha == 1 else source * np.asarray(alpha, dtype=a.dtype)
        np.add.at(out, ctx.where, add.reshape(out[ctx.where].shape))
        ctx.source_shape = source.shape
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[1]:
            gs = g[ctx.where]
            if ctx.alpha != 1:
                gs = gs * np.asarray(ctx.alpha, dtype=g.dtype)
            gs = gs.reshape(ctx.source_shape)
        return g, gs


class IndexCopy(Function):
    """``a`` with ``source[i]`` written at ``index[i]`` along ``axis``."""

    grad_fn_name = "IndexCopyBackward0"

    @staticmethod
    def forward(ctx, a, source, axis, index):
        ctx.where, ctx.source_shape = _along(axis, index), source.shape
        out = np.array(a, copy=True)
        out[ctx.where] = source.reshape(out[ctx.where].shape)
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gs = None
        if ctx.needs_input_grad[0]:
            ga = np.array(g, copy=True)
            ga[ctx.where] = 0
        if ctx.needs_input_grad[1]:
            gs = g[ctx.where].reshape(ctx.source_shape)
        return ga, gs


class IndexPutAccumulate(Function):
    """``a[index] += values`` for an advanced ``index`` (repeated positions accumulate)."""

    grad_fn_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, values, index):
        ctx.index = index
        out = np.array(a, copy=True)
        np.add.at(out, index, np.broadcast_to(values, out[index].shape))
        return out

    @staticmethod
    def backward(ctx, g):
        return g, (g[ctx.index] if ctx.needs_input_grad[1] else None)


class MaskedScatter(Function):
    """``a`` with the first ``mask.sum()`` elements of ``source`` (row-major) written where
    ``mask`` (broadcast to a's shape)."""

    grad_fn_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, a, source, mask):
        n = int(mask.sum())
        ctx.mask, ctx.n, ctx.source_shape = mask, n, source.shape
        out = np.array(a, copy=True)
        out[mask] = source.reshape(-1)[:n]
        return out

    @staticmethod
    def backward(ctx, g):
        ga = np.where(ctx.mask, np.zeros((), dtype=g.dtype), g)
        gs = None
        if ctx.needs_input_grad[1]:
            flat = np.zeros(int(np.prod(ctx.source_shape)), dtype=g.dtype)
            flat[: ctx.n] = g[ctx.mask]
            gs = flat.reshape(ctx.source_shape)
        return ga, gs


class ScatterReduce(Function):
    """``a`` with ``src[i]`` (over index's block) reduced into ``index[i]`` along ``axis`` by
    sum, prod, mean, amax or amin; ``include_self=False`` reduces the scattered values only at
    the positions they reach.

    Backward, as torch's: sum: g to a, gather(g) to src. mean: both divided by the count of
    values reduced at a position. amax/amin: the gradient is shared evenly by every value
    (a's included) equal to the result. prod: each value gets g times the product of the
    others at its position, computed from the count of zeros so that zeros are exact.
    """

    grad_fn_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, a, src, axis, index, reduce, include_self=True):
        where, block = _positions(index, axis), _block(index)
        values = src[block]
        ctx.where, ctx.block, ctx.src_shape = where, block, src.shape
        ctx.reduce, ctx.include_self = reduce, include_self
        reached = np.zeros(a.shape, dtype=bool)
        reached[where] = True
        ctx.reached = reached
        out = np.array(a, copy=True)
        if reduce in ("sum", "mean"):
            if not include_self:
                out[reached] = 0
            np.add.at(out, where, values)
            if reduce == "mean":
                count = np.zeros(a.shape, dtype=np.int64)
                np.add.at(count, where, 1)
                if include_self:
                    count += 1
                count = np.maximum(count, 1)
                ctx.count = count
                if out.dtype.kind == "f":
                    out = out / count.astype(out.dtype)
                else:
                    out = np.floor_divide(out, count).astype(a.dtype)
        elif reduce == "prod":
            if not include_self:
                out[reached] = 1
            np.multiply.at(out, where, values)
            ctx.a, ctx.values = a, values
        else:
            ufunc = np.maximum if reduce == "amax" else np.minimum
            if not include_self:
                fill = np.inf if reduce == "amin" else -np.inf
                if out.dtype.kind != "f":
                    info = np.iinfo(out.dtype)
                    fill = info.max if reduce == "amin" else info.min
                out[reached] = fill
            ufunc.at(out, where, values)
            ctx.a, ctx.values = a, values
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        where, reduce, keep_self = ctx.where, ctx.reduce, ctx.include_self
        zero = np.zeros((), dtype=g.dtype)
        ga = gv = None
        if reduce == "sum":
            ga = g if keep_self else np.where(ctx.reached, zero, g)
            gv = g[where]
        elif reduce == "mean":
            scaled = g / ctx.count.astype(g.dtype)
            ga = scaled if keep_self else np.where(ctx.reached, zero, g)
            gv = scaled[where]
        elif reduce == "prod":
            a, values = ctx.a, ctx.values
            zeros = np.zeros(a.shape, dtype=np.int64)
            nonzero_prod = np.ones(a.shape, dtype=g.dtype)
            if keep_self:
                zeros += a == 0
                nonzero_prod = np.where(a == 0, nonzero_prod, a)
            np.add.at(zeros, where, values == 0)
            np.multiply.at(nonzero_prod, where, np.where(values == 0, 1, values))

            def others(x, z, p):  # the product of the other values at x's position
                with np.errstate(divide="ignore", invalid="ignore"):
                    without_x = np.where(x == 0, p, p / np.where(x == 0, 1, x))
                zeros_left = z - (x == 0)
                return np.where(zeros_left > 0, zero, without_x)

            ga = np.where(ctx.reached, g * others(a, zeros, nonzero_prod), g)
            if not keep_self:
                ga = np.where(ctx.reached, zero, g)
            gv = g[where] * others(values, zeros[where], nonzero_prod[where])
        else:
            out, a, values = ctx.out, ctx.a, ctx.values
            hits = np.zeros(out.shape, dtype=g.dtype)
            self_hit = (a == out) if keep_self else np.zeros(a.shape, dtype=bool)
            hits += self_hit
            value_hit = values == out[where]
            np.add.at(hits, where, value_hit)
            share = np.where(hits > 0, g / np.maximum(hits, 1), zero)
            ga = np.where(self_hit, share, zero)
            ga = np.where(ctx.reached, ga, g)
            gv = np.where(value_hit, share[where], zero)
        gs = None
        if ctx.needs_input_grad[1]:
            gs = np.zeros(ctx.src_shape, dtype=g.dtype)
            gs[ctx.block] = gv
        return ga, gs


class ScatterMultiply(Function):
    """Legacy ``scatter(..., reduce='multiply')``: torch defines no derivative for it."""

    grad_fn_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, a, src, axis, index):
        where = _positions(index, axis)
        out = np.array(a, copy=True)
        np.multiply.at(out, where, src[_block(index)] if src.ndim else src)
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "the derivative for 'scatter' with reduce='multiply' is not implemented (torch has "
            "none either); use scatter_reduce(..., reduce='prod')"
        )
