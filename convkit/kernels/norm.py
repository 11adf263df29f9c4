"""Batch normalisation's array math: per-channel statistics and the affine map, in few passes.

Every array is viewed as ``(N, C, S)`` (S = the product of the spatial sizes, 1 for ``(N, C)``)
and walked in chunks of samples of about ``CHUNK_BYTES``, so that a chunk's temporaries stay in
cache; the chunks are split between the threads of ``parallel``. Forward reads x twice for the
statistics (the mean, then the centred squares: two passes keep the variance exact where
``E[x^2] - E[x]^2`` would cancel) and once for the output; backward reads g and x once for its
two sums and once for the input gradient. Per-channel sums run pairwise along S in the input's
dtype and accumulate across samples in float64 (torch's CPU kernel accumulates in double).

Loop references: ``norm_ref.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import parallel as par

#: Bytes of x per chunk of samples.
CHUNK_BYTES = 256 * 2**10
#: Below this many bytes of x the work stays on the calling thread.
THREAD_MIN_BYTES = 2 * 2**20


def planes(a: np.ndarray) -> np.ndarray:
    """``(N, C, *spatial)`` as ``(N, C, S)`` (a view for a contiguous array)."""
    return a.reshape(a.shape[0], a.shape[1], math.prod(a.shape[2:]))  # (N, C, S)


def _run(work: Callable[[slice], np.ndarray | None], x3: np.ndarray) -> list[np.ndarray | None]:
    n, nbytes = x3.shape[0], x3.nbytes
    threaded = nbytes >= THREAD_MIN_BYTES and n > 1
    parts = par.split(n, par.get_num_threads()) if threaded else [slice(0, n)]
    return par.run_parts(work, parts, threaded, uses_blas=False)


def _chunks(rows: slice, x3: np.ndarray) -> list[slice]:
    per_sample = max(1, x3[0].nbytes) if x3.shape[0] else 1
    step = max(1, CHUNK_BYTES // per_sample)
    return [slice(i, min(i + step, rows.stop)) for i in range(rows.start, rows.stop, step)]


def _temp(like: np.ndarray) -> np.ndarray:
    """A per-thread scratch array shaped like ``like`` (a fresh one would be page-faulted)."""
    return par.scratch("norm", like.size, like.dtype).reshape(like.shape)


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """``a (nb, C, S)`` summed over samples and S: pairwise along S, float64 across samples."""
    total: np.ndarray = np.add.reduce(a, axis=2).sum(axis=0, dtype=np.float64)  # (C,)
    return total


def _total(parts: list[np.ndarray | None], channels: int) -> np.ndarray:
    total = np.zeros(channels, dtype=np.float64)
    for p in parts:
        if p is not None:
            total += p
    return total


def channel_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (dimension 1): the mean and the biased variance of ``x (N, C, *spatial)``,
    in float64. Needs at least one value per channel.

    The squares are centred on the mean rounded to x's dtype (so they stay in x's dtype) and
    corrected for that rounding: ``sum (x - m)^2 = sum (x - m')^2 - M (m - m')^2``.
    """
    x3 = planes(x)
    C = x3.shape[1]
    count = x3.shape[0] * x3.shape[2]

    def sums(rows: slice) -> np.ndarray:
        return _total([_channel_sum(x3[c]) for c in _chunks(rows, x3)], C)

    mean = _total(_run(sums, x3), C) / count
    rounded = mean.astype(x.dtype)
    centre = rounded.reshape(1, C, 1)

    def squares(rows: slice) -> np.ndarray:
        acc = np.zeros(C, dtype=np.float64)
        for c in _chunks(rows, x3):
            d = _temp(x3[c])
            np.subtract(x3[c], centre, out=d)
            np.multiply(d, d, out=d)
            acc += _channel_sum(d)
        return acc

    offset = mean - rounded
    var = _total(_run(squares, x3), C) / count - offset * offset
    return mean, np.maximum(var, 0.0)


def _rounded(mean: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """``mean`` in ``dtype`` (as a (1, C, 1) column) and what that rounding lost, in float64."""
    rounded = mean.astype(dtype)
    with np.errstate(invalid="ignore"):
        lost = mean.astype(np.float64) - rounded
    # An infinite (or NaN) mean loses nothing to rounding: inf - inf must not turn the shift NaN.
    return rounded.reshape(1, -1, 1), np.where(np.isfinite(lost), lost, 0.0)


def _rows(x3: np.ndarray) -> bool:
    """Whether per-channel coefficients are tiled into a ``(C*S,)`` row that meets each sample
    ``(C*S,)`` in one unit-stride inner loop (``_coef``).

    Broadcasting a ``(1, C, 1)`` column instead runs one inner loop of S per (sample, channel),
    and NumPy's cost per row dominates short rows: the centred affine map of (32, 128, 16, 16)
    took 1.79 ms with columns and 0.84 ms tiled (0.63 folded), of (32, 64, 32, 32) 3.55 and 2.35
    (2.00) (CPU time, one thread; torch 0.41 and 1.45). A tiled row costs a copy of one
    sample's size per coefficient, so only samples of at most ``TILE_MAX_BYTES`` are tiled;
    longer planes already run long rows.
    """
    return bool(x3.shape[0] > 0 and x3[0].nbytes <= TILE_MAX_BYTES)


#: Samples up to this many bytes get tiled coefficient rows (``_rows``).
TILE_MAX_BYTES = 2**20


def _coef(v: np.ndarray, x3: np.ndarray, rows: bool, dtype: np.dtype) -> np.ndarray:
    """Per-channel ``v (C,)`` in ``dtype``, shaped to combine with ``_view(x3, rows)``."""
    C, S = x3.shape[1:]
    v = v.astype(dtype, copy=False)
    return np.repeat(v, S) if rows else v.reshape(1, C, 1)  # (C*S,) or (1, C, 1)


def _view(a3: np.ndarray, rows: bool) -> np.ndarray:
    """``a3 (N, C, S)`` as ``(N, C*S)`` for tiled coefficients (a view of a contiguous array)."""
    return a3.reshape(a3.shape[0], -1) if rows else a3  # (N, C*S) or (N, C, S)


#: ``affine`` folds the mean into the shift where every channel's ``|mean| * invstd`` is at most
#: this: the folded map's rounding error is then below ``(FOLD_MAX_MEAN + |xhat| + 2)`` units in
#: the last place of the output's scale ``|scale| * std`` (about 4e-6 relative in float32).
FOLD_MAX_MEAN = 64.0


def affine(
    x: np.ndarray,
    mean: np.ndarray | None,
    scale: np.ndarray,
    shift: np.ndarray | None,
    invstd: np.ndarray | None = None,
) -> np.ndarray:
    """``(x - mean) * scale + shift`` per channel (each of shape ``(C,)``, mean and shift may be
    None for 0): a new array in x's dtype.

    With ``invstd`` (the channels' 1/std, ``(C,)``) and every ``|mean| * invstd <=
    FOLD_MAX_MEAN``, the map runs folded, ``x * scale + (shift - mean * scale)``: one multiply
    and one add per element, as torch computes it. Otherwise (no ``invstd``, a mean far from 0
    against the spread, or a non-finite one) x is centred first, which stays exact where the
    folded form would cancel (a large mean over a small spread); it is centred on the mean
    rounded to its dtype, and the shift absorbs the rounding.
    """
    x3 = planes(x)
    C = x3.shape[1]
    out = np.empty(x.shape, dtype=x.dtype)
    o3 = planes(out)
    shift64 = np.zeros(C) if shift is None else shift.astype(np.float64)
    m = None
    if mean is not None:
        if invstd is not None and _foldable(mean, invstd):
            shift64 = shift64 - mean.astype(np.float64) * scale.astype(np.float64)
        else:
            m, lost = _rounded(mean, x.dtype)
            # nothing lost times an infinite scale is no correction, not NaN
            with np.errstate(invalid="ignore"):
                shift64 = shift64 - np.where(lost == 0, 0.0, lost * scale)
    rows = _rows(x3)
    xv, ov = _view(x3, rows), _view(o3, rows)
    s = _coef(scale, x3, rows, x.dtype)
    t = None if not shift64.any() else _coef(shift64, x3, rows, x.dtype)
    centre = None if m is None else _coef(m.reshape(C), x3, rows, x.dtype)

    def work(part: slice) -> None:
        for c in _chunks(part, x3):
            if centre is None:
                np.multiply(xv[c], s, out=ov[c])
            else:
                np.subtract(xv[c], centre, out=ov[c])
                np.multiply(ov[c], s, out=ov[c])
            if t is not None:
                np.add(ov[c], t, out=ov[c])

    _run(work, x3)
    return out


def _foldable(mean: np.ndarray, invstd: np.ndarray) -> bool:
    """Every channel's mean within ``FOLD_MAX_MEAN`` standard deviations of 0 (False for a NaN
    or infinite mean or 1/std)."""
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = np.abs(mean.astype(np.float64)) * invstd.astype(np.float64)
    return bool(np.all(ratio <= FOLD_MAX_MEAN))


def backward_sums(x: np.ndarray, g: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel: ``sum(g)`` and ``sum(g * (x - mean))``, in float64."""
    x3, g3 = planes(x), planes(g)
    C = x3.shape[1]
    centre, lost = _rounded(mean, x.dtype)

    def work(rows: slice) -> np.ndarray:
        acc = np.zeros((2, C), dtype=np.float64)
        for c in _chunks(rows, x3):
            acc[0] += _channel_sum(g3[c])
            d = _temp(x3[c])
            np.subtract(x3[c], centre, out=d)
            np.multiply(d, g3[c], out=d)
            acc[1] += _channel_sum(d)
        return acc

    total = np.zeros((2, C), dtype=np.float64)
    for p in _run(work, x3):
        assert p is not None
        total += p
    # sum g (x - mean) = sum g (x - rounded) - lost * sum g
    return total[0], total[1] - lost * total[0]


def input_grad(
    x: np.ndarray,
    g: np.ndarray,
    mean: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
) -> np.ndarray:
    """``a * g + b * (x - mean) + c`` per channel (every coefficient ``(C,)``): a new array in
    g's dtype."""
    x3, g3 = planes(x), planes(g)
    C = x3.shape[1]
    out = np.empty(g.shape, dtype=g.dtype)
    o3 = planes(out)
    m, lost = _rounded(mean, x.dtype)
    c64 = c.astype(np.float64) - b.astype(np.float64) * lost
    rows = _rows(x3)
    xv, gv, ov = _view(x3, rows), _view(g3, rows), _view(o3, rows)
    centre = _coef(m.reshape(C), x3, rows, x.dtype)
    ka, kb, kc = (_coef(k, x3, rows, g.dtype) for k in (a, b, c64))

    def work(part: slice) -> None:
        for s in _chunks(part, x3):
            d = _temp(xv[s])
            np.subtract(xv[s], centre, out=d)
            np.multiply(d, kb, out=d)
            np.multiply(gv[s], ka, out=ov[s])
            np.add(ov[s], d, out=ov[s])
            np.add(ov[s], kc, out=ov[s])

    _run(work, x3)
    return out
