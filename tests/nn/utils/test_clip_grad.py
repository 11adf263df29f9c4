"""clip_grad_norm_ and clip_grad_value_ against torch."""

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn


def _params(lib, grads):
    params = []
    for g in grads:
        p = lib.zeros(g.shape, dtype=lib.float32 if g.dtype == np.float32 else lib.float64)
        p.requires_grad_(True)
        p.grad = lib.tensor(g)
        params.append(p)
    return params


GRADS = [
    np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32) * 3,
    np.random.default_rng(1).standard_normal(5).astype(np.float32),
]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    theirs, ours = _params(torch, GRADS), _params(ck, GRADS)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    total_c = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    np.testing.assert_allclose(total_c.item(), total_t.item(), rtol=1e-6)
    for c, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(c.grad.data, t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_skips_missing_grads_and_handles_none():
    p = ck.zeros(2, requires_grad=True)
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite_error_as_torch():
    g = [np.array([np.inf, 1.0], dtype=np.float32)]
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(_params(torch, g), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(_params(ck, g), 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    theirs, ours = _params(torch, GRADS), _params(ck, GRADS)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    nn.utils.clip_grad_value_(ours, 0.7)
    for c, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(c.grad.data, t.grad.numpy())
