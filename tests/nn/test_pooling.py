"""Pooling modules (convkit/nn/pooling.py) against torch's: forward values and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn
from tests.helpers import tolerance


def _module_pair(name, args, kwargs, x, dtype=np.float64):
    """Build the module in both libraries, run x through it, compare outputs and gradients."""
    x = x.astype(dtype)
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    a, b = ck.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    if isinstance(yb, tuple):
        (ya, ia), (yb, ib) = ya, yb
        np.testing.assert_array_equal(ia.data, ib.numpy())
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), **tolerance(dtype))
    w = np.random.default_rng(1).standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(ck.tensor(w))
    (yb * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize(
    "args,kwargs,shape",
    [
        ((2, 2), {}, (2, 3, 4, 5, 6)),
        ((1.5, (2, 3, 1)), dict(stride=(1, 2, 2), ceil_mode=True), (3, 5, 6, 4)),
        ((3, (3, 2, 2)), dict(stride=1), (1, 2, 4, 4, 4)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lppool3d_matches_torch(args, kwargs, shape, dtype):
    x = np.abs(np.random.default_rng(0).standard_normal(shape)) + 0.1
    _module_pair("LPPool3d", args, kwargs, x, dtype)
