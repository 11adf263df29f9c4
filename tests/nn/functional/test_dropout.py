"""dropout1d, dropout3d, alpha_dropout, feature_alpha_dropout against torch.

The masks come from convkit.random, torch's stream bit for bit: with the same seed convkit's
output and gradient equal torch's, and torch's mask, read back from its output, has the noise
shape each form draws.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn as nn
import convkit.nn.functional as F
from tests.helpers import gradcheck, to_torch, tolerance

ALPHA = 1.7580993408473766

# (name, input shape, the noise shape torch draws)
CASES = [
    ("dropout1d", (3, 4, 5), (3, 4, 1)),
    ("dropout1d", (4, 5), (1, 4, 1)),  # unbatched (C, L)
    ("dropout3d", (2, 3, 2, 2, 3), (2, 3, 1, 1, 1)),
    ("dropout3d", (3, 2, 2, 3), (1, 3, 1, 1, 1)),  # unbatched (C, D, H, W)
    ("alpha_dropout", (3, 4, 5), (3, 4, 5)),
    ("feature_alpha_dropout", (3, 4, 5), (3, 4, 1)),
]


def _torch_mask(name, out, p, noise_shape):
    """Which noise cells torch kept, read back from its output."""
    out = out.reshape((1,) * (len(noise_shape) - out.ndim) + out.shape)  # unbatched: add N
    if "alpha" in name:
        a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
        dropped = np.isclose(out, a * ALPHA * p - a * ALPHA, rtol=0, atol=1e-6)
    else:
        dropped = out == 0
    # One decision per noise cell: all the entries it covers agree.
    axes = tuple(i for i, s in enumerate(noise_shape) if s == 1 and out.shape[i] != 1)
    return ~dropped.all(axis=axes, keepdims=True)


@pytest.mark.parametrize("name,shape,noise", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_with_the_same_seed(name, shape, noise, dtype):
    """convkit draws torch's mask from the same seed: outputs and gradients equal torch's."""
    p = 0.4
    x = (np.random.default_rng(1).standard_normal(shape) + 3).astype(dtype)  # no zeros in x
    torch.manual_seed(3)
    xt = to_torch(x, requires_grad=True)
    yt = getattr(TF, name)(xt, p, training=True)
    ck.manual_seed(3)
    xc = ck.tensor(x, requires_grad=True)
    y = getattr(F, name)(xc, p, training=True)
    # The mask has torch's noise shape (one draw per channel for the feature forms) and cells.
    keep = _torch_mask(name, yt.detach().numpy(), p, noise)
    assert keep.shape == noise and 0 < keep.sum() < keep.size
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    g = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize(
    "name", ["dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
)
def test_identity_when_not_training_or_p_zero(name):
    shape = (2, 3, 4) if name == "dropout1d" else (2, 3, 2, 2, 2)
    x = ck.tensor(np.random.default_rng(3).standard_normal(shape))
    assert getattr(F, name)(x, 0.5, training=False) is x
    assert getattr(F, name)(x, 0.0, training=True) is x


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_p1_zeroes_everything_as_torch(name):
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    y = getattr(F, name)(ck.tensor(x), 1.0, training=True)
    np.testing.assert_array_equal(y.data, getattr(TF, name)(to_torch(x), 1.0, True).numpy())


def test_alpha_dropout_keeps_mean_and_variance():
    ck.manual_seed(0)
    x = ck.randn(200_000, dtype=ck.float64)
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.02


def test_gradcheck_with_a_fixed_mask():
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    ck.manual_seed(1)
    gradcheck(lambda t: (ck.manual_seed(1), F.alpha_dropout(t, 0.3, True))[1], x)
    gradcheck(lambda t: (ck.manual_seed(1), F.dropout1d(t, 0.3, True))[1], x)


@pytest.mark.parametrize(
    "call,tcall,exc,match",
    [
        (
            lambda x: F.dropout1d(x, 0.5),
            lambda x: TF.dropout1d(x, 0.5),
            RuntimeError,
            "Expected 2D or 3D input",
        ),
        (
            lambda x: F.alpha_dropout(x, 1.5),
            lambda x: TF.alpha_dropout(x, 1.5),
            ValueError,
            "between 0 and 1",
        ),
        (
            lambda x: F.feature_alpha_dropout(x[0, 0, 0], 0.5, True),
            lambda x: TF.feature_alpha_dropout(x[0, 0, 0], 0.5, True),
            RuntimeError,
            "Feature dropout requires at least 2 dimensions",
        ),
    ],
)
def test_errors_match_torch(call, tcall, exc, match):
    x = np.ones((2, 2, 2, 2), dtype=np.float32)
    with pytest.raises(exc, match=match):
        call(ck.tensor(x))
    with pytest.raises(exc, match=match):
        tcall(to_torch(x))


def test_dropout3d_warns_on_other_ranks_as_torch():
    x = np.ones((2, 3, 4), dtype=np.float32)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        F.dropout3d(ck.tensor(x), 0.5, training=False)


@pytest.mark.parametrize("name", ["Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"])
def test_modules_follow_training_mode(name):
    shape = (2, 3, 4) if name == "Dropout1d" else (2, 3, 2, 2, 2)
    x = ck.tensor(np.random.default_rng(6).standard_normal(shape) + 5)
    m = getattr(nn, name)(0.5)
    assert repr(m) == repr(getattr(torch.nn, name)(0.5))
    ck.manual_seed(0)
    assert not np.array_equal(m(x).data, x.data)
    m.eval()
    assert m(x) is x


@pytest.mark.parametrize(
    "name,shape",
    [
        ("dropout1d", (2, 3, 4)),
        ("dropout1d", (3, 4)),
        ("dropout3d", (3, 2, 2, 2)),
        ("alpha_dropout", (2, 3)),
        ("feature_alpha_dropout", (2, 3, 4)),
    ],
)
def test_inplace_gives_the_same_values_into_the_input(name, shape):
    x = np.random.default_rng(7).standard_normal(shape) + 3
    ck.manual_seed(2)
    want = getattr(F, name)(ck.tensor(x), 0.5, True)
    t = ck.tensor(x)
    ck.manual_seed(2)
    assert getattr(F, name)(t, 0.5, True, inplace=True) is t
    np.testing.assert_array_equal(t.numpy(), want.numpy())


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.uint8])
def test_alpha_dropout_p1_zeroes_integer_and_bool_inputs_as_torch(name, dtype):
    # torch multiplies by a 0-d zero of the input's dtype before it draws anything
    x = np.ones((2, 3), dtype=dtype)
    want = getattr(TF, name)(torch.from_numpy(x), p=1.0, training=True).numpy()
    got = getattr(F, name)(ck.tensor(x), p=1.0, training=True)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.data, want)


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_p1_multiplies_by_zero_as_torch(name):
    # inf and NaN times 0 are NaN, a negative value gives -0; even a 1-d feature input passes
    for shape in ((2, 2), (4,)):
        x = np.array([math.inf, -1.0, math.nan, 2.0]).reshape(shape)
        xt, xc = to_torch(x, requires_grad=True), ck.tensor(x, requires_grad=True)
        yt = getattr(TF, name)(xt, p=1.0, training=True)
        yc = getattr(F, name)(xc, p=1.0, training=True)
        np.testing.assert_array_equal(yc.data, yt.detach().numpy())
        np.testing.assert_array_equal(np.signbit(yc.data), np.signbit(yt.detach().numpy()))
        yt.sum().backward()
        yc.sum().backward()
        np.testing.assert_array_equal(xc.grad.data, xt.grad.numpy())


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize(
    "dtype,tname", [(np.int64, "Long"), (np.bool_, "Long"), (np.uint8, "Byte")]
)
def test_alpha_dropout_of_integer_input_raises_like_torch(name, dtype, tname):
    x = np.ones((2, 3), dtype=dtype)
    match = f"can't be cast to the desired output type {tname}"
    with pytest.raises(RuntimeError, match=match):
        getattr(TF, name)(torch.from_numpy(x), p=0.5, training=True)
    with pytest.raises(RuntimeError, match=match):
        getattr(F, name)(ck.tensor(x), p=0.5, training=True)
