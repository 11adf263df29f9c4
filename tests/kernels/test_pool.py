"""Pooling kernels against their loop references (kernels/pool_ref.py), 1d/2d/3d."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convkit import shapes
from convkit.kernels import pool as K
from convkit.kernels import pool_ref as R

# (spatial, kernel, stride, padding, dilation, ceil_mode)
WINDOW_CASES = [
    ((9,), (3,), (2,), (1,), (1,), False),
    ((8,), (3,), (3,), (1,), (1,), True),  # ceil drops the window starting in the padding
    ((10,), (2,), (1,), (1,), (3,), True),
    ((32,), (1,), (2,), (0,), (1,), True),  # k < s: 16, not 17
    ((7, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((7, 6), (3, 2), (2, 1), (1, 1), (1, 2), True),
    ((5, 9), (3, 3), (1, 2), (1, 0), (2, 1), False),
    ((1, 1), (2, 2), (2, 2), (0, 0), (1, 1), True),  # kernel larger than the input, ceil mode
    ((4, 5, 6), (2, 3, 2), (2, 1, 3), (1, 1, 0), (1, 1, 2), True),
    ((3, 4, 5), (3, 2, 2), (1, 2, 2), (1, 0, 1), (1, 1, 1), False),
    ((8, 6), (2, 3), (2, 3), (0, 0), (1, 1), False),  # tiles: the strided backward
    ((9, 8), (1, 2), (3, 4), (0, 0), (1, 1), False),  # k < s: phases no offset reads
    ((11,), (2,), (2,), (0,), (3,), True),  # dilation reaches past the stride
]


def _out(spatial, kernel, stride, padding, dilation, ceil_mode):
    return shapes.pool_output_shape("test", spatial, kernel, stride, padding, dilation, ceil_mode)


def _random(rng, shape, dtype=np.float64, ties=False):
    if ties:  # few distinct values: many tied maxima
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("case", WINDOW_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_matches_loops(case, ties):
    spatial, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(1)
    x = _random(rng, (3,) + spatial, ties=ties)
    out = _out(*case)
    ref_y, ref_idx = R.max_pool_ref(x, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(K.max_pool(x, kernel, stride, padding, dilation, out), ref_y)
    y, idx = K.max_pool_indices(x, kernel, stride, padding, dilation, out)
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(idx, ref_idx)
    g = rng.standard_normal(y.shape)
    ref_gx = R.scatter_add_ref(g, ref_idx, spatial)
    for indices in (None, idx):
        gx = K.max_pool_backward(x, y, g, kernel, stride, padding, dilation, out, indices=indices)
        np.testing.assert_allclose(gx, ref_gx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", WINDOW_CASES[:6])
def test_max_pool_nan_and_minus_inf(case):
    spatial, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(2)
    x = _random(rng, (4,) + spatial)
    flat = x.reshape(-1)
    flat[rng.random(flat.size) < 0.2] = np.nan
    flat[rng.random(flat.size) < 0.3] = -np.inf
    x[0] = -np.inf  # whole planes of -inf: the gradient must not fall into the padding
    out = _out(*case)
    ref_y, ref_idx = R.max_pool_ref(x, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(K.max_pool(x, kernel, stride, padding, dilation, out), ref_y)
    y, idx = K.max_pool_indices(x, kernel, stride, padding, dilation, out)
    np.testing.assert_array_equal(idx, ref_idx)
    g = rng.standard_normal(y.shape)
    gx = K.max_pool_backward(x, y, g, kernel, stride, padding, dilation, out)
    np.testing.assert_allclose(gx, R.scatter_add_ref(g, ref_idx, spatial), rtol=1e-12)


def test_max_pool_backward_nonfinite_gradient_stays_at_the_maximum():
    x = np.array([[1.0, 5.0, 2.0, 3.0]])
    g = np.array([[np.inf, np.nan]])
    gx = K.max_pool_backward(
        x, K.max_pool(x, (2,), (2,), (0,), (1,), (2,)), g, (2,), (2,), (0,), (1,), (2,)
    )
    np.testing.assert_array_equal(gx, [[0.0, np.inf, 0.0, np.nan]])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool_integers(dtype):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 50, size=(2, 6, 7)).astype(dtype)
    case = ((6, 7), (3, 2), (2, 2), (1, 1), (1, 1), True)
    out = _out(*case)
    ref_y, ref_idx = R.max_pool_ref(x, *case[1:])
    y = K.max_pool(x, *case[1:5], out)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(K.max_pool_indices(x, *case[1:5], out)[1], ref_idx)


@pytest.mark.parametrize("case", [c for c in WINDOW_CASES if all(d == 1 for d in c[4])])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 3, -2])
def test_avg_pool_matches_loops(case, count_include_pad, divisor_override):
    spatial, kernel, stride, padding, _, ceil_mode = case
    rng = np.random.default_rng(4)
    x = _random(rng, (3,) + spatial)
    out = _out(*case)
    divisor = K.avg_pool_divisor(
        spatial, kernel, stride, padding, out, count_include_pad, divisor_override, np.float64
    )
    y = K.avg_pool(x, kernel, stride, padding, out, divisor)
    ref = R.avg_pool_ref(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-14)
    g = rng.standard_normal(y.shape)
    gx = K.avg_pool_backward(g, spatial, kernel, stride, padding, out, divisor)
    ref_gx = R.avg_pool_backward_ref(
        g, spatial, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    np.testing.assert_allclose(gx, ref_gx, rtol=1e-12, atol=1e-14)


def test_avg_pool_divisor_example_from_semantics():
    # ones(4), k=3, s=2, p=1, ceil_mode -> [0.6667, 1.0, 0.5]
    x = np.ones((1, 4))
    out = _out((4,), (3,), (2,), (1,), (1,), True)
    divisor = K.avg_pool_divisor((4,), (3,), (2,), (1,), out, True, None, np.float64)
    np.testing.assert_allclose(K.avg_pool(x, (3,), (2,), (1,), out, divisor), [[2 / 3, 1.0, 0.5]])


def test_avg_pool_integer_truncates_toward_zero():
    x = np.array([[-7, 1, 3, 4]], dtype=np.int64)
    divisor = K.avg_pool_divisor((4,), (2,), (2,), (0,), (2,), True, None, np.int64)
    np.testing.assert_array_equal(K.avg_pool(x, (2,), (2,), (0,), (2,), divisor), [[-3, 3]])


ADAPTIVE_CASES = [
    ((10,), (3,)),
    ((7,), (7,)),
    ((5,), (8,)),
    ((12,), (4,)),
    ((4,), (1,)),
    ((6, 7), (4, 3)),
    ((8, 8), (4, 2)),
    ((3, 5), (5, 5)),
    ((5, 6, 7), (2, 3, 4)),
    ((4, 4, 4), (2, 2, 2)),
    ((7, 7), (1, 1)),  # global pooling: the BLAS path
    ((2, 3, 4), (1, 1, 1)),
]


@pytest.mark.parametrize("spatial,out", ADAPTIVE_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_pools_match_loops(spatial, out, ties):
    rng = np.random.default_rng(5)
    x = _random(rng, (3,) + spatial, ties=ties)
    if not ties:
        x.reshape(-1)[rng.random(x.size) < 0.1] = np.nan
    y = K.adaptive_avg_pool(x, out)
    np.testing.assert_allclose(
        y, R.adaptive_avg_pool_ref(x, out), rtol=1e-12, atol=1e-14, equal_nan=True
    )
    g = rng.standard_normal(y.shape)
    np.testing.assert_allclose(
        K.adaptive_avg_pool_backward(g, spatial),
        R.adaptive_avg_pool_backward_ref(g, spatial),
        rtol=1e-12,
        atol=1e-14,
    )
    ym, winners = K.adaptive_max_pool(x, out)
    ref_y, ref_idx = R.adaptive_max_pool_ref(x, out)
    np.testing.assert_array_equal(ym, ref_y)
    np.testing.assert_array_equal(K.adaptive_max_pool_indices(winners, spatial), ref_idx)
    np.testing.assert_allclose(
        K.adaptive_max_pool_backward(g, winners, spatial),
        R.scatter_add_ref(g, ref_idx, spatial),
        rtol=1e-12,
    )


def test_max_unpool_matches_loops_last_write_wins():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 2, 3))
    idx = rng.integers(0, 20, size=x.shape)
    idx[0, 0, :] = 7  # repeats
    np.testing.assert_array_equal(K.max_unpool(x, idx, (4, 5)), R.max_unpool_ref(x, idx, (4, 5)))
    g = rng.standard_normal((3, 4, 5))
    expected = np.take_along_axis(g.reshape(3, -1), idx.reshape(3, -1), 1).reshape(x.shape)
    np.testing.assert_array_equal(K.max_unpool_backward(g, idx), expected)


def test_threaded_blocks_match_single_block(monkeypatch):
    """Large inputs go through two threads and several blocks; the result must not change."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 67, 65)).astype(np.float32)
    args = ((3, 3), (2, 2), (1, 1), (1, 1), (34, 33))
    y = K.max_pool(x, *args)
    g = rng.standard_normal(y.shape).astype(np.float32)
    gx = K.max_pool_backward(x, y, g, *args)
    monkeypatch.setattr(K, "_PARALLEL_MIN_ELEMENTS", 1 << 60)
    monkeypatch.setattr(K, "_BLOCK_ELEMENTS", 1 << 40)
    np.testing.assert_array_equal(K.max_pool(x, *args), y)
    np.testing.assert_array_equal(K.max_pool_backward(x, y, g, *args), gx)


@pytest.mark.parametrize(
    "case", [WINDOW_CASES[0], WINDOW_CASES[5], WINDOW_CASES[8], WINDOW_CASES[11]]
)
def test_max_pool_backward_nonfinite_gradients_overlapping(case):
    """The phase-major path selects gradients by bit masks when some are inf or NaN."""
    spatial, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(8)
    x = _random(rng, (3,) + spatial, ties=True)
    out = _out(*case)
    y, idx = K.max_pool_indices(x, kernel, stride, padding, dilation, out)
    g = rng.standard_normal(y.shape)
    flat = g.reshape(-1)
    flat[::3] = np.inf
    flat[1::5] = -np.inf
    flat[2::7] = np.nan
    ref_idx = R.max_pool_ref(x, kernel, stride, padding, dilation, ceil_mode)[1]
    with np.errstate(invalid="ignore"):  # inf + -inf in one cell: NaN, as in torch
        expected = R.scatter_add_ref(g, ref_idx, spatial)
    for indices in (None, idx):
        gx = K.max_pool_backward(x, y, g, kernel, stride, padding, dilation, out, indices=indices)
        np.testing.assert_array_equal(gx, expected)


@pytest.mark.parametrize("case", [WINDOW_CASES[5], WINDOW_CASES[9], WINDOW_CASES[12]])
def test_max_pool_backward_many_phase_blocks(monkeypatch, case):
    """Blocks of a few planes, the last one shorter: stale cells past it must not leak in."""
    spatial, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(9)
    x = _random(rng, (7,) + spatial, ties=True)
    out = _out(*case)
    ref_y, ref_idx = R.max_pool_ref(x, kernel, stride, padding, dilation, ceil_mode)
    g = rng.standard_normal(ref_y.shape)
    expected = R.scatter_add_ref(g, ref_idx, spatial)
    monkeypatch.setattr(K, "_PHASE_BLOCK_ELEMENTS", 2 * math.prod(spatial) + 1)
    for indices in (None, ref_idx):
        gx = K.max_pool_backward(
            x, ref_y, g, kernel, stride, padding, dilation, out, indices=indices
        )
        np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=1e-12)
