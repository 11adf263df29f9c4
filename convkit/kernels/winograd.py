"""Winograd F(2x2, 3x3): stride-1 3x3 convolution with 16 multiplies per 2x2 output tile, not 36.

Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2016): for a 4x4 input tile
``d`` and a 3x3 filter ``g`` the 2x2 output tile of their correlation is

    Y = A^T [ (G g G^T) * (B^T d B) ] A            (* elementwise, over the 4x4 tile)

    B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
          [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
          [0 -1  1  0]         [1/2 -1/2  1/2]
          [0  1  0 -1]         [ 0    0    1 ]

Summed over input channels, the elementwise product becomes 16 GEMMs, one per tile cell
``(a, b)``: ``M[ab] (C_out, T) = U[ab] (C_out, C_in) @ V[ab] (C_in, T)`` over the T tiles, which
is 16/36 = 0.44 of direct convolution's multiply-adds. F(4x4, 3x3) would save more (36/144), but
its transforms carry factors up to 8 and lose about two more float32 digits than F(2x2, 3x3),
beyond the 1e-4 relative tolerance the float32 parity tests hold every kernel to.

Layout, chosen so that every transform is a handful of flat, unit-stride ufunc calls:

- The zero-padded input is copied once into its four row/column phases (space-to-depth),
  ``phase[p, q][c, n, i, j] = xpad[n, c, 2i + p, 2j + q]`` on an extended grid of
  ``(tiles_h + 1) x (tiles_w + 1)`` positions per plane, channel-major (this copy is also the
  layout change to the GEMM's ``(C, N*tiles)`` order). Tile ``(i, j)``'s cell ``(k, l)`` is then
  phase ``(k % 2, l % 2)`` at ``(i + k // 2, j + l // 2)``: a flat shift of ``(k // 2) * pitch +
  l // 2`` in that phase's buffer. B^T's rows combine two cells each, so the input transform is
  8 + 16 subtractions/additions of shifted flat runs, written straight into V's GEMM layout.
- Grid positions on the extra row and column are not tiles: their columns of V and M hold
  values that are never read back (every GEMM column is independent), in exchange for every
  transform being one contiguous run.
- The output transform sums M's rows with A^T (16 + 8 flat calls); the last call of each of the
  four output phases writes into the output itself, ``out[n, co, 2i + r, 2j + s]``. The bias
  joins M[1, 1], the one cell A^T carries into all four outputs with coefficient 1.

The work is done per batch chunk of about ``TARGET_BYTES`` of transformed input, so the phases,
V and M of a chunk stay in cache, and the chunks run on the worker threads of ``parallel``.
The loop reference is ``conv_ref.conv_ref``; ``winograd_ref`` below spells the formula out tile
by tile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import parallel as par

Pairs = Sequence[tuple[int, int]]

#: Buffer bytes per chunk (``_sample_bytes``): a chunk's phases, V and M stay in cache.
TARGET_BYTES = 4 * 2**20
#: The 16 GEMMs get at least this many columns (grid positions) per chunk where the batch
#: allows. At 1024, (32, 64, 32, 32) ran chunks of 4 samples (12 MB of buffers, past the cache)
#: and took 1.25x the time of one-sample chunks (3 MB); (32, 128, 16, 16) and (8, 64, 56, 56)
#: lost nothing at 256 (CPU time, one thread).
GEMM_MIN_COLUMNS = 256
#: No chunk's buffers may exceed this (the column bound of ``conv.MAX_COLUMN_BYTES``).
MAX_BYTES = 256 * 2**20
#: Samples whose buffers exceed this go to im2col, which builds its columns in cache-sized bands
#: of rows: (2, 64, 224, 224) 3x3, 137 MB of Winograd buffers a sample, took 149 ms forward and
#: 443 ms forward+backward as Winograd, 136 and 416 as im2col (CPU time, one thread).
MAX_SAMPLE_BYTES = 32 * 2**20
#: Below this much transformed input, threads cost more than they save.
THREAD_MIN_BYTES = 4 * 2**20

_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]])


def applies(
    weight_shape: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    dtype: np.dtype,
) -> bool:
    """Whether F(2x2, 3x3) computes this convolution: 2-d, 3x3, stride 1, dilation 1, one group,
    a floating dtype."""
    return (
        len(weight_shape) == 4
        and tuple(weight_shape[2:]) == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and groups == 1
        and dtype.kind == "f"
        and all(lo >= 0 and hi >= 0 for lo, hi in pads)
    )


def use_winograd(
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_shape: Sequence[int],
    dtype: np.dtype,
) -> bool:
    """Whether to run this convolution as Winograd: where it applies and measured faster.

    Measured against the im2col path (CPU time, one thread; docs/PERFORMANCE.md): 0.78x on
    128 channels at 16x16 and 256 at 14x14, 0.86x on 64 channels at 56x56, but no faster on 32
    channels at 32x32 or on 4x4 planes (512 channels: 1.24x). With chunks of one sample where
    that fills the cache (``GEMM_MIN_COLUMNS``) 64 channels at 32x32 gain too (0.8x), and 256 at
    8x8 about break even forward and gain in forward+backward (1.14 -> 1.08 against torch).
    Thin GEMMs (K = the input channels) and the spare row and column of the extended grid cost
    most on few channels and small planes, so it takes ``MIN_CHANNELS`` channels and
    ``MIN_TILES`` tiles, or ``WIDE_TILES`` tiles from ``FEW_CHANNELS`` channels.
    """
    if not ENABLED or not applies(w_shape, pads, stride, dilation, groups, dtype):
        return False
    th, tw = (-(-o // 2) for o in out_shape)
    plane = (th + 1) * (tw + 1)
    # one sample's buffers on every thread must stay under the bound (no spatial chunking)
    sample = _sample_bytes(x_shape[1], w_shape[0], plane, np.dtype(dtype).itemsize)
    if sample * par.get_num_threads() > MAX_BYTES or sample > MAX_SAMPLE_BYTES:
        return False
    channels, tiles = min(x_shape[1], w_shape[0]), th * tw
    return (channels >= MIN_CHANNELS and tiles >= MIN_TILES) or (
        channels >= FEW_CHANNELS and tiles >= WIDE_TILES
    )


#: Off switch (tests force both paths).
ENABLED = True
MIN_CHANNELS = 128
MIN_TILES = 16
FEW_CHANNELS = 64
WIDE_TILES = 256


def _sample_bytes(c: int, co: int, plane: int, itemsize: int) -> int:
    """Buffers of one sample: phases (4C) and two rows of row sums (2C), V (16C), M (16Co) and
    the four output phases (4Co) per grid position."""
    return (22 * c + 20 * co) * plane * itemsize


def transform_weight(w: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``U = G w G^T`` per (out, in) channel pair: ``(16, C_out, C_in)``, cell ``a*4 + b``.

    G's rows are ``g0``, ``(g0 + g1 + g2)/2``, ``(g0 - g1 + g2)/2`` and ``g2``; applied to the
    kernel rows, then the columns, of a ``(3, 3, C_out, C_in)`` copy, every step is a flat ufunc
    call (a GEMM with K=3, or a 4x3 @ 3x3 product per channel pair, runs 10-100x slower).
    """
    co, c = w.shape[:2]
    wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1), dtype=dtype)  # (3, 3, Co, C)
    half = np.asarray(0.5, dtype=dtype)

    def g_rows(t0: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> list[np.ndarray]:
        outer = t0 + t2
        return [t0, (outer + t1) * half, (outer - t1) * half, t2]

    rows = g_rows(wt[0], wt[1], wt[2])  # each (3, Co, C): G g
    u = np.empty((4, 4, co, c), dtype=dtype)
    for a, r in enumerate(rows):
        for b, col in enumerate(g_rows(r[0], r[1], r[2])):  # (G g) G^T
            u[a, b] = col
    return u.reshape(16, co, c)


def conv3x3(
    x: np.ndarray,
    w: np.ndarray,
    pads: Pairs,
    out: np.ndarray,
    bias: np.ndarray | None = None,
) -> None:
    """``out (N, C_out, Ho, Wo) := bias + correlation of zero-padded x with w`` (stride 1).

    x ``(N, C, H, W)``, w ``(C_out, C, 3, 3)``, pads ``((top, bottom), (left, right))``; ``out``
    may be smaller than the largest output (its first Ho x Wo positions are computed).
    """
    N, C, H, W = x.shape
    Co = w.shape[0]
    Ho, Wo = out.shape[2:]
    dtype = out.dtype
    th, tw = -(-Ho // 2), -(-Wo // 2)
    gh, gw = th + 1, tw + 1  # the extended grid
    plane = gh * gw
    margin = gw + 1  # the furthest shift a transform reads past a plane
    u = transform_weight(w, dtype)  # (16, Co, C)
    itemsize = np.dtype(dtype).itemsize
    per_sample = _sample_bytes(C, Co, plane, itemsize)
    # cache-sized chunks, but wide enough for BLAS to run the 16 GEMMs near full speed
    chunk = max(min(TARGET_BYTES, MAX_BYTES) // per_sample, -(-GEMM_MIN_COLUMNS // plane))
    chunk = int(max(1, min(N, chunk, MAX_BYTES // per_sample)))
    chunks = [(i, min(i + chunk, N)) for i in range(0, N, chunk)]
    threaded = N * per_sample >= THREAD_MIN_BYTES and len(chunks) > 1
    (pt, _), (pl, _) = pads
    # Per phase (p, q): the grid rows/columns that hold input cells, and where those come from.
    places = []
    for p in range(2):
        i0, i1 = _span(gh, H, pt, p)
        for q in range(2):
            j0, j1 = _span(gw, W, pl, q)
            src = (
                slice(2 * i0 + p - pt, 2 * (i1 - 1) + p - pt + 1, 2),
                slice(2 * j0 + q - pl, 2 * (j1 - 1) + q - pl + 1, 2),
            )
            places.append(((i0, i1), (j0, j1), src))
    bias_col = None if bias is None else bias.astype(dtype, copy=False).reshape(Co, 1)
    outs = [(r, s, len(range(r, Ho, 2)), len(range(s, Wo, 2))) for r in range(2) for s in range(2)]
    at2 = np.kron(_AT, _AT).astype(dtype)  # (4, 16): row r*2 + s, column a*4 + b

    def work(my_chunks: list[tuple[int, int]]) -> None:
        cap = chunk * plane
        ph = par.scratch("wino-phases", 4 * (C * cap + margin), dtype).reshape(4, C * cap + margin)
        tbuf = par.scratch("wino-t", 2 * (C * cap + 1), dtype).reshape(2, C * cap + 1)
        v = par.scratch("wino-v", 16 * C * cap, dtype).reshape(16, C * cap)
        m = par.scratch("wino-m", 16 * Co * cap, dtype).reshape(16, Co * cap)
        ybuf = par.scratch("wino-y", 4 * Co * cap, dtype).reshape(4, Co * cap)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            tot = C * nb * plane
            xb = x[n0:n1].transpose(1, 0, 2, 3)  # (C, nb, H, W)
            for k, ((i0, i1), (j0, j1), src) in enumerate(places):
                dst = ph[k, :tot].reshape(C, nb, gh, gw)
                dst[:, :, :i0] = 0
                dst[:, :, i1:] = 0
                dst[:, :, i0:i1, :j0] = 0
                dst[:, :, i0:i1, j1:] = 0
                if i1 > i0 and j1 > j0:
                    dst[:, :, i0:i1, j0:j1] = xb[(slice(None), slice(None)) + src]
                ph[k, tot : tot + margin] = 0
            _input_transform(ph, tbuf, v, tot, gw)
            vt = v[:, :tot].reshape(16, C, nb * plane)
            mt = m[:, : Co * nb * plane].reshape(16, Co, nb * plane)
            np.matmul(u, vt, out=mt)  # (16, Co, nb*plane)
            if bias_col is not None:
                np.add(mt[5], bias_col, out=mt[5])  # cell (1, 1)
            ob = out[n0:n1].transpose(1, 0, 2, 3)  # (Co, nb, Ho, Wo)
            _output_transform(m, ybuf, at2, ob, Co * nb * plane, (Co, nb, gh, gw), outs)

    parts = par.deal(chunks, par.get_num_threads()) if threaded else [chunks]
    par.run_parts(work, parts, threaded)


def _span(grid: int, size: int, pad: int, phase: int) -> tuple[int, int]:
    """Grid positions ``i`` whose padded cell ``2i + phase`` is an input cell: ``[i0, i1)``."""
    i0 = max(0, -(-(pad - phase) // 2))
    i1 = min(grid, (size - 1 + pad - phase) // 2 + 1)
    return i0, max(i0, i1)


def _input_transform(ph: np.ndarray, t: np.ndarray, v: np.ndarray, tot: int, pitch: int) -> None:
    """``V[a*4 + b] = (B^T d B)[a, b]`` for every grid position, from the four phases.

    Rows first: with ``d_k`` tile row k (phase k % 2, shifted k // 2 grid rows), B^T's rows are
    ``d0 - d2, d1 + d2, d2 - d1, d1 - d3``; per column phase that is two phase rows and their
    one-row shifts. Then the same four combinations along columns (shift 1) give V.
    """
    t[:, tot] = 0  # read by the last grid position's column shift
    for a in range(4):
        for q in range(2):
            p0, p1 = ph[q], ph[2 + q]  # row phases 0 and 1 of column phase q
            p0s, p1s = p0[pitch : pitch + tot], p1[pitch : pitch + tot]
            dst = t[q, :tot]
            if a == 0:
                np.subtract(p0[:tot], p0s, out=dst)
            elif a == 1:
                np.add(p1[:tot], p0s, out=dst)
            elif a == 2:
                np.subtract(p0s, p1[:tot], out=dst)
            else:
                np.subtract(p1[:tot], p1s, out=dst)
        c0, c1 = t[0], t[1]
        c0s, c1s = c0[1 : 1 + tot], c1[1 : 1 + tot]
        np.subtract(c0[:tot], c0s, out=v[a * 4, :tot])
        np.add(c1[:tot], c0s, out=v[a * 4 + 1, :tot])
        np.subtract(c0s, c1[:tot], out=v[a * 4 + 2, :tot])
        np.subtract(c1[:tot], c1s, out=v[a * 4 + 3, :tot])


def _output_transform(
    m: np.ndarray,
    y: np.ndarray,
    at2: np.ndarray,
    out: np.ndarray,
    tot: int,
    grid: tuple[int, int, int, int],
    outs: list[tuple[int, int, int, int]],
) -> None:
    """``out[:, :, 2i + r, 2j + s] = (A^T M A)[r, s]`` of every tile; ``out`` is ``(Co, nb, Ho,
    Wo)`` (a transposed view of the output chunk), ``grid`` M's ``(Co, nb, gh, gw)``.

    ``A^T M A`` is linear in M's 16 cells: one GEMM with ``at2 = kron(A^T, A^T)`` (4, 16) reads M
    once (24 flat ufunc calls read it three times over), then each output phase is copied into
    place.
    """
    yt = y[:, :tot]
    np.matmul(at2, m[:, :tot], out=yt)  # (4, Co*nb*gh*gw)
    for k, (r, s2, hr, ws) in enumerate(outs):
        if hr and ws:
            out[:, :, r::2, s2::2] = yt[k].reshape(grid)[:, :, :hr, :ws]


def winograd_ref(x: np.ndarray, w: np.ndarray, pads: Pairs) -> np.ndarray:
    """The formula tile by tile, in float64: ``Y = A^T [(G g G^T) * (B^T d B)] A`` summed over
    input channels. Tests only."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + tuple(tuple(p) for p in pads))
    N, C, Hp, Wp = xp.shape
    Co = w.shape[0]
    Ho, Wo = Hp - 2, Wp - 2
    th, tw = -(-Ho // 2), -(-Wo // 2)
    xp = np.pad(xp, ((0, 0), (0, 0), (0, 2 * th + 2 - Hp), (0, 2 * tw + 2 - Wp)))
    out = np.zeros((N, Co, 2 * th, 2 * tw))
    G, BT, AT = _G, _BT.astype(np.float64), _AT.astype(np.float64)
    for n in range(N):
        for i in range(th):
            for j in range(tw):
                for co in range(Co):
                    acc = np.zeros((4, 4))
                    for c in range(C):
                        d = xp[n, c, 2 * i : 2 * i + 4, 2 * j : 2 * j + 4]
                        acc += (G @ w[co, c].astype(np.float64) @ G.T) * (BT @ d @ BT.T)
                    out[n, co, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = AT @ acc @ AT.T
    return out[:, :, :Ho, :Wo]


def tiles(out_shape: Sequence[int]) -> int:
    """2x2 output tiles of an output plane."""
    return math.prod(-(-o // 2) for o in out_shape)
