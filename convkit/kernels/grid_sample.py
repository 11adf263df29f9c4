"""Spatial transformer kernels: affine_grid's base grid and grid_sample's gathers and scatters.

Coordinates follow aten/src/ATen/native/GridSampler.h. A grid value ``c`` in [-1, 1] along a
dimension of size ``s`` maps to the source index ``((c + 1) / 2) * (s - 1)`` with align_corners,
else ``((c + 1) * s - 1) / 2``. Padding then moves it: 'border' clips into ``[0, s - 1]``,
'reflection' reflects about ``0`` and ``s - 1`` (align_corners) or ``-0.5`` and ``s - 0.5``
and then clips; 'zeros' leaves it, and taps outside the input read 0. The grid's last axis
lists the coordinates x, y(, z): x indexes the input's last axis.

Every mode is a sum over taps: one (nearest, ``rint``, ties to even as ``std::nearbyint``),
2^d (bilinear: the corners of the cell, each weighted by the product of the per-dimension linear
weights) or 16 (bicubic, 2-d only: Keys' kernel with A = -0.75 on the unpadded coordinate, each
tap's index then padded on its own, as torch's ``get_value_bounded``). A tap is a flat index into
the spatial axes, a validity mask, a weight and the weight's derivative along each coordinate.
The input gradient scatters ``g * weight`` back with one ``bincount``; the grid gradient is
``sum_taps sum_C x[tap] * g * dweight`` times the derivative of the coordinate map.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .fma import fma
from .upsample import _cubic_conv1, _cubic_conv2

Array = NDArray[np.floating]
# (flat index (N, Q), valid (N, Q), weight (N, Q), d weight / d source coordinate k, per k)
Tap = tuple[NDArray[np.int64], NDArray[np.bool_], Array, list[Array]]

_CUBIC_A = -0.75


def linspace_base(size: int, align_corners: bool, dtype: type) -> Array:
    """affine_grid's base coordinates along one dimension: ``linspace(-1, 1, size)``, times
    ``(size - 1) / size`` without align_corners (pixel centres); a single point sits at 0.

    In ``dtype`` and in torch's order, so that identity maps land exactly on pixel positions
    (where the grid gradient is one-sided): torch's linspace takes ``-1 + step * i`` in the first
    half and ``1 - step * (size - 1 - i)`` in the second, each one fused
    multiply-add; the scaling multiplies, then divides.
    """
    if size <= 1:
        return np.zeros(max(size, 0), dtype=dtype)
    step = (dtype(1) - dtype(-1)) / dtype(size - 1)
    i = np.arange(size)
    first = i < size // 2
    up = fma(np.full(size, step, dtype), i.astype(dtype), np.full(size, -1, dtype))
    down = fma(np.full(size, -step, dtype), (size - 1 - i).astype(dtype), np.full(size, 1, dtype))
    base: Array = np.where(first, up, down).astype(dtype, copy=False)
    if not align_corners:
        base = base * dtype(size - 1) / dtype(size)
    return base


def affine_base(spatial: Sequence[int], align_corners: bool, dtype: type) -> Array:
    """The homogeneous base grid ``(prod(spatial), d + 1)`` with columns x, y(, z), 1; rows in
    C order over ``spatial`` (the last axis fastest)."""
    axes = [linspace_base(s, align_corners, dtype) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # d arrays of shape spatial
    cols = [m.reshape(-1) for m in reversed(mesh)]  # x first: the last spatial axis
    cols.append(np.ones(int(np.prod(spatial, dtype=np.int64)), dtype=dtype))
    return np.stack(cols, axis=1).astype(dtype, copy=False)  # (P, d + 1)


def _unnormalize(c: Array, size: int, align_corners: bool) -> tuple[Array, float]:
    """Source index of grid value ``c`` and its derivative d index / d c."""
    if align_corners:
        return (c + 1) / 2 * (size - 1), (size - 1) / 2
    return ((c + 1) * size - 1) / 2, size / 2


def _clip(x: Array, size: int) -> tuple[Array, Array]:
    """Clip into [0, size - 1]; the derivative is 0 where clipped (torch: also at x <= 0)."""
    inside = (x > 0) & (x < size - 1)
    return np.clip(x, 0, size - 1).astype(x.dtype, copy=False), inside.astype(x.dtype)


def _reflect(x: Array, twice_low: int, twice_high: int) -> tuple[Array, Array]:
    """torch's reflect_coordinates_set_grad: reflect x into [low, high], and d out / d x."""
    if twice_low == twice_high:
        return np.zeros_like(x), np.zeros_like(x)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    shifted = x - low
    sign = np.where(shifted < 0, -1, 1).astype(x.dtype)
    a = np.abs(shifted)
    extra = np.fmod(a, span)
    even = np.floor(a / span) % 2 == 0
    out = np.where(even, extra + low, span - extra + low).astype(x.dtype, copy=False)
    return out, np.where(even, sign, -sign)


def _pad(x: Array, size: int, padding_mode: str, align_corners: bool) -> tuple[Array, Array]:
    """torch's compute_coordinates: the padded source index and its derivative."""
    if padding_mode == "zeros":
        return x, np.ones_like(x)
    mult = np.ones_like(x)
    if padding_mode == "reflection":
        if align_corners:
            x, mult = _reflect(x, 0, 2 * (size - 1))
        else:
            x, mult = _reflect(x, -1, 2 * size - 1)
    x, inside = _clip(x, size)
    return x, mult * inside


def _coords(
    grid: Array, spatial: Sequence[int], padding_mode: str | None, align_corners: bool
) -> tuple[list[Array], list[Array]]:
    """Per coordinate k (x = the last spatial axis): the source index (N, Q) and d index / d grid.

    ``padding_mode`` None: unnormalised only (bicubic pads each tap instead)."""
    d = len(spatial)
    srcs, mults = [], []
    for k in range(d):
        size = spatial[d - 1 - k]
        src, m = _unnormalize(grid[..., k], size, align_corners)
        mult = np.full_like(src, m)
        if padding_mode is not None:
            src, pm = _pad(src, size, padding_mode, align_corners)
            mult = mult * pm
        # A non-finite coordinate reads nothing (its tap lands out of bounds).
        srcs.append(np.where(np.isfinite(src), src, -2).astype(src.dtype, copy=False))
        mults.append(mult)
    return srcs, mults


def _strides(spatial: Sequence[int]) -> list[int]:
    """Flat stride of coordinate k (x first)."""
    d = len(spatial)
    return [int(np.prod(spatial[d - k :], dtype=np.int64)) for k in range(d)]


def _flat(
    idx: list[NDArray[np.int64]], spatial: Sequence[int]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    d = len(spatial)
    valid = np.ones(idx[0].shape, dtype=bool)
    flat = np.zeros(idx[0].shape, dtype=np.int64)
    for k, stride in enumerate(_strides(spatial)):
        valid &= (idx[k] >= 0) & (idx[k] < spatial[d - 1 - k])
        flat += idx[k] * stride
    return np.where(valid, flat, 0), valid


def _taps(
    grid: Array, spatial: Sequence[int], mode: str, padding_mode: str, align_corners: bool
) -> tuple[list[Tap], list[Array]]:
    """Every tap of every output point, and the coordinate map's derivatives."""
    d = len(spatial)
    if mode == "bicubic":
        return _bicubic_taps(grid, spatial, padding_mode, align_corners)
    srcs, mults = _coords(grid, spatial, padding_mode, align_corners)
    taps: list[Tap] = []
    if mode == "nearest":
        idx = [np.rint(s).astype(np.int64) for s in srcs]
        flat, valid = _flat(idx, spatial)
        one = np.ones_like(srcs[0])
        taps.append((flat, valid, one, [np.zeros_like(one)] * d))
        return taps, mults
    lows = [np.floor(s) for s in srcs]
    # per coordinate: (weight, d weight / d src) of the low and the high corner
    lin = [
        (((lo + 1) - s, -np.ones_like(s)), (s - lo, np.ones_like(s)))
        for lo, s in zip(lows, srcs, strict=True)
    ]
    for corner in range(2**d):
        bits = [(corner >> k) & 1 for k in range(d)]
        idx = [lows[k].astype(np.int64) + bits[k] for k in range(d)]
        flat, valid = _flat(idx, spatial)
        ws = [lin[k][bits[k]][0] for k in range(d)]
        weight = ws[0]
        for w in ws[1:]:
            weight = weight * w
        dws = []
        for k in range(d):
            dw = lin[k][bits[k]][1]
            for j in range(d):
                if j != k:
                    dw = dw * ws[j]
            dws.append(dw)
        taps.append((flat, valid, weight, dws))
    return taps, mults


def _cubic_weights(t: Array) -> tuple[list[Array], list[Array]]:
    """Keys' four weights at fractional offset t (taps -1, 0, 1, 2) and their derivatives."""
    a = t.dtype.type(_CUBIC_A)
    one = t.dtype.type(1)
    w = [
        _cubic_conv2(t + one, a),
        _cubic_conv1(t, a),
        _cubic_conv1(one - t, a),
        _cubic_conv2((one - t) + one, a),
    ]

    # d/dx of the two pieces, chained with dx/dt = +1 (taps -1, 0) or -1 (taps 1, 2)
    def d1(x: Array) -> Array:
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def d2(x: Array) -> Array:
        return (3 * a * x - 10 * a) * x + 8 * a

    dw = [d2(t + one), d1(t), -d1(one - t), -d2((one - t) + one)]
    return w, dw


def _bicubic_taps(
    grid: Array, spatial: Sequence[int], padding_mode: str, align_corners: bool
) -> tuple[list[Tap], list[Array]]:
    h, w = spatial
    (ix, iy), mults = _coords(grid, spatial, None, align_corners)
    x0, y0 = np.floor(ix), np.floor(iy)
    wx, dwx = _cubic_weights((ix - x0).astype(ix.dtype, copy=False))
    wy, dwy = _cubic_weights((iy - y0).astype(iy.dtype, copy=False))

    def bounded(c: Array, size: int) -> NDArray[np.int64]:
        padded, _ = _pad(c, size, padding_mode, align_corners)
        return np.trunc(padded).astype(np.int64)

    xs = [bounded(x0 + (j - 1), w) for j in range(4)]
    ys = [bounded(y0 + (i - 1), h) for i in range(4)]
    taps: list[Tap] = []
    for i in range(4):
        for j in range(4):
            flat, valid = _flat([xs[j], ys[i]], spatial)
            taps.append((flat, valid, wx[j] * wy[i], [dwx[j] * wy[i], wx[j] * dwy[i]]))
    return taps, mults


def _gather(x3: Array, flat: NDArray[np.int64], valid: NDArray[np.bool_]) -> Array:
    """x3 (N, C, P) read at flat (N, Q), 0 where the tap is invalid: (N, C, Q)."""
    got = np.take_along_axis(x3, flat[:, None, :], axis=2)  # (N, C, Q)
    return np.where(valid[:, None, :], got, 0).astype(x3.dtype, copy=False)


def grid_sample_forward(
    x: Array, grid: Array, mode: str, padding_mode: str, align_corners: bool
) -> Array:
    """x (N, C, *S), grid (N, *O, d) -> (N, C, *O)."""
    n, c, *spatial = x.shape
    out_sp = grid.shape[1:-1]
    g2 = grid.reshape(n, int(np.prod(out_sp, dtype=np.int64)), grid.shape[-1])  # (N, Q, d)
    x3 = x.reshape(n, c, int(np.prod(spatial, dtype=np.int64)))  # (N, C, P)
    taps, _ = _taps(g2, spatial, mode, padding_mode, align_corners)
    out = np.zeros((n, c, g2.shape[1]), dtype=x.dtype)
    for flat, valid, weight, _dw in taps:
        out += _gather(x3, flat, valid) * weight[:, None, :]
    return out.reshape(n, c, *out_sp)  # (N, C, *O)


def grid_sample_backward(
    x: Array,
    grid: Array,
    g: Array,
    mode: str,
    padding_mode: str,
    align_corners: bool,
    need_input: bool,
    need_grid: bool,
) -> tuple[Array | None, Array | None]:
    """Gradients of grid_sample_forward with respect to x and grid."""
    n, c, *spatial = x.shape
    d = grid.shape[-1]
    q = int(np.prod(grid.shape[1:-1], dtype=np.int64))
    p = int(np.prod(spatial, dtype=np.int64))
    g2 = grid.reshape(n, q, d)  # (N, Q, d)
    x3 = x.reshape(n, c, p)  # (N, C, P)
    go = g.reshape(n, c, q)  # (N, C, Q)
    taps, mults = _taps(g2, spatial, mode, padding_mode, align_corners)
    gx: Array | None = None
    ggrid: Array | None = None
    if need_input:
        base = (np.arange(n)[:, None, None] * c + np.arange(c)[None, :, None]) * p  # (N, C, 1)
        index = np.concatenate([(base + flat[:, None, :]).reshape(-1) for flat, *_ in taps])
        vals = np.concatenate(
            [(go * np.where(valid, w, 0)[:, None, :]).reshape(-1) for _, valid, w, _ in taps]
        )
        flat_gx = np.bincount(index, weights=vals, minlength=n * c * p)
        gx = flat_gx.astype(x.dtype).reshape(x.shape)
    if need_grid:
        ggrid = np.zeros_like(g2)
        if mode != "nearest":
            for flat, valid, _w, dws in taps:
                s = (_gather(x3, flat, valid) * go).sum(axis=1)  # (N, Q)
                for k in range(d):
                    ggrid[..., k] += s * dws[k]
            for k in range(d):
                ggrid[..., k] *= mults[k]
        ggrid = ggrid.reshape(grid.shape)
    return gx, ggrid
