"""kernels.upsample against its loop reference, and its plans against torch's coordinates."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convkit.kernels import upsample as K
from convkit.kernels.fma import fma
from convkit.kernels.upsample_ref import resample_backward_ref, resample_ref

SIZES = [(5, 7), (5, 3), (4, 8), (6, 6), (3, 1), (1, 4), (7, 13)]


def _plans(kind, sizes, align_corners):
    if kind == "nearest":
        return [K.nearest_plan(i, o, None, False, np.float64) for i, o in sizes]
    if kind == "nearest-exact":
        return [K.nearest_plan(i, o, None, True, np.float64) for i, o in sizes]
    if kind == "cubic":
        return [K.cubic_plan(i, o, align_corners, None, np.float64) for i, o in sizes]
    return [K.linear_plan(i, o, align_corners, None, np.float64) for i, o in sizes]


@pytest.mark.parametrize("kind", ["nearest", "nearest-exact", "linear", "cubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_separable_resampling_matches_the_loop_reference(kind, align_corners, ndim):
    rng = np.random.default_rng(ndim)
    sizes = [SIZES[(ndim + d) % len(SIZES)] for d in range(ndim)]
    plans = _plans(kind, sizes, align_corners)
    x = rng.standard_normal((2,) + tuple(i for i, _ in sizes))
    out = x
    for d in reversed(range(ndim)):
        out = K.resample(out, 1 + d, plans[d])
    np.testing.assert_allclose(out, resample_ref(x, plans), rtol=1e-13, atol=1e-14)
    g = rng.standard_normal(out.shape)
    back = g
    for d in range(ndim):
        back = K.resample_backward(back, 1 + d, plans[d], sizes[d][0])
    want = resample_backward_ref(g, plans, tuple(i for i, _ in sizes))
    np.testing.assert_allclose(back, want, rtol=1e-13, atol=1e-14)


def test_bilinear_matches_the_loop_reference():
    rng = np.random.default_rng(9)
    plans = _plans("linear", [(5, 8), (4, 3)], False)
    x = rng.standard_normal((3, 5, 4))
    got = K.resample_bilinear(x, plans[0], plans[1])
    np.testing.assert_allclose(got, resample_ref(x, plans), rtol=1e-13, atol=1e-14)


def _torch_weights(mode, n_in, n_out, align_corners):
    """torch's 1-d interpolation matrix, read off with unit vectors."""
    eye = torch.eye(n_in, dtype=torch.float64).reshape(n_in, 1, n_in)
    kw = {} if mode == "nearest" else dict(align_corners=align_corners)
    return TF.interpolate(eye, size=n_out, mode=mode, **kw)[:, 0, :].numpy().T  # (out, in)


def _dense(plan, n_in):
    idx, w = plan
    m = np.zeros((idx.shape[0], n_in))
    for j in range(idx.shape[0]):
        for k in range(idx.shape[1]):
            m[j, idx[j, k]] += w[j, k]
    return m


@pytest.mark.parametrize("n_in", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("n_out", [1, 2, 4, 7, 11, 16])
@pytest.mark.parametrize("align_corners", [False, True])
def test_linear_and_nearest_coordinates_are_torchs(n_in, n_out, align_corners):
    lin = K.linear_plan(n_in, n_out, align_corners, None, np.float64)
    np.testing.assert_array_equal(
        _dense(lin, n_in), _torch_weights("linear", n_in, n_out, align_corners)
    )
    if not align_corners:
        near = K.nearest_plan(n_in, n_out, None, False, np.float64)
        np.testing.assert_array_equal(
            _dense(near, n_in), _torch_weights("nearest", n_in, n_out, None)
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_rounds_once(dtype):
    rng = np.random.default_rng(3)
    a, b, c = (rng.standard_normal(10_000).astype(dtype) for _ in range(3))
    got = fma(a, b, c)
    assert got.dtype == dtype
    if dtype == np.float32:
        want = (a.astype(np.float64) * b + c).astype(np.float32)  # the product is exact in f64
    else:
        from fractions import Fraction

        want = np.array(
            [
                float(Fraction(x) * Fraction(y) + Fraction(z))
                for x, y, z in zip(a, b, c, strict=True)
            ]
        )
    np.testing.assert_array_equal(got, want)
