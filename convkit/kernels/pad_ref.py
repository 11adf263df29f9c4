"""Loop reference for ``kernels.pad``: one output cell at a time, from the definitions.

Slow and obviously correct; only the tests use it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def _source(j: int, size: int, before: int, after: int, mode: str) -> int | None:
    """Input index read by output index ``j`` along one dimension (None: the constant)."""
    if mode == "circular":
        # torch crops negative pads first, then wraps the cropped core.
        lo = max(-before, 0)
        core = size - lo - max(-after, 0)
        return lo + (j - max(before, 0)) % core
    i = j - before
    if 0 <= i < size:
        return i
    if mode == "constant":
        return None
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    # reflect: mirror about the first or the last cell, without repeating it
    return -i if i < 0 else 2 * (size - 1) - i


def pad_ref(
    x: np.ndarray, pairs: Sequence[tuple[int, int]], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    lead = x.ndim - len(pairs)
    shape = x.shape[:lead] + tuple(
        n + a + b for n, (a, b) in zip(x.shape[lead:], pairs, strict=True)
    )
    out = np.empty(shape, dtype=x.dtype)
    for idx in itertools.product(*(range(n) for n in shape)):
        src: list[int | None] = list(idx[:lead])
        for j, n, (a, b) in zip(idx[lead:], x.shape[lead:], pairs, strict=True):
            src.append(_source(j, n, a, b, mode))
        out[idx] = value if None in src else x[tuple(src)]
    return out


def pad_backward_ref(
    g: np.ndarray,
    in_shape: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    mode: str = "constant",
) -> np.ndarray:
    lead = len(in_shape) - len(pairs)
    out = np.zeros(in_shape, dtype=g.dtype)
    for idx in itertools.product(*(range(n) for n in g.shape)):
        src: list[int | None] = list(idx[:lead])
        for j, n, (a, b) in zip(idx[lead:], in_shape[lead:], pairs, strict=True):
            src.append(_source(j, n, a, b, mode))
        if None not in src:
            out[tuple(src)] += g[idx]
    return out
