"""Loop references for the pooling kernels: each definition written out literally.

Slow on purpose: a loop over every output position and every cell of its window, in the order
torch scans it. Used only by the tests, as the oracle the fast kernels in ``pool.py`` must match.
Arrays are ``(B, *spatial)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .. import shapes

Ints = Sequence[int]


def _flat(pos: Ints, spatial: Ints) -> int:
    index = 0
    for p, L in zip(pos, spatial, strict=True):
        index = index * L + p
    return index


def _window_cells(
    start: Ints, kernel: Ints, dilation: Ints, spatial: Ints
) -> Iterator[tuple[int, ...]]:
    """In-bounds cells of one window, in row-major order."""
    for offset in itertools.product(*(range(k) for k in kernel)):
        pos = tuple(s + j * d for s, j, d in zip(start, offset, dilation, strict=True))
        if all(0 <= p < L for p, L in zip(pos, spatial, strict=True)):
            yield pos


def max_pool_ref(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Values and flat indices; torch's scan: take a cell if ``val > best or isnan(val)``."""
    spatial = x.shape[1:]
    out = tuple(
        shapes.pool_output_size(L, k, s, p, d, ceil_mode)
        for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
    )
    y = np.empty((x.shape[0],) + out, dtype=x.dtype)
    idx = np.empty(y.shape, dtype=np.int64)
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(v) for v in out)):
            start = tuple(i * s - p for i, s, p in zip(o, stride, padding, strict=True))
            cells = list(_window_cells(start, kernel, dilation, spatial))
            best_pos = cells[0]
            best = -math.inf
            for pos in cells:
                val = x[(b,) + pos]
                if val > best or (x.dtype.kind == "f" and math.isnan(val)):
                    best, best_pos = val, pos
            y[(b,) + o] = x[(b,) + best_pos]
            idx[(b,) + o] = _flat(best_pos, spatial)
    return y, idx


def scatter_add_ref(g: np.ndarray, idx: np.ndarray, spatial: Ints) -> np.ndarray:
    """Gradient of any max pooling: each output's gradient added at its flat index."""
    gx = np.zeros((g.shape[0], math.prod(spatial)), dtype=g.dtype)
    for b in range(g.shape[0]):
        for o in itertools.product(*(range(v) for v in g.shape[1:])):
            gx[b, idx[(b,) + o]] += g[(b,) + o]
    return gx.reshape((g.shape[0],) + tuple(spatial))


def avg_pool_ref(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    """torch's rule: window ``[i*s - p, min(i*s - p + k, L + p))``; divisor rule per window."""
    spatial = x.shape[1:]
    ones = (1,) * len(spatial)
    out = tuple(
        shapes.pool_output_size(L, k, s, p, 1, ceil_mode)
        for L, k, s, p in zip(spatial, kernel, stride, padding, strict=True)
    )
    y = np.zeros((x.shape[0],) + out, dtype=np.float64)
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(v) for v in out)):
            start = tuple(i * s - p for i, s, p in zip(o, stride, padding, strict=True))
            end = tuple(
                min(a + k, L + p)
                for a, k, L, p in zip(start, kernel, spatial, padding, strict=True)
            )
            pool = math.prod(e - a for a, e in zip(start, end, strict=True))
            cells = list(_window_cells(start, kernel, ones, spatial))
            total = sum(float(x[(b,) + pos]) for pos in cells)
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = pool
            else:
                divisor = len(cells)
            y[(b,) + o] = total / divisor
    return y


def avg_pool_backward_ref(
    g: np.ndarray,
    spatial: Ints,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    """Each output's gradient over its divisor, added to every in-bounds cell of its window."""
    ones = (1,) * len(spatial)
    gx = np.zeros((g.shape[0],) + tuple(spatial), dtype=np.float64)
    for b in range(g.shape[0]):
        for o in itertools.product(*(range(v) for v in g.shape[1:])):
            start = tuple(i * s - p for i, s, p in zip(o, stride, padding, strict=True))
            end = tuple(
                min(a + k, L + p)
                for a, k, L, p in zip(start, kernel, spatial, padding, strict=True)
            )
            cells = list(_window_cells(start, kernel, ones, spatial))
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = math.prod(e - a for a, e in zip(start, end, strict=True))
            else:
                divisor = len(cells)
            for pos in cells:
                gx[(b,) + pos] += g[(b,) + o] / divisor
    return gx


def _adaptive_windows(
    spatial: Ints, out: Ints
) -> Iterator[tuple[tuple[int, ...], list[tuple[int, ...]]]]:
    bins = [shapes.adaptive_pool_bins(L, o) for L, o in zip(spatial, out, strict=True)]
    for o in itertools.product(*(range(v) for v in out)):
        ranges = [range(*bins[d][i]) for d, i in enumerate(o)]
        yield o, list(itertools.product(*ranges))


def adaptive_avg_pool_ref(x: np.ndarray, out: Ints) -> np.ndarray:
    y = np.zeros((x.shape[0],) + tuple(out), dtype=np.float64)
    for b in range(x.shape[0]):
        for o, cells in _adaptive_windows(x.shape[1:], out):
            y[(b,) + o] = sum(float(x[(b,) + pos]) for pos in cells) / len(cells)
    return y


def adaptive_avg_pool_backward_ref(g: np.ndarray, spatial: Ints) -> np.ndarray:
    gx = np.zeros((g.shape[0],) + tuple(spatial), dtype=np.float64)
    for b in range(g.shape[0]):
        for o, cells in _adaptive_windows(spatial, g.shape[1:]):
            for pos in cells:
                gx[(b,) + pos] += g[(b,) + o] / len(cells)
    return gx


def adaptive_max_pool_ref(x: np.ndarray, out: Ints) -> tuple[np.ndarray, np.ndarray]:
    spatial = x.shape[1:]
    y = np.empty((x.shape[0],) + tuple(out), dtype=x.dtype)
    idx = np.empty(y.shape, dtype=np.int64)
    for b in range(x.shape[0]):
        for o, cells in _adaptive_windows(spatial, out):
            best: Any = -math.inf
            best_pos = cells[0]
            for pos in cells:
                val = x[(b,) + pos]
                if val > best or math.isnan(val):
                    best, best_pos = val, pos
            y[(b,) + o] = x[(b,) + best_pos]
            idx[(b,) + o] = _flat(best_pos, spatial)
    return y, idx


def max_unpool_ref(x: np.ndarray, idx: np.ndarray, out: Ints) -> np.ndarray:
    """Written in order, so that the last of repeated indices wins."""
    y = np.zeros((x.shape[0], math.prod(out)), dtype=x.dtype)
    for b in range(x.shape[0]):
        for i in range(x[b].size):
            y[b, idx[b].reshape(-1)[i]] = x[b].reshape(-1)[i]
    return y.reshape((x.shape[0],) + tuple(out))
