"""Batch normalisation's kernels (kernels/norm.py) against their loop references."""

from __future__ import annotations

import numpy as np
import pytest

import convkit as ck
from convkit.kernels import norm as K
from convkit.kernels import norm_ref as R
from convkit.kernels import parallel as par

SHAPES = [(5, 3), (4, 3, 7), (3, 2, 5, 6), (2, 3, 2, 3, 4)]


def _x(shape, dtype, offset=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2 + offset).astype(dtype)


@pytest.fixture(params=["whole", "chunked-threads"])
def chunking(request, monkeypatch):
    if request.param == "chunked-threads":  # one sample per chunk, split over two threads
        monkeypatch.setattr(K, "CHUNK_BYTES", 1)
        monkeypatch.setattr(K, "THREAD_MIN_BYTES", 0)
        monkeypatch.setattr(par, "_threads", 2)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_loops(shape, dtype, chunking):
    x = _x(shape, dtype)
    g = _x(shape, dtype, offset=0.0, seed=1)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    mean, var = K.channel_stats(x)
    rmean, rvar = R.channel_stats_ref(x)
    assert mean.dtype == np.float64 and var.dtype == np.float64
    np.testing.assert_allclose(mean, rmean, **tol)
    np.testing.assert_allclose(var, rvar, **tol)
    scale, shift = np.linspace(0.5, 2, shape[1]), np.linspace(-1, 1, shape[1])
    out = K.affine(x, mean, scale, shift)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, R.affine_ref(x, mean, scale, shift), **tol)
    np.testing.assert_allclose(
        K.affine(x, None, scale, None), R.affine_ref(x, 0 * scale, scale, 0 * scale), **tol
    )
    sum_g, sum_gd = K.backward_sums(x, g, mean)
    rg, rgd = R.backward_sums_ref(x, g, mean)
    np.testing.assert_allclose(sum_g, rg, **tol)
    np.testing.assert_allclose(sum_gd, rgd, **tol)
    a, b, c = scale, shift, np.linspace(3, 4, shape[1])
    gx = K.input_grad(x, g, mean, a, b, c)
    expected = R.affine_ref(g, 0 * a, a, c) + R.affine_ref(x, mean, b, 0 * b)
    np.testing.assert_allclose(gx, expected, **tol)


def test_variance_is_exact_for_a_large_mean():
    """Two passes: a mean of 1000 over a spread of 1 loses nothing in float32."""
    x = _x((8, 2, 16, 16), np.float32, offset=1000.0)
    _, var = K.channel_stats(x)
    _, rvar = R.channel_stats_ref(x)
    np.testing.assert_allclose(var, rvar, rtol=1e-4)


@pytest.mark.parametrize("offset", [0.0, 60.0, 1000.0])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 3, 300, 300)])
def test_affine_folds_only_where_the_mean_cannot_cancel(offset, shape, chunking):
    """Given 1/std, the map runs folded (``x * scale + (shift - mean * scale)``) while the mean
    is within FOLD_MAX_MEAN standard deviations of 0, and centred beyond: either way within
    1e-5 of the output's scale of the float64 definition (folding at 1000 would lose 6e-5).
    The second shape's samples are too long for tiled coefficient rows."""
    x = _x(shape, np.float32, offset=offset)
    mean, var = K.channel_stats(x)
    invstd = (1 / np.sqrt(var + 1e-5)).astype(np.float32)
    scale = invstd * np.linspace(0.5, 2, shape[1]).astype(np.float32)
    shift = np.linspace(-1, 1, shape[1]).astype(np.float32)
    assert K._foldable(mean, invstd) == (offset < 100)
    out = K.affine(x, mean, scale, shift, invstd)
    np.testing.assert_allclose(out, R.affine_ref(x, mean, scale, shift), rtol=0, atol=2e-5)


def test_affine_does_not_fold_a_non_finite_mean():
    invstd = np.ones(3, np.float32)
    for bad in (np.nan, np.inf):
        assert not K._foldable(np.array([0.0, bad, 1.0]), invstd)
    assert not K._foldable(np.zeros(3), np.array([1.0, np.inf, 1.0]))


@pytest.mark.parametrize("mean", [np.inf, -np.inf, np.nan, 1e30])
def test_affine_with_a_non_finite_running_mean_matches_torch(mean):
    # Evaluation-mode batch norm centres on the running mean: inf - inf in the rounding
    # correction once turned torch's -inf into NaN.
    import torch

    x = np.array([[0.5, -3.0], [1.0, 2.0]], np.float32)
    rm = np.array([mean, 0.25], np.float32)
    rv = np.array([1.0, 4.0], np.float32)
    w, b = np.array([2.0, -1.0], np.float32), np.array([1.0, 0.5], np.float32)
    expected = torch.nn.functional.batch_norm(
        *(torch.tensor(a) for a in (x, rm, rv, w, b)), training=False
    ).numpy()
    got = ck.nn.functional.batch_norm(*(ck.tensor(a) for a in (x, rm, rv, w, b)), training=False)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_affine_with_an_infinite_scale_is_the_centred_product():
    """A mean that rounds exactly loses nothing: the correction ``lost * scale`` must be 0, not
    0 * inf = NaN (batch_norm in evaluation with an infinite weight was NaN everywhere; the
    long fuzz run, issue 10)."""
    x = np.array([1.0, -2.0, 0.5, 1.5], dtype=np.float32).reshape(1, 1, 4)
    scale = np.array([np.inf])
    with np.errstate(invalid="ignore"):  # 0 * inf at x = mean
        got = K.affine(x, np.array([1.5]), scale, np.array([0.3]))
        want = ((x.astype(np.float64) - 1.5) * np.inf + 0.3).astype(np.float32)
    np.testing.assert_array_equal(got, want)  # -inf, -inf, -inf, NaN (0 * inf at x = mean)
