"""Activations, softmax and dropout against torch; gradient checks; dtypes; errors."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from convkit.kernels.special import erf, erf_float32
from tests.helpers import check_against_torch, gradcheck, same_as_torch, to_torch

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
    ("relu6", F.relu6, TF.relu6),
    ("hardtanh", lambda t: F.hardtanh(t, -0.5, 2.0), lambda t: TF.hardtanh(t, -0.5, 2.0)),
    ("elu", lambda t: F.elu(t, 0.7), lambda t: TF.elu(t, 0.7)),
    ("celu", lambda t: F.celu(t, 1.5), lambda t: TF.celu(t, 1.5)),
    ("selu", F.selu, TF.selu),
    ("silu", F.silu, TF.silu),
    ("mish", F.mish, TF.mish),
    ("hardswish", F.hardswish, TF.hardswish),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid),
    ("softplus", F.softplus, TF.softplus),
    ("softplus_beta", lambda t: F.softplus(t, 2.0, 3.0), lambda t: TF.softplus(t, 2.0, 3.0)),
    ("softsign", F.softsign, TF.softsign),
    ("softshrink", lambda t: F.softshrink(t, 0.8), lambda t: TF.softshrink(t, 0.8)),
    ("hardshrink", lambda t: F.hardshrink(t, 0.8), lambda t: TF.hardshrink(t, 0.8)),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid),
    ("threshold", lambda t: F.threshold(t, 0.3, -2.0), lambda t: TF.threshold(t, 0.3, -2.0)),
    ("rrelu_eval", lambda t: F.rrelu(t, 0.1, 0.3), lambda t: TF.rrelu(t, 0.1, 0.3)),
    ("glu", lambda t: F.glu(t, 1), lambda t: TF.glu(t, 1)),
    ("glu_last", lambda t: F.glu(t[..., :4]), lambda t: TF.glu(t[..., :4])),
    ("softmin", lambda t: F.softmin(t, 1), lambda t: TF.softmin(t, 1)),
]


@pytest.mark.parametrize("name,fn,tfn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, fn, tfn, dtype):
    x = (np.random.default_rng(0).standard_normal((3, 4, 5)) * 3).astype(dtype)
    x.reshape(-1)[:6] = [-3.0, 3.0, 0.3, -0.5, 2.0, 0.8]  # on the kinks: torch's choice of side
    y, _ = check_against_torch(fn, tfn, [x], dtype)
    assert y.dtype == dtype


@pytest.mark.parametrize("name,fn,tfn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_gradcheck(name, fn, tfn):
    x = np.random.default_rng(2).standard_normal((2, 4, 6)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep central differences off the kinks of relu/leaky_relu
    gradcheck(fn, x)


def test_erf_against_math():
    xs = np.concatenate([np.linspace(-7, 7, 2001), [0.0, -0.0, 1.999999, 2.0, 2.000001, 30.0]])
    want = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(erf(xs), want, rtol=5e-15, atol=5e-16)
    assert erf(np.float32(0.5)).dtype == np.float32
    assert np.isnan(erf(np.array([np.nan]))[0])
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1.0, -1.0])


def test_erf_float32_matches_its_formula_loop():
    """torch's vectorised float32 erf, against the same formula evaluated element by element
    in float64 (Abramowitz & Stegun 7.1.26: within 1.5e-7 of the true erf in exact arithmetic)."""
    xs = np.linspace(-5, 5, 4001, dtype=np.float32)
    p, coeffs = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
    want = []
    for v in xs.astype(np.float64):
        t = 1 / (1 + p * abs(v))
        poly = sum(c * t**k for k, c in enumerate(coeffs))
        want.append(math.copysign(1 - t * poly * math.exp(-v * v), v))
    got = erf_float32(xs)
    assert got.dtype == np.float32
    # float32 rounding of t, poly and exp, then the cancellation in 1 - t*poly*exp near 0, add
    # a few ulps of 1 (6e-8 each) to the formula's error
    np.testing.assert_allclose(got, want, rtol=0, atol=5e-7)
    np.testing.assert_allclose(got, [math.erf(v) for v in xs.astype(np.float64)], atol=5e-7)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_many_blocks_and_views_match_torch(approximate, dtype):
    """Inputs larger than one kernel block, strided views, and NaN/inf, against torch."""
    x = (np.random.default_rng(3).standard_normal((3, 70, 200)) * 3).astype(dtype)
    x.reshape(-1)[:4] = [np.nan, np.inf, -np.inf, 0.0]
    check_against_torch(
        lambda t: F.gelu(t[:, ::2, 1:].transpose(1, 2), approximate=approximate),
        lambda t: TF.gelu(t[:, ::2, 1:].transpose(1, 2), approximate=approximate),
        [x],
        dtype,
    )


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,wshape", [((3, 4, 5), (4,)), ((3, 4), (1,)), ((5,), (1,))])
def test_prelu_matches_torch_with_weight_gradient(dtype, shape, wshape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.uniform(0.05, 0.5, wshape).astype(dtype)
    check_against_torch(F.prelu, TF.prelu, [x, w], dtype)


def test_prelu_gradcheck():
    rng = np.random.default_rng(5)
    gradcheck(F.prelu, rng.standard_normal((2, 3, 4)) + 0.01, rng.uniform(0.1, 0.5, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rrelu_training_draws_torchs_slopes(dtype):
    x = np.random.default_rng(6).standard_normal((7, 9)).astype(dtype)
    torch.manual_seed(12)
    xt = to_torch(x, requires_grad=True)
    yt = TF.rrelu(xt, 0.1, 0.6, training=True)
    after_t = torch.rand(3).numpy()
    ck.manual_seed(12)
    xc = ck.tensor(x, requires_grad=True)
    y = F.rrelu(xc, 0.1, 0.6, training=True)
    after_c = ck.rand(3).numpy()
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(after_c, after_t)  # the stream moved exactly as torch's
    g = np.random.default_rng(7).standard_normal(x.shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    np.testing.assert_array_equal(xc.grad.data, xt.grad.numpy())


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda x: F.celu(x, alpha=0.0), RuntimeError, "alpha cannot be 0"),
        (lambda x: F.hardtanh(x, 2.0, 1.0), ValueError, "min_val cannot be greater"),
        (lambda x: F.glu(x[:, :3], 1), RuntimeError, "Halving dimension must be even"),
        (lambda x: F.glu(x[0, 0, :1], 0), RuntimeError, "Halving dimension must be even"),
        (lambda x: F.prelu(x, ck.ones(3)), RuntimeError, "Mismatch of parameter numbers"),
        (lambda x: F.prelu(x, ck.ones(1, 4)), RuntimeError, "scalar or 1D tensor"),
        (lambda x: F.softshrink(x, -1.0), RuntimeError, "lambda must be in range"),
        (lambda x: F.rrelu(x, 0.5, 0.2, training=True), RuntimeError, "Lower bound"),
        (lambda x: F.elu(x.long()), NotImplementedError, "not implemented"),
        (lambda x: F.silu(x.long()), NotImplementedError, "not implemented"),
        (lambda x: F.relu6(x > 0), RuntimeError, "Bool inputs not supported"),
    ],
)
def test_activation_errors_match_torch(call, exc, match):
    x = np.random.default_rng(8).standard_normal((2, 4, 2)).astype(np.float32)
    with pytest.raises(exc, match=match):
        call(ck.tensor(x))
    tcall = {
        "min_val cannot be greater": lambda t: TF.hardtanh(t, 2.0, 1.0),
    }.get(match)
    if tcall is not None:
        with pytest.raises(exc, match=match):
            tcall(to_torch(x))


def test_integer_relu6_and_threshold_stay_integer_as_in_torch():
    x = np.arange(-4, 10).reshape(2, 7)
    assert F.relu6(ck.tensor(x)).dtype == np.int64
    np.testing.assert_array_equal(F.relu6(ck.tensor(x)).data, TF.relu6(to_torch(x)).numpy())
    np.testing.assert_array_equal(
        F.threshold(ck.tensor(x), 2, 0).data, TF.threshold(to_torch(x), 2, 0).numpy()
    )


def test_softplus_and_logsigmoid_are_accurate_far_out():
    x = np.array([-800.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 800.0])
    np.testing.assert_allclose(
        F.softplus(ck.tensor(x)).data, TF.softplus(to_torch(x)).numpy(), rtol=1e-15, atol=0
    )
    np.testing.assert_allclose(
        F.logsigmoid(ck.tensor(x)).data, TF.logsigmoid(to_torch(x)).numpy(), rtol=1e-15, atol=0
    )


INPLACE = [
    ("relu", {}),
    ("leaky_relu", dict(negative_slope=0.2)),
    ("hardtanh", dict(min_val=-0.5, max_val=0.5)),
    ("relu6", {}),
    ("elu", dict(alpha=0.5)),
    ("celu", dict(alpha=2.0)),
    ("selu", {}),
    ("silu", {}),
    ("mish", {}),
    ("hardswish", {}),
    ("hardsigmoid", {}),
    ("threshold", dict(threshold=0.1, value=-1.0)),
    ("rrelu", {}),
    ("dropout", dict(p=0.4)),
    ("dropout2d", dict(p=0.4)),
]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_into_the_input_and_keeps_the_gradient(name, kwargs):
    x = np.random.default_rng(9).standard_normal((2, 3, 4, 5))
    leaf = ck.tensor(x, requires_grad=True)
    h = leaf * 1.5  # a non-leaf, as in a network
    ck.manual_seed(3)
    want = getattr(F, name)(h, **kwargs)
    h2 = leaf * 1.5
    ck.manual_seed(3)
    out = getattr(F, name)(h2, inplace=True, **kwargs)
    assert out is h2
    np.testing.assert_array_equal(h2.data, want.data)
    g = np.random.default_rng(10).standard_normal(x.shape)
    want.backward(ck.tensor(g))
    expected = leaf.grad.numpy().copy()
    leaf.grad = None
    out.backward(ck.tensor(g))
    np.testing.assert_array_equal(leaf.grad.numpy(), expected)


@pytest.mark.parametrize(
    "name,args",
    [
        ("relu_", ()),
        ("leaky_relu_", (0.1,)),
        ("hardtanh_", (-0.3, 0.2)),
        ("elu_", (0.7,)),
        ("celu_", (1.5,)),
        ("selu_", ()),
        ("threshold_", (0.2, 5.0)),
        ("rrelu_", (0.1, 0.3)),
    ],
)
def test_underscore_functions_match_torch(name, args):
    x = np.random.default_rng(11).standard_normal((3, 4))
    ours, theirs = ck.tensor(x), to_torch(x.copy())
    assert getattr(F, name)(ours, *args) is ours
    getattr(TF, name)(theirs, *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_torch():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        TF.relu(torch.ones(2, requires_grad=True), inplace=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(ck.ones(2, requires_grad=True), inplace=True)


def test_inplace_modules_return_their_input():
    import convkit.nn as nn

    for module in (nn.ReLU(inplace=True), nn.SiLU(True), nn.Dropout(0.3, inplace=True)):
        x = ck.randn(2, 3)
        assert module(x) is x


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


# ----- deviations found by the differential fuzzer (tests/parity/test_fuzz.py) ------------------

_B = [True, False, True, True]


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.nn.functional.threshold(lib.tensor(_B), 0.5, 0.0),
        lambda lib: lib.nn.functional.threshold_(lib.tensor(_B), 0.5, 0.0),
        lambda lib: lib.nn.functional.threshold(lib.tensor([1, 2]), 0.5, float("nan")),
        lambda lib: lib.nn.functional.threshold(lib.tensor([1, 2]), float("nan"), 3),
        lambda lib: lib.nn.functional.threshold(lib.tensor([1, 2]), 0.5, float("inf")),
        lambda lib: lib.nn.functional.threshold_(lib.tensor([1, 2]), float("nan"), 3),
        lambda lib: lib.nn.functional.threshold(lib.tensor([1, 2]), 1.5, 7.9),
        lambda lib: lib.nn.functional.softsign(lib.tensor(_B)),
        lambda lib: lib.nn.functional.tanhshrink(lib.tensor(_B)),
        lambda lib: lib.nn.functional.glu(lib.tensor(_B)),
        lambda lib: lib.nn.functional.glu(lib.tensor([1, 2])),
        lambda lib: lib.nn.functional.softmin(lib.tensor(_B), 0),
        # torch negates before it looks at dim or dtype (found by the long fuzz run)
        lambda lib: lib.nn.functional.softmin(lib.tensor(_B), 1.0, dtype=lib.int64),
        lambda lib: lib.nn.functional.softmin(lib.tensor(_B), True, dtype=lib.float64),
        lambda lib: lib.nn.functional.softmin(lib.tensor([1, 2]), 0, dtype=lib.float64),
        lambda lib: -lib.tensor(_B),
        lambda lib: lib.nn.functional.elu(lib.tensor([1.0, -1.0]), "a"),
        lambda lib: lib.nn.functional.elu_(lib.tensor([1.0, -1.0]), "a"),
        lambda lib: lib.nn.functional.celu(lib.tensor([1, 2]), "a"),
        lambda lib: lib.nn.functional.softshrink(lib.tensor([1.0, -1.0]), float("nan")),
        lambda lib: lib.nn.functional.softshrink(lib.tensor([1.0, -1.0]), 1e39),
        lambda lib: lib.nn.functional.rrelu(lib.tensor([1.0, -1.0]), training=None),
        lambda lib: lib.nn.functional.rrelu_(lib.tensor([1.0, -1.0]), training=0),
        lambda lib: lib.nn.functional.prelu(lib.tensor([1, -2]), lib.tensor([0.25])),
        lambda lib: lib.nn.functional.prelu(
            lib.tensor([1.0, -2.0], dtype=lib.float64), lib.tensor([0.25])
        ),
    ],
)
def test_dtype_and_argument_checks_match_torch(fn):
    same_as_torch(fn)


def test_prelu_gradient_with_a_non_finite_weight_matches_torch():
    """x > 0 takes the gradient g whatever the weight (no 0 * inf = NaN from a select)."""
    x = np.array([[np.inf, -1.0], [np.nan, 2.0], [0.0, -3.0], [1.0, -np.inf]], dtype=np.float32)
    for w in ([np.nan], [0.25, np.inf]):

        def fn(lib, w=w):
            a = lib.tensor(x, requires_grad=True)
            b = lib.tensor(np.array(w, dtype=np.float32), requires_grad=True)
            y = lib.nn.functional.prelu(a, b)
            y.sum().backward()
            return y.detach(), a.grad, b.grad

        same_as_torch(fn)


@pytest.mark.parametrize("training", [None, 0, True])
def test_dropout1d_checks_the_rank_before_the_training_flag_as_torch(training):
    same_as_torch(lambda lib: lib.nn.functional.dropout1d(lib.ones(4), 1.0, training))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize(
    "shape,dim,tau",
    [((4, 7), -1, 1), ((3, 5, 2), 1, 0.3), ((6,), 0, 2.5), ((2, 3, 4), 0, 1e-3), ((), -1, 1)],
)
def test_gumbel_softmax_seeded_matches_torch(dtype, hard, shape, dim, tau):
    """Seeded alike, convkit draws torch's Gumbel noise: same sample, same gradient (the
    straight-through one when hard), and the generator left in the same state."""
    x = np.random.default_rng(3).standard_normal(shape)
    w = np.random.default_rng(4).standard_normal(shape)

    def run(lib):
        lib.manual_seed(11)
        logits = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        y = lib.nn.functional.gumbel_softmax(logits, tau=tau, hard=hard, dim=dim)
        (y * lib.tensor(w, dtype=getattr(lib, dtype))).sum().backward()
        return y, logits.grad, lib.rand(3, dtype=getattr(lib, dtype))

    same_as_torch(run)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    logits = ck.randn(5, 4, requires_grad=True)
    ck.manual_seed(2)
    soft = F.gumbel_softmax(logits, tau=0.5)
    ck.manual_seed(2)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    np.testing.assert_array_equal(hard.data.sum(1), np.ones(5))
    np.testing.assert_array_equal(hard.data.argmax(1), soft.data.argmax(1))
    w = ck.randn(5, 4)
    (g_soft,) = ck.autograd.grad((soft * w).sum(), logits)
    (g_hard,) = ck.autograd.grad((hard * w).sum(), logits)
    np.testing.assert_allclose(g_hard.data, g_soft.data, rtol=1e-6, atol=1e-7)


def test_gumbel_softmax_noise_is_standard_gumbel():
    """-log(Exp(1)) has mean Euler's gamma and variance pi^2/6: the noise's law, not just
    torch's stream."""
    ck.manual_seed(0)
    n = 200_000
    y = F.gumbel_softmax(ck.zeros(n, 2, dtype=ck.float64), tau=1.0)
    # softmax of two logits: y0 = sigmoid(g0 - g1), g0 - g1 is standard logistic
    d = np.log(y.data[:, 0]) - np.log(y.data[:, 1])
    assert abs(d.mean()) < 0.02
    assert abs(d.var() - math.pi**2 / 3) < 0.05


@pytest.mark.parametrize(
    "logits,kwargs",
    [
        (lambda lib: lib.ones(2, 3, dtype=lib.int64), {}),
        (lambda lib: lib.ones(2, 3, dtype=lib.bool), dict(hard=True)),
        (lambda lib: lib.randn(2, 3), dict(dim=2)),
        (lambda lib: lib.randn(2, 3), dict(dim=None)),
        (lambda lib: lib.randn(2, 3), dict(dim=1.0)),
        (lambda lib: lib.randn(2, 3), dict(tau="a")),
        (lambda lib: lib.tensor(1.0), dict(dim=1, hard=True)),
        (lambda lib: lib.randn(0, 3), dict(hard=True)),
        (lambda lib: lib.randn(2, 3), dict(tau=0)),
        (lambda lib: lib.randn(2, 3), dict(tau=-2.0, hard=True)),
    ],
)
def test_gumbel_softmax_edges_and_errors_like_torch(logits, kwargs):
    def run(lib):
        lib.manual_seed(5)
        return lib.nn.functional.gumbel_softmax(logits(lib), **kwargs)

    same_as_torch(run)


def test_gumbel_softmax_eps_is_deprecated_like_torch():
    for f, lib in ((TF.gumbel_softmax, torch), (F.gumbel_softmax, ck)):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
            f(lib.randn(2, 3), eps=1e-3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            f(lib.randn(2, 3))


@pytest.mark.parametrize("dim", [None, 1.0, True, "0"])
@pytest.mark.parametrize("dtype", [np.float32, np.bool_])
def test_glu_dim_must_be_int_before_the_dtype_check_like_torch(dim, dtype):
    x = np.ones((4, 2), dtype=dtype)
    with pytest.raises(TypeError, match="dim"):
        TF.glu(torch.from_numpy(x), dim)
    with pytest.raises(TypeError, match="dim"):
        F.glu(ck.tensor(x), dim)


@pytest.mark.parametrize("dim", [None, 1.0])
def test_glu_refuses_a_0d_input_before_the_dim_check_like_torch(dim):
    with pytest.raises(RuntimeError, match="does not support scalars"):
        TF.glu(torch.tensor(1.0), dim)
    with pytest.raises(RuntimeError, match="does not support scalars"):
        F.glu(ck.tensor(1.0), dim)


def test_glu_takes_a_0d_integer_tensor_dim_like_torch():
    x = np.arange(8.0).reshape(2, 4)
    want = TF.glu(torch.from_numpy(x), torch.tensor(1)).numpy()
    np.testing.assert_array_equal(F.glu(ck.tensor(x), ck.tensor(1)).data, want)
    with pytest.raises(TypeError, match="dim"):
        TF.glu(torch.from_numpy(x), torch.tensor(1.0))
    with pytest.raises(TypeError, match="dim"):
        F.glu(ck.tensor(x), ck.tensor(1.0))


def test_hardtanh__lets_min_above_max_clamp_to_max_like_torch():
    # F.hardtanh checks min_val <= max_val; torch's hardtanh_ is the bare kernel
    x = np.array([0.0, 3.0, 1.5, -2.0])
    want_t = torch.tensor(x, requires_grad=True)
    yt = want_t * 1
    TF.hardtanh_(yt, 2.0, 1.0)
    yt.sum().backward()
    got_c = ck.tensor(x, requires_grad=True)
    yc = got_c * 1
    F.hardtanh_(yc, 2.0, 1.0)
    yc.sum().backward()
    np.testing.assert_array_equal(yc.data, yt.detach().numpy())
    np.testing.assert_array_equal(got_c.grad.data, want_t.grad.numpy())
    with pytest.raises(ValueError, match="min_val cannot be greater"):
        TF.hardtanh(torch.tensor(x), 2.0, 1.0, inplace=True)
    with pytest.raises(ValueError, match="min_val cannot be greater"):
        F.hardtanh(ck.tensor(x), 2.0, 1.0, inplace=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        TF.hardtanh_(torch.tensor(x, requires_grad=True), 2.0, 1.0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.hardtanh_(ck.tensor(x, requires_grad=True), 2.0, 1.0)


@pytest.mark.parametrize(
    "dtype,bounds,match",
    [
        (np.int64, (math.nan, 0.5), "int64_t without overflow"),
        (np.int64, (-1e30, 0.5), "int64_t without overflow"),
        (np.int32, (-1e15, 1e12), "type int without overflow"),
        (np.int8, (-1, 300), "int8_t without overflow"),
        (np.uint8, (1, 300.0), "uint8_t without overflow"),
        (np.uint8, (-1.0, 1.0), "unsigned type with negative limits"),
    ],
)
@pytest.mark.parametrize("inplace", [False, True])
def test_hardtanh_integer_bounds_checked_like_torch(dtype, bounds, match, inplace):
    x = np.array([0, 3, 1], dtype=dtype)
    t_fn, c_fn = (TF.hardtanh_, F.hardtanh_) if inplace else (TF.hardtanh, F.hardtanh)
    with pytest.raises(RuntimeError, match=match):
        t_fn(torch.from_numpy(x.copy()), *bounds)
    with pytest.raises(RuntimeError, match=match):
        c_fn(ck.tensor(x), *bounds)


@pytest.mark.parametrize("dtype", [np.int64, np.int16, np.uint8])
def test_hardtanh_integer_bounds_truncate_like_torch(dtype):
    x = np.array([0, 3, 1, 2], dtype=dtype)
    want = TF.hardtanh(torch.from_numpy(x), 0.7, 2.9).numpy()
    got = F.hardtanh(ck.tensor(x), 0.7, 2.9)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.data, want)


_SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.3, -0.3]


def _same_bits(got, want):
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))  # -0 too


@pytest.mark.parametrize("alpha", [math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5])
@pytest.mark.parametrize("name", ["elu", "celu"])
@pytest.mark.parametrize("inplace", [False, True])
def test_elu_celu_special_alpha_and_signed_zero_match_torch(name, alpha, inplace):
    # torch takes x * scale at +-0, so 0 stays (signed) 0 even for alpha inf or NaN
    x = np.array(_SPECIALS, dtype=np.float32)
    want = getattr(TF, name)(torch.from_numpy(x.copy()), alpha=alpha, inplace=inplace).numpy()
    got = getattr(F, name)(ck.tensor(x), alpha=alpha, inplace=inplace).data
    _same_bits(got, want)


@pytest.mark.parametrize("lambd", [0.5, 0.0, 2.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softshrink_keeps_nan_and_signed_zero_like_torch(lambd, dtype):
    # torch's middle branch is x * 0: NaN stays NaN, a small negative x gives -0
    x = np.array(_SPECIALS, dtype=dtype)
    want = TF.softshrink(torch.from_numpy(x), lambd).numpy()
    got = F.softshrink(ck.tensor(x), lambd).data
    if dtype == np.float32:
        _same_bits(got, want)
    else:  # torch's float64 kernel gives +0 or -0 for a shrunk negative by its vector lane
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
@pytest.mark.parametrize("lambd", ["a", None, [1]])
@pytest.mark.parametrize("dtype", [np.float32, np.bool_])
def test_shrink_lambd_must_be_a_number_before_the_dtype_check_like_torch(name, lambd, dtype):
    x = np.ones(3, dtype=dtype)
    with pytest.raises(TypeError, match="lambd"):
        getattr(TF, name)(torch.from_numpy(x), lambd)
    with pytest.raises(TypeError, match="lambd"):
        getattr(F, name)(ck.tensor(x), lambd)
