"""Activations, softmax and dropout against torch; gradient checks; dtypes; errors."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from convkit.ops.nn import erf
from tests.helpers import gradcheck, same_as_torch, to_torch, tolerance

# (name, convkit fn, torch fn)
ACTIVATIONS = [
    ("relu", F.relu, TF.relu),
    ("leaky_relu", lambda t: F.leaky_relu(t, 0.2), lambda t: TF.leaky_relu(t, 0.2)),
    ("leaky_relu_default", F.leaky_relu, TF.leaky_relu),
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
    ("gelu", F.gelu, TF.gelu),
    (
        "gelu_tanh",
        lambda t: F.gelu(t, approximate="tanh"),
        lambda t: TF.gelu(t, approximate="tanh"),
    ),
    ("softmax1", lambda t: F.softmax(t, 1), lambda t: TF.softmax(t, 1)),
    ("softmax-1", lambda t: F.softmax(t, -1), lambda t: TF.softmax(t, -1)),
    ("log_softmax0", lambda t: F.log_softmax(t, 0), lambda t: TF.log_softmax(t, 0)),
    ("log_softmax2", lambda t: F.log_softmax(t, 2), lambda t: TF.log_softmax(t, 2)),
]


@pytest.mark.parametrize("name,fn,tfn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, fn, tfn, dtype):
    x = (np.random.default_rng(0).standard_normal((3, 4, 5)) * 3).astype(dtype)
    g = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(dtype)
    xc = ck.tensor(x, requires_grad=True)
    y = fn(xc)
    y.backward(ck.tensor(g))
    xt = to_torch(x, requires_grad=True)
    yt = tfn(xt)
    yt.backward(to_torch(g))
    assert y.dtype == dtype and xc.grad.dtype == dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize("name,fn,tfn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_gradcheck(name, fn, tfn):
    x = np.random.default_rng(2).standard_normal((2, 3, 4)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep central differences off the kinks of relu/leaky_relu
    gradcheck(fn, x)


def test_erf_against_math():
    xs = np.concatenate([np.linspace(-7, 7, 2001), [0.0, -0.0, 1.999999, 2.0, 2.000001, 30.0]])
    want = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(erf(xs), want, rtol=5e-15, atol=5e-16)
    assert erf(np.float32(0.5)).dtype == np.float32


def test_softmax_is_stable_and_sums_to_one():
    x = ck.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]])
    s = F.softmax(x, 1)
    ls = F.log_softmax(x, 1)
    assert np.all(np.isfinite(s.data)) and np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(s.data.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ls.data, TF.log_softmax(to_torch(x.data), 1).numpy(), rtol=1e-6)


@pytest.mark.parametrize("ndim,dim", [(1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim_warns(ndim, dim):
    x = np.random.default_rng(3).standard_normal((2,) * ndim)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        got = F.softmax(ck.tensor(x))
    np.testing.assert_allclose(got.data, TF.softmax(to_torch(x), dim).numpy(), rtol=1e-12)


def test_softmax_edge_cases():
    assert F.softmax(ck.tensor(3.0), 0).item() == 1.0
    assert F.log_softmax(ck.zeros(0, 3), 1).shape == (0, 3)
    assert F.log_softmax(ck.zeros(3), 0, dtype=ck.float64).dtype == np.float64
    with pytest.raises(IndexError):
        F.softmax(ck.zeros(3), 1)


def test_activation_errors():
    ints = ck.ones(3, dtype=ck.int64)
    assert F.relu(ints).dtype == np.int64
    assert F.sigmoid(ints).dtype == np.float32
    for fn in (F.gelu, F.leaky_relu, lambda t: F.softmax(t, 0)):
        with pytest.raises(NotImplementedError):
            fn(ints)
    with pytest.raises(RuntimeError, match="none or tanh"):
        F.gelu(ck.ones(3), approximate="foo")


# ----- dropout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    ck.manual_seed(0)
    x = ck.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p)
    kept = y.detach().numpy() != 0
    # Survivors are scaled by exactly 1/(1-p); the kept fraction is 1-p within 5 sigma.
    np.testing.assert_allclose(y.data[kept], np.float32(1 / (1 - p)), rtol=1e-6)
    n = kept.size
    assert abs(kept.mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d(sum)/dx = the scaled mask


def test_dropout_is_seeded():
    ck.manual_seed(7)
    a = F.dropout(ck.ones(50), 0.5).data
    ck.manual_seed(7)
    b = F.dropout(ck.ones(50), 0.5).data
    np.testing.assert_array_equal(a, b)


def test_dropout_special_cases():
    x = ck.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, np.zeros((4, 5), np.float32))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError):
            TF.dropout(torch.zeros(2), p)
        with pytest.raises(ValueError):
            F.dropout2d(ck.zeros(1, 2, 3, 3), p)


def test_dropout2d_zeroes_whole_channels():
    ck.manual_seed(1)
    x = ck.ones(20, 30, 4, 5, requires_grad=True)
    y = F.dropout2d(x, 0.4)
    per_channel = y.detach().numpy().reshape(20, 30, -1)
    # each (n, c) map is all zero or all 1/(1-p)
    assert np.all((per_channel == 0).all(-1) | (per_channel == np.float32(1 / 0.6)).all(-1))
    dropped = (per_channel == 0).all(-1).mean()
    assert abs(dropped - 0.4) < 5 * math.sqrt(0.24 / 600)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


@pytest.mark.parametrize(
    "shape,msg", [((2, 3, 4), "3D input"), ((3, 4), "2-D input"), ((1, 2, 3, 4, 5), "5-D input")]
)
def test_dropout2d_warnings(shape, msg):
    with pytest.warns(UserWarning, match=msg):
        y = F.dropout2d(ck.ones(*shape), 0.5)
    assert y.shape == shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(ck.ones(1, 2, 3, 4), 0.5)


def test_dropout2d_needs_two_dims():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        with pytest.warns(UserWarning):
            F.dropout2d(ck.ones(3), 0.5)


# ----- issue 10: deviations a differential fuzz found, each checked against torch -------------

_SPECIAL = [float("nan"), -1.0, 0.0, 2.0, -0.0, float("inf"), -float("inf")]


@pytest.mark.parametrize("name", ["relu", "abs"])
@pytest.mark.parametrize("upstream", [1.0, float("nan"), float("inf")])
def test_relu_and_abs_gradients_at_nan(name, upstream):
    """relu's gradient passes through a NaN input (torch masks where out <= 0); abs's is 0 at NaN
    (torch's sgn(NaN) is 0), so an infinite upstream gradient gives NaN only at 0 and NaN."""

    def run(lib):
        x = lib.tensor(_SPECIAL, requires_grad=True)
        y = lib.relu(x) if name == "relu" else lib.abs(x)
        y.backward(lib.full((len(_SPECIAL),), upstream))
        return y, x.grad

    same_as_torch(run)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    "shape,dtype", [((0,), "int64"), ((2, 0), "int64"), ((0,), "bool"), ((3,), "int64")]
)
def test_softmax_of_integer_tensors(fn, shape, dtype):
    """An empty integer tensor comes back empty (torch returns before its dtype dispatch); a
    non-empty one is refused."""
    same_as_torch(
        lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(np.zeros(shape, dtype=dtype)), -1)
    )


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", ["1", 1.0, True, (1,), 2, -3, np.int64(1)])
def test_softmax_dim_must_be_an_int(fn, dim):
    same_as_torch(lambda lib: getattr(lib.nn.functional, fn)(lib.ones(2, 3), dim=dim))


def test_softmax_dim_message_names_the_argument():
    with pytest.raises(TypeError, match=r"softmax\(\): argument 'dim' must be int, not str"):
        F.softmax(ck.ones(2, 3), dim="1")


@pytest.mark.parametrize(
    "fn,kwargs",
    [
        ("dropout", dict(p=-0.1)),
        ("dropout", dict(p=1.5)),
        ("dropout", dict(p=float("nan"))),
        ("dropout", dict(p=float("nan"), training=False)),
        ("dropout", dict(p="a")),
        ("dropout", dict(p=None)),
        ("dropout", dict(training="a")),
        ("dropout", dict(training=1)),
        ("dropout", dict(training=None)),
        ("dropout", dict(p=-1, training=False)),
        ("dropout2d", dict(p=2)),
        ("dropout2d", dict(p=float("nan"))),
        ("dropout2d", dict(training="a")),
        ("leaky_relu", dict(negative_slope="a")),
        ("leaky_relu", dict(negative_slope=None)),
        ("leaky_relu", dict(negative_slope=True)),
        ("gelu", dict(approximate=None)),
        ("gelu", dict(approximate=1)),
        ("gelu", dict(approximate="fast")),
        ("softmax", dict(dim=1, dtype="float64")),
    ],
)
def test_bad_arguments_raise_as_torch(fn, kwargs):
    def run(lib):
        x = lib.ones(1, 2, 2, 2)
        if fn.startswith("dropout") and not isinstance(kwargs.get("p", 0.5), str):
            # p = 0 keeps the call deterministic where the arguments are valid
            kwargs.setdefault("p", 0.0)
        return getattr(lib.nn.functional, fn)(x, **kwargs)

    same_as_torch(run)


@pytest.mark.parametrize("fn,shape", [("dropout", (3,)), ("dropout2d", (1, 2, 2, 2))])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("p", [1.0, 0.0, 0.5])
def test_dropout_of_integer_tensors(fn, shape, dtype, p):
    """p = 1 zeroes an integer or bool tensor in its dtype, p = 0 returns it; any other p needs
    a floating-point input (torch: "result type Float can't be cast")."""
    same_as_torch(
        lambda lib: getattr(lib.nn.functional, fn)(
            lib.tensor(np.ones(shape, dtype=dtype)), p, training=True
        )
    )
