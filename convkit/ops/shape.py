"""Shape primitives beyond view/permute/expand: the pieces of split/unbind (views), flip, roll,
rot90, repeat, tril/triu, diagonal (a writable view), diag_embed and trace.

Each Function's backward sits right under its forward. A forward that returns a NumPy view of
its input makes the result a view in autograd's sense (shared memory and version counter).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .basic import GetItem


class SplitPiece(GetItem):
    """One piece of ``split(int)``/``chunk`` (a slice view)."""

    grad_fn_name = "SplitBackward0"


class SplitWithSizesPiece(GetItem):
    grad_fn_name = "SplitWithSizesBackward0"


class UnbindPiece(GetItem):
    grad_fn_name = "UnbindBackward0"


class Flip(Function):
    grad_fn_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axes)


class Roll(Function):
    grad_fn_name = "RollBackward0"

    @staticmethod
    def forward(ctx, a, shifts, axes):
        ctx.shifts, ctx.axes, ctx.shape = shifts, axes, a.shape
        if axes is None:
            return np.roll(a.reshape(-1), shifts).reshape(a.shape)
        return np.roll(a, shifts, axes)

    @staticmethod
    def backward(ctx, g):
        if ctx.axes is None:
            return np.roll(g.reshape(-1), -ctx.shifts).reshape(ctx.shape)
        return np.roll(g, tuple(-s for s in ctx.shifts), ctx.axes)


class Rot90(Function):
    grad_fn_name = "Rot90Backward0"

    @staticmethod
    def forward(ctx, a, k, axes):
        ctx.k, ctx.axes = k, axes
        return np.rot90(a, k, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return np.rot90(g, -ctx.k, ctx.axes)


class Repeat(Function):
    """``np.tile`` with as many repeats as output dims (leading ones added to the input). The
    gradient sums the copies: g reshaped to (r0, s0, r1, s1, ...) and summed over the r axes."""

    grad_fn_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, a, repeats):
        lead = len(repeats) - a.ndim
        ctx.shape, ctx.repeats = (1,) * lead + a.shape, repeats
        ctx.in_shape = a.shape
        return np.tile(a.reshape(ctx.shape), repeats)

    @staticmethod
    def backward(ctx, g):
        split = []
        for r, s in zip(ctx.repeats, ctx.shape, strict=True):
            split += [r, s]
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.in_shape)


class Tril(Function):
    grad_fn_name = "TrilBackward0"
    _op = staticmethod(np.tril)

    @classmethod
    def forward(cls, ctx, a, diagonal=0):
        ctx.diagonal = diagonal
        return cls._op(a, diagonal)

    @classmethod
    def backward(cls, ctx, g):
        return cls._op(g, ctx.diagonal)


class Triu(Tril):
    grad_fn_name = "TriuBackward0"
    _op = staticmethod(np.triu)


def strided_view(
    a: np.ndarray, shape: tuple, strides: tuple, offset: int = 0, writeable: bool = True
) -> np.ndarray:
    """A view of ``a``'s memory with byte ``strides`` from byte ``offset`` past a's first
    element, made on the memory's owner so that NumPy (and autograd, which tracks views by
    their owner) sees a view of the same memory; ``np.lib.stride_tricks.as_strided`` would
    hide the owner behind a wrapper."""
    root = a if a.base is None else a.base
    if isinstance(root, np.ndarray) and root.flags.c_contiguous:
        start = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        out = np.ndarray(shape, a.dtype, buffer=root, offset=start + offset, strides=strides)
    else:  # memory NumPy does not own (a buffer): still a view, though untracked
        base = a.reshape(-1)[offset // a.itemsize :] if offset else a
        out = np.lib.stride_tricks.as_strided(base, shape=shape, strides=strides)
    if not (writeable and a.flags.writeable):
        out.flags.writeable = False
    return out


def diagonal_view(a: np.ndarray, offset: int, axis1: int, axis2: int) -> np.ndarray:
    """A writable view of the diagonal of ``a`` over ``axis1`` and ``axis2`` (those axes
    removed, the diagonal last), as torch's ``diagonal``; NumPy's own is read-only."""
    rest = [i for i in range(a.ndim) if i not in (axis1, axis2)]
    moved = a.transpose(*rest, axis1, axis2)
    if offset >= 0:
        moved = moved[..., :, offset:]
    else:
        moved = moved[..., -offset:, :]
    n = max(min(moved.shape[-2], moved.shape[-1]), 0)
    s1, s2 = moved.strides[-2:]
    return strided_view(moved, moved.shape[:-2] + (n,), moved.strides[:-2] + (s1 + s2,))


class Diagonal(Function):
    grad_fn_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, a, offset, axis1, axis2):
        ctx.shape, ctx.args = a.shape, (offset, axis1, axis2)
        return diagonal_view(a, offset, axis1, axis2)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        diagonal_view(out, *ctx.args)[...] = g
        return out


class DiagEmbed(Function):
    """The last axis of ``a`` written on the diagonal ``offset`` of new axes ``axis1``,
    ``axis2`` (zeros elsewhere)."""

    grad_fn_name = "DiagEmbedBackward0"

    @staticmethod
    def forward(ctx, a, offset, axis1, axis2):
        n = a.shape[-1] + abs(offset)
        ndim = a.ndim + 1
        shape = [0] * ndim
        rest = iter(a.shape[:-1])
        for i in range(ndim):
            shape[i] = n if i in (axis1, axis2) else next(rest)
        out = np.zeros(shape, dtype=a.dtype)
        diagonal_view(out, offset, axis1, axis2)[...] = a
        ctx.args = (offset, axis1, axis2)
        return out

    @staticmethod
    def backward(ctx, g):
        return diagonal_view(g, *ctx.args).copy()


class Trace(Function):
    grad_fn_name = "TraceBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.asarray(np.trace(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.fill_diagonal(out, g)
        return out


class Unfold(Function):
    """Windows of ``size`` every ``step`` along ``axis``, each window along a new last axis
    (a read-only strided view, as overlapping windows share memory). The gradient adds every
    window back where it came from."""

    grad_fn_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, a, axis, size, step):
        ctx.shape, ctx.axis, ctx.size, ctx.step = a.shape, axis, size, step
        if a.ndim == 0:
            return a.reshape(1)
        n = (a.shape[axis] - size) // step + 1
        shape = a.shape[:axis] + (n,) + a.shape[axis + 1 :] + (size,)
        strides = a.strides[:axis] + (a.strides[axis] * step,) + a.strides[axis + 1 :]
        # Overlapping windows share elements: read-only, as a write would be ambiguous.
        return strided_view(a, shape, strides + (a.strides[axis],), 0, writeable=False)

    @staticmethod
    def backward(ctx, g):
        if len(ctx.shape) == 0:
            return g.reshape(())
        out = np.zeros(ctx.shape, dtype=g.dtype)
        axis, step = ctx.axis, ctx.step
        g = np.moveaxis(g, -1, axis + 1)  # (..., windows, size, ...)
        for k in range(ctx.size):
            part = np.take(g, k, axis=axis + 1)  # (..., windows, ...)
            stop = k + step * (part.shape[axis] - 1) + 1
            out[(slice(None),) * axis + (slice(k, stop, step),)] += part
        return out


def strided_positions(t, size, stride, storage_offset) -> np.ndarray:
    """The flat positions, relative to tensor ``t``'s first element, that
    ``as_strided(size, stride, storage_offset)`` reads (torch's offset counts from the start
    of the memory ``t`` views; None means t's own offset). Raises torch's error when they
    leave t's elements."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} != {len(size)}")
    base = t.storage_offset()
    offset = base if storage_offset is None else int(storage_offset)
    grid = sum(
        (np.arange(n) * s).reshape((1,) * i + (n,) + (1,) * (len(size) - i - 1))
        for i, (n, s) in enumerate(zip(size, stride, strict=True))
    )
    positions = np.broadcast_to(np.asarray(offset - base + grid, dtype=np.int64), size)
    if positions.size and (positions.min() < 0 or positions.max() >= t.numel()):
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset} "
            f"require more memory than the {t.numel()} elements this tensor views"
        )
    return positions


class AsStrided(Function):
    """A strided view of a contiguous array: element i of the view is ``a.flat[positions[i]]``
    (``positions`` precomputed from sizes, strides and offset). The gradient adds each viewed
    element back to its position (positions may repeat)."""

    grad_fn_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, a, size, stride, positions, offset):
        ctx.shape, ctx.positions = a.shape, positions
        item = a.itemsize
        return strided_view(a, size, tuple(s * item for s in stride), offset * item, False)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(int(np.prod(ctx.shape)), dtype=g.dtype)
        np.add.at(out, ctx.positions.reshape(-1), g.reshape(-1))
        return out.reshape(ctx.shape)
