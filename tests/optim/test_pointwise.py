"""convkit/optim/_pointwise.py against torch's CPU kernels and an exact loop reference.

float32: bit-identical to torch where torch's kernels use fused multiply-adds (its AVX2 and
AVX512 builds), on a short array (torch's scalar tail loop) and on one longer than the block
size (torch's vector loop, convkit's blocked path). float64: convkit rounds the product, then the
sum, where torch fuses them, so it is within an ulp of the product. The loop reference computes
each element with exact rational arithmetic and one rounding to float32.
"""

from fractions import Fraction

import numpy as np
import pytest
import torch

from convkit.optim import _pointwise as pw

FMA_KERNELS = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")
SIZES = [33, (1 << 16) * 3 + 5]
S = 0.123456789123  # not representable in float32: the cast to the tensor's dtype matters


def arrays(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    c = (rng.random(n) + 0.5).astype(dtype)
    return a, b, c


# (name, convkit in-place call on copies, torch call); a, b, c as above, c > 0.
CASES = [
    ("add_ alpha", lambda a, b, c: pw.add_(a, b, S), lambda a, b, c: a.add_(b, alpha=S)),
    ("add alpha=1", lambda a, b, c: pw.add_(a, b, 1), lambda a, b, c: a.add_(b)),
    ("mul_", lambda a, b, c: pw.mul_(a, S), lambda a, b, c: a.mul_(S)),
    (
        "addcmul_",
        lambda a, b, c: pw.addcmul_(a, b, c, S),
        lambda a, b, c: a.addcmul_(b, c, value=S),
    ),
    (
        "addcmul_ -1",
        lambda a, b, c: pw.addcmul_(a, b, b, -1),
        lambda a, b, c: a.addcmul_(b, b, value=-1),
    ),
    ("addcmul_ 1", lambda a, b, c: pw.addcmul_(a, b, c), lambda a, b, c: a.addcmul_(b, c)),
    (
        "addcdiv_",
        lambda a, b, c: pw.addcdiv_(a, b, c, -S),
        lambda a, b, c: a.addcdiv_(b, c, value=-S),
    ),
    ("addcdiv_ 1", lambda a, b, c: pw.addcdiv_(a, b, c), lambda a, b, c: a.addcdiv_(b, c)),
    ("lerp_ small", lambda a, b, c: pw.lerp_(a, b, 0.1), lambda a, b, c: a.lerp_(b, 0.1)),
    ("lerp_ large", lambda a, b, c: pw.lerp_(a, b, 0.999), lambda a, b, c: a.lerp_(b, 0.999)),
    ("rdiv", lambda a, b, c: pw.rdiv(S, c), lambda a, b, c: S / c),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,ours,theirs", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_kernels(name, ours, theirs, dtype, n):
    a, b, c = arrays(n, dtype)
    got = ours(a.copy(), b, c)
    want = theirs(*(torch.tensor(x) for x in (a, b, c))).numpy()
    assert got.dtype == dtype
    if dtype == np.float32 and FMA_KERNELS:
        np.testing.assert_array_equal(got, want, err_msg=name)
    else:
        # One rounding of a product (|a*b| < 10 here) where torch fuses: an absolute error of
        # at most half an ulp of the product, whatever the cancellation in the sum.
        np.testing.assert_allclose(
            got, want, rtol=1e-15, atol=1e-14 if dtype == np.float64 else 1e-6
        )
    assert not np.array_equal(got, a)  # the operation did something


def exact_to_float32(value: Fraction) -> np.float32:
    """Round an exact rational to the nearest float32 (ties to even), by bisection on ulps."""
    approx = np.float32(float(value))
    below = (
        approx if Fraction(float(approx)) <= value else np.nextafter(approx, np.float32(-np.inf))
    )
    above = np.nextafter(below, np.float32(np.inf))
    lo, hi = Fraction(float(below)), Fraction(float(above))
    if value - lo < hi - value:
        return below
    if value - lo > hi - value:
        return above
    return below if int(below.view(np.int32)) % 2 == 0 else above


@pytest.mark.parametrize("n", SIZES)
def test_fma_is_rounded_once(n):
    a, b, c = arrays(n, np.float32, seed=3)
    got = pw.fma_(np.empty_like(a), a, b, c)
    idx = np.random.default_rng(0).choice(n, size=min(n, 300), replace=False)
    for i in idx:
        exact = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
        assert got[i] == exact_to_float32(exact), f"element {i}"
    # And it differs from two roundings somewhere, or the test would not see the fusion.
    assert np.any(got != a * b + c)


def test_lerp_is_exact_at_the_ends():
    a, b, _ = arrays(40, np.float32)
    np.testing.assert_array_equal(pw.lerp_(a.copy(), b, 1.0), b)
    np.testing.assert_array_equal(pw.lerp_(a.copy(), b, 0.0), a)


def test_operand_may_be_the_output():
    a, b, _ = arrays((1 << 16) + 7, np.float32)
    expected = pw.fma_(np.empty_like(a), a, b, a)
    aliased = a.copy()
    pw.fma_(aliased, aliased, b, aliased)
    np.testing.assert_array_equal(aliased, expected)
