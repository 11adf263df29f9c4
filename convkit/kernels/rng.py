"""The floating-point arithmetic behind convkit.random, rounded as torch's CPU kernels round.

torch's random kernels are compiled C++: GCC contracts ``a * b + c`` into one fused multiply-add
(one rounding instead of two), and float32 normals of 16 or more elements go through a vectorised
Box-Muller whose ``log``, ``sin`` and ``cos`` are Cephes-style float32 polynomials
(aten/src/ATen/native/cpu/avx_mathfun.h, evaluated with fused multiply-adds). NumPy has no fused
multiply-add, so it is emulated here exactly:

- float32 ``fma(a, b, c)``: the product of two float32 values is exact in float64 (24 + 24 bits),
  so ``s = a*b + c`` in float64 has one rounding, and rounding ``s`` on to float32 is correct
  unless that first rounding landed exactly on a float32 halfway point (double rounding). Only
  then (about one element in 2**29) the exact error of the sum is computed and ``s`` is rounded
  to odd before the final rounding, which makes the result correctly rounded (Boldo and
  Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
  odd", IEEE Trans. Computers 57(4), 2008).
- float64 ``fma(a, b, c)``: the product is split exactly (Dekker's TwoProduct) and the sum carried
  with its error (Knuth's TwoSum); the two error terms are added with rounding to odd, then the
  single final rounding is correct (same paper, Algorithm 5).

Every other float32 operation (``+ - * sqrt``) is done by NumPy in float32, which IEEE 754
rounds correctly, exactly as the vector instructions do.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

# A float64 that lies exactly halfway between two float32 values (in the normal float32 range)
# has its 29 low mantissa bits equal to 1 followed by 28 zeros.
_LOW29 = np.int64((1 << 29) - 1)
_HALF29 = np.int64(1 << 28)
_F32_MIN_NORMAL = 2.0**-126
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant, splits a double into two 26-bit halves


def _two_sum_err(s: F64, a: F64, b: F64 | float) -> F64:
    """The exact rounding error of ``s = fl(a + b)`` (Knuth's TwoSum): a + b = s + err."""
    bv = s - a
    return (a - (s - bv)) + (b - bv)


def _round_to_odd(s: F64, err: F64) -> F64:
    """``s`` moved one unit in the last place towards ``s + err`` when inexact and even.

    Rounding to odd keeps the information that the exact value was not ``s``, so a later
    rounding to fewer bits cannot mistake it for an exact halfway case.
    """
    bits = s.view(np.int64).copy()
    nudge = (err != 0) & ((bits & 1) == 0)
    away = (err > 0) == (s > 0)
    bits[nudge & away] += 1
    bits[nudge & ~away] -= 1
    return bits.view(np.float64)


def fma_f32(
    a: F32 | np.float32, b: F32 | np.float32, c: F32 | np.float32, tiny: bool = False
) -> F32:
    """float32 ``a * b + c`` with a single rounding, as ``vfmadd`` computes it.

    ``tiny=True`` also corrects results in float32's subnormal range, where halfway points have a
    different bit pattern; the polynomial steps below never get there.
    """
    s = np.multiply(a, b, dtype=np.float64)  # exact: 48 significant bits at most
    s += c
    bits = s.view(np.int64)
    suspect = (bits & _LOW29) == _HALF29
    if tiny:
        suspect |= np.abs(s) < _F32_MIN_NORMAL
    if suspect.any():
        idx = np.nonzero(suspect)
        a64 = np.broadcast_to(np.asarray(a, np.float64), s.shape)[idx]
        b64 = np.broadcast_to(np.asarray(b, np.float64), s.shape)[idx]
        c64 = np.broadcast_to(np.asarray(c, np.float64), s.shape)[idx]
        p = a64 * b64
        s[idx] = _round_to_odd(s[idx], _two_sum_err(s[idx], p, c64))
    return s.astype(np.float32)


def fma_f32_plain(a: F32 | np.float32, b: F32 | np.float32, c: F32 | np.float32) -> F32:
    """``fl32(fl64(a*b + c))``: the fused multiply-add, correct wherever the float64 sum does
    not land on a float32 halfway point it did not reach exactly (see ``fma_f32``). Used only
    where that was proven for every possible input (``log_f32``/``sincos_f32`` of the 2**24
    uniforms torch feeds them; tests/kernels/test_rng.py and benchmarks/prove_box_muller.py)."""
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    return s.astype(np.float32)


def _split(x: F64) -> tuple[F64, F64]:
    """Veltkamp's split: x = hi + lo exactly, each half with at most 26 significant bits."""
    t = _SPLIT * x
    hi = t - (t - x)
    return hi, x - hi


def fma_f64(a: F64, b: F64 | float, c: F64 | float) -> F64:
    """float64 ``a * b + c`` with a single rounding (for finite values well inside the range)."""
    b_arr = np.asarray(b, np.float64)
    p = a * b_arr
    ah, al = _split(a)
    bh, bl = _split(b_arr)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a*b = p + e exactly (Dekker)
    s = p + c
    t = _two_sum_err(s, p, c)
    v = t + e
    v = _round_to_odd(v, _two_sum_err(v, t, e))
    return s + v


# ----- float32 log and sin/cos of avx_mathfun.h (Cephes polynomials), fused as GCC fuses them ---

_LOG_P = [
    7.0376836292e-2,
    -1.1514610310e-1,
    1.1676998740e-1,
    -1.2420140846e-1,
    1.4249322787e-1,
    -1.6668057665e-1,
    2.0000714765e-1,
    -2.4999993993e-1,
    3.3333331174e-1,
]
_LOG_P32 = [np.float32(v) for v in _LOG_P]
_LOG_Q1 = np.float32(-2.12194440e-4)
_LOG_Q2 = np.float32(0.693359375)
_SQRTHF = np.float32(0.707106781186547524)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)
_EXP_MASK = np.int32(0x7F800000)
_HALF_BITS = np.float32(0.5).view(np.int32)
_MIN_NORMAL32 = np.int32(0x00800000).view(np.float32)

_DP = [np.float32(-0.78515625), np.float32(-2.4187564849853515625e-4)]
_DP3 = np.float32(-3.77489497744594108e-8)
_SIN_P = [np.float32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COS_P = [np.float32(v) for v in (2.443315711809948e-005, -1.388731625493765e-003)]
_COS_P2 = np.float32(4.166664568298827e-002)
_FOPI = np.float32(1.27323954473516)  # 4 / pi
_SIGN = np.int32(-(2**31))


def log_f32(x: F32, fma: Callable[..., F32] = fma_f32) -> F32:
    """Natural log of positive float32 values as avx_mathfun's ``log256_ps`` computes it.

    x = m * 2**e with m in [sqrt(1/2), sqrt(2)); log x = e*log(2) + log(m), with log(1 + f) a
    degree-9 polynomial in f; log(2) is split in two parts (q2 + q1) so e*q2 is exact.
    """
    x = np.maximum(x, _MIN_NORMAL32)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7E).astype(np.float32)  # exponent + 1, as cvt(imm0 - 127) + 1
    m = ((bits & ~_EXP_MASK) | _HALF_BITS).view(np.float32)  # mantissa in [0.5, 1)
    small = m < _SQRTHF
    f = m - _ONE
    f += m * small  # m - 1, or 2m - 1 below sqrt(1/2) (and one less in the exponent)
    e -= small
    z = f * f
    y = fma(_LOG_P32[0], f, _LOG_P32[1])
    for p in _LOG_P32[2:]:
        y = fma(y, f, p)
    y *= f
    y = fma(y, z, e * _LOG_Q1)
    # z/2 and e*q2 (a small integer times a 9-bit constant) are exact products, so for these
    # two steps the fused and the separate multiply-add round alike.
    y -= z * _HALF
    f += y
    f += e * _LOG_Q2
    return f


def sincos_f32(x: F32, fma: Callable[..., F32] = fma_f32) -> tuple[F32, F32]:
    """(sin x, cos x) of float32 values as avx_mathfun's ``sincos256_ps`` computes them.

    x is reduced by the octant j (an even integer, j*pi/4 subtracted in three exact-ish parts,
    Cody-Waite), then one of two polynomials gives sin or cos of the remainder; the octant picks
    which, and the signs.
    """
    sign_sin = x.view(np.int32) & _SIGN
    x = np.abs(x)
    j = (x * _FOPI).astype(np.int32)  # truncation, as cvttps
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    sign_sin = sign_sin ^ ((j & 4) << 29)
    sign_cos = (~(j - 2) & 4) << 29
    use_sin_poly = (j & 2) == 0
    for dp in _DP:  # the octant y <= 8 times these short constants: exact products
        x += y * dp
    x = fma(y, _DP3, x)
    z = x * x

    c = fma(_COS_P[0], z, _COS_P[1])
    c = fma(c, z, _COS_P2)
    c *= z
    c = fma(c, z, -(z * _HALF))
    c += _ONE  # cos r = 1 - r^2/2 + r^4 * poly

    s = fma(_SIN_P[0], z, _SIN_P[1])
    s = fma(s, z, _SIN_P[2])
    s *= z
    s = fma(s, x, x)  # sin r = r + r^3 * poly

    # Lane selection by an exact 0/1 factor (as the and/andnot masks of the vector code).
    pick = use_sin_poly.astype(np.float32)
    sin_from_s = s * pick
    sin_from_c = c - c * pick
    sin_v = sin_from_c + sin_from_s
    c -= sin_from_c
    s -= sin_from_s
    c += s
    sin_v = (sin_v.view(np.int32) ^ sign_sin).view(np.float32)
    cos_v = (c.view(np.int32) ^ sign_cos).view(np.float32)
    return sin_v, cos_v


_TWO_PI32 = np.float32(2.0 * math.pi)
_MINUS_TWO = np.float32(-2.0)


def box_muller_f32(u: F32, mean: np.float32, std: np.float32) -> F32:
    """torch's vectorised float32 normals from uniforms ``u`` of shape (B, 16).

    In each block of 16, lane j < 8 pairs u[j] (radius) with u[j + 8] (angle) and gives
    ``r cos`` at j and ``r sin`` at j + 8, each then ``fma(., std, mean)``.
    """
    # The plain float64 sums are exact enough for every one of the 2**24 possible uniforms
    # (checked exhaustively by benchmarks/prove_box_muller.py), so the halfway-point check of
    # fma_f32 is left out of these two polynomials; the final fma keeps it (std and mean are
    # arbitrary).
    radius = np.sqrt(_MINUS_TWO * log_f32(_ONE - u[:, :8], fma_f32_plain))
    sin_t, cos_t = sincos_f32(_TWO_PI32 * u[:, 8:], fma_f32_plain)
    out = np.empty_like(u)
    if mean == 0:
        # fma(n, std, +-0) is n*std rounded once (+-0 added exactly, fixing a -0 as the fused
        # add does): float32 multiplication already rounds so.
        out[:, :8] = radius * cos_t * std + mean
        out[:, 8:] = radius * sin_t * std + mean
        return out
    # Results in float32's subnormal range need the wider check; they need |mean| and
    # |n * std| (|n| < 6) both below 2**-125.
    tiny = abs(float(mean)) < 2.0**-100 or abs(float(std)) < 2.0**-100
    out[:, :8] = fma_f32(radius * cos_t, std, mean, tiny=tiny)
    out[:, 8:] = fma_f32(radius * sin_t, std, mean, tiny=tiny)
    return out


def box_muller_f64(u: F64, mean: float, std: float) -> F64:
    """torch's float64 normals from uniforms ``u`` of shape (B, 16) (libm log, cos and sin)."""
    radius = np.sqrt(-2.0 * libm_log(1.0 - u[:, :8]))
    theta = (2.0 * math.pi) * u[:, 8:]
    out = np.empty_like(u)
    if mean == 0:  # fma(n, std, +-0) is n*std rounded once, as in box_muller_f32
        out[:, :8] = radius * libm_cos(theta) * std + mean
        out[:, 8:] = radius * libm_sin(theta) * std + mean
        return out
    out[:, :8] = fma_f64(radius * libm_cos(theta), std, mean)
    out[:, 8:] = fma_f64(radius * libm_sin(theta), std, mean)
    return out


# ----- the C library's double log/log1p/sin/cos ------------------------------------------------
# torch's scalar kernels call the C library (std::log, std::sin, ...). NumPy's float64 loops call
# the same functions unless NumPy was built to use its own SIMD versions (SVML on AVX-512
# machines), which differ in the last bit for a few values in a thousand. A probe against
# Python's math module (which always calls the C library) decides once which one to use.


def _probe(np_fn: np.ufunc, math_fn: Callable[[float], float]) -> np.ufunc:
    xs = np.linspace(1e-3, 6.283, 4099)
    fn = np.frompyfunc(math_fn, 1, 1)
    if np.array_equal(np_fn(xs), np.asarray(fn(xs), dtype=np.float64)):
        return np_fn
    return fn


_libm: dict[str, np.ufunc] = {}


def _libm_fn(name: str) -> np.ufunc:
    if name not in _libm:
        _libm[name] = _probe(getattr(np, name), getattr(math, name))
    return _libm[name]


def libm_log(x: F64) -> F64:
    return np.asarray(_libm_fn("log")(x), np.float64)


def libm_log1p(x: F64) -> F64:
    return np.asarray(_libm_fn("log1p")(x), np.float64)


def libm_sin(x: F64) -> F64:
    return np.asarray(_libm_fn("sin")(x), np.float64)


def libm_cos(x: F64) -> F64:
    return np.asarray(_libm_fn("cos")(x), np.float64)
