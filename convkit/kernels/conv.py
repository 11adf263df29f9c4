"""The convolution engine: N-d convolution, its two gradients, unfold (im2col) and fold (col2im).

Arrays in, arrays out; no Tensor, no autograd. One engine serves conv, transposed conv (whose
forward is the conv input gradient and whose backward is the conv forward and weight gradient)
and unfold/fold, so a speed-up here lands everywhere.

Formulation (im2col + GEMM). For a chunk of ``nb`` samples the input windows are copied into a
column buffer laid out ``(C, *K, nb, *O)``, so that every copied row is contiguous and one GEMM per
group covers the whole chunk:

    out[g]  = W[g]   (Cout/G, Cg*K)  @ cols[g] (Cg*K, nb*L)      forward
    dW[g]  += gT[g]  (Cout/G, nb*L)  @ cols[g].T                 weight gradient
    dcols[g] = W[g].T (Cg*K, Cout/G) @ gT[g]  (Cout/G, nb*L)     input gradient, then col2im

col2im (the adjoint of im2col) loops over the kernel offsets and adds strided slices, which
docs/PERFORMANCE.md measured at 17 ms against 47 ms for ``np.add.at``.

Memory: the batch is chunked so that a column buffer never exceeds ``MAX_COLUMN_BYTES``; for speed
chunks aim at ``TARGET_COLUMN_BYTES`` (cache-sized), and large problems run their chunks on the
worker threads of ``kernels/parallel.py`` (NumPy copies and BLAS calls release the GIL; the
copies are single-threaded).

Depthwise convolution (one input channel per group) runs its forward through the grouped GEMM
(one (1, k*k) @ (k*k, nb*L) product per channel: 1.3-2x faster than multiply-adds per offset,
measured on (32, 128, 32, 32), (8, 32, 56, 56) and (8, 256, 14, 14) 3x3), and its backward in
its own kernel that loops over kernel offsets and multiply-adds whole arrays (faster there).

Column layout: ``(C, *K, nb, *O)``, or ``(C, *K, *O, nb)`` ("batch-last") when the last stride is
1 and output rows are short, so that copied rows are long (``_use_batch_last``). GEMMs run over
column pieces of ``GEMM_COLUMNS`` (OpenBLAS is 2x faster on thin GEMMs that way), and scratch
buffers are kept per thread (``parallel.scratch``) so that hot loops do not page-fault fresh
memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import shapes
from . import parallel as par
from . import windows as win
from . import winograd as wino

Pairs = Sequence[tuple[int, int]]
Ints = Sequence[int]

#: No column buffer may exceed this (a (8, 64, 224, 224) 3x3 conv would need 924 MB unchunked).
MAX_COLUMN_BYTES = 256 * 2**20
#: Chunks aim at this size so that im2col output stays in cache while the GEMM reads it.
TARGET_COLUMN_BYTES = 4 * 2**20
#: Below this much total column data, threads cost more than they save (docs/PERFORMANCE.md:
#: tiny problems need the plain path).
THREAD_MIN_BYTES = 8 * 2**20


# ----------------------------------------------------------------------------------------------
# Chunking arithmetic and scratch buffers
# ----------------------------------------------------------------------------------------------


def column_bytes(
    n: int, channels: int, kernel: Sequence[int], out: Sequence[int], itemsize: int
) -> int:
    """Bytes of the column buffer for ``n`` samples: ``n * C * prod(K) * prod(O) * itemsize``."""
    return n * channels * math.prod(kernel) * math.prod(out) * itemsize


def batch_chunk(
    batch: int,
    channels: int,
    kernel: Sequence[int],
    out: Sequence[int],
    itemsize: int,
    target: int | None = None,
    limit: int | None = None,
) -> int:
    """Samples per chunk: as many as fit in ``min(target, limit)`` bytes of columns, at least 1.

    ``target`` and ``limit`` default to ``TARGET_COLUMN_BYTES`` and ``MAX_COLUMN_BYTES``, read at
    call time. A single sample whose columns exceed ``limit`` still gets a chunk of 1 (the batch
    is the only axis chunked).
    """
    target = TARGET_COLUMN_BYTES if target is None else target
    limit = MAX_COLUMN_BYTES if limit is None else limit
    per_sample = column_bytes(1, channels, kernel, out, itemsize)
    if per_sample == 0:
        return max(batch, 1)
    return int(max(1, min(batch, min(target, limit) // per_sample)))


def _chunks(batch: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, batch)) for i in range(0, batch, size)]


def _run_chunks(
    work: Callable[[list[tuple[int, int]]], Any], chunks: list[tuple[int, int]], threaded: bool
) -> list[Any]:
    """``work(list_of_chunks)`` once per thread; thread i takes chunks i, i+T, ... ."""
    parts = par.deal(chunks, par.get_num_threads()) if threaded else [chunks]
    return par.run_parts(work, parts, threaded)


# ----------------------------------------------------------------------------------------------
# Views and slices
# ----------------------------------------------------------------------------------------------


def _out_shape(padded: Ints, kernel: Ints, stride: Ints, dilation: Ints) -> tuple[int, ...]:
    """Output sizes over an already padded input (shapes.conv_output_size with no padding)."""
    return tuple(
        shapes.conv_output_size(L, k, s, 0, d)
        for L, k, s, d in zip(padded, kernel, stride, dilation, strict=True)
    )


def _padded_shape(spatial: Sequence[int], pads: Pairs) -> tuple[int, ...]:
    return tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=True))


def _interior(spatial: Sequence[int], pads: Pairs) -> tuple[slice, ...]:
    return tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads, strict=True))


def _col2im_add(
    dst: np.ndarray, cols: np.ndarray, kernel: Ints, stride: Ints, dilation: Ints, out: Ints
) -> None:
    """``dst[:, :, o*s + k*d] += cols[:, :, k, o]`` for a padded ``dst (N, C, *Sp)`` and a column
    view ``cols (N, C, *K, *O)``; the adjoint of ``windows.view``."""
    for ks, sl in win.all_offset_slices(kernel, stride, dilation, out):
        target = dst[(slice(None), slice(None)) + sl]
        target += cols[(slice(None), slice(None)) + ks + (Ellipsis,)]


def _fill_padded(view: np.ndarray, xb: np.ndarray, pads: Pairs) -> None:
    """``view (nb, C, *Sp)`` := xb zero-padded; only the border is zeroed (the interior is
    overwritten), which keeps reused buffers correct whatever they last held."""
    view[(slice(None), slice(None)) + _interior(xb.shape[2:], pads)] = xb
    for i, (lo, hi) in enumerate(pads):
        lead = (slice(None),) * (2 + i)
        if lo:
            view[lead + (slice(0, lo),)] = 0
        if hi:
            view[lead + (slice(view.shape[2 + i] - hi, None),)] = 0


def _chunk_view(
    buf: np.ndarray, nb: int, C: int, spatial: Sequence[int], batch_last: bool
) -> np.ndarray:
    """The first ``nb*C*prod(spatial)`` elements of ``buf`` as a logical ``(nb, C, *spatial)``
    view, laid out ``(C, *spatial, nb)`` in memory when ``batch_last``."""
    spatial = tuple(spatial)
    size = nb * C * math.prod(spatial)
    if batch_last:
        return np.moveaxis(buf[:size].reshape((C,) + spatial + (nb,)), -1, 0)  # (nb, C, *S)
    return buf[:size].reshape((nb, C) + spatial)  # (nb, C, *S)


#: GEMMs run over pieces of at most this many columns: with few output channels (LeNet conv1,
#: M=6, K=25) OpenBLAS reaches 50-66 GFLOP/s on 4096-column pieces and 20-35 on 40k columns;
#: large GEMMs lose nothing (64x576: 143 against 145).
GEMM_COLUMNS = 4096


def _pieces(n: int) -> list[slice]:
    return [slice(i, min(i + GEMM_COLUMNS, n)) for i in range(0, n, GEMM_COLUMNS)]


def _use_batch_last(chunk: int, stride: Sequence[int], out: Sequence[int]) -> bool:
    """Column layout ``(C, *K, *O, nb)`` instead of ``(C, *K, nb, *O)``.

    With the last stride 1 every im2col/col2im row then runs ``O[-1]*nb`` contiguous cells
    instead of ``O[-1]``; NumPy's per-row overhead dominates short rows (LeNet conv2, O=8:
    im2col 0.33 -> 0.08 ms, col2im 1.04 -> 0.32 ms). The price is transposing copies of x, the
    output and g, which only pay off while rows are short.
    """
    return chunk > 1 and stride[-1] == 1 and out[-1] < BATCH_LAST_MAX_ROW


#: Output rows at least this long copy fast enough in the batch-first layout that the
#: transposing copies of batch-last cost more than they save: with the bound at 64, rows of 24-32
#: went batch-last and lost (CPU time, one thread; forward, forward+backward): the CIFAR stem
#: (32, 3, 32, 32) -> 64 k3 14.9 -> 6.1 ms and 31.5 -> 20.5 ms, LeNet conv1 2.19 -> 1.48 ms and
#: 5.62 -> 5.26 ms with the bound at 16; LeNet conv2 (rows of 8) and 8x8 / 4x4 planes unchanged.
BATCH_LAST_MAX_ROW = 16


# ----------------------------------------------------------------------------------------------
# Convolution: forward, input gradient, weight gradient
# ----------------------------------------------------------------------------------------------


def is_depthwise(in_channels: int, weight_shape: Sequence[int], groups: int) -> bool:
    """One input channel per group (C_in == groups), with more than one group."""
    return groups > 1 and groups == in_channels and weight_shape[1] == 1


def _col_axes(nsp: int, batch_last: bool) -> tuple[int, ...]:
    """Axes taking a logical ``(nb, C, *K, *O)`` window view to the column buffer's memory order:
    ``(C, *K, *O, nb)`` when ``batch_last``, else ``(C, *K, nb, *O)``."""
    ks = tuple(range(2, 2 + nsp))
    os_ = tuple(range(2 + nsp, 2 + 2 * nsp))
    return (1,) + ks + os_ + (0,) if batch_last else (1,) + ks + (0,) + os_


def _col_shape(C: int, kernel: Ints, nb: int, out_shape: Ints, batch_last: bool) -> tuple[int, ...]:
    if batch_last:
        return (C,) + tuple(kernel) + tuple(out_shape) + (nb,)
    return (C,) + tuple(kernel) + (nb,) + tuple(out_shape)


def _from_rows(buf: np.ndarray, nb: int, out_shape: Ints, batch_last: bool) -> np.ndarray:
    """A ``(R, nb*L)`` GEMM result in column order as a logical ``(nb, R, *O)`` view."""
    R = buf.shape[0]
    nsp = len(out_shape)
    if batch_last:
        return buf.reshape((R,) + tuple(out_shape) + (nb,)).transpose(
            (nsp + 1, 0) + tuple(range(1, nsp + 1))
        )  # (nb, R, *O)
    return buf.reshape((R, nb) + tuple(out_shape)).swapaxes(0, 1)  # (nb, R, *O)


#: Output planes of at least this many positions are written by one GEMM per sample straight into
#: the output, in its final layout; shorter ones (whose per-sample GEMMs would be too small) take
#: one GEMM per chunk and a transposing copy.
DIRECT_OUT_MIN = 256


def _add_bias(out: np.ndarray, bias: np.ndarray | None) -> None:
    """``out (nb, C_out, *O) += bias`` per channel, while the chunk is still in cache."""
    if bias is not None:
        np.add(out, bias.reshape((1, -1) + (1,) * (out.ndim - 2)), out=out)


def conv_forward(
    x: np.ndarray,
    w: np.ndarray,
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_shape: Sequence[int] | None = None,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """Cross-correlation ``out[n, co, o] = b[co] + sum_{ci, k} w[co, ci, k] * xp[n, g*Cg + ci,
    o*s + k*d]``.

    x ``(N, C_in, *S)``, w ``(C_out, C_in/G, *K)``, pads ``((before, after), ...)``, bias
    ``(C_out,)`` or None; returns ``(N, C_out, *O)``. ``out_shape`` limits the output to its first
    O positions per dimension (transposed conv's backward needs that when output_padding >=
    stride); by default it is the largest that fits.

    The bias is added to each chunk of the output right after its GEMM, while it is in cache.
    1x1 kernels without padding skip im2col (``_pointwise_forward``); stride-1 3x3 kernels may
    run as Winograd F(2x2, 3x3) (``winograd.use_winograd`` decides per shape).
    """
    N, C = x.shape[:2]
    Cout = w.shape[0]
    kernel = w.shape[2:]
    sp = _padded_shape(x.shape[2:], pads)
    if out_shape is None:
        out_shape = _out_shape(sp, kernel, stride, dilation)
    out_shape = tuple(out_shape)
    dtype = np.result_type(x, w)
    out = np.empty((N, Cout) + out_shape, dtype=dtype)
    if out.size == 0:
        return out
    if C == 0 or math.prod(kernel) == 0:
        out[...] = 0
        _add_bias(out, bias)
        return out
    if all(k == 1 for k in kernel) and not any(lo or hi for lo, hi in pads):
        _pointwise_forward(x, w, stride, groups, out, bias)
    elif wino.use_winograd(x.shape, w.shape, pads, stride, dilation, groups, out_shape, dtype):
        wino.conv3x3(x, w, pads, out, bias)
    else:
        _im2col_forward(x, w, pads, stride, dilation, groups, out, bias)
    return out


#: One sample's columns beyond this are built and multiplied in bands of output rows (first
#: spatial dimension) of about this size, so that a (8, 64, 224, 224) 3x3 conv holds a few MB of
#: columns per thread instead of one sample's 115 MB.
BAND_BYTES = 4 * 2**20


def _bands(
    chunk: int, channels: int, kernel: Ints, out_shape: Ints, itemsize: int
) -> list[tuple[int, int]]:
    """Ranges ``[r0, r1)`` of the first output dimension whose columns are built at a time:
    the whole dimension, unless a chunk (then one sample) has more than ``BAND_BYTES`` of
    columns; then bands of equal rows (the last may be shorter) of at most ``BAND_BYTES``."""
    rows = out_shape[0] if out_shape else 1
    per_row = column_bytes(chunk, channels, kernel, out_shape, itemsize) // max(rows, 1)
    if not out_shape or per_row * rows <= BAND_BYTES:
        return [(0, rows)]
    step = max(1, BAND_BYTES // max(per_row, 1))
    return [(r, min(r + step, rows)) for r in range(0, rows, step)]


def _band_rows(
    xp: np.ndarray, r0: int, r1: int, kernel: Ints, stride: Ints, dilation: Ints
) -> np.ndarray:
    """The rows of a padded ``xp (nb, C, *Sp)`` that output rows ``[r0, r1)`` read (a view;
    col2im adds into it)."""
    start = r0 * stride[0]
    stop = (r1 - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1
    return xp[:, :, start:stop]


def _im2col_forward(
    x: np.ndarray,
    w: np.ndarray,
    pads: Pairs,
    stride: Ints,
    dilation: Ints,
    groups: int,
    out: np.ndarray,
    bias: np.ndarray | None,
) -> None:
    N, C = x.shape[:2]
    Cout = w.shape[0]
    kernel = w.shape[2:]
    out_shape = out.shape[2:]
    sp = _padded_shape(x.shape[2:], pads)
    dtype = out.dtype
    G = groups
    Cg, Coutg = C // G, Cout // G
    K = math.prod(kernel)
    L = math.prod(out_shape)
    P = math.prod(sp)
    wg = w.reshape(G, Coutg, Cg * K).astype(dtype, copy=False)  # (G, Cout/G, Cg*K)
    chunk = batch_chunk(N, C, kernel, out_shape, out.itemsize)
    chunks = _chunks(N, chunk)
    threaded = column_bytes(N, C, kernel, out_shape, out.itemsize) >= THREAD_MIN_BYTES
    nsp = len(kernel)
    bands = _bands(chunk, C, kernel, out_shape, out.itemsize)
    row = L // out_shape[0]  # positions per output row
    Lb = (bands[0][1] - bands[0][0]) * row  # positions of the widest band
    bl = _use_batch_last(chunk, stride, out_shape)
    direct = not bl and L >= DIRECT_OUT_MIN
    col_axes = _col_axes(nsp, bl)
    padded = any(lo or hi for lo, hi in pads)
    staged = padded or bl  # x is copied into a (padded, maybe batch-last) buffer first
    out_g = out.reshape(N, G, Coutg, L)  # (N, G, Cout/G, L)

    def work(my_chunks: list[tuple[int, int]]) -> None:
        xbuf = par.scratch("x", chunk * C * P if staged else 0, x.dtype)
        cols = par.scratch("cols", C * K * chunk * Lb, x.dtype)
        res = par.scratch("res", 0 if direct else Cout * chunk * Lb, dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            if staged:
                xpb = _chunk_view(xbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                _fill_padded(xpb, x[n0:n1], pads)
            else:
                xpb = x[n0:n1]
            for r0, r1 in bands:
                ob = (r1 - r0,) + tuple(out_shape[1:])
                lb = math.prod(ob)
                xs = _band_rows(xpb, r0, r1, kernel, stride, dilation)
                colb = cols[: C * K * nb * lb].reshape(_col_shape(C, kernel, nb, ob, bl))
                np.copyto(colb, win.view(xs, kernel, stride, dilation, ob).transpose(col_axes))
                at = slice(r0 * row, r1 * row)
                if direct:
                    per_sample = colb.reshape(G, Cg * K, nb, lb).transpose(2, 0, 1, 3)
                    np.matmul(wg, per_sample, out=out_g[n0:n1, :, :, at])  # (nb, G, Cout/G, lb)
                else:
                    resb = res[: Cout * nb * lb].reshape(G, Coutg, nb * lb)
                    colg = colb.reshape(G, Cg * K, nb * lb)
                    for sl in _pieces(nb * lb):
                        np.matmul(wg, colg[:, :, sl], out=resb[:, :, sl])  # (G, Cout/G, piece)
                    out[n0:n1, :, r0:r1] = _from_rows(resb.reshape(Cout, nb * lb), nb, ob, bl)
            _add_bias(out[n0:n1], bias)

    _run_chunks(work, chunks, threaded)


def _pointwise_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: Ints,
    groups: int,
    out: np.ndarray,
    bias: np.ndarray | None,
) -> None:
    """A 1x1 kernel without padding: one GEMM per sample on the (strided) input itself, no
    im2col (strides > 1 first copy the strided positions, a quarter of x at stride 2)."""
    N, C = x.shape[:2]
    Cout = w.shape[0]
    out_shape = out.shape[2:]
    G = groups
    Cg, Coutg = C // G, Cout // G
    L = math.prod(out_shape)
    wg = w.reshape(G, Coutg, Cg).astype(out.dtype, copy=False)  # (G, Cout/G, Cg)
    picks = tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out_shape, stride, strict=True))
    strided = x.shape[2:] != out_shape
    ones = (1,) * len(out_shape)
    chunk = batch_chunk(N, C, ones, out_shape, out.itemsize)
    threaded = column_bytes(N, C, ones, out_shape, out.itemsize) >= THREAD_MIN_BYTES
    out_g = out.reshape(N, G, Coutg, L)  # (N, G, Cout/G, L)

    def work(my_chunks: list[tuple[int, int]]) -> None:
        buf = par.scratch("cols", chunk * C * L if strided else 0, x.dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            xb = x[n0:n1]
            if strided:
                xs = buf[: nb * C * L].reshape(xb.shape[:2] + out_shape)
                np.copyto(xs, xb[(slice(None), slice(None)) + picks])
                xb = xs
            np.matmul(wg, xb.reshape(nb, G, Cg, L), out=out_g[n0:n1])  # (nb, G, Cout/G, L)
            _add_bias(out[n0:n1], bias)

    _run_chunks(work, _chunks(N, chunk), threaded)


def conv_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    input_shape: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """Adjoint of ``conv_forward`` w.r.t. x: ``(N, C_out, *O)`` -> ``(N, C_in, *S)``.

    ``input_shape`` is the spatial input shape S; the output positions in g need only fit inside
    the padded input (transposed conv passes output sizes that floor would not give).
    """
    gx, _ = _conv_backward(
        None,
        w,
        g,
        tuple(input_shape),
        pads,
        stride,
        dilation,
        groups,
        need_input=True,
        need_weight=False,
    )
    assert gx is not None
    return gx


def conv_weight_grad(
    x: np.ndarray,
    g: np.ndarray,
    kernel: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """Adjoint of ``conv_forward`` w.r.t. w: returns ``(C_out, C_in/G, *K)``."""
    Cout = g.shape[1]
    wshape = (Cout, x.shape[1] // groups) + tuple(kernel)
    _, gw = _conv_backward(
        x,
        np.empty(wshape, dtype=g.dtype),
        g,
        x.shape[2:],
        pads,
        stride,
        dilation,
        groups,
        need_input=False,
        need_weight=True,
    )
    assert gw is not None
    return gw


def conv_backward(
    x: np.ndarray,
    w: np.ndarray,
    g: np.ndarray,
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    need_input: bool = True,
    need_weight: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Both gradients of ``conv_forward`` in one pass over the batch (shares the transposed g)."""
    return _conv_backward(
        x, w, g, x.shape[2:], pads, stride, dilation, groups, need_input, need_weight
    )


def _conv_backward(
    x: np.ndarray | None,
    w: np.ndarray,
    g: np.ndarray,
    spatial: Ints,
    pads: Pairs,
    stride: Ints,
    dilation: Ints,
    groups: int,
    need_input: bool,
    need_weight: bool,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    N, Cout = g.shape[:2]
    out_shape = tuple(g.shape[2:])
    kernel = w.shape[2:]
    C = w.shape[1] * groups
    dtype = g.dtype
    spatial = tuple(spatial)
    sp = _padded_shape(spatial, pads)
    gx = np.zeros((N, C) + spatial, dtype=dtype) if need_input else None
    gw = np.zeros(w.shape, dtype=dtype) if need_weight else None
    K = math.prod(kernel)
    L = math.prod(out_shape)
    if N == 0 or C == 0 or Cout == 0 or K == 0 or L == 0 or not (need_input or need_weight):
        return gx, gw
    if is_depthwise(C, w.shape, groups):
        _depthwise_backward(x, w, g, pads, stride, dilation, groups, gx, gw)
        return gx, gw
    if need_input and gx is not None:
        # stride 1: the input gradient is the correlation of g, padded by (k-1-p) before, with
        # the flipped, channel-transposed filter, which Winograd can run
        flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3) if w.ndim == 4 else w
        back_pads = tuple(
            (k - 1 - lo, L + lo - o)
            for k, (lo, _), L, o in zip(kernel, pads, spatial, out_shape, strict=True)
        )
        if wino.use_winograd(
            g.shape, flipped.shape, back_pads, stride, dilation, groups, spatial, dtype
        ):
            wino.conv3x3(g, flipped, back_pads, gx)
            if need_weight:
                gw = _conv_backward(x, w, g, spatial, pads, stride, dilation, groups, False, True)[
                    1
                ]
            return gx, gw
    G = groups
    Cg, Coutg = C // G, Cout // G
    wg = w.reshape(G, Coutg, Cg * K)  # (G, Cout/G, Cg*K)
    wgT = wg.transpose(0, 2, 1)  # (G, Cg*K, Cout/G)
    wgT_shape = wgT.shape
    itemsize = np.dtype(dtype).itemsize
    chunk = batch_chunk(N, C, kernel, out_shape, itemsize)
    chunks = _chunks(N, chunk)
    threaded = column_bytes(N, C, kernel, out_shape, itemsize) >= THREAD_MIN_BYTES
    nsp = len(kernel)
    bl = _use_batch_last(chunk, stride, out_shape)
    col_axes = _col_axes(nsp, bl)
    # logical (nb, C, *K, *O) view of the column buffer: the inverse permutation
    win_axes = tuple(int(a) for a in np.argsort(col_axes))
    padded = any(lo or hi for lo, hi in pads)
    staged_x = need_weight and (padded or bl)
    direct = not (padded or bl)  # col2im may add straight into gx (zeros)
    P = math.prod(sp)

    bands = _bands(chunk, C, kernel, out_shape, itemsize)
    row = L // out_shape[0]  # positions per output row
    Lb = (bands[0][1] - bands[0][0]) * row  # positions of the widest band

    def work(my_chunks: list[tuple[int, int]]) -> np.ndarray:
        gt = par.scratch("g", Cout * chunk * L, dtype)
        cols = par.scratch("cols", C * K * chunk * Lb, dtype)
        xbuf = par.scratch("x", chunk * C * P if staged_x else 0, dtype)
        dbuf = par.scratch("dx", chunk * C * P if need_input and not direct else 0, dtype)
        # dW^T = cols @ g^T: that orientation runs 1.2-1.6x faster in OpenBLAS than g @ cols^T
        acc = np.zeros(wgT_shape if need_weight else (0,), dtype=dtype)
        part = np.empty(wgT_shape if need_weight else (0,), dtype=dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            # g in column order: (Cout, nb, *O), or (Cout, *O, nb) batch-last
            gt2 = gt[: Cout * nb * L].reshape(Cout, nb * L)
            np.copyto(_from_rows(gt2, nb, out_shape, bl), g[n0:n1])
            gtall = gt2.reshape(G, Coutg, nb * L)
            if need_weight:
                assert x is not None
                if staged_x:
                    xpb = _chunk_view(xbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                    _fill_padded(xpb, x[n0:n1], pads)
                else:
                    xpb = x[n0:n1]
            if need_input:
                assert gx is not None
                if direct:
                    dst = gx[n0:n1]
                else:
                    dst = _chunk_view(dbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                    dst[...] = 0
            for r0, r1 in bands:  # several only for one sample (nb = 1), batch-first
                ob = (r1 - r0,) + tuple(out_shape[1:])
                lb = nb * math.prod(ob)
                gtb = gtall[:, :, nb * r0 * row : nb * r1 * row]  # (G, Cout/G, lb)
                colb = cols[: C * K * lb].reshape(_col_shape(C, kernel, nb, ob, bl))
                if need_weight:
                    xs = _band_rows(xpb, r0, r1, kernel, stride, dilation)
                    np.copyto(colb, win.view(xs, kernel, stride, dilation, ob).transpose(col_axes))
                    colg = colb.reshape(G, Cg * K, lb)
                    for sl in _pieces(lb):
                        np.matmul(colg[:, :, sl], gtb[:, :, sl].swapaxes(1, 2), out=part)
                        acc += part  # (G, Cg*K, Cout/G)
                if need_input:
                    dcols = colb.reshape(G, Cg * K, lb)
                    if Coutg == 1:
                        # an outer product: one multiply per element, as exact as the GEMM and
                        # without OpenBLAS's slow K=1 path (seed k11: 0.39 -> 0.03 ms)
                        np.multiply(wgT, gtb, out=dcols)
                    else:
                        for sl in _pieces(lb):
                            np.matmul(wgT, gtb[:, :, sl], out=dcols[:, :, sl])
                    cview = colb.transpose(win_axes)  # (nb, C, *K, *O band)
                    dband = _band_rows(dst, r0, r1, kernel, stride, dilation)
                    _col2im_add(dband, cview, kernel, stride, dilation, ob)
            if need_input and not direct:
                assert gx is not None
                gx[n0:n1] = dst[(slice(None), slice(None)) + _interior(spatial, pads)]
        return acc

    parts = _run_chunks(work, chunks, threaded)
    if gw is not None:
        total = parts[0]
        for p in parts[1:]:
            total += p
        gw[...] = total.transpose(0, 2, 1).reshape(w.shape)
    return gx, gw


# ----------------------------------------------------------------------------------------------
# Depthwise backward: loop over kernel offsets, multiply-add whole arrays
# ----------------------------------------------------------------------------------------------


def _depthwise_chunk(N: int, per_sample_bytes: int) -> int:
    return int(max(1, min(N, (TARGET_COLUMN_BYTES // 2) // max(per_sample_bytes, 1))))


def _depthwise_backward(
    x: np.ndarray | None,
    w: np.ndarray,
    g: np.ndarray,
    pads: Pairs,
    stride: Ints,
    dilation: Ints,
    groups: int,
    gx: np.ndarray | None,
    gw: np.ndarray | None,
) -> None:
    """Input and weight gradients of a depthwise ``conv_forward`` (either may be None):
    ``out[n, c*m + j, o] = sum_k w[c*m + j, 0, k] * xp[n, c, o*s + k*d]``."""
    N, Cout = g.shape[:2]
    C = w.shape[0] // (Cout // groups)
    m = Cout // C
    kernel = w.shape[2:]
    out_shape = g.shape[2:]
    spatial = gx.shape[2:] if gx is not None else x.shape[2:]  # type: ignore[union-attr]
    nsp = len(kernel)
    K = math.prod(kernel)
    sp = _padded_shape(spatial, pads)
    inner = _interior(spatial, pads)
    dtype = g.dtype
    wk_all = w.reshape((C, m, K) + (1,) * nsp)
    gr = g.reshape((N, C, m) + tuple(out_shape))  # (N, C, m, *O)
    per_sample = (C * math.prod(sp) + 2 * C * m * math.prod(out_shape)) * np.dtype(dtype).itemsize
    chunk = _depthwise_chunk(N, per_sample)
    chunks = _chunks(N, chunk)
    threaded = N * per_sample >= THREAD_MIN_BYTES
    letters = "xyz"[:nsp]
    # sum over n and spatial positions of g * window: weight gradient of one offset, (C, m)
    spec = f"ncm{letters},nc{letters}->cm"
    offs = win.all_offset_slices(kernel, stride, dilation, out_shape)

    def work(my_chunks: list[tuple[int, int]]) -> np.ndarray:
        xp = par.scratch("x", chunk * C * math.prod(sp), dtype)
        tmp = par.scratch("cols", chunk * C * m * math.prod(out_shape), dtype)
        acc = np.zeros((C, m, K) if gw is not None else (0,), dtype=dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            xpb, gb = _chunk_view(xp, nb, C, sp, False), gr[n0:n1]  # (nb, C, *Sp)
            if gw is not None:
                assert x is not None
                # the border too: the input gradient below dirties this buffer
                _fill_padded(xpb, x[n0:n1], pads)
                for idx, (_, sl) in enumerate(offs):
                    acc[:, :, idx] += np.einsum(spec, gb, xpb[(slice(None), slice(None)) + sl])
            if gx is not None:
                xpb[...] = 0
                tmpb = tmp[: nb * C * m * math.prod(out_shape)].reshape(gb.shape)
                for idx, (_, sl) in enumerate(offs):
                    np.multiply(gb, wk_all[:, :, idx], out=tmpb)
                    target = xpb[(slice(None), slice(None)) + sl]
                    target += tmpb[:, :, 0] if m == 1 else tmpb.sum(axis=2)
                gx[n0:n1] = xpb[(slice(None), slice(None)) + inner]
        return acc

    parts = _run_chunks(work, chunks, threaded)
    if gw is not None:
        total = parts[0]
        for p in parts[1:]:
            total += p
        gw[...] = total.reshape(gw.shape)


# ----------------------------------------------------------------------------------------------
# unfold (im2col) and fold (col2im) in torch's layout (N, C*prod(K), L)
# ----------------------------------------------------------------------------------------------


def unfold(
    x: np.ndarray,
    kernel: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """torch's unfold: ``(N, C, *S)`` -> ``(N, C*prod(K), L)``, rows channel-major, then kernel
    offsets in row-major order; columns are output positions in row-major order."""
    N, C = x.shape[:2]
    sp = _padded_shape(x.shape[2:], pads)
    out_shape = _out_shape(sp, kernel, stride, dilation)
    K, L = math.prod(kernel), math.prod(out_shape)
    cols = np.empty((N, C) + tuple(kernel) + out_shape, dtype=x.dtype)
    if cols.size:
        xp = np.zeros((N, C) + sp, dtype=x.dtype)
        xp[(slice(None), slice(None)) + _interior(x.shape[2:], pads)] = x
        view = win.view(xp, kernel, stride, dilation, out_shape)
        halves = _chunks(N, max(1, -(-N // par.get_num_threads())))
        threaded = cols.nbytes >= THREAD_MIN_BYTES

        def work(my_chunks: list[tuple[int, int]]) -> None:
            for n0, n1 in my_chunks:
                np.copyto(cols[n0:n1], view[n0:n1])

        _run_chunks(work, halves, threaded)
    return cols.reshape(N, C * K, L)  # (N, C*K, L)


def fold(
    cols: np.ndarray,
    output_size: Sequence[int],
    kernel: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """torch's fold, the adjoint of ``unfold``: ``(N, C*prod(K), L)`` -> ``(N, C, *output_size)``,
    summing overlapping windows."""
    N = cols.shape[0]
    K = math.prod(kernel)
    C = cols.shape[1] // K
    sp = _padded_shape(output_size, pads)
    out_shape = _out_shape(sp, kernel, stride, dilation)
    xp = np.zeros((N, C) + sp, dtype=cols.dtype)
    if xp.size and cols.size:
        view = cols.reshape((N, C) + tuple(kernel) + out_shape)  # (N, C, *K, *O)
        halves = _chunks(N, max(1, -(-N // par.get_num_threads())))
        threaded = cols.nbytes >= THREAD_MIN_BYTES

        def work(my_chunks: list[tuple[int, int]]) -> None:
            for n0, n1 in my_chunks:
                _col2im_add(xp[n0:n1], view[n0:n1], kernel, stride, dilation, out_shape)

        _run_chunks(work, halves, threaded)
    return np.ascontiguousarray(xp[(slice(None), slice(None)) + _interior(output_size, pads)])
