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
PERF-NOTES measured at 17 ms against 47 ms for ``np.add.at``.

Memory: the batch is chunked so that a column buffer never exceeds ``MAX_COLUMN_BYTES``; for speed
chunks aim at ``TARGET_COLUMN_BYTES`` (cache-sized), and large problems run their chunks on two
Python threads (NumPy copies and BLAS calls release the GIL; the copies are single-threaded).

Depthwise convolution (one input channel per group) runs its forward through the grouped GEMM
(one (1, k*k) @ (k*k, nb*L) product per channel: 1.3-2x faster than multiply-adds per offset,
measured on (32, 128, 32, 32), (8, 32, 56, 56) and (8, 256, 14, 14) 3x3), and its backward in
its own kernel that loops over kernel offsets and multiply-adds whole arrays (faster there).

Column layout: ``(C, *K, nb, *O)``, or ``(C, *K, *O, nb)`` ("batch-last") when the last stride is
1 and output rows are short, so that copied rows are long (``_use_batch_last``). GEMMs run over
column pieces of ``GEMM_COLUMNS`` (OpenBLAS is 2x faster on thin GEMMs that way), and scratch
buffers are kept per thread (``_scratch``) so that hot loops do not page-fault fresh memory.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import shapes

Pairs = Sequence[tuple[int, int]]

#: No column buffer may exceed this (a (8, 64, 224, 224) 3x3 conv would need 924 MB unchunked).
MAX_COLUMN_BYTES = 256 * 2**20
#: Chunks aim at this size so that im2col output stays in cache while the GEMM reads it.
TARGET_COLUMN_BYTES = 4 * 2**20
#: Below this much total column data, threads cost more than they save (PERF-NOTES: tiny problems
#: need the plain path).
THREAD_MIN_BYTES = 8 * 2**20
#: Worker threads for large problems (the machine has 2 cores).
THREADS = max(1, min(2, os.cpu_count() or 1))

_pool: ThreadPoolExecutor | None = None


def _blas_single_thread_setter() -> Callable[[int], None] | None:
    """OpenBLAS's per-thread ``openblas_set_num_threads_local`` (0.3.27+) from NumPy's bundled
    library, or None. Worker threads use it to run their GEMMs on one core each, so that two
    workers do not start 2 x 2 BLAS threads on 2 cores."""
    import ctypes
    import glob

    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    for path in libs:
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn
    return None


_set_blas_threads = _blas_single_thread_setter()


def _init_worker() -> None:
    if _set_blas_threads is not None:
        _set_blas_threads(1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=THREADS, thread_name_prefix="convkit-conv", initializer=_init_worker
        )
    return _pool


def _forget_pool() -> None:
    global _pool
    _pool = None


# A forked child (a DataLoader worker) inherits the executor but not its threads: work
# submitted there would wait forever, so the child makes its own.
os.register_at_fork(after_in_child=_forget_pool)


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
    work: Callable[[list[tuple[int, int]]], object], chunks: list[tuple[int, int]], threaded: bool
) -> list:
    """Run ``work(list_of_chunks)`` once per worker; worker i takes chunks i, i+T, ...

    Small problems run on the calling thread with a single-threaded BLAS: waking and joining
    BLAS threads costs more than their GEMMs, and on a busy 2-core machine one descheduled
    thread stalls the other for a scheduler tick (measured: LeNet conv2 backward 2.3 ms on one
    thread, 10 ms median and 70 ms p90 with two).
    """
    if not threaded or THREADS == 1 or len(chunks) < 2 or _set_blas_threads is None:
        if threaded or _set_blas_threads is None:
            return [work(chunks)]
        previous = _set_blas_threads(1)
        try:
            return [work(chunks)]
        finally:
            _set_blas_threads(max(previous, 1))
    parts = [chunks[i::THREADS] for i in range(THREADS)]
    futures = [_executor().submit(work, p) for p in parts if p]
    return [f.result() for f in futures]


#: Scratch buffers up to this size are kept per thread between calls: a fresh buffer over
#: ~128 KB is mmapped and page-faulted on first touch (PERF-NOTES: 8.3 -> 5.7 ms per LeNet step
#: without those faults). Larger ones are rare and their faults are small next to their work.
SCRATCH_KEEP_BYTES = 32 * 2**20

_scratch_local = threading.local()


def _scratch(name: str, size: int, dtype) -> np.ndarray:
    """A flat, uninitialised buffer of ``size`` elements, reused by this thread under ``name``.

    Callers must not let it escape (results are always fresh arrays) nor hold two buffers of
    one name at once.
    """
    dtype = np.dtype(dtype)
    nbytes = size * dtype.itemsize
    if nbytes > SCRATCH_KEEP_BYTES:
        return np.empty(size, dtype=dtype)
    bufs = getattr(_scratch_local, "bufs", None)
    if bufs is None:
        bufs = _scratch_local.bufs = {}
    buf = bufs.get(name)
    if buf is None or buf.nbytes < nbytes:
        buf = bufs[name] = np.empty(max(nbytes, 1), dtype=np.uint8)
    return buf[:nbytes].view(dtype)


# ----------------------------------------------------------------------------------------------
# Views and slices
# ----------------------------------------------------------------------------------------------


def _out_shape(padded: Sequence[int], kernel, stride, dilation) -> tuple[int, ...]:
    """Output sizes over an already padded input (shapes.conv_output_size with no padding)."""
    return tuple(
        shapes.conv_output_size(L, k, s, 0, d)
        for L, k, s, d in zip(padded, kernel, stride, dilation, strict=True)
    )


def _padded_shape(spatial: Sequence[int], pads: Pairs) -> tuple[int, ...]:
    return tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=True))


def _interior(spatial: Sequence[int], pads: Pairs) -> tuple[slice, ...]:
    return tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads, strict=True))


def windows(
    xp: np.ndarray,
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out: Sequence[int],
) -> np.ndarray:
    """Read-only strided view ``(N, C, *K, *O)`` of a padded input ``(N, C, *Sp)``:
    ``view[n, c, k..., o...] = xp[n, c, o*s + k*d ...]``."""
    n = len(kernel)
    sp = xp.strides[2:]
    shape = xp.shape[:2] + tuple(kernel) + tuple(out)
    strides = (
        xp.strides[:2]
        + tuple(d * s for d, s in zip(dilation, sp, strict=True))
        + tuple(st * s for st, s in zip(stride, sp, strict=True))
    )
    assert all(
        (o - 1) * st + (k - 1) * d < L
        for o, st, k, d, L in zip(out, stride, kernel, dilation, xp.shape[2 : 2 + n], strict=True)
    )
    return as_strided(xp, shape, strides, writeable=False)


def _offset_slices(
    kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int], out: Sequence[int]
):
    """For every kernel offset: (flat index, slices of the padded input it reads)."""
    for idx, ks in enumerate(itertools.product(*(range(k) for k in kernel))):
        yield (
            idx,
            ks,
            tuple(
                slice(k * d, k * d + (o - 1) * s + 1, s)
                for k, d, s, o in zip(ks, dilation, stride, out, strict=True)
            ),
        )


def _col2im_add(dst: np.ndarray, cols: np.ndarray, kernel, stride, dilation, out) -> None:
    """``dst[:, :, o*s + k*d] += cols[:, :, k, o]`` for a padded ``dst (N, C, *Sp)`` and a column
    view ``cols (N, C, *K, *O)``; the adjoint of ``windows``."""
    for _, ks, sl in _offset_slices(kernel, stride, dilation, out):
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


#: Output rows at least this long already copy near memory speed in the batch-first layout.
BATCH_LAST_MAX_ROW = 64


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


def _col_shape(C, kernel, nb, out_shape, batch_last) -> tuple[int, ...]:
    if batch_last:
        return (C,) + tuple(kernel) + tuple(out_shape) + (nb,)
    return (C,) + tuple(kernel) + (nb,) + tuple(out_shape)


def _from_rows(buf: np.ndarray, nb: int, out_shape, batch_last: bool) -> np.ndarray:
    """A ``(R, nb*L)`` GEMM result in column order as a logical ``(nb, R, *O)`` view."""
    R = buf.shape[0]
    nsp = len(out_shape)
    if batch_last:
        return buf.reshape((R,) + tuple(out_shape) + (nb,)).transpose(
            (nsp + 1, 0) + tuple(range(1, nsp + 1))
        )  # (nb, R, *O)
    return buf.reshape((R, nb) + tuple(out_shape)).swapaxes(0, 1)  # (nb, R, *O)


def conv_forward(
    x: np.ndarray,
    w: np.ndarray,
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_shape: Sequence[int] | None = None,
) -> np.ndarray:
    """Cross-correlation ``out[n, co, o] = sum_{ci, k} w[co, ci, k] * xp[n, g*Cg + ci, o*s + k*d]``.

    x ``(N, C_in, *S)``, w ``(C_out, C_in/G, *K)``, pads ``((before, after), ...)``; returns
    ``(N, C_out, *O)``. ``out_shape`` limits the output to its first O positions per dimension
    (transposed conv's backward needs that when output_padding >= stride); by default it is the
    largest that fits.
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
        return out
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
    bl = _use_batch_last(chunk, stride, out_shape)
    col_axes = _col_axes(nsp, bl)
    padded = any(lo or hi for lo, hi in pads)
    staged = padded or bl  # x is copied into a (padded, maybe batch-last) buffer first

    def work(my_chunks):
        xbuf = _scratch("x", chunk * C * P, x.dtype) if staged else None
        cols = _scratch("cols", C * K * chunk * L, x.dtype)
        res = _scratch("res", Cout * chunk * L, dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            if staged:
                xpb = _chunk_view(xbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                _fill_padded(xpb, x[n0:n1], pads)
            else:
                xpb = x[n0:n1]
            colb = cols[: C * K * nb * L].reshape(_col_shape(C, kernel, nb, out_shape, bl))
            np.copyto(colb, windows(xpb, kernel, stride, dilation, out_shape).transpose(col_axes))
            resb = res[: Cout * nb * L].reshape(G, Coutg, nb * L)
            colg = colb.reshape(G, Cg * K, nb * L)
            for sl in _pieces(nb * L):
                np.matmul(wg, colg[:, :, sl], out=resb[:, :, sl])  # (G, Cout/G, piece)
            out[n0:n1] = _from_rows(resb.reshape(Cout, nb * L), nb, out_shape, bl)

    _run_chunks(work, chunks, threaded)
    return out


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
    return _conv_backward(
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
    )[0]


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
    return _conv_backward(
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
    )[1]


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


def _conv_backward(x, w, g, spatial, pads, stride, dilation, groups, need_input, need_weight):
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

    def work(my_chunks):
        gt = _scratch("g", Cout * chunk * L, dtype)
        cols = _scratch("cols", C * K * chunk * L, dtype)
        xbuf = _scratch("x", chunk * C * P, dtype) if staged_x else None
        dbuf = _scratch("dx", chunk * C * P, dtype) if need_input and not direct else None
        # dW^T = cols @ g^T: that orientation runs 1.2-1.6x faster in OpenBLAS than g @ cols^T
        acc = np.zeros(wgT_shape, dtype=dtype) if need_weight else None
        part = np.empty(wgT_shape, dtype=dtype) if need_weight else None
        for n0, n1 in my_chunks:
            nb = n1 - n0
            # g in column order: (Cout, nb, *O), or (Cout, *O, nb) batch-last
            gtb = gt[: Cout * nb * L].reshape(Cout, nb * L)
            np.copyto(_from_rows(gtb, nb, out_shape, bl), g[n0:n1])
            gtb = gtb.reshape(G, Coutg, nb * L)
            colb = cols[: C * K * nb * L].reshape(_col_shape(C, kernel, nb, out_shape, bl))
            if need_weight:
                if staged_x:
                    xpb = _chunk_view(xbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                    _fill_padded(xpb, x[n0:n1], pads)
                else:
                    xpb = x[n0:n1]
                np.copyto(
                    colb, windows(xpb, kernel, stride, dilation, out_shape).transpose(col_axes)
                )
                colg = colb.reshape(G, Cg * K, nb * L)
                for sl in _pieces(nb * L):
                    np.matmul(colg[:, :, sl], gtb[:, :, sl].swapaxes(1, 2), out=part)
                    acc += part  # (G, Cg*K, Cout/G)
            if need_input:
                dcols = colb.reshape(G, Cg * K, nb * L)
                if Coutg == 1:
                    # an outer product: one multiply per element, as exact as the GEMM and
                    # without OpenBLAS's slow K=1 path (seed k11: 0.39 -> 0.03 ms)
                    np.multiply(wgT, gtb, out=dcols)
                else:
                    for sl in _pieces(nb * L):
                        np.matmul(wgT, gtb[:, :, sl], out=dcols[:, :, sl])
                cview = colb.transpose(win_axes)  # (nb, C, *K, *O)
                if direct:
                    _col2im_add(gx[n0:n1], cview, kernel, stride, dilation, out_shape)
                    continue
                dst = _chunk_view(dbuf, nb, C, sp, bl)  # (nb, C, *Sp)
                dst[...] = 0
                _col2im_add(dst, cview, kernel, stride, dilation, out_shape)
                gx[n0:n1] = dst[(slice(None), slice(None)) + _interior(spatial, pads)]
        return acc

    parts = _run_chunks(work, chunks, threaded)
    if need_weight:
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


def _depthwise_backward(x, w, g, pads, stride, dilation, groups, gx, gw) -> None:
    """Input and weight gradients of a depthwise ``conv_forward`` (either may be None):
    ``out[n, c*m + j, o] = sum_k w[c*m + j, 0, k] * xp[n, c, o*s + k*d]``."""
    N, Cout = g.shape[:2]
    C = w.shape[0] // (Cout // groups)
    m = Cout // C
    kernel = w.shape[2:]
    out_shape = g.shape[2:]
    spatial = gx.shape[2:] if gx is not None else x.shape[2:]
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

    def work(my_chunks):
        xp = _scratch("x", chunk * C * math.prod(sp), dtype)
        tmp = _scratch("cols", chunk * C * m * math.prod(out_shape), dtype)
        acc = np.zeros((C, m, K), dtype=dtype) if gw is not None else None
        for n0, n1 in my_chunks:
            nb = n1 - n0
            xpb, gb = _chunk_view(xp, nb, C, sp, False), gr[n0:n1]  # (nb, C, *Sp)
            if gw is not None:
                # the border too: the input gradient below dirties this buffer
                _fill_padded(xpb, x[n0:n1], pads)
                for idx, _, sl in _offset_slices(kernel, stride, dilation, out_shape):
                    acc[:, :, idx] += np.einsum(spec, gb, xpb[(slice(None), slice(None)) + sl])
            if gx is not None:
                xpb[...] = 0
                tmpb = tmp[: nb * C * m * math.prod(out_shape)].reshape(gb.shape)
                for idx, _, sl in _offset_slices(kernel, stride, dilation, out_shape):
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
        view = windows(xp, kernel, stride, dilation, out_shape)
        halves = _chunks(N, max(1, -(-N // THREADS)))
        threaded = cols.nbytes >= THREAD_MIN_BYTES

        def work(my_chunks):
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
        halves = _chunks(N, max(1, -(-N // THREADS)))
        threaded = cols.nbytes >= THREAD_MIN_BYTES

        def work(my_chunks):
            for n0, n1 in my_chunks:
                _col2im_add(xp[n0:n1], view[n0:n1], kernel, stride, dilation, out_shape)

        _run_chunks(work, halves, threaded)
    return np.ascontiguousarray(xp[(slice(None), slice(None)) + _interior(output_size, pads)])
