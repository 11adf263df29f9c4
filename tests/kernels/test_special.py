"""kernels/special.py: erf, erfc and erfinv against math and torch (float64, and dtypes kept)."""

import math

import numpy as np
import torch

from convkit.kernels.special import erf, erfc, erfinv


def test_erf_and_erfc_match_math_and_torch():
    x = np.concatenate([np.linspace(-8, 8, 4001), [0.0, -0.0, 1e-300, 5.9999, 6.0, 27.0]])
    np.testing.assert_allclose(erf(x), [math.erf(v) for v in x], rtol=1e-15, atol=2e-16)
    np.testing.assert_allclose(erfc(x), [math.erfc(v) for v in x], rtol=1e-13, atol=0)
    np.testing.assert_allclose(erfc(x), torch.erfc(torch.from_numpy(x)).numpy(), rtol=1e-13)
    special = np.array([np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(erf(special), [1.0, -1.0, np.nan])
    np.testing.assert_array_equal(erfc(special), [0.0, 2.0, np.nan])
    assert erf(np.float32(0.25)).dtype == np.float32


def test_erfinv_inverts_erf_as_torch():
    p = np.linspace(-1, 1, 2001)
    got = erfinv(p)
    want = torch.erfinv(torch.from_numpy(p)).numpy()
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    np.testing.assert_allclose(erf(got[finite]), p[finite], rtol=1e-14, atol=1e-16)
