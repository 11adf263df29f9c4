"""Winograd F(2x2, 3x3) (kernels/winograd.py) against the loop references and the im2col path."""

from __future__ import annotations

import numpy as np
import pytest

from convkit.kernels import conv as K
from convkit.kernels import conv_ref as R
from convkit.kernels import winograd as W

# (x shape, C_out, pads, out_shape or None)
CASES = [
    ((2, 3, 7, 6), 4, ((1, 1), (1, 1)), None),
    ((1, 2, 5, 5), 3, ((0, 0), (0, 0)), None),
    ((2, 2, 6, 9), 3, ((2, 1), (0, 2)), None),
    ((1, 2, 8, 8), 2, ((1, 1), (1, 1)), (5, 7)),
    ((3, 1, 3, 4), 2, ((0, 0), (1, 0)), None),
    ((1, 4, 1, 1), 2, ((1, 1), (1, 1)), None),
]


@pytest.fixture
def always_winograd(monkeypatch):
    monkeypatch.setattr(W, "MIN_CHANNELS", 1)
    monkeypatch.setattr(W, "MIN_TILES", 1)
    monkeypatch.setattr(W, "FEW_CHANNELS", 1)
    monkeypatch.setattr(W, "WIDE_TILES", 1)


def _arrays(case, dtype, seed=0):
    shape, co, _, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((co, shape[1], 3, 3)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("case", CASES)
def test_tile_formula_reference_is_the_convolution(case):
    """winograd_ref spells out Y = A^T[(G g G^T) * (B^T d B)]A; it must equal the loop conv."""
    x, w, _ = _arrays(case, np.float64)
    pads = case[2]
    ref = R.conv_ref(x, w, None, pads, (1, 1), (1, 1), 1)
    np.testing.assert_allclose(W.winograd_ref(x, w, pads), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv3x3_matches_the_loop_reference(case, dtype):
    x, w, b = _arrays(case, dtype)
    pads, out_shape = case[2], case[3]
    ref = R.conv_ref(x.astype(np.float64), w.astype(np.float64), b, pads, (1, 1), (1, 1), 1)
    if out_shape is not None:
        ref = ref[:, :, : out_shape[0], : out_shape[1]]
    out = np.empty(ref.shape, dtype=dtype)
    W.conv3x3(x, w, pads, out, b)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


def test_weight_transform_is_g_w_gt():
    w = np.random.default_rng(1).standard_normal((5, 4, 3, 3))
    expected = np.einsum("ai,ocij,bj->aboc", W._G, w, W._G).reshape(16, 5, 4)
    np.testing.assert_allclose(W.transform_weight(w, np.dtype(np.float64)), expected, rtol=1e-14)


@pytest.mark.parametrize("case", CASES[:4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_input_gradient_agree_with_im2col(case, dtype, always_winograd, monkeypatch):
    x, w, b = _arrays(case, dtype)
    pads = case[2]
    s = d = (1, 1)
    y = K.conv_forward(x, w, pads, s, d, 1, bias=b)
    g = np.random.default_rng(2).standard_normal(y.shape).astype(dtype)
    wino = (y,) + K.conv_backward(x, w, g, pads, s, d, 1)
    monkeypatch.setattr(W, "ENABLED", False)
    plain = (K.conv_forward(x, w, pads, s, d, 1, bias=b),) + K.conv_backward(x, w, g, pads, s, d, 1)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for a, c in zip(wino, plain, strict=True):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, c, rtol=tol, atol=tol)


def test_many_chunks_on_threads_agree(always_winograd, monkeypatch):
    from convkit.kernels import parallel as par

    x, w, b = _arrays(((5, 3, 9, 7), 4, ((1, 1), (1, 1)), None), np.float64)
    pads = ((1, 1), (1, 1))
    whole = np.empty((5, 4, 9, 7))
    W.conv3x3(x, w, pads, whole, b)
    monkeypatch.setattr(W, "TARGET_BYTES", 1)
    monkeypatch.setattr(W, "GEMM_MIN_COLUMNS", 1)
    monkeypatch.setattr(W, "THREAD_MIN_BYTES", 0)
    monkeypatch.setattr(par, "_threads", 2)
    chunked = np.empty_like(whole)
    W.conv3x3(x, w, pads, chunked, b)
    np.testing.assert_allclose(chunked, whole, rtol=1e-13, atol=1e-13)


def test_choice_rule():
    f32 = np.dtype(np.float32)
    p1 = ((1, 1), (1, 1))
    assert W.use_winograd((8, 256, 14, 14), (256, 256, 3, 3), p1, (1, 1), (1, 1), 1, (14, 14), f32)
    assert W.use_winograd((8, 64, 56, 56), (64, 64, 3, 3), p1, (1, 1), (1, 1), 1, (56, 56), f32)
    assert W.use_winograd((8, 64, 32, 32), (64, 64, 3, 3), p1, (1, 1), (1, 1), 1, (32, 32), f32)
    assert W.use_winograd((8, 256, 8, 8), (256, 256, 3, 3), p1, (1, 1), (1, 1), 1, (8, 8), f32)
    # one sample's buffers past MAX_SAMPLE_BYTES (137 MB here): im2col, in bands of rows
    big = (8, 64, 224, 224)
    assert not W.use_winograd(big, (64, 64, 3, 3), p1, (1, 1), (1, 1), 1, (224, 224), f32)
    assert not W.use_winograd((8, 32, 32, 32), (32, 32, 3, 3), p1, (1, 1), (1, 1), 1, (32, 32), f32)
    assert not W.use_winograd((8, 64, 16, 16), (64, 64, 3, 3), p1, (1, 1), (1, 1), 1, (16, 16), f32)
    # too few channels or tiles, other strides, groups, dilations, integer dtypes: im2col
    assert not W.use_winograd((8, 16, 14, 14), (16, 16, 3, 3), p1, (1, 1), (1, 1), 1, (14, 14), f32)
    assert not W.use_winograd((8, 256, 4, 4), (256, 256, 3, 3), p1, (1, 1), (1, 1), 1, (4, 4), f32)
    assert not W.use_winograd(
        (8, 256, 14, 14), (256, 256, 3, 3), p1, (2, 2), (1, 1), 1, (7, 7), f32
    )
    assert not W.use_winograd(
        (8, 256, 14, 14), (256, 128, 3, 3), p1, (1, 1), (1, 1), 2, (14, 14), f32
    )
    assert not W.use_winograd(
        (8, 256, 14, 14), (256, 256, 3, 3), p1, (1, 1), (1, 1), 1, (14, 14), np.dtype(np.int64)
    )


def test_buffers_stay_under_the_bound():
    """A (8, 64, 224, 224) plane needs ~50 MB of transforms per sample: Winograd is refused
    where one sample per thread would pass MAX_BYTES, and chunks never pass it."""
    f32 = np.dtype(np.float32)
    big = ((8, 512, 224, 224), (512, 512, 3, 3))
    p1 = ((1, 1), (1, 1))
    assert not W.use_winograd(*big, p1, (1, 1), (1, 1), 1, (224, 224), f32)
    plane = 113 * 113
    assert W._sample_bytes(512, 512, plane, 4) > W.MAX_BYTES
