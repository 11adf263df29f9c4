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

Depthwise convolution (one input channel per group) has its own kernel: a GEMM with K=k*k rows
per group runs far below peak, so it loops over kernel offsets and multiply-adds whole arrays.
"""
from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

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
        _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="convkit-conv",
                                   initializer=_init_worker)
    return _pool


# ----------------------------------------------------------------------------------------------
# Chunking arithmetic
# ----------------------------------------------------------------------------------------------

def column_bytes(n: int, channels: int, kernel: Sequence[int], out: Sequence[int],
                 itemsize: int) -> int:
    """Bytes of the column buffer for ``n`` samples: ``n * C * prod(K) * prod(O) * itemsize``."""
    return n * channels * math.prod(kernel) * math.prod(out) * itemsize


def batch_chunk(batch: int, channels: int, kernel: Sequence[int], out: Sequence[int],
                itemsize: int, target: int = TARGET_COLUMN_BYTES,
                limit: int = MAX_COLUMN_BYTES) -> int:
    """Samples per chunk: as many as fit in ``min(target, limit)`` bytes of columns, at least 1.

    A single sample whose columns exceed ``limit`` still gets a chunk of 1 (the batch is the only
    axis chunked).
    """
    per_sample = column_bytes(1, channels, kernel, out, itemsize)
    if per_sample == 0:
        return max(batch, 1)
    return int(max(1, min(batch, min(target, limit) // per_sample)))


def _chunks(batch: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, batch)) for i in range(0, batch, size)]


def _run_chunks(work: Callable[[list[tuple[int, int]]], object], chunks: list[tuple[int, int]],
                threaded: bool) -> list:
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


# ----------------------------------------------------------------------------------------------
# Views and slices
# ----------------------------------------------------------------------------------------------

def _padded_shape(spatial: Sequence[int], pads: Pairs) -> tuple[int, ...]:
    return tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))


def _interior(spatial: Sequence[int], pads: Pairs) -> tuple[slice, ...]:
    return tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))


def windows(xp: np.ndarray, kernel: Sequence[int], stride: Sequence[int],
            dilation: Sequence[int], out: Sequence[int]) -> np.ndarray:
    """Read-only strided view ``(N, C, *K, *O)`` of a padded input ``(N, C, *Sp)``:
    ``view[n, c, k..., o...] = xp[n, c, o*s + k*d ...]``."""
    n = len(kernel)
    sp = xp.strides[2:]
    shape = xp.shape[:2] + tuple(kernel) + tuple(out)
    strides = (xp.strides[:2] + tuple(d * s for d, s in zip(dilation, sp))
               + tuple(st * s for st, s in zip(stride, sp)))
    assert all((o - 1) * st + (k - 1) * d < L for o, st, k, d, L
               in zip(out, stride, kernel, dilation, xp.shape[2:2 + n]))
    return as_strided(xp, shape, strides, writeable=False)


def _offset_slices(kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
                   out: Sequence[int]):
    """For every kernel offset: (flat index, slices of the padded input it reads)."""
    for idx, ks in enumerate(itertools.product(*(range(k) for k in kernel))):
        yield idx, ks, tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                             for k, d, s, o in zip(ks, dilation, stride, out))


def _col2im_add(dst: np.ndarray, cols: np.ndarray, kernel, stride, dilation, out) -> None:
    """``dst[:, :, o*s + k*d] += cols[:, :, k, o]`` for a padded ``dst (N, C, *Sp)`` and a column
    view ``cols (N, C, *K, *O)``; the adjoint of ``windows``."""
    for _, ks, sl in _offset_slices(kernel, stride, dilation, out):
        target = dst[(slice(None), slice(None)) + sl]
        target += cols[(slice(None), slice(None)) + ks + (Ellipsis,)]


# ----------------------------------------------------------------------------------------------
# Convolution: forward, input gradient, weight gradient
# ----------------------------------------------------------------------------------------------

def is_depthwise(in_channels: int, weight_shape: Sequence[int], groups: int) -> bool:
    """One input channel per group (C_in == groups), with more than one group."""
    return groups > 1 and groups == in_channels and weight_shape[1] == 1


def conv_forward(x: np.ndarray, w: np.ndarray, pads: Pairs, stride: Sequence[int],
                 dilation: Sequence[int], groups: int,
                 out_shape: Sequence[int] | None = None) -> np.ndarray:
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
        out_shape = tuple((L - d * (k - 1) - 1) // s + 1
                          for L, k, s, d in zip(sp, kernel, stride, dilation))
    out_shape = tuple(out_shape)
    dtype = np.result_type(x, w)
    out = np.empty((N, Cout) + out_shape, dtype=dtype)
    if out.size == 0:
        return out
    if C == 0 or math.prod(kernel) == 0:
        out[...] = 0
        return out
    if is_depthwise(C, w.shape, groups):
        _depthwise_forward(x, w, pads, stride, dilation, out)
        return out
    G = groups
    Cg, Coutg = C // G, Cout // G
    K = math.prod(kernel)
    L = math.prod(out_shape)
    wg = w.reshape(G, Coutg, Cg * K).astype(dtype, copy=False)  # (G, Cout/G, Cg*K)
    chunk = batch_chunk(N, C, kernel, out_shape, out.itemsize)
    chunks = _chunks(N, chunk)
    threaded = column_bytes(N, C, kernel, out_shape, out.itemsize) >= THREAD_MIN_BYTES
    inner = _interior(x.shape[2:], pads)
    nsp = len(kernel)
    # (C, *K, nb, *O) from the (nb, C, *K, *O) window view
    col_axes = (1,) + tuple(range(2, 2 + nsp)) + (0,) + tuple(range(2 + nsp, 2 + 2 * nsp))

    padded = any(lo or hi for lo, hi in pads)

    def work(my_chunks):
        xp = np.zeros((chunk, C) + sp, dtype=x.dtype) if padded else None
        cols = np.empty(C * K * chunk * L, dtype=x.dtype)
        res = np.empty(Cout * chunk * L, dtype=dtype)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            if padded:
                xpb = xp[:nb]
                xpb[(slice(None), slice(None)) + inner] = x[n0:n1]
            else:
                xpb = x[n0:n1]
            colb = cols[:C * K * nb * L].reshape((C,) + tuple(kernel) + (nb,) + out_shape)
            np.copyto(colb, windows(xpb, kernel, stride, dilation, out_shape).transpose(col_axes))
            resb = res[:Cout * nb * L].reshape(G, Coutg, nb * L)
            np.matmul(wg, colb.reshape(G, Cg * K, nb * L), out=resb)  # (G, Cout/G, nb*L)
            out[n0:n1] = resb.reshape(Cout, nb, *out_shape).swapaxes(0, 1)  # (nb, Cout, *O)

    _run_chunks(work, chunks, threaded)
    return out


def conv_input_grad(g: np.ndarray, w: np.ndarray, input_shape: Sequence[int], pads: Pairs,
                    stride: Sequence[int], dilation: Sequence[int], groups: int) -> np.ndarray:
    """Adjoint of ``conv_forward`` w.r.t. x: ``(N, C_out, *O)`` -> ``(N, C_in, *S)``.

    ``input_shape`` is the spatial input shape S; the output positions in g need only fit inside
    the padded input (transposed conv passes output sizes that floor would not give).
    """
    return _conv_backward(None, w, g, tuple(input_shape), pads, stride, dilation, groups,
                          need_input=True, need_weight=False)[0]


def conv_weight_grad(x: np.ndarray, g: np.ndarray, kernel: Sequence[int], pads: Pairs,
                     stride: Sequence[int], dilation: Sequence[int], groups: int) -> np.ndarray:
    """Adjoint of ``conv_forward`` w.r.t. w: returns ``(C_out, C_in/G, *K)``."""
    Cout = g.shape[1]
    wshape = (Cout, x.shape[1] // groups) + tuple(kernel)
    return _conv_backward(x, np.empty(wshape, dtype=g.dtype), g, x.shape[2:], pads, stride,
                          dilation, groups, need_input=False, need_weight=True)[1]


def conv_backward(x: np.ndarray, w: np.ndarray, g: np.ndarray, pads: Pairs,
                  stride: Sequence[int], dilation: Sequence[int], groups: int,
                  need_input: bool = True, need_weight: bool = True
                  ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Both gradients of ``conv_forward`` in one pass over the batch (shares the transposed g)."""
    return _conv_backward(x, w, g, x.shape[2:], pads, stride, dilation, groups,
                          need_input, need_weight)


def _conv_backward(x, w, g, spatial, pads, stride, dilation, groups, need_input, need_weight):
    N, Cout = g.shape[:2]
    out_shape = g.shape[2:]
    kernel = w.shape[2:]
    C = w.shape[1] * groups
    dtype = g.dtype
    sp = _padded_shape(spatial, pads)
    gx = np.zeros((N, C) + tuple(spatial), dtype=dtype) if need_input else None
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
    wgT = wg.transpose(0, 2, 1) if need_input else None  # (G, Cg*K, Cout/G)
    chunk = batch_chunk(N, C, kernel, out_shape, np.dtype(dtype).itemsize)
    chunks = _chunks(N, chunk)
    threaded = column_bytes(N, C, kernel, out_shape, np.dtype(dtype).itemsize) >= THREAD_MIN_BYTES
    inner = _interior(spatial, pads)
    nsp = len(kernel)
    col_axes = (1,) + tuple(range(2, 2 + nsp)) + (0,) + tuple(range(2 + nsp, 2 + 2 * nsp))
    # (nb, C, *K, *O) view of a (C, *K, nb, *O) column buffer: the inverse permutation
    win_axes = (1 + nsp, 0) + tuple(range(1, 1 + nsp)) + tuple(range(2 + nsp, 2 + 2 * nsp))

    padded = any(lo or hi for lo, hi in pads)

    def work(my_chunks):
        gt = np.empty(Cout * chunk * L, dtype=dtype)
        cols = np.empty(C * K * chunk * L, dtype=dtype)
        xp = np.zeros((chunk, C) + sp, dtype=dtype) if padded else None
        acc = np.zeros(wg.shape, dtype=dtype) if need_weight else None
        part = np.empty(wg.shape, dtype=dtype) if need_weight else None
        for n0, n1 in my_chunks:
            nb = n1 - n0
            gtb = gt[:Cout * nb * L].reshape((Cout, nb) + tuple(out_shape))
            np.copyto(gtb, g[n0:n1].swapaxes(0, 1))  # (Cout, nb, *O)
            gtb = gtb.reshape(G, Coutg, nb * L)
            colb = cols[:C * K * nb * L].reshape((C,) + tuple(kernel) + (nb,) + tuple(out_shape))
            if need_weight:
                if padded:
                    xpb = xp[:nb]
                    xpb[(slice(None), slice(None)) + inner] = x[n0:n1]
                else:
                    xpb = x[n0:n1]
                np.copyto(colb, windows(xpb, kernel, stride, dilation, out_shape)
                          .transpose(col_axes))
                np.matmul(gtb, colb.reshape(G, Cg * K, nb * L).swapaxes(1, 2), out=part)
                acc += part
            if need_input:
                np.matmul(wgT, gtb, out=colb.reshape(G, Cg * K, nb * L))  # dcols
                # gx starts at zero, so without padding col2im can add straight into it
                dst = xp[:nb] if padded else gx[n0:n1]
                if padded:
                    dst[...] = 0
                _col2im_add(dst, colb.transpose(win_axes), kernel, stride, dilation, out_shape)
                if padded:
                    gx[n0:n1] = dst[(slice(None), slice(None)) + inner]
        return acc

    parts = _run_chunks(work, chunks, threaded)
    if need_weight:
        total = parts[0]
        for p in parts[1:]:
            total += p
        gw[...] = total.reshape(w.shape)
    return gx, gw


# ----------------------------------------------------------------------------------------------
# Depthwise: loop over kernel offsets, multiply-add whole arrays
# ----------------------------------------------------------------------------------------------

def _depthwise_chunk(N: int, per_sample_bytes: int) -> int:
    return int(max(1, min(N, (TARGET_COLUMN_BYTES // 2) // max(per_sample_bytes, 1))))


def _depthwise_forward(x, w, pads, stride, dilation, out) -> None:
    """out ``(N, C*m, *O)``: ``out[n, c*m + j, o] = sum_k w[c*m + j, 0, k] * xp[n, c, o*s + k*d]``."""
    N, C = x.shape[:2]
    m = w.shape[0] // C
    kernel = w.shape[2:]
    out_shape = out.shape[2:]
    nsp = len(kernel)
    sp = _padded_shape(x.shape[2:], pads)
    inner = _interior(x.shape[2:], pads)
    # w as (C, m, *ones) per offset, to broadcast over (nb, C, m, *O)
    wk_all = w.reshape((C, m, math.prod(kernel)) + (1,) * nsp).astype(out.dtype, copy=False)
    per_sample = (C * math.prod(sp) + 2 * C * m * math.prod(out_shape)) * out.itemsize
    chunk = _depthwise_chunk(N, per_sample)
    chunks = _chunks(N, chunk)
    threaded = N * per_sample >= THREAD_MIN_BYTES

    def work(my_chunks):
        xp = np.zeros((chunk, C) + sp, dtype=x.dtype)
        acc = np.empty((chunk, C, m) + out_shape, dtype=out.dtype)
        tmp = np.empty_like(acc)
        for n0, n1 in my_chunks:
            nb = n1 - n0
            xpb, accb, tmpb = xp[:nb], acc[:nb], tmp[:nb]
            xpb[(slice(None), slice(None)) + inner] = x[n0:n1]
            for idx, _, sl in _offset_slices(kernel, stride, dilation, out_shape):
                src = xpb[(slice(None), slice(None)) + sl][:, :, None]  # (nb, C, 1, *O)
                if idx == 0:
                    np.multiply(src, wk_all[:, :, idx], out=accb)
                else:
                    np.multiply(src, wk_all[:, :, idx], out=tmpb)
                    accb += tmpb
            out[n0:n1] = accb.reshape((nb, C * m) + out_shape)

    _run_chunks(work, chunks, threaded)


def _depthwise_backward(x, w, g, pads, stride, dilation, groups, gx, gw) -> None:
    """Input and weight gradients of ``_depthwise_forward`` (either may be None)."""
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
        xp = np.zeros((chunk, C) + sp, dtype=dtype)
        tmp = np.empty((chunk, C, m) + tuple(out_shape), dtype=dtype)
        acc = np.zeros((C, m, K), dtype=dtype) if gw is not None else None
        for n0, n1 in my_chunks:
            nb = n1 - n0
            xpb, gb = xp[:nb], gr[n0:n1]
            if gw is not None:
                xpb[(slice(None), slice(None)) + inner] = x[n0:n1]
                for idx, _, sl in _offset_slices(kernel, stride, dilation, out_shape):
                    acc[:, :, idx] += np.einsum(spec, gb, xpb[(slice(None), slice(None)) + sl])
            if gx is not None:
                xpb[...] = 0
                tmpb = tmp[:nb]
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

def unfold(x: np.ndarray, kernel: Sequence[int], pads: Pairs, stride: Sequence[int],
           dilation: Sequence[int]) -> np.ndarray:
    """torch's unfold: ``(N, C, *S)`` -> ``(N, C*prod(K), L)``, rows channel-major, then kernel
    offsets in row-major order; columns are output positions in row-major order."""
    N, C = x.shape[:2]
    sp = _padded_shape(x.shape[2:], pads)
    out_shape = tuple((Lp - d * (k - 1) - 1) // s + 1
                      for Lp, k, s, d in zip(sp, kernel, stride, dilation))
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


def fold(cols: np.ndarray, output_size: Sequence[int], kernel: Sequence[int], pads: Pairs,
         stride: Sequence[int], dilation: Sequence[int]) -> np.ndarray:
    """torch's fold, the adjoint of ``unfold``: ``(N, C*prod(K), L)`` -> ``(N, C, *output_size)``,
    summing overlapping windows."""
    N = cols.shape[0]
    K = math.prod(kernel)
    C = cols.shape[1] // K
    sp = _padded_shape(output_size, pads)
    out_shape = tuple((Lp - d * (k - 1) - 1) // s + 1
                      for Lp, k, s, d in zip(sp, kernel, stride, dilation))
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
