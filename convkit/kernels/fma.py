"""``fma(a, b, c) = a*b + c`` rounded once, as the fused multiply-add torch's compiled kernels use.

NumPy has no fused multiply-add. float32: the product of two float32 values is exact in float64,
so ``float32(float64(a) * b + c)`` rounds (almost always) once. float64: Dekker's TwoProduct
splits ``a*b = p + e`` exactly and Knuth's TwoSum carries the rounding error of ``p + c`` before
the single final rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_SPLIT = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves


def fma(
    a: NDArray[np.floating], b: NDArray[np.floating], c: NDArray[np.floating]
) -> NDArray[np.floating]:
    """Elementwise ``a*b + c`` with one rounding, in the dtype of ``a``, ``b`` and ``c``."""
    dtype = np.result_type(a, b, c)
    with np.errstate(over="ignore", invalid="ignore"):  # infinities and NaN are results here
        if dtype == np.float32:
            wide: NDArray[np.float64] = np.multiply(a, b, dtype=np.float64)  # 24 + 24 bits: exact
            np.add(wide, c, out=wide)
            return wide.astype(np.float32)
        a64 = np.asarray(a, dtype=np.float64)
        b64 = np.asarray(b, dtype=np.float64)
        p = a64 * b64
        ca, cb = _SPLIT * a64, _SPLIT * b64
        ah, bh = ca - (ca - a64), cb - (cb - b64)
        al, bl = a64 - ah, b64 - bh
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s = p + c
        bv = s - p
        t = (p - (s - bv)) + (c - bv)
        r = s + (t + e)
        # An infinite product or sum (or a split that overflows, |a| > 2**996) leaves NaN in the
        # error terms: the plain sum is then the fused result (inf + c, c = +-inf, or NaN).
        return np.where(np.isnan(r) & ~np.isnan(s), s, r)[()]
