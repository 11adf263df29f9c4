"""Loop references for the convolution engine: slow, literal, obviously correct. Tests only.

Each function is the textbook definition written out: for each output position, multiply the
window of the (zero-padded) input that the filter overlaps by the filter and sum.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

Pairs = Sequence[tuple[int, int]]


def _pad(x: np.ndarray, pads: Pairs) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0)) + tuple(tuple(p) for p in pads))


def _window(
    o: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[slice, ...]:
    """The padded-input cells under the filter at output position o."""
    return tuple(
        slice(i * s, i * s + (k - 1) * d + 1, d)
        for i, k, s, d in zip(o, kernel, stride, dilation, strict=True)
    )


def conv_ref(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """``out[n, co, o] = b[co] + sum(xp[n, channels of co's group, window(o)] * w[co])``."""
    N, C = x.shape[:2]
    Cout, Cg = w.shape[:2]
    kernel = w.shape[2:]
    xp = _pad(x, pads)
    out_shape = tuple(
        (L - d * (k - 1) - 1) // s + 1
        for L, k, s, d in zip(xp.shape[2:], kernel, stride, dilation, strict=True)
    )
    out = np.zeros((N, Cout) + out_shape, dtype=np.result_type(x, w))
    per_group = Cout // groups
    for n in range(N):
        for co in range(Cout):
            g = co // per_group
            channels = slice(g * Cg, (g + 1) * Cg)
            for o in itertools.product(*(range(v) for v in out_shape)):
                window = xp[(n, channels) + _window(o, kernel, stride, dilation)]
                out[(n, co) + o] = np.sum(window * w[co])
            if b is not None:
                out[n, co] += b[co]
    return out


def conv_transpose_ref(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    padding: Sequence[int],
    output_padding: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """Each input cell scatters ``x[n, ci, i] * w[ci, :, :]`` onto the output window at ``i*s``
    (the full, unpadded output), which is then cropped by ``padding`` at both ends and extended
    by ``output_padding`` at the end. w is ``(C_in, C_out/G, *K)``."""
    N, C = x.shape[:2]
    Cog = w.shape[1]
    kernel = w.shape[2:]
    full = tuple(
        (L - 1) * s + d * (k - 1) + 1 + op
        for L, k, s, d, op in zip(
            x.shape[2:], kernel, stride, dilation, output_padding, strict=True
        )
    )
    out = np.zeros((N, Cog * groups) + full, dtype=np.result_type(x, w))
    per_group = C // groups
    for n in range(N):
        for ci in range(C):
            g = ci // per_group
            channels = slice(g * Cog, (g + 1) * Cog)
            for i in itertools.product(*(range(v) for v in x.shape[2:])):
                out[(n, channels) + _window(i, kernel, stride, dilation)] += x[(n, ci) + i] * w[ci]
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full, strict=True))
    out = out[(slice(None), slice(None)) + crop]
    if b is not None:
        out = out + b.reshape((-1,) + (1,) * len(kernel))
    return out


def unfold_ref(
    x: np.ndarray,
    kernel: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Column l of the result is the window at output position l, flattened channel-major."""
    N, C = x.shape[:2]
    xp = _pad(x, pads)
    out_shape = tuple(
        (L - d * (k - 1) - 1) // s + 1
        for L, k, s, d in zip(xp.shape[2:], kernel, stride, dilation, strict=True)
    )
    positions = list(itertools.product(*(range(v) for v in out_shape)))
    cols = np.zeros((N, C * int(np.prod(kernel)), len(positions)), dtype=x.dtype)
    for n in range(N):
        for col, o in enumerate(positions):
            cols[n, :, col] = xp[(n, slice(None)) + _window(o, kernel, stride, dilation)].reshape(
                -1
            )
    return cols


def fold_ref(
    cols: np.ndarray,
    output_size: Sequence[int],
    kernel: Sequence[int],
    pads: Pairs,
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Column l is added back onto the window at output position l; overlaps sum."""
    N = cols.shape[0]
    K = int(np.prod(kernel))
    C = cols.shape[1] // K
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(output_size, pads, strict=True))
    out_shape = tuple(
        (L - d * (k - 1) - 1) // s + 1
        for L, k, s, d in zip(padded, kernel, stride, dilation, strict=True)
    )
    xp = np.zeros((N, C) + padded, dtype=cols.dtype)
    for n in range(N):
        for col, o in enumerate(itertools.product(*(range(v) for v in out_shape))):
            xp[(n, slice(None)) + _window(o, kernel, stride, dilation)] += cols[n, :, col].reshape(
                (C,) + tuple(kernel)
            )
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(output_size, pads, strict=True))
    return xp[(slice(None), slice(None)) + crop]
