"""Loop references for batch normalisation's kernels (``norm.py``): one channel at a time, in
float64, straight from the definitions. Tests only."""

from __future__ import annotations

import numpy as np


def channel_stats_ref(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of every channel (dimension 1)."""
    C = x.shape[1]
    mean, var = np.empty(C), np.empty(C)
    for c in range(C):
        v = x[:, c].astype(np.float64).ravel()
        mean[c] = sum(v) / len(v)
        var[c] = sum((vi - mean[c]) ** 2 for vi in v) / len(v)
    return mean, var


def affine_ref(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape)
    for c in range(x.shape[1]):
        out[:, c] = (x[:, c].astype(np.float64) - mean[c]) * scale[c] + shift[c]
    return out


def backward_sums_ref(
    x: np.ndarray, g: np.ndarray, mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    C = x.shape[1]
    sum_g, sum_gd = np.empty(C), np.empty(C)
    for c in range(C):
        gc, xc = g[:, c].astype(np.float64).ravel(), x[:, c].astype(np.float64).ravel()
        sum_g[c] = sum(gc)
        sum_gd[c] = sum(gi * (xi - mean[c]) for gi, xi in zip(gc, xc, strict=True))
    return sum_g, sum_gd
