"""The global random generator: ``manual_seed`` and the draws used by factories and init.

torch's CPU generator is MT19937 seeded like NumPy's legacy ``RandomState(seed)``; drawing the
raw 32-bit words and turning them into floats the way torch does makes ``manual_seed(s)`` followed
by ``uniform_`` give torch's exact numbers.
"""

from __future__ import annotations

import numpy as np

_DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val

_state = {"rs": np.random.RandomState(_DEFAULT_SEED & 0xFFFFFFFF)}


def manual_seed(seed: int):
    """Seed the global generator (MT19937, seeded as torch seeds it)."""
    seed = int(seed)
    # torch seeds mt19937 with the low 32 bits of the 64-bit seed.
    _state["rs"] = np.random.RandomState(seed & 0xFFFFFFFF)
    return _state["rs"]


def get_rng_state() -> dict:
    return {"mt19937": _state["rs"].get_state(legacy=False)}


def set_rng_state(state: dict) -> None:
    rs = np.random.RandomState()
    rs.set_state(state["mt19937"])
    _state["rs"] = rs


def _raw32(n: int) -> np.ndarray:
    return _state["rs"]._bit_generator.random_raw(n).astype(np.uint64)


def uniform(shape, low: float, high: float, dtype) -> np.ndarray:
    """U[low, high) as torch's ``uniform_`` computes it on CPU."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    if dtype == np.float64:
        # 53 random bits from one 64-bit draw made of two 32-bit words, the first one high.
        hi, lo = _raw32(2 * n).reshape(n, 2).T
        bits = ((hi << np.uint64(32)) | lo) & np.uint64((1 << 53) - 1)
        u = bits.astype(np.float64) * 2.0**-53
    else:
        u = (_raw32(n) & np.uint64(0xFFFFFF)).astype(np.float64) * 2.0**-24
    # torch keeps the bounds in the tensor's dtype and subtracts them there, then does the
    # multiply-add in double: (to - from) must be rounded to the dtype first to match bit for bit.
    low_t, high_t = dtype.type(low), dtype.type(high)
    span = np.float64(high_t - low_t)
    return _fma(u, span, np.float64(low_t)).astype(dtype).reshape(shape)


def _fma(a: np.ndarray, b: np.float64, c: np.float64) -> np.ndarray:
    """``a*b + c`` rounded once, as the fused multiply-add torch's compiled kernel uses.

    Plain ``a*b + c`` rounds twice and differs from torch in the last bit for about half of the
    float64 draws. The product is split exactly (Dekker's TwoProduct: ``a*b = p + e``) and the sum
    with c is carried with its rounding error (TwoSum) before the single final rounding.
    """
    p = a * b
    split = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves
    ca, cb = split * a, split * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bv = s - p
    t = (p - (s - bv)) + (c - bv)
    return s + (t + e)


def normal(shape, mean: float, std: float, dtype) -> np.ndarray:
    """Normal draws (not bit-identical to torch's Box-Muller, but from the same seeded stream)."""
    return (_state["rs"].standard_normal(size=shape) * std + mean).astype(dtype)


def integers(low: int, high: int, shape) -> np.ndarray:
    return _state["rs"].randint(low, high, size=shape, dtype=np.int64)


def permutation(n: int) -> np.ndarray:
    return _state["rs"].permutation(n)


def bernoulli(shape, p: float) -> np.ndarray:
    """Boolean mask, True with probability p."""
    return _state["rs"].random_sample(size=shape) < p
