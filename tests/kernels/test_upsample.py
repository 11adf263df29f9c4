"""kernels.upsample against its loop reference, and its plans against torch's coordinates."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convkit.kernels import upsample as K
from convkit.kernels.fma import fma
from convkit.kernels.upsample_ref import (
    antialias_weights_ref,
    resample_backward_ref,
    resample_ref,
)

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


def _dense_runs(plan, n_in):
    """The (out, in) matrix of an antialiased plan (index -1: no tap)."""
    idx, w = plan
    m = np.zeros((idx.shape[0], n_in))
    for j in range(idx.shape[0]):
        for k in range(idx.shape[1]):
            if idx[j, k] >= 0:
                m[j, idx[j, k]] += w[j, k]
    return m


def _torch_antialias_weights(mode, n_in, n_out, align_corners):
    """torch's antialiased 1-d resampling matrix (along the width), read off with unit vectors;
    n_out >= 2 (torch's resize to width 1 is wrong, see docs/DEVIATIONS.md) or a single row."""
    eye = torch.eye(n_in, dtype=torch.float64).reshape(n_in, 1, 1, n_in)
    kw = {} if mode == "lanczos" else dict(align_corners=align_corners)
    out = TF.interpolate(eye, size=(1, n_out), mode=mode, antialias=True, **kw)
    return out[:, 0, 0, :].numpy().T  # (out, in)


AA_MODES = [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True)]
AA_MODES += [("lanczos", False)]


@pytest.mark.parametrize("mode,align_corners", AA_MODES)
@pytest.mark.parametrize("n_in", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("n_out", [1, 3, 4, 9, 20])
def test_antialias_plans_are_torchs_and_the_loop_references(mode, align_corners, n_in, n_out):
    if n_in == n_out:
        return  # torch copies an unchanged axis; the plan is not used
    plan = K.antialias_plan(n_in, n_out, align_corners, None, np.float64, mode)
    got = _dense_runs(plan, n_in)
    np.testing.assert_allclose(
        got, _torch_antialias_weights(mode, n_in, n_out, align_corners), rtol=1e-13, atol=1e-15
    )
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = n_in / n_out
    want = antialias_weights_ref(n_in, n_out, scale, mode)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_runs_resample_and_scatter_as_the_loop_reference(mode):
    rng = np.random.default_rng(11)
    sizes = [(9, 4), (3, 7)]
    plans = [K.antialias_plan(i, o, False, None, np.float64, mode) for i, o in sizes]
    x = rng.standard_normal((2, 9, 3))
    out = K.resample_runs(K.resample_runs(x, 2, plans[1]), 1, plans[0])
    dense = [_dense_runs(p, i) for p, (i, _) in zip(plans, sizes, strict=True)]
    want = np.einsum("ai,bj,nij->nab", *dense, x)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-14)
    g = rng.standard_normal(out.shape)
    back = K.resample_backward(K.resample_backward(g, 1, plans[0], 9), 2, plans[1], 3)
    want = np.einsum("ai,bj,nab->nij", *dense, g)
    np.testing.assert_allclose(back, want, rtol=1e-13, atol=1e-14)


def test_antialias_runs_never_read_an_unused_tap():
    """An infinite input outside a run gives no 0 * inf = NaN (torch reads only the run)."""
    plan = K.antialias_plan(6, 2, False, None, np.float64, "bilinear")
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.inf])
    out = K.resample_runs(x, 0, plan)
    assert np.isfinite(out[0]) and np.isinf(out[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_of_infinities_and_nan_is_ieee(dtype):
    """The float64 error terms of an infinite product are NaN; the result must not be (it made
    float64 interpolation of an infinite input NaN where torch gives +-inf)."""
    a = np.array([np.inf, -np.inf, np.inf, 1.0, np.nan, 1e308, 2.0], dtype=np.float64)
    b = np.array([0.5, 0.5, 2.0, np.inf, 1.0, 10.0, 3.0], dtype=np.float64)
    c = np.array([3.0, 3.0, -np.inf, 1.0, 1.0, 0.0, 1.0], dtype=np.float64)
    with np.errstate(over="ignore"):
        a, b, c = a.astype(dtype), b.astype(dtype), c.astype(dtype)
    want = torch.addcmul(torch.from_numpy(c), torch.from_numpy(a), torch.from_numpy(b)).numpy()
    np.testing.assert_array_equal(fma(a, b, c), want)
