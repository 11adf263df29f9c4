"""The BatchNorm primitive (ops/nn.py, on kernels/norm.py) against torch: outputs, running
statistics and all three gradients, where few-pass arithmetic could lose digits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import same_as_torch


@pytest.mark.parametrize("offset", [0.0, 1000.0])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_like_torch(offset, training, affine, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 4, 5, 3)) + offset).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    w = rng.uniform(0.5, 2, 4).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    rm, rv = (offset + rng.standard_normal(4)).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    cx = ck.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    cw, cb = (ck.tensor(a, requires_grad=True) for a in (w, b)) if affine else (None, None)
    tw, tb = (torch.tensor(a, requires_grad=True) for a in (w, b)) if affine else (None, None)
    crm, crv, trm, trv = ck.tensor(rm), ck.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    y = F.batch_norm(cx, crm, crv, cw, cb, training, 0.2, 1e-5)
    ty = TF.batch_norm(tx, trm, trv, tw, tb, training, 0.2, 1e-5)
    y.backward(ck.tensor(g))
    ty.backward(torch.from_numpy(g))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(crm.numpy(), trm.numpy(), **tol)
    np.testing.assert_allclose(crv.numpy(), trv.numpy(), **tol)
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), **tol)
    if affine:
        np.testing.assert_allclose(cw.grad.numpy(), tw.grad.numpy(), **tol)
        np.testing.assert_allclose(cb.grad.numpy(), tb.grad.numpy(), **tol)
    assert y.dtype == dtype and cx.grad.dtype == dtype


@pytest.mark.parametrize("training", [True, False])
def test_gradients_of_an_empty_batch_are_torchs_zeros(training):
    """The statistics of an empty batch are NaN, the weight's gradient is the empty sum: 0, as
    torch (convkit gave NaN; found by the long fuzz run, issue 10)."""

    def call(L):
        x = L.zeros(0, 2, 3, requires_grad=True)
        w, b = L.ones(2, requires_grad=True), L.zeros(2, requires_grad=True)
        y = L.nn.functional.batch_norm(x, L.zeros(2), L.ones(2), w, b, training=training)
        y.sum().backward()
        return y, x.grad, w.grad, b.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's "Mean of empty slice" (the statistics)
        same_as_torch(call)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_input_gradient_with_an_infinite_weight_is_torchs(dtype):
    # torch's (g - mean(g) - xhat * mean(g * xhat)) * invstd * w is +-inf (or NaN where the
    # bracket is 0) in a channel of infinite weight; the expanded inf * g - inf * mean(g) was NaN
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3)).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    w = np.array([np.inf, -np.inf, 1.5, np.nan], dtype=dtype)
    b = rng.standard_normal(4).astype(dtype)
    cx, tx = ck.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.batch_norm(cx, None, None, ck.tensor(w), ck.tensor(b), True).backward(ck.tensor(g))
    TF.batch_norm(tx, None, None, torch.tensor(w), torch.tensor(b), True).backward(
        torch.from_numpy(g)
    )
    assert cx.grad is not None and tx.grad is not None
    got, want = cx.grad.numpy(), tx.grad.numpy()
    assert np.isinf(want[:, :2]).all()  # the case under test: +-inf, not NaN
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, want, **tol)  # NaN and +-inf in the same places
