"""Interpolation kernels: torch's source coordinates and weights, and separable resampling.

Every mode of ``F.interpolate`` except 'area' (adaptive average pooling) is separable: output
position ``j`` along one dimension reads a few input positions ``idx[j, k]`` with weights
``w[j, k]`` (1 tap for nearest, 2 for linear, 4 for cubic), and the N-d result is the 1-d
resampling applied dimension by dimension. torch's CPU kernel evaluates
``sum_k w_d[k] * (... sum_k w_w[k] * x[..., idx_w[k]])`` with the first spatial dimension outermost;
resampling the last dimension first and the first one last rounds the same products in the same
order. The backward is the adjoint, the transposed scatter, applied in reverse order.

The coordinate arithmetic follows aten/src/ATen/native/UpSample.h, in the precision torch uses
(``opmath``: float32 for float32 inputs, float64 for float64; floors are taken in float32),
so that indices and weights are torch's bit for bit:

- scale: ``(in - 1) / (out - 1)`` with align_corners (0 if out == 1); else ``1 / scale_factor``
  when a scale factor is used, else ``in / out``.
- linear source index: ``scale * j`` with align_corners, else ``scale * (j + 0.5) - 0.5`` clamped
  at 0 (in double, fused, then rounded to opmath); ``i0 = min(floor(src), in - 1)``,
  ``i1 = i0 + 1`` (or i0 at the edge), ``w1 = clamp(src - i0, 0, 1)``, ``w0 = 1 - w1``.
  out == in copies.
- cubic: the same source index, not clamped; taps ``floor(src) - 1 .. + 2`` clamped into
  ``[0, in)``, weights from Keys' cubic convolution with A = -0.75 at ``t = src - floor(src)``.
- nearest: ``min(floor(j * scale), in - 1)``; nearest-exact: the linear source index + 0.5,
  floored, capped at ``in - 1``.

Measured against torch 2.13 on CPU: nearest, nearest-exact, linear, bilinear and trilinear are
bit-identical in float32 and float64; bicubic agrees to a few units in the last place (the order
of its sixteen products in torch's kernel is not reproduced).

Antialiased resampling (``antialias=True``: torch's ``_upsample_{bilinear,bicubic,lanczos}2d_aa``,
after PIL) is separable too, but an output position reads a variable run of inputs
``xmin .. xmin + xsize - 1``: the filter (triangle, Keys' cubic with A = -0.5, or Lanczos-3) is
stretched by the scale when downsampling, ``support = taps/2 * max(scale, 1)``, centred at
``center = scale * (j + 0.5)`` (align_corners changes only the scale), and its weights are
normalised to sum to 1. ``antialias_plan`` pads the runs to one width with index -1 (no tap: it is
never read, so an infinite input there gives no ``0 * inf``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .fma import fma

Plan = tuple[NDArray[np.int64], NDArray[np.floating]]  # (idx (out, taps), w (out, taps))


def _scale(
    in_size: int, out_size: int, align_corners: bool, scale: float | None, dtype: type
) -> np.floating:
    """torch's area_pixel_compute_scale in ``dtype``."""
    if align_corners:
        if out_size > 1:
            return dtype(in_size - 1) / dtype(out_size - 1)  # type: ignore[no-any-return]
        return dtype(0)  # type: ignore[no-any-return]
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)  # type: ignore[no-any-return]
    return dtype(in_size) / dtype(out_size)  # type: ignore[no-any-return]


def _source_index(
    scale: np.floating, out_size: int, align_corners: bool, cubic: bool, dtype: type
) -> NDArray[np.floating]:
    """torch's area_pixel_compute_source_index for every output position, in ``dtype``.

    Without align_corners torch evaluates ``scale * (j + 0.5) - 0.5`` in double (0.5 is a double
    literal), contracted to one fused multiply-add, and rounds the result to ``dtype``.
    """
    j = np.arange(out_size)
    if align_corners:
        return scale * j.astype(dtype)  # type: ignore[no-any-return]
    src: NDArray[np.floating] = fma(
        np.full(out_size, float(scale)), j + 0.5, np.full(out_size, -0.5)
    ).astype(dtype)
    if not cubic:
        src = np.maximum(src, dtype(0))
    return src


def _floor_index(src: NDArray[np.floating]) -> NDArray[np.int64]:
    """``floorf(src)``: torch floors in float32 even for float64 coordinates."""
    return np.floor(src.astype(np.float32)).astype(np.int64)


def linear_plan(
    in_size: int, out_size: int, align_corners: bool, scale: float | None, dtype: type
) -> Plan:
    """Two taps per output position: (i0, i1) with weights (1 - l, l)."""
    if in_size == out_size:
        idx = np.repeat(np.arange(out_size, dtype=np.int64)[:, None], 2, axis=1)
        w: NDArray[np.floating] = np.zeros((out_size, 2), dtype=dtype)
        w[:, 0] = 1
        return idx, w
    s = _scale(in_size, out_size, align_corners, scale, dtype)
    src = _source_index(s, out_size, align_corners, False, dtype)
    i0 = np.minimum(_floor_index(src), in_size - 1)
    lam1 = np.clip(src - i0.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    i1 = i0 + (i0 < in_size - 1)
    idx = np.stack([i0, i1], axis=1)  # (out, 2)
    w = np.stack([dtype(1) - lam1, lam1], axis=1).astype(dtype)  # (out, 2)
    return idx, w


def _cubic_conv1(x: NDArray[np.floating], a: np.floating) -> NDArray[np.floating]:
    """Keys' kernel for |x| <= 1: ((A + 2) x - (A + 3)) x^2 + 1."""
    return ((a + 2) * x - (a + 3)) * x * x + 1  # type: ignore[no-any-return]


def _cubic_conv2(x: NDArray[np.floating], a: np.floating) -> NDArray[np.floating]:
    """Keys' kernel for 1 < |x| < 2: ((A x - 5A) x + 8A) x - 4A."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # type: ignore[no-any-return]


def cubic_plan(
    in_size: int, out_size: int, align_corners: bool, scale: float | None, dtype: type
) -> Plan:
    """Four taps per output position (torch's bicubic, A = -0.75), clamped at the borders."""
    s = _scale(in_size, out_size, align_corners, scale, dtype)
    src = _source_index(s, out_size, align_corners, True, dtype)
    base = np.minimum(_floor_index(src), in_size - 1)
    t = np.clip(src - base.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    a = dtype(-0.75)
    one = dtype(1)
    w: NDArray[np.floating] = np.stack(
        [
            _cubic_conv2(t + one, a),
            _cubic_conv1(t, a),
            _cubic_conv1(one - t, a),
            _cubic_conv2((one - t) + one, a),
        ],
        axis=1,
    ).astype(dtype)  # (out, 4)
    idx = np.clip(base[:, None] + np.arange(-1, 3), 0, in_size - 1).astype(np.int64)  # (out, 4)
    return idx, w


def nearest_plan(
    in_size: int,
    out_size: int,
    scale: float | None,
    exact: bool,
    dtype: type,
    shortcuts: bool = False,
) -> Plan:
    """One tap per output position, weight 1: ``floor(j * scale)``, or for nearest-exact
    ``floor(max(scale * (j + 0.5) - 0.5, 0) + 0.5)``, capped at ``in - 1``.

    ``shortcuts``: torch's 2-d nearest kernel (and only it) copies when out == in and takes
    ``j // 2`` when out == 2 in, whatever the scale factor says.
    """
    j = np.arange(out_size, dtype=np.int64)
    if shortcuts and out_size == in_size:
        i = j
    elif shortcuts and out_size == 2 * in_size:
        i = j >> 1
    else:
        s = _scale(in_size, out_size, False, scale, dtype)
        if exact:
            pos = _source_index(s, out_size, False, False, dtype) + dtype(0.5)
        else:
            pos = _source_index(s, out_size, True, False, dtype)
        i = np.minimum(_floor_index(pos), in_size - 1)
    return i[:, None], np.ones((out_size, 1), dtype=dtype)


def _triangle(x: NDArray[np.floating]) -> NDArray[np.floating]:
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _keys_half(x: NDArray[np.floating]) -> NDArray[np.floating]:
    """Keys' cubic convolution with A = -0.5 (PIL's, which torch's antialiased bicubic follows;
    the plain bicubic mode uses -0.75)."""
    x = np.abs(x)
    a = x.dtype.type(-0.5)
    near, far = _cubic_conv1(x, a), _cubic_conv2(x, a)
    return np.where(x < 1, near, np.where(x < 2, far, 0)).astype(x.dtype)


def _lanczos3(x: NDArray[np.floating]) -> NDArray[np.floating]:
    """``sinc(x) * sinc(x / 3)`` on ``(-3, 3)`` (PIL's Lanczos filter), 1 at 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pix = np.pi * x.astype(np.float64)
        value = np.sin(pix) * np.sin(pix / 3) / (pix * pix / 3)
    value = np.where(x == 0, 1.0, np.where(np.abs(x) < 3, value, 0.0))
    return value.astype(x.dtype)


#: antialiased filters: mode -> (filter, taps at scale 1)
_AA_FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_half, 4), "lanczos": (_lanczos3, 6)}


def antialias_plan(
    in_size: int, out_size: int, align_corners: bool, scale: float | None, dtype: type, mode: str
) -> Plan:
    """torch's antialiased weights (``_compute_indices_min_size_weights_aa``) in ``dtype``:
    for output ``j``, ``center = scale * (j + 0.5)``, the run ``xmin = max(int(center - support
    + 0.5), 0)`` to ``min(int(center + support + 0.5), in)`` (C truncation), weights
    ``filter((xmin + k - center + 0.5) / max(scale, 1))`` over their sum (left as they are when
    the sum is 0). Unused taps have index -1 and weight 0."""
    filt, taps = _AA_FILTERS[mode]
    s = _scale(in_size, out_size, align_corners, scale, dtype)
    # support and 1/scale are computed in double, then stored in dtype
    support = dtype(taps * 0.5 * float(s)) if s >= 1 else dtype(taps * 0.5)
    invscale = dtype(1.0 / float(s)) if s >= 1 else dtype(1.0)
    width = int(math.ceil(float(support))) * 2 + 1
    j = np.arange(out_size)
    center: NDArray[np.floating] = (float(s) * (j + 0.5)).astype(dtype)  # (out,)
    xmin = np.maximum(((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    xmax = np.minimum(((center + support).astype(np.float64) + 0.5).astype(np.int64), in_size)
    xsize = np.clip(xmax - xmin, 0, width)  # (out,)
    k = np.arange(width)
    pos = xmin[:, None] + k[None, :]  # (out, width)
    used = k[None, :] < xsize[:, None]
    arg = ((pos.astype(dtype) - center[:, None]).astype(np.float64) + 0.5) * float(invscale)
    w: NDArray[np.floating] = np.where(used, filt(arg.astype(dtype)), dtype(0)).astype(dtype)
    total: NDArray[np.floating] = np.zeros(out_size, dtype=dtype)
    for t in range(width):  # torch sums the weights in order, in dtype
        total = (total + w[:, t]).astype(dtype)
    safe = np.where(total != 0, total, dtype(1))
    w = np.where((total != 0)[:, None], w / safe[:, None], w).astype(dtype)
    idx = np.where(used, pos, -1).astype(np.int64)
    return idx, w


def resample_runs(x: NDArray[np.floating], axis: int, plan: Plan) -> NDArray[np.floating]:
    """``resample`` for a plan whose rows may end early (index -1): torch's antialiased loop
    ``out = x0 * w0``, then ``out += xk * wk`` (a fused multiply-add) over the used taps only."""
    idx, w = plan
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    last = x.shape[axis] - 1

    def tap(k: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return np.take(x, np.clip(idx[:, k], 0, last), axis=axis), w[:, k].reshape(shape)

    x0, w0 = tap(0)
    out = x0 * w0
    for k in range(1, idx.shape[1]):
        used = idx[:, k] >= 0
        if not used.any():
            break
        xk, wk = tap(k)
        out = np.where(used.reshape(shape), fma(xk, wk, out), out)
    return out


def resample(x: NDArray[np.floating], axis: int, plan: Plan) -> NDArray[np.floating]:
    """``out[..., j, ...] = sum_k w[j, k] * x[..., idx[j, k], ...]`` along ``axis``.

    The taps are summed with fused multiply-adds in the order torch's compiled kernels use:
    ``fma(x0, w0, x1*w1)``, then ``fma(x2, w2, .)`` and ``fma(x3, w3, .)``.
    """
    idx, w = plan
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]

    def tap(k: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return np.take(x, idx[:, k], axis=axis), w[:, k].reshape(shape)

    if idx.shape[1] == 1:
        out = np.take(x, idx[:, 0], axis=axis)
        return out if bool(np.all(w == 1)) else out * w[:, 0].reshape(shape)
    (x0, w0), (x1, w1) = tap(0), tap(1)
    out = fma(x0, w0, x1 * w1)
    for k in range(2, idx.shape[1]):
        xk, wk = tap(k)
        out = fma(xk, wk, out)
    return out


def resample_bilinear(x: NDArray[np.floating], plan_h: Plan, plan_w: Plan) -> NDArray[np.floating]:
    """torch's bilinear kernel, which is not separable in its rounding: with the four products
    ``w_ab = h_a * w_b`` of the row and column weights,
    ``out = fma(x11, w11, fma(x10, w10, fma(x00, w00, x01 * w01)))``."""
    (ih, wh), (iw, ww) = plan_h, plan_w
    cols = [np.take(x, iw[:, b], axis=-1) for b in (0, 1)]  # (*, H, Wo)

    def corner(a: int, b: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        weight = wh[:, a][:, None] * ww[:, b][None, :]  # (Ho, Wo)
        return np.take(cols[b], ih[:, a], axis=-2), weight  # (*, Ho, Wo)

    x00, w00 = corner(0, 0)
    x01, w01 = corner(0, 1)
    out = fma(x00, w00, x01 * w01)
    del x00, x01
    x10, w10 = corner(1, 0)
    out = fma(x10, w10, out)
    del x10
    x11, w11 = corner(1, 1)
    return fma(x11, w11, out)


def _scatter_sum(
    g: NDArray[np.floating], idx: NDArray[np.int64], size: int, axis: int
) -> NDArray[np.floating]:
    """The adjoint of ``take(x, idx, axis)``: sum g's slices into the positions they came from.

    ``idx`` is non-decreasing (every plan above is), so equal targets are contiguous runs and one
    ``add.reduceat`` sums each run (``np.add.at`` and a per-run indexed add measured slower).
    """
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    sums = np.add.reduceat(g, starts, axis=axis)
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=g.dtype)
    target: list[Any] = [slice(None)] * g.ndim
    target[axis] = idx[starts]
    out[tuple(target)] = sums
    return out


def resample_backward(
    g: NDArray[np.floating], axis: int, plan: Plan, in_size: int
) -> NDArray[np.floating]:
    """The gradient of ``resample`` (and of ``resample_runs``) with respect to x: unused taps
    (index -1) send nothing."""
    idx, w = plan
    shape = [1] * g.ndim
    shape[axis] = idx.shape[0]
    if idx.shape[1] == 1 and bool(np.all(w == 1)):  # nearest: no weights to apply
        return _scatter_sum(g, idx[:, 0], in_size, axis)
    out = _scatter_sum(g * w[:, 0].reshape(shape), np.maximum(idx[:, 0], 0), in_size, axis)
    for k in range(1, idx.shape[1]):
        used = idx[:, k] >= 0
        if not used.any():
            break
        part = g * w[:, k].reshape(shape)
        if not used.all():
            part = np.where(used.reshape(shape), part, 0)
        # unused taps end a row, so the running maximum keeps the indices non-decreasing
        out += _scatter_sum(part, np.maximum.accumulate(np.maximum(idx[:, k], 0)), in_size, axis)
    return out


def output_size(in_size: int, scale: float) -> int:
    """``floor(in * scale)`` as torch computes it in double."""
    return int(math.floor(float(in_size) * scale))
