"""Reduction, scan, selection and norm primitives.

Each Function's backward sits right under its forward and uses only what forward saved.
Axes arrive normalised (non-negative ints or tuples of them); ``None`` means every axis.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .basic import Gather, _count


def _expand_back(g: np.ndarray, axis, keepdims: bool, ndim: int) -> np.ndarray:
    """``g`` of a reduction's output with the reduced axes put back as size-1 axes."""
    if keepdims:
        return g
    if axis is None:
        return g.reshape((1,) * ndim)
    return np.expand_dims(g, axis)


# ----- products ---------------------------------------------------------------------------------


def _prod_grad(a: np.ndarray, axis: int) -> np.ndarray:
    """d prod(a, axis) / d a: the product of the other elements along ``axis``, computed as the
    exclusive products from the left times those from the right (exact with zeros)."""
    a = np.moveaxis(a, axis, -1)
    ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([a[..., 1:], ones], axis=-1), -1), -1), -1)
    return np.moveaxis(left * right, -1, axis)


class Prod(Function):
    """The product of every element."""

    grad_fn_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.prod(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _prod_grad(a.reshape(-1), 0).reshape(a.shape)


class ProdDim(Function):
    grad_fn_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        ctx.save_for_backward(a)
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.asarray(np.prod(a, axis=axis, keepdims=keepdims), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        g = _expand_back(g, ctx.axis, ctx.keepdims, a.ndim)
        return g * _prod_grad(a, ctx.axis)


# ----- max/min of all maxima (amax) and NaN-aware sums ------------------------------------------


class Amax(Function):
    """The largest value over ``axis``; the gradient is shared evenly by the elements equal to
    it (torch's rule for amax/amin, unlike max(dim), which picks one)."""

    grad_fn_name = "AmaxBackward0"
    _op = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        out = np.asarray(cls._op(a, axis=axis, keepdims=True))
        ctx.hit = (a == out) | (np.isnan(a) & np.isnan(out))
        ctx.axis, ctx.keepdims = axis, keepdims
        return out if keepdims else np.asarray(np.squeeze(out, axis))

    @staticmethod
    def backward(ctx, g):
        hit = ctx.hit
        g = _expand_back(g, ctx.axis, ctx.keepdims, hit.ndim)
        count = hit.sum(axis=ctx.axis, keepdims=True).astype(g.dtype)
        return np.where(hit, g / count, np.zeros((), dtype=g.dtype))


class Amin(Amax):
    grad_fn_name = "AminBackward0"
    _op = staticmethod(np.min)


class Nansum(Function):
    grad_fn_name = "NansumBackward0"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.nan, ctx.axis, ctx.keepdims = np.isnan(a), axis, keepdims
        return np.asarray(np.nansum(a, axis=axis, keepdims=keepdims), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        g = _expand_back(g, ctx.axis, ctx.keepdims, ctx.nan.ndim)
        # a product, not a selection, as torch's nansum_backward: an infinite g gives NaN
        return g * ~ctx.nan


class Var(Function):
    """``sum((a - mean)^2) / max(0, N - correction)`` over ``axis`` (None: every element)."""

    grad_fn_name = "VarBackward0"

    @staticmethod
    def forward(ctx, a, axis=None, correction=1, keepdims=False):
        mean = np.mean(a, axis=axis, keepdims=True)
        diff = a - mean
        n = _count(a.shape, axis)
        denom = np.asarray(max(n - correction, 0), dtype=a.dtype)
        ctx.diff, ctx.denom, ctx.axis, ctx.keepdims = diff, denom, axis, keepdims
        return np.asarray(np.sum(diff * diff, axis=axis, keepdims=keepdims) / denom, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        g = _expand_back(g, ctx.axis, ctx.keepdims, ctx.diff.ndim)
        return (2 / ctx.denom) * g * ctx.diff


class Std(Function):
    """sqrt of Var; d std = d var / (2 std)."""

    grad_fn_name = "StdBackward0"

    @staticmethod
    def forward(ctx, a, axis=None, correction=1, keepdims=False):
        var = Var.forward(ctx, a, axis=axis, correction=correction, keepdims=True)
        out = np.sqrt(var)
        ctx.out, ctx.keepdims = out, keepdims
        return out if keepdims else np.asarray(np.squeeze(out, axis))

    @staticmethod
    def backward(ctx, g):
        g = _expand_back(g, ctx.axis, ctx.keepdims, ctx.diff.ndim)
        return g * ctx.diff / (ctx.denom * ctx.out)


class Logsumexp(Function):
    """log(sum(exp(a))) over ``axis``, shifted by the maximum (an infinite maximum by 0)."""

    grad_fn_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        m = np.max(a, axis=axis, keepdims=True) if a.size else np.zeros((1,) * a.ndim, a.dtype)
        m = np.where(np.isinf(m), np.zeros((), dtype=a.dtype), m)
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        return out if keepdims else np.asarray(np.squeeze(out, axis))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if g.ndim != a.ndim:
            g = np.expand_dims(g, ctx.axis)
        return g * np.exp(a - out)


# ----- scans ------------------------------------------------------------------------------------


class Cumsum(Function):
    grad_fn_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return np.cumsum(a, axis=axis, dtype=a.dtype).reshape(a.shape)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g
        return np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


class Cumprod(Function):
    """Running products. Without zeros, d/da_i = sum_{k>=i} g_k out_k / a_i; a line with a zero
    takes the exact route: sum_{k>=i} g_k prod_{j<=k, j!=i} a_j, one position at a time."""

    grad_fn_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, a, axis):
        out = np.cumprod(a, axis=axis, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return g
        axis = ctx.axis
        a_l, out_l, g_l = (np.moveaxis(x, axis, -1) for x in (a, out, g))
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.flip(np.cumsum(np.flip(g_l * out_l, -1), -1), -1)
            grad = tail / a_l
        zero_lines = np.any(a_l == 0, axis=-1)
        if np.any(zero_lines):
            az, gz = a_l[zero_lines], g_l[zero_lines]  # (M, n)
            n = az.shape[-1]
            exact = np.zeros_like(az)
            left = np.ones(az.shape[0], dtype=az.dtype)  # prod_{j<i} a_j
            for i in range(n):
                run = left.copy()  # prod_{j<=k, j!=i} a_j for k = i, i+1, ...
                total = gz[:, i] * run
                for k in range(i + 1, n):
                    run = run * az[:, k]
                    total = total + gz[:, k] * run
                exact[:, i] = total
                left = left * az[:, i]
            grad[zero_lines] = exact
        return np.moveaxis(grad, -1, axis)


class Cummax(Function):
    """Running maximum along ``axis`` with the index of the element that set it (a tie or a NaN
    takes over, as in torch). Returns (values, indices); the gradient goes to those indices."""

    grad_fn_name = "CummaxBackward0"
    _better = staticmethod(np.greater_equal)

    @classmethod
    def forward(cls, ctx, a, axis):
        if a.ndim == 0:
            ctx.axis, ctx.idx = None, np.zeros((), dtype=np.int64)
            return a.copy(), np.zeros((), dtype=np.int64)
        if a.size == 0:
            ctx.axis, ctx.idx, ctx.shape = axis, np.zeros(a.shape, np.int64), a.shape
            return a.copy(), ctx.idx.copy()
        al = np.moveaxis(a, axis, 0)
        values = np.empty_like(al)
        idx = np.empty(al.shape, dtype=np.int64)
        best, where = al[0].copy(), np.zeros(al.shape[1:], dtype=np.int64)
        isnan = np.isnan if a.dtype.kind == "f" else (lambda x: np.zeros(np.shape(x), dtype=bool))
        for i in range(al.shape[0]):
            x = al[i]
            take = (cls._better(x, best) | isnan(x)) & ~(isnan(best) & ~isnan(x))
            best = np.where(take, x, best)
            where = np.where(take, i, where)
            values[i], idx[i] = best, where
        values, idx = np.moveaxis(values, 0, axis), np.moveaxis(idx, 0, axis)
        ctx.axis, ctx.idx, ctx.shape = axis, idx, a.shape
        return values, idx

    @staticmethod
    def backward(ctx, g):
        if ctx.axis is None:
            return g
        out = np.zeros(ctx.shape, dtype=g.dtype)
        coords = list(np.indices(ctx.idx.shape, sparse=True))
        coords[ctx.axis] = ctx.idx
        np.add.at(out, tuple(coords), g)
        return out


class Cummin(Cummax):
    grad_fn_name = "CumminBackward0"
    _better = staticmethod(np.less_equal)


# ----- picking elements by index (sort, topk, kthvalue, median, mode) ---------------------------


class Pick(Gather):
    """Values at ``index`` along ``axis`` (``take_along_axis``), squeezed along ``axis`` unless
    ``keepdims``; ``axis=None`` picks from the flattened input. The gradient goes back to the
    picked positions. Subclasses carry torch's names for the ops that pick this way."""

    grad_fn_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, a, axis, index, keepdims=True):
        ctx.pick_axis, ctx.keepdims, ctx.in_shape = axis, keepdims, a.shape
        if axis is None:
            return Gather.forward(ctx, a.reshape(-1), 0, index.reshape(1)).reshape(index.shape)
        out = Gather.forward(ctx, a, axis, index)
        return out if keepdims else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, g):
        if ctx.pick_axis is None:
            return Gather.backward(ctx, g.reshape(1)).reshape(ctx.in_shape)
        if not ctx.keepdims:
            g = np.expand_dims(g, ctx.pick_axis)
        return Gather.backward(ctx, g)


class Sort(Pick):
    grad_fn_name = "SortBackward0"


class Topk(Pick):
    grad_fn_name = "TopkBackward0"


class Kthvalue(Pick):
    grad_fn_name = "KthvalueBackward0"


class Median(Pick):
    """The median of all elements. Its gradient is shared evenly by every element equal to it
    (every NaN when it is NaN): torch's evenly_distribute_backward."""

    grad_fn_name = "MedianBackward0"

    @staticmethod
    def forward(ctx, a, axis, index, keepdims=True):
        out = Pick.forward(ctx, a, axis, index, keepdims)
        ctx.mask = np.isnan(a) if np.isnan(out) else a == out
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask / np.count_nonzero(ctx.mask)


class MedianDim(Pick):
    grad_fn_name = "MedianBackward1"


class Mode(Pick):
    grad_fn_name = "ModeBackward0"


# ----- norms ------------------------------------------------------------------------------------


class VectorNorm(Function):
    """``(sum |a|^ord)^(1/ord)`` over ``axis`` (None: every element), with ord inf (max |a|),
    -inf (min |a|) and 0 (the count of nonzeros). The gradient of an extremum is shared by its
    ties; where the norm is 0 the gradient is 0 (torch's rules)."""

    grad_fn_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, ord=2.0, axis=None, keepdims=False):
        absa = np.abs(a)
        if ord == np.inf:
            out = np.max(absa, axis=axis, keepdims=True)
        elif ord == -np.inf:
            out = np.min(absa, axis=axis, keepdims=True)
        elif ord == 0:
            out = np.sum(a != 0, axis=axis, keepdims=True).astype(a.dtype)
        elif ord == 1:
            out = np.sum(absa, axis=axis, keepdims=True)
        elif ord == 2:
            out = np.sqrt(np.sum(absa * absa, axis=axis, keepdims=True))
        else:
            out = np.power(np.sum(np.power(absa, ord), axis=axis, keepdims=True), 1.0 / ord)
        out = np.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        ctx.ord, ctx.axis = ord, axis
        return out if keepdims else np.asarray(np.squeeze(out, axis))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        ord = ctx.ord
        if g.ndim != a.ndim:
            g = g.reshape(out.shape)
        zero = np.zeros((), dtype=g.dtype)
        if ord == 0:
            return np.zeros(a.shape, dtype=g.dtype)
        if ord == 1:
            return g * np.sign(a)
        if ord in (np.inf, -np.inf):
            hit = np.abs(a) == out
            count = np.sum(hit, axis=ctx.axis, keepdims=True).astype(g.dtype)
            return np.where(hit, np.sign(a) * g / count, zero)
        if ord == 2:
            return np.where(out == 0, zero, a * (g / out))
        scale = np.abs(a) ** (ord - 2) * a
        return np.where(out == 0, zero, scale * (g / out ** (ord - 1)))


class Dist(VectorNorm):
    grad_fn_name = "DistBackward0"


class Svdvals(Function):
    """The singular values of the matrices in the last two axes, largest first. d s_i =
    u_i^T dA v_i, so the gradient is U diag(g) V^T (valid for distinct singular values)."""

    grad_fn_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.u, ctx.vh = u, vh
        return s.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return np.matmul(ctx.u * g[..., None, :], ctx.vh)


class Logcumsumexp(Function):
    """Running log(sum(exp)) along ``axis`` (NumPy's logaddexp accumulation, exact at +-inf).
    d out_k / d a_i = exp(a_i - out_k) for i <= k, so the gradient is
    exp(a_i) * sum_{k>=i} g_k exp(-out_k), computed shifted by the line's maximum."""

    grad_fn_name = "LogcumsumexpBackward0"

    @staticmethod
    def forward(ctx, a, axis):
        out = np.logaddexp.accumulate(a, axis=axis)
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        # sum_{k>=i} g_k exp(a_i - out_k), with out_k >= a_i for k >= i keeping every term <= |g|.
        n = a.shape[axis]
        a_l, out_l, g_l = (np.moveaxis(x, axis, -1) for x in (a, out, g))
        grad = np.zeros_like(a_l)
        for k in range(n):
            w = np.exp(a_l[..., : k + 1] - out_l[..., k : k + 1])
            grad[..., : k + 1] += g_l[..., k : k + 1] * np.where(np.isnan(w), 0, w)
        return np.moveaxis(grad, -1, axis)
