"""The convolution engine against its loop references, and the memory-bounding arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from convkit.kernels import conv as K
from convkit.kernels import conv_ref as R
from convkit.kernels import parallel as par

# (N, C_in, spatial, C_out, kernel, stride, pads, dilation, groups)
CASES = [
    (2, 3, (9,), 4, (3,), (2,), ((1, 1),), (1,), 1),
    (1, 2, (7,), 4, (2,), (1,), ((1, 2),), (3,), 2),
    (2, 4, (7, 6), 6, (3, 2), (2, 1), ((1, 2), (0, 1)), (1, 2), 2),
    (2, 4, (7, 6), 8, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    (3, 3, (8, 8), 5, (1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1), 1),
    (2, 1, (11, 11), 2, (5, 5), (4, 4), ((0, 0), (0, 0)), (1, 1), 1),
    # depthwise, with channel multipliers 1 and 2, strides and dilation
    (2, 4, (7, 6), 4, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 4),
    (2, 4, (7, 6), 8, (3, 3), (2, 1), ((1, 1), (0, 2)), (2, 1), 4),
    (1, 3, (4, 5, 6), 3, (2, 3, 2), (1, 2, 1), ((1, 0), (0, 1), (1, 1)), (1, 1, 2), 3),
    (1, 2, (4, 5, 6), 4, (2, 3, 2), (1, 2, 1), ((1, 0), (0, 1), (1, 1)), (1, 1, 2), 2),
    (2, 2, (3, 4, 3), 3, (1, 2, 2), (1, 1, 1), ((0, 0), (0, 0), (0, 0)), (1, 1, 1), 1),
]
IDS = [f"{len(c[2])}d-g{c[8]}-{i}" for i, c in enumerate(CASES)]


def _arrays(case, dtype, seed=0):
    N, C, S, Cout, k, _, _, _, G = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C) + S).astype(dtype)
    w = rng.standard_normal((Cout, C // G) + k).astype(dtype)
    return x, w


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_loop_reference(case, dtype):
    x, w = _arrays(case, dtype)
    _, _, _, _, _, s, p, d, G = case
    out = K.conv_forward(x, w, p, s, d, G)
    ref = R.conv_ref(x.astype(np.float64), w.astype(np.float64), None, p, s, d, G)
    assert out.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_are_adjoints_of_forward(case):
    """<conv(x', w), g> == <x', dx> and <conv(x, w'), g> == <w', dw>: the gradient kernels are
    the exact adjoints of the (reference-checked) forward, for random x', w', g."""
    x, w = _arrays(case, np.float64)
    _, _, _, _, _, s, p, d, G = case
    rng = np.random.default_rng(1)
    g = rng.standard_normal(K.conv_forward(x, w, p, s, d, G).shape)
    gx, gw = K.conv_backward(x, w, g, p, s, d, G)
    x2, w2 = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(
        (K.conv_forward(x2, w, p, s, d, G) * g).sum(), (x2 * gx).sum(), rtol=1e-10
    )
    np.testing.assert_allclose(
        (K.conv_forward(x, w2, p, s, d, G) * g).sum(), (w2 * gw).sum(), rtol=1e-10
    )
    np.testing.assert_allclose(K.conv_input_grad(g, w, x.shape[2:], p, s, d, G), gx)
    np.testing.assert_allclose(K.conv_weight_grad(x, g, w.shape[2:], p, s, d, G), gw)


# Transposed convolution pads symmetrically, so only the symmetric-padding cases apply.
SYMMETRIC = [(c, i) for c, i in zip(CASES, IDS, strict=True) if all(a == b for a, b in c[6])]


@pytest.mark.parametrize("case", [c for c, _ in SYMMETRIC], ids=[i for _, i in SYMMETRIC])
def test_input_grad_is_transposed_conv_reference(case):
    """conv_input_grad == the literal scatter definition of transposed convolution."""
    N, C, S, Cout, k, s, p, d, G = case
    pad = tuple(a for a, _ in p)
    rng = np.random.default_rng(2)
    x, w = _arrays(case, np.float64)
    out = K.conv_forward(x, w, p, s, d, G).shape[2:]
    g = rng.standard_normal((N, Cout) + out)
    full = tuple(
        (o - 1) * st + dd * (kk - 1) + 1 - 2 * pp
        for o, st, dd, kk, pp in zip(out, s, d, k, pad, strict=True)
    )
    opad = tuple(L - f for L, f in zip(S, full, strict=True))  # the floor's dropped cells
    ref = R.conv_transpose_ref(g, w, None, pad, opad, s, d, G)
    np.testing.assert_allclose(K.conv_input_grad(g, w, S, p, s, d, G), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES[:6], ids=IDS[:6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_fold_match_loop_reference(case, dtype):
    x, w = _arrays(case, dtype)
    _, _, _, _, k, s, p, d, _ = case
    cols = K.unfold(x, k, p, s, d)
    np.testing.assert_array_equal(cols, R.unfold_ref(x, k, p, s, d))
    assert cols.dtype == dtype
    rng = np.random.default_rng(3)
    c = rng.standard_normal(cols.shape).astype(dtype)
    folded = K.fold(c, x.shape[2:], k, p, s, d)
    assert folded.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(folded, R.fold_ref(c, x.shape[2:], k, p, s, d), rtol=tol, atol=tol)


def test_chunked_and_threaded_paths_agree_with_plain_path(monkeypatch):
    """Tiny chunk targets force many chunks on two threads; the result must not change."""
    case = CASES[3]
    x, w = _arrays(case, np.float64)
    _, _, _, _, _, s, p, d, G = case
    g = np.random.default_rng(4).standard_normal(K.conv_forward(x, w, p, s, d, G).shape)
    plain = (K.conv_forward(x, w, p, s, d, G),) + K.conv_backward(x, w, g, p, s, d, G)
    monkeypatch.setattr(K, "TARGET_COLUMN_BYTES", 1)
    monkeypatch.setattr(K, "THREAD_MIN_BYTES", 0)
    monkeypatch.setattr(par, "_threads", 2)
    chunked = (K.conv_forward(x, w, p, s, d, G),) + K.conv_backward(x, w, g, p, s, d, G)
    for a, b in zip(plain, chunked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    xd, wd = _arrays(CASES[7], np.float64)
    _, _, _, _, _, s, p, d, G = CASES[7]
    monkeypatch.setattr(K, "TARGET_COLUMN_BYTES", 1)
    out = K.conv_forward(xd, wd, p, s, d, G)
    np.testing.assert_allclose(out, R.conv_ref(xd, wd, None, p, s, d, G), rtol=1e-10)


def test_column_buffer_is_bounded_for_a_large_batch():
    """(8, 64, 224, 224) 3x3 float32: 924 MB of columns unchunked; every chunk stays <= 256 MB."""
    N, C, k, out = 8, 64, (3, 3), (224, 224)
    assert K.column_bytes(N, C, k, out, 4) == 8 * 64 * 9 * 224 * 224 * 4
    assert K.column_bytes(N, C, k, out, 4) > K.MAX_COLUMN_BYTES
    for target in (K.TARGET_COLUMN_BYTES, 2**40):
        n = K.batch_chunk(N, C, k, out, 4, target=target)
        assert 1 <= n <= N
        assert K.column_bytes(n, C, k, out, 4) <= K.MAX_COLUMN_BYTES
    # with an unlimited target the limit alone decides: 256 MB / 115.6 MB per sample = 2
    assert K.batch_chunk(N, C, k, out, 4, target=2**40) == 2
    assert K.batch_chunk(N, C, k, out, 4, target=2**40, limit=2**40) == N
    # a single sample is never split further
    assert K.batch_chunk(1, C, k, out, 4, limit=1) == 1


def test_empty_and_integer_inputs():
    x = np.ones((0, 2, 5, 5), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    assert K.conv_forward(x, w, ((0, 0), (0, 0)), (1, 1), (1, 1), 1).shape == (0, 3, 3, 3)
    xi = np.arange(2 * 5 * 5).reshape(1, 2, 5, 5)
    wi = np.ones((1, 2, 3, 3), np.int64)
    out = K.conv_forward(xi, wi, ((0, 0), (0, 0)), (1, 1), (1, 1), 1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(
        out, R.conv_ref(xi, wi, None, ((0, 0), (0, 0)), (1, 1), (1, 1), 1)
    )


def _all_results(case, dtype=np.float64):
    x, w = _arrays(case, dtype)
    _, _, _, _, _, s, p, d, G = case
    g = np.random.default_rng(5).standard_normal(K.conv_forward(x, w, p, s, d, G).shape)
    g = g.astype(dtype)
    return (
        (K.conv_forward(x, w, p, s, d, G),)
        + K.conv_backward(x, w, g, p, s, d, G)
        + (
            K.conv_input_grad(g, w, x.shape[2:], p, s, d, G),
            K.conv_weight_grad(x, g, w.shape[2:], p, s, d, G),
        )
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("one_worker", [True, False], ids=["1-worker", "2-workers"])
def test_many_chunks_per_worker_agree_with_one_chunk(case, one_worker, monkeypatch):
    """One sample per chunk, all chunks on one worker (or split over two): reused padded buffers
    must not carry the previous chunk's input gradient into the next chunk's weight gradient."""
    plain = _all_results(case)
    monkeypatch.setattr(K, "TARGET_COLUMN_BYTES", 1)
    monkeypatch.setattr(K, "THREAD_MIN_BYTES", 0)
    monkeypatch.setattr(par, "_threads", 1 if one_worker else 2)
    for a, b in zip(plain, _all_results(case), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_first_and_batch_last_layouts_agree(case, dtype, monkeypatch):
    """Both column layouts, forced, against the loop reference (forward) and each other."""
    x, w = _arrays(case, dtype)
    _, _, _, _, _, s, p, d, G = case
    ref = R.conv_ref(x.astype(np.float64), w.astype(np.float64), None, p, s, d, G)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    results = []
    for rule in (lambda chunk, stride, out: False, lambda chunk, stride, out: chunk > 1):
        monkeypatch.setattr(K, "_use_batch_last", rule)
        res = _all_results(case, dtype)
        np.testing.assert_allclose(res[0], ref, rtol=tol, atol=tol)
        assert all(r.dtype == dtype for r in res)
        results.append(res)
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("band_rows", [1, 2])
def test_bands_of_output_rows_agree_with_whole_samples(case, band_rows, monkeypatch):
    """One sample per chunk, its columns built in bands of 1 or 2 output rows (a ragged last
    band where the rows are odd): forward against the loop reference, all results against the
    unbanded ones."""
    plain = _all_results(case)
    x, w = _arrays(case, np.float64)
    N, C, _, _, k, s, p, d, G = case
    out = K.conv_forward(x, w, p, s, d, G).shape[2:]
    per_row = K.column_bytes(1, C, k, out, 8) // out[0]
    monkeypatch.setattr(K, "TARGET_COLUMN_BYTES", 1)
    monkeypatch.setattr(K, "BAND_BYTES", band_rows * per_row)
    assert len(K._bands(1, C, k, out, 8)) == -(-out[0] // band_rows)
    banded = _all_results(case)
    ref = R.conv_ref(x, w, None, p, s, d, G)
    np.testing.assert_allclose(banded[0], ref, rtol=1e-10, atol=1e-10)
    for a, b in zip(plain, banded, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def test_bands_bound_the_columns_of_one_large_sample():
    """(8, 64, 224, 224) 3x3: one sample's 115 MB of columns are built in bands of at most
    BAND_BYTES, covering every output row once."""
    C, k, out = 64, (3, 3), (224, 224)
    bands = K._bands(1, C, k, out, 4)
    assert K.column_bytes(1, C, k, out, 4) > K.BAND_BYTES
    assert bands[0][0] == 0 and bands[-1][1] == 224
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))
    assert all(K.column_bytes(1, C, k, (r1 - r0, 224), 4) <= K.BAND_BYTES for r0, r1 in bands)
    assert K._bands(4, 16, k, (32, 32), 4) == [(0, 32)]  # small chunks: one band


def test_gemm_column_pieces_do_not_change_results(monkeypatch):
    """GEMMs split into 7-column pieces (ragged last piece) give the one-piece results."""
    case = CASES[3]
    plain = _all_results(case)
    monkeypatch.setattr(K, "GEMM_COLUMNS", 7)
    for a, b in zip(plain, _all_results(case), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def test_scratch_buffers_are_reused_and_never_returned():
    x, w = _arrays(CASES[3], np.float32)
    _, _, _, _, _, s, p, d, G = CASES[3]
    a = K.conv_forward(x, w, p, s, d, G)
    buf = par.scratch("cols", 1, np.float32)
    b = K.conv_forward(x, w, p, s, d, G)
    assert np.shares_memory(buf, par.scratch("cols", 1, np.float32))
    assert not np.shares_memory(a, b) and not np.shares_memory(b, buf)
    np.testing.assert_array_equal(a, b)
