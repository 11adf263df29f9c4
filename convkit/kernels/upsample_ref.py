"""Loop reference for ``kernels.upsample``: every output cell as the sum over all tap
combinations of the product of the per-dimension weights times the input cell they select.

Slow and obviously correct (in exact-enough float64); only the tests use it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .upsample import Plan


def resample_ref(x: NDArray[np.floating], plans: list[Plan]) -> NDArray[np.floating]:
    """Resample the last ``len(plans)`` axes of ``x``."""
    n = len(plans)
    lead = x.shape[: x.ndim - n]
    out_spatial = tuple(idx.shape[0] for idx, _ in plans)
    out = np.zeros(lead + out_spatial, dtype=np.float64)
    for pos in itertools.product(*(range(s) for s in out_spatial)):
        taps = [range(plans[d][0].shape[1]) for d in range(n)]
        total = np.zeros(lead, dtype=np.float64)
        for combo in itertools.product(*taps):
            weight = 1.0
            src = []
            for d, k in enumerate(combo):
                idx, w = plans[d]
                weight *= float(w[pos[d], k])
                src.append(int(idx[pos[d], k]))
            key: Any = (Ellipsis, *src)
            total = total + weight * x[key]
        here: Any = (Ellipsis, *pos)
        out[here] = total
    return out


def resample_backward_ref(
    g: NDArray[np.floating], plans: list[Plan], in_spatial: tuple[int, ...]
) -> NDArray[np.floating]:
    """The adjoint: every output cell's gradient added onto the input cells it read."""
    n = len(plans)
    lead = g.shape[: g.ndim - n]
    out = np.zeros(lead + in_spatial, dtype=np.float64)
    out_spatial = g.shape[g.ndim - n :]
    for pos in itertools.product(*(range(s) for s in out_spatial)):
        taps = [range(plans[d][0].shape[1]) for d in range(n)]
        for combo in itertools.product(*taps):
            weight = 1.0
            src = []
            for d, k in enumerate(combo):
                idx, w = plans[d]
                weight *= float(w[pos[d], k])
                src.append(int(idx[pos[d], k]))
            key: Any = (Ellipsis, *src)
            here: Any = (Ellipsis, *pos)
            out[key] += weight * g[here]
    return out


def antialias_weights_ref(
    in_size: int, out_size: int, scale: float, mode: str
) -> NDArray[np.float64]:
    """The (out, in) matrix of torch's antialiased filter in float64, one output at a time:
    ``scale`` maps output to input coordinates (in / out, or 1 / scale_factor, or the
    align_corners ratio). The filter, stretched by ``max(scale, 1)``, is evaluated at every
    input pixel centre whose distance from the output's centre rounds inside the support, and
    the weights are divided by their sum."""
    taps = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]

    def filt(x: float) -> float:
        x = abs(x)
        if mode == "bilinear":
            return 1 - x if x < 1 else 0.0
        if mode == "bicubic":  # Keys, A = -0.5
            a = -0.5
            if x < 1:
                return ((a + 2) * x - (a + 3)) * x * x + 1
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a if x < 2 else 0.0
        if x == 0:
            return 1.0
        return (
            3 * math.sin(math.pi * x) * math.sin(math.pi * x / 3) / (math.pi * x) ** 2
            if x < 3
            else 0.0
        )

    stretch = max(scale, 1.0)
    support = taps / 2 * stretch
    out = np.zeros((out_size, in_size))
    for j in range(out_size):
        center = scale * (j + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        for i in range(lo, hi):
            out[j, i] = filt((i - center + 0.5) / stretch)
        total = out[j].sum()
        if total != 0:
            out[j] /= total
    return out
