"""Loop reference for ``kernels.upsample``: every output cell as the sum over all tap
combinations of the product of the per-dimension weights times the input cell they select.

Slow and obviously correct (in exact-enough float64); only the tests use it.
"""

from __future__ import annotations

import itertools
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
