"""kernels/rng.py: the emulated fused multiply-adds are correctly rounded (checked against exact
rational arithmetic, including the rare double-rounding cases), and the float32 log/sin/cos
stay within a few units in the last place of the true values."""

from fractions import Fraction

import numpy as np
import pytest

from convkit.kernels import rng as K


def _exact_f32(a, b, c):
    """fma rounded once to float32, through exact fractions (the reference)."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        out.append(_round_f32(exact))
    return np.array(out, dtype=np.float32)


def _round_f32(q: Fraction) -> np.float32:
    """Round a rational to the nearest float32, ties to even."""
    lo = np.float32(float(q))  # near q; step to the bracketing pair, then pick
    while Fraction(float(lo)) > q:
        lo = np.nextafter(lo, np.float32(-np.inf))
    while Fraction(float(np.nextafter(lo, np.float32(np.inf)))) <= q:
        lo = np.nextafter(lo, np.float32(np.inf))
    hi = np.nextafter(lo, np.float32(np.inf))
    d_lo, d_hi = q - Fraction(float(lo)), Fraction(float(hi)) - q
    if d_lo < d_hi:
        return lo
    if d_hi < d_lo:
        return hi
    return lo if (int(lo.view(np.int32)) & 1) == 0 else hi


def _exact_f64(a, b, c):
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True):
        q = Fraction(x) * Fraction(y) + Fraction(z)
        lo = float(q)  # Fraction -> float is correctly rounded (ties to even) in Python
        out.append(lo)
    return np.array(out)


def test_fma_f32_random_operands():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(3000).astype(np.float32)
    b = (rng.standard_normal(3000) * 10.0 ** rng.integers(-8, 8, 3000)).astype(np.float32)
    c = (rng.standard_normal(3000) * 10.0 ** rng.integers(-12, 12, 3000)).astype(np.float32)
    np.testing.assert_array_equal(K.fma_f32(a, b, c), _exact_f32(a, b, c))


def test_fma_f32_double_rounding_cases():
    # a*b = 1 + 2**-11 + 2**-24 is exactly halfway between two float32 values; a tiny c decides
    # the side, but a*b + c in float64 rounds back onto the halfway point. A plain float64
    # computation then rounds to even (down); the exact answer goes with the sign of c.
    a = np.full(4, 1 + 2.0**-12, np.float32)
    c = np.array([2.0**-60, -(2.0**-60), 0.0, 2.0**-100], np.float32)
    naive = (a.astype(np.float64) * a + c).astype(np.float32)
    ours = K.fma_f32(a, a, c)
    np.testing.assert_array_equal(ours, _exact_f32(a, a, c))
    assert ours[0] != naive[0]  # the case the correction exists for
    # and in float32's subnormal range, with tiny=True
    t = np.array([2.0**-70, 3 * 2.0**-75], np.float32)
    u = np.array([2.0**-79 + 2.0**-102, 2.0**-75], np.float32)
    z = np.array([-(2.0**-149), 2.0**-140], np.float32)
    np.testing.assert_array_equal(K.fma_f32(t, u, z, tiny=True), _exact_f32(t, u, z))


def test_fma_f64_against_fractions():
    rng = np.random.default_rng(1)
    a = rng.random(3000)
    b = rng.standard_normal(3000) * 10.0 ** rng.integers(-5, 5, 3000)
    c = rng.standard_normal(3000) * 10.0 ** rng.integers(-20, 5, 3000)
    np.testing.assert_array_equal(K.fma_f64(a, b, c), _exact_f64(a, b, c))
    # halfway cases: a*b exactly halfway between doubles, a tiny c must decide
    a = np.full(3, 1 + 2.0**-30)
    c = np.array([2.0**-200, -(2.0**-200), 0.0])
    np.testing.assert_array_equal(K.fma_f64(a, a, c), _exact_f64(a, a, c))


@pytest.mark.parametrize("start,stop", [(2.0**-24, 1.0), (1e-30, 1e-20), (1.0, 1e30)])
def test_log_f32_close_to_the_true_log(start, stop):
    x = np.geomspace(start, stop, 20001).astype(np.float32)
    ours = K.log_f32(x).astype(np.float64)
    true = np.log(x.astype(np.float64))
    ulp = np.spacing(np.abs(true).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(ours - true) / ulp) < 4


def test_sincos_f32_close_to_the_true_values():
    x = np.linspace(0, 2 * np.pi, 100001).astype(np.float32)
    s, c = K.sincos_f32(x)
    assert np.max(np.abs(s - np.sin(x.astype(np.float64)))) < 2e-7
    assert np.max(np.abs(c - np.cos(x.astype(np.float64)))) < 2e-7
    s_neg, c_neg = K.sincos_f32(-x)
    np.testing.assert_array_equal(s_neg, -s)
    np.testing.assert_array_equal(c_neg, c)
