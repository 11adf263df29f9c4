"""Sliding windows over a padded input, written once for conv, pooling and unfold/fold.

Kernel offset ``j`` (one entry per spatial dimension) of every window is the strided slice
``xp[..., j*d : j*d + (o-1)*s + 1 : s]`` of the padded input ``xp``: window ``o`` starts at
``o*s`` and its offset ``j`` lies ``j*d`` further on. One ufunc call per offset then handles all
windows at once; ``view`` exposes the same cells as one read-only ``(..., *K, *O)`` array.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

Ints = Sequence[int]


def offsets(kernel: Ints) -> Iterator[tuple[int, ...]]:
    """Kernel offsets in row-major order (the order torch scans a window)."""
    return itertools.product(*(range(k) for k in kernel))


def offset_slices(offset: Ints, stride: Ints, dilation: Ints, out: Ints) -> tuple[slice, ...]:
    """The cells that kernel ``offset`` of every window reads: one slice per spatial dimension."""
    return tuple(
        slice(j * d, j * d + (o - 1) * s + 1, s)
        for j, s, d, o in zip(offset, stride, dilation, out, strict=True)
    )


def all_offset_slices(
    kernel: Ints, stride: Ints, dilation: Ints, out: Ints
) -> list[tuple[tuple[int, ...], tuple[slice, ...]]]:
    """``(offset, offset_slices(offset, ...))`` for every kernel offset, row-major."""
    return [(j, offset_slices(j, stride, dilation, out)) for j in offsets(kernel)]


def view(xp: np.ndarray, kernel: Ints, stride: Ints, dilation: Ints, out: Ints) -> np.ndarray:
    """Read-only strided view ``(*lead, *K, *O)`` of a padded input ``(*lead, *Sp)``:
    ``view[..., k..., o...] = xp[..., o*s + k*d ...]``."""
    n = len(kernel)
    lead = xp.ndim - n
    sp = xp.strides[lead:]
    shape = xp.shape[:lead] + tuple(kernel) + tuple(out)
    strides = (
        xp.strides[:lead]
        + tuple(d * s for d, s in zip(dilation, sp, strict=True))
        + tuple(st * s for st, s in zip(stride, sp, strict=True))
    )
    assert all(
        (o - 1) * st + (k - 1) * d < L
        for o, st, k, d, L in zip(out, stride, kernel, dilation, xp.shape[lead:], strict=True)
    )
    return as_strided(xp, shape, strides, writeable=False)
