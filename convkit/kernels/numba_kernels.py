"""The compiled loops of ``convkit[fast]``: depthwise 2-d convolution (forward and input gradient)
and max pooling with torch's indices (the forward scan and the gradient's scatter).

Imported only by ``kernels/fast.py``, on first use, and only when numba is installed: never at
``import convkit``. Each kernel works on a range of planes ``[p0, p1)`` so that the caller can
split the planes between the threads of ``kernels/parallel.py``; ``nogil=True`` lets those
threads run at once.

Loops are written so that LLVM vectorizes them: the innermost loop indexes slices from 0
(numba then drops the negative-index wraparound check that blocks vectorization), and a 3x3
window is one pass with nine multiply-adds per output instead of nine passes. No
``fastmath``: each output is the same sum of the same products as the NumPy kernels make, in
an order that differs only by rounding (float32 rtol 1e-4, float64 1e-10 in the parity tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def _jit(fn: F) -> F:
    """numba's ``njit(nogil=True, cache=True)``; without a writable cache directory anywhere
    (numba raises RuntimeError at decoration then) the kernel compiles in memory instead, once
    per process."""
    try:
        compiled = numba.njit(nogil=True, cache=True)(fn)
    except RuntimeError:
        compiled = numba.njit(nogil=True)(fn)
    return cast(F, compiled)


@_jit
def _span(size: int, out: int, stride: int, offset: int) -> tuple[int, int]:
    """The outputs ``o`` in ``[lo, hi)`` whose input ``o*stride + offset`` lies in
    ``[0, size)``, with ``0 <= lo <= hi <= out``: callers loop over ``[0, lo)`` and
    ``[hi, out)`` as the border (numba checks no bounds: a ``lo`` past ``out`` would write past
    the row)."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = (size - 1 - offset) // stride + 1 if size - 1 - offset >= 0 else 0
    lo = min(lo, out)
    hi = min(hi, out)
    return lo, max(lo, hi)


@_jit
def _border(
    row: np.ndarray, xr: np.ndarray, wr: np.ndarray, o0: int, o1: int, sw: int, pw: int, dw: int
) -> None:
    """``row[ow] += sum_kj wr[kj] * xr[ow*sw - pw + kj*dw]`` for ow in ``[o0, o1)``, the
    cells outside ``xr`` left out."""
    W = xr.shape[0]
    for ow in range(o0, o1):
        acc = row[ow]
        for kj in range(wr.shape[0]):
            iw = ow * sw - pw + kj * dw
            if 0 <= iw < W:
                acc += wr[kj] * xr[iw]
        row[ow] = acc


@_jit
def _padded_plane(
    xs: np.ndarray,
    wc: np.ndarray,
    bias: float,
    o: np.ndarray,
    sh: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
) -> None:
    """One plane of ``depthwise_forward`` (column stride 1) cell by cell, every cell outside
    ``xs`` multiplied as a zero."""
    H, W = xs.shape
    KH, KW = wc.shape
    zero = xs.dtype.type(0)
    for oh in range(o.shape[0]):
        for ow in range(o.shape[1]):
            acc = o.dtype.type(bias)
            for ki in range(KH):
                ih = oh * sh - ph + ki * dh
                for kj in range(KW):
                    iw = ow - pw + kj * dw
                    inside = 0 <= ih < H and 0 <= iw < W
                    acc += wc[ki, kj] * (xs[ih, iw] if inside else zero)
            o[oh, ow] = acc


@_jit
def depthwise_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    p0: int,
    p1: int,
    sh: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
    m: int,
    zero_pad: bool,
) -> None:
    """``out[n, co, oh, ow] = b[co] + sum_{ki, kj} w[co, ki, kj] * x[n, co // m, oh*sh - ph +
    ki*dh, ow - pw + kj*dw]`` (cells outside x are zero) for the planes ``p = n*Co + co`` in
    ``[p0, p1)``: column stride 1 (``kernels/fast.py`` leaves other strides to NumPy).
    x ``(N, C, H, W)``, w ``(Co, KH, KW)``, b ``(Co,)``, out ``(N, Co, Ho, Wo)``; all
    C-contiguous. A pad may be negative (the input gradient runs here with pad ``(k-1)*d - p``).

    With ``zero_pad`` the cells outside x are multiplied as zeros, as the NumPy kernel's padded
    input is: a non-finite weight over the padding makes NaN (torch's result too). The loops
    below leave those products out, so a plane whose weights are not all finite takes
    ``_padded_plane`` instead. Without it (the input gradient, whose outputs outside g do not
    exist) they are left out.

    Interior columns (whose window row lies inside x) run as vectorized passes: one per output
    row for a 3x3 kernel whose rows all lie inside x (nine multiply-adds per output), else one
    per kernel row (3-wide) or per kernel offset; the border columns run cell by cell.
    """
    H, W = x.shape[2], x.shape[3]
    Co, KH, KW = w.shape
    Ho, Wo = out.shape[2], out.shape[3]
    lo, hi = _span(W - (KW - 1) * dw, Wo, 1, -pw)
    n_in = hi - lo
    first = lo - pw  # x column read by the first interior output at kj = 0
    for p in range(p0, p1):
        n = p // Co
        co = p - n * Co
        xs = x[n, co // m]
        o = out[n, co]
        wc = w[co]
        bias = b[co]
        if zero_pad and not np.all(np.isfinite(wc)):
            _padded_plane(xs, wc, bias, o, sh, ph, pw, dh, dw)
            continue
        for oh in range(Ho):
            row = o[oh]
            top = oh * sh - ph
            dst = row[lo:hi]
            if KH == 3 and KW == 3 and top >= 0 and top + 2 * dh < H:
                a0 = xs[top, first:]
                a1 = xs[top, first + dw :]
                a2 = xs[top, first + 2 * dw :]
                b0 = xs[top + dh, first:]
                b1 = xs[top + dh, first + dw :]
                b2 = xs[top + dh, first + 2 * dw :]
                c0 = xs[top + 2 * dh, first:]
                c1 = xs[top + 2 * dh, first + dw :]
                c2 = xs[top + 2 * dh, first + 2 * dw :]
                w00, w01, w02 = wc[0, 0], wc[0, 1], wc[0, 2]
                w10, w11, w12 = wc[1, 0], wc[1, 1], wc[1, 2]
                w20, w21, w22 = wc[2, 0], wc[2, 1], wc[2, 2]
                for i in range(n_in):
                    dst[i] = (
                        bias
                        + (w00 * a0[i] + w01 * a1[i] + w02 * a2[i])
                        + (w10 * b0[i] + w11 * b1[i] + w12 * b2[i])
                        + (w20 * c0[i] + w21 * c1[i] + w22 * c2[i])
                    )
                for ow in range(lo):
                    row[ow] = bias
                for ow in range(hi, Wo):
                    row[ow] = bias
                for ki in range(3):
                    xr = xs[top + ki * dh]
                    _border(row, xr, wc[ki], 0, lo, 1, pw, dw)
                    _border(row, xr, wc[ki], hi, Wo, 1, pw, dw)
                continue
            for ow in range(Wo):
                row[ow] = bias
            for ki in range(KH):
                ih = top + ki * dh
                if ih < 0 or ih >= H:
                    continue
                xr = xs[ih]
                if KW == 3:
                    w0, w1, w2 = wc[ki, 0], wc[ki, 1], wc[ki, 2]
                    s0 = xr[first:]
                    s1 = xr[first + dw :]
                    s2 = xr[first + 2 * dw :]
                    for i in range(n_in):
                        dst[i] += w0 * s0[i] + w1 * s1[i] + w2 * s2[i]
                else:
                    for kj in range(KW):
                        wv = wc[ki, kj]
                        src = xr[first + kj * dw :]
                        for i in range(n_in):
                            dst[i] += wv * src[i]
                # the border columns, whose windows reach outside x
                _border(row, xr, wc[ki], 0, lo, 1, pw, dw)
                _border(row, xr, wc[ki], hi, Wo, 1, pw, dw)


@_jit
def depthwise_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    gx: np.ndarray,
    p0: int,
    p1: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
    m: int,
) -> None:
    """The adjoint of ``depthwise_forward`` in x, for the planes ``p = n*C + c`` of gx
    ``(N, C, H, W)`` in ``[p0, p1)``: each output's ``g * w`` is added back to the input cells
    its window read. g ``(N, C*m, Ho, Wo)``, w ``(C*m, KH, KW)``."""
    H, W = gx.shape[2], gx.shape[3]
    C = gx.shape[1]
    KH, KW = w.shape[1], w.shape[2]
    Ho, Wo = g.shape[2], g.shape[3]
    for p in range(p0, p1):
        n = p // C
        c = p - n * C
        gxs = gx[n, c]
        gxs[:, :] = 0
        for j in range(m):
            co = c * m + j
            gs = g[n, co]
            for oh in range(Ho):
                gr = gs[oh]
                for ki in range(KH):
                    ih = oh * sh - ph + ki * dh
                    if ih < 0 or ih >= H:
                        continue
                    xr = gxs[ih]
                    for kj in range(KW):
                        wv = w[co, ki, kj]
                        off = kj * dw - pw
                        lo, hi = _span(W, Wo, sw, off)
                        src = gr[lo:hi]
                        dst = xr[lo * sw + off :]
                        if sw == 1:
                            for i in range(hi - lo):
                                dst[i] += wv * src[i]
                        else:
                            for i in range(hi - lo):
                                dst[i * sw] += wv * src[i]


@_jit
def max_pool_backward_indices(
    g: np.ndarray, indices: np.ndarray, gx: np.ndarray, p0: int, p1: int
) -> None:
    """``gx[p].flat[indices[p, o]] += g[p, o]`` for the planes ``[p0, p1)``: g and indices
    ``(B, L_out)``, gx ``(B, L_in)``."""
    for p in range(p0, p1):
        dst = gx[p]
        dst[:] = 0
        src = g[p]
        idx = indices[p]
        for o in range(src.shape[0]):
            dst[idx[o]] += src[o]


@_jit
def max_pool_indices(
    x: np.ndarray,
    y: np.ndarray,
    idx: np.ndarray,
    p0: int,
    p1: int,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
) -> None:
    """Max pooling with torch's argmax for the planes ``[p0, p1)`` of x ``(B, H, W)``: each
    window's in-bounds cells in row-major order, moving on ``value > best or isnan(value)``
    (the first of tied maxima wins, among NaNs the last). y ``(B, Ho, Wo)`` takes the values,
    idx the flat index into the plane (-1 and -inf for a window with no cell in bounds, as
    ``kernels.pool.max_pool_indices``)."""
    H, W = x.shape[1], x.shape[2]
    Ho, Wo = y.shape[1], y.shape[2]
    for p in range(p0, p1):
        xs = x[p]
        ys = y[p]
        ids = idx[p]
        for oh in range(Ho):
            top = oh * sh - ph
            for ow in range(Wo):
                left = ow * sw - pw
                at = -1
                best = -np.inf
                for ki in range(kh):
                    ih = top + ki * dh
                    if ih < 0 or ih >= H:
                        continue
                    for kj in range(kw):
                        iw = left + kj * dw
                        if iw < 0 or iw >= W:
                            continue
                        v = xs[ih, iw]
                        if at < 0 or v > best or v != v:
                            best = v
                            at = ih * W + iw
                ys[oh, ow] = best
                ids[oh, ow] = at
