"""Padding kernels: constant, reflect, replicate and circular, for any number of trailing dims.

``pairs`` holds one ``(before, after)`` pair per padded dimension, for the last ``len(pairs)``
dimensions of the array, in the array's own order (first padded dimension first). Negative values
crop. Arguments are assumed valid (the functional layer checks them).

The non-constant modes are separable: padding dimension by dimension gives the N-d result. Along
one dimension, output position ``j`` reads input position ``i = j - before`` mapped back into
``[0, L)``; the map is piecewise a shifted, reversed or constant run of indices, so each run is one
slicing copy (forward) or one slicing add (backward). A ``Run`` is ``(out_start, out_stop,
src_start, step)`` with ``step`` +1 (copy), -1 (mirror) or 0 (repeat ``src_start``).
"""

from __future__ import annotations

import numpy as np

Pair = tuple[int, int]
Run = tuple[int, int, int, int]


def _runs(size: int, before: int, after: int, mode: str) -> list[Run]:
    """The runs of output positions along one dimension of length ``size``, for ``mode``."""
    if mode == "circular":
        # torch crops first and then wraps the cropped core (PadNd.cpp, _pad_circular_symint).
        lo = max(-before, 0)
        core = size - lo - max(-after, 0)
        left, right = max(before, 0), max(after, 0)
        runs = [(left, left + core, lo, 1)]
        if left:
            runs.append((0, left, lo + core - left, 1))
        if right:
            runs.append((left + core, left + core + right, lo, 1))
        return runs
    # reflect and replicate: i = j - before over j in [0, out); split i at 0 and at size.
    first, last = -before, size + after  # i ranges over [first, last)
    runs = []
    a, b = first, min(0, last)
    if a < b:  # i < 0
        if mode == "reflect":
            # i -> -i: the run (a..b-1) reads -a, -a-1, ..., -(b-1)
            runs.append((a - first, b - first, -a, -1))
        else:
            runs.append((a - first, b - first, 0, 0))
    a, b = max(first, 0), min(last, size)
    if a < b:
        runs.append((a - first, b - first, a, 1))
    a, b = max(first, size), last
    if a < b:  # i >= size
        if mode == "reflect":
            # i -> 2(size-1) - i
            runs.append((a - first, b - first, 2 * (size - 1) - a, -1))
        else:
            runs.append((a - first, b - first, size - 1, 0))
    return runs


def _src(start: int, count: int, step: int) -> slice:
    if step == 1:
        return slice(start, start + count)
    if step == 0:
        return slice(start, start + 1)
    stop = start - count
    return slice(start, stop if stop >= 0 else None, -1)


def _at(ndim: int, axis: int, s: slice) -> tuple[slice, ...]:
    return (slice(None),) * axis + (s,)


def pad_axis(x: np.ndarray, axis: int, before: int, after: int, mode: str) -> np.ndarray:
    """Pad one axis of ``x`` in a non-constant mode."""
    size = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = size + before + after
    out = np.empty(shape, dtype=x.dtype)
    for o0, o1, s0, step in _runs(size, before, after, mode):
        out[_at(x.ndim, axis, slice(o0, o1))] = x[_at(x.ndim, axis, _src(s0, o1 - o0, step))]
    return out


def pad_axis_backward(
    g: np.ndarray, axis: int, size: int, before: int, after: int, mode: str
) -> np.ndarray:
    """Adjoint of ``pad_axis``: scatter-add every copied cell back to where it was read."""
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=g.dtype)
    for o0, o1, s0, step in _runs(size, before, after, mode):
        part = g[_at(g.ndim, axis, slice(o0, o1))]
        if step == 0:
            part = part.sum(axis=axis, keepdims=True)
        out[_at(g.ndim, axis, _src(s0, o1 - o0, step))] += part
    return out


def _core(
    in_shape: tuple[int, ...], pairs: tuple[Pair, ...]
) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Constant mode: (slices of the output, slices of the input) holding the kept input cells."""
    lead = len(in_shape) - len(pairs)
    dst, src = [slice(None)] * lead, [slice(None)] * lead
    for n, (a, b) in zip(in_shape[lead:], pairs, strict=True):
        kept = max(n + min(a, 0) + min(b, 0), 0)
        dst.append(slice(max(a, 0), max(a, 0) + kept))
        src.append(slice(max(-a, 0), max(-a, 0) + kept))
    return tuple(dst), tuple(src)


def pad(
    x: np.ndarray, pairs: tuple[Pair, ...], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    """Pad the last ``len(pairs)`` dimensions of ``x``."""
    lead = x.ndim - len(pairs)
    if mode == "constant":
        shape = x.shape[:lead] + tuple(
            n + a + b for n, (a, b) in zip(x.shape[lead:], pairs, strict=True)
        )
        out = np.full(shape, value, dtype=x.dtype)
        dst, src = _core(x.shape, pairs)
        out[dst] = x[src]
        return out
    out = x
    # Last dimension first, as torch does; the order does not change the result.
    for k in reversed(range(len(pairs))):
        a, b = pairs[k]
        if a or b:
            out = pad_axis(out, lead + k, a, b, mode)
    return out if out is not x else x.copy()


def pad_backward(
    g: np.ndarray, in_shape: tuple[int, ...], pairs: tuple[Pair, ...], mode: str = "constant"
) -> np.ndarray:
    """Gradient of ``pad`` with respect to its input, given the output gradient ``g``."""
    lead = len(in_shape) - len(pairs)
    if mode == "constant":
        out = np.zeros(in_shape, dtype=g.dtype)
        inner, outer = _core(in_shape, pairs)
        out[outer] = g[inner]
        return out
    # Undo the forward passes in reverse order: first dimension first.
    for k in range(len(pairs)):
        a, b = pairs[k]
        if a or b:
            g = pad_axis_backward(g, lead + k, in_shape[lead + k], a, b, mode)
    return g
