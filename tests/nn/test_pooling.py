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


@pytest.mark.parametrize(
    "name,args,kwargs,shape",
    [
        ("FractionalMaxPool2d", (2,), dict(output_size=3), (2, 3, 7, 8)),
        ("FractionalMaxPool2d", ((2, 3),), dict(output_ratio=(0.5, 0.6)), (3, 9, 10)),
        ("FractionalMaxPool2d", (2,), dict(output_ratio=0.5, return_indices=True), (1, 2, 8, 8)),
        ("FractionalMaxPool3d", (2,), dict(output_size=(2, 3, 2)), (1, 2, 5, 6, 7)),
        ("FractionalMaxPool3d", ((1, 2, 2),), dict(output_ratio=0.6), (2, 6, 5, 7)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_max_pool_modules_seeded_match_torch(name, args, kwargs, shape, dtype):
    """A module without _random_samples draws fresh ones per call from torch's stream."""
    x = np.random.default_rng(2).standard_normal(shape)
    torch.manual_seed(21)
    ck.manual_seed(21)
    for _ in range(2):  # the second call draws new samples in both
        _module_pair(name, args, kwargs, x, dtype)


def test_fractional_max_pool_module_keeps_given_samples_as_a_buffer():
    u = np.random.default_rng(3).random((2, 3, 2)).astype(np.float32)
    ours = nn.FractionalMaxPool2d(2, output_size=3, _random_samples=ck.tensor(u))
    theirs = torch.nn.FractionalMaxPool2d(2, output_size=3, _random_samples=torch.tensor(u))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 7)).astype(np.float32)
    ck.manual_seed(0)
    first = ours(ck.tensor(x))
    np.testing.assert_array_equal(first.data, theirs(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(ours(ck.tensor(x)).data, first.data)  # no new draw


@pytest.mark.parametrize("name", ["FractionalMaxPool2d", "FractionalMaxPool3d"])
@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((2,), {}),
        ((2,), dict(output_size=2, output_ratio=0.5)),
        ((2,), dict(output_ratio=1.0)),
        ((2,), dict(output_ratio=(0.5, 0.0, 0.5))),
        ((2,), dict(output_ratio=(0.5,))),
        ((0,), dict(output_size=2)),
        (((2, -1, 2),), dict(output_size=2)),
    ],
)
def test_fractional_max_pool_module_constructor_like_torch(name, args, kwargs):
    try:
        getattr(torch.nn, name)(*args, **kwargs)
        expected = None
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        expected = type(e)
    if expected is None:
        ours = getattr(nn, name)(*args, **kwargs)
        assert repr(ours) == name + "()"
    else:
        with pytest.raises(expected):
            getattr(nn, name)(*args, **kwargs)
