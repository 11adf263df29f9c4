"""nn.init against torch: uniform-based initialisers bit for bit after the same seed (and the
generator left where torch leaves it), deterministic ones exactly, normal-based ones by shape,
scale and structure (their exact draws are convkit.random's), errors and gains."""

import math

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn

init = nn.init

SHAPES = [(4, 3), (6, 2, 3, 3), (3, 5, 2), (2, 4, 1, 2, 3)]

# (name, kwargs) of the initialisers that draw uniforms only
UNIFORM = [
    ("uniform_", dict(a=-0.3, b=0.7)),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", dict(gain=init.calculate_gain("tanh"))),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_uniform_", dict(a=0.2, mode="FAN_IN", nonlinearity="leaky_relu")),
    ("trunc_normal_", dict(mean=0.0, std=1.0, a=-0.2, b=0.3)),  # narrow: the uniform sampler
    ("trunc_normal_", dict(mean=1.0, std=2.0, a=0.5, b=1.0)),
]


@pytest.mark.parametrize(
    "name,kwargs", UNIFORM, ids=[f"{n}-{i}" for i, (n, _) in enumerate(UNIFORM)]
)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_initialisers_are_torchs_bit_for_bit(name, kwargs, shape, dtype):
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    torch.manual_seed(11)
    theirs = getattr(torch.nn.init, name)(torch.empty(shape, dtype=tdtype), **kwargs)
    after_t = torch.rand(4).numpy()
    ck.manual_seed(11)
    ours = getattr(init, name)(ck.zeros(shape, dtype=dtype), **kwargs)
    after_c = ck.rand(4).numpy()
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(after_c, after_t)


@pytest.mark.parametrize(
    "fn,shape,kwargs",
    [
        ("constant_", (2, 3), dict(val=0.25)),
        ("ones_", (4,), {}),
        ("zeros_", (2, 2, 2), {}),
        ("eye_", (3, 5), {}),
        ("eye_", (4, 2), {}),
        ("dirac_", (4, 2, 3), {}),
        ("dirac_", (6, 3, 3, 3), dict(groups=2)),
        ("dirac_", (2, 4, 1, 3, 2), {}),
    ],
)
def test_deterministic_initialisers_match_torch(fn, shape, kwargs):
    theirs = getattr(torch.nn.init, fn)(torch.full(shape, 9.0), **kwargs)
    ours = getattr(init, fn)(ck.full(shape, 9.0), **kwargs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize(
    "name,param",
    [(n, None) for n in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d")]
    + [(n, None) for n in ("conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu")]
    + [("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)],
)
def test_calculate_gain_matches_torch(name, param):
    ours, theirs = init.calculate_gain(name, param), torch.nn.init.calculate_gain(name, param)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda m, t: m.calculate_gain("gelu"), ValueError, "Unsupported nonlinearity gelu"),
        (lambda m, t: m.calculate_gain("leaky_relu", True), ValueError, "not a valid number"),
        (lambda m, t: m.kaiming_uniform_(t(3)), ValueError, "fewer than 2 dimensions"),
        (lambda m, t: m.kaiming_normal_(t(3, 2), mode="x"), ValueError, "Mode x not supported"),
        (lambda m, t: m.xavier_normal_(t(3)), ValueError, "fewer than 2 dimensions"),
        (lambda m, t: m.eye_(t(3)), ValueError, "Only tensors with 2 dimensions"),
        (lambda m, t: m.dirac_(t(3, 4)), ValueError, "Only tensors with 3, 4, or 5 dimensions"),
        (lambda m, t: m.dirac_(t(3, 4, 3), 2), ValueError, "dim 0 must be divisible by groups"),
        (lambda m, t: m.orthogonal_(t(3)), ValueError, "Only tensors with 2 or more dimensions"),
        (lambda m, t: m.sparse_(t(3, 4, 5), 0.1), ValueError, "Only tensors with 2 dimensions"),
    ],
)
def test_errors_match_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call(torch.nn.init, torch.empty)
    with pytest.raises(exc, match=match):
        call(init, ck.zeros)


@pytest.mark.parametrize(
    "name,kwargs,std",
    [
        ("normal_", dict(mean=0.5, std=2.0), 2.0),
        ("kaiming_normal_", dict(nonlinearity="relu"), math.sqrt(2 / (50 * 9))),
        ("kaiming_normal_", dict(mode="fan_out", a=0.1), math.sqrt(2 / 1.01 / (64 * 9))),
        ("xavier_normal_", dict(gain=2.0), 2.0 * math.sqrt(2 / (50 * 9 + 64 * 9))),
        ("trunc_normal_", dict(std=0.02), 0.02),  # wide bounds: torch's normal sampler
    ],
)
def test_normal_initialisers_have_torchs_scale(name, kwargs, std):
    ck.manual_seed(0)
    w = getattr(init, name)(ck.zeros(64, 50, 3, 3, dtype=ck.float64), **kwargs).numpy()
    mean = kwargs.get("mean", 0.0)
    assert abs(w.mean() - mean) < 4 * std / math.sqrt(w.size)
    assert abs(w.std() / std - 1) < 0.02


def test_trunc_normal_stays_within_bounds_and_keeps_the_shape_of_the_density():
    ck.manual_seed(1)
    w = init.trunc_normal_(ck.zeros(20_000), mean=0.0, std=1.0, a=-1.0, b=2.0).numpy()
    assert w.min() >= -1.0 and w.max() <= 2.0

    # truncated N(0, 1) on [-1, 2]: mean (phi(-1) - phi(2)) / (Phi(2) - Phi(-1))
    def phi(x: float) -> float:
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    def cdf(x: float) -> float:
        return (1 + math.erf(x / math.sqrt(2))) / 2

    want = (phi(-1) - phi(2)) / (cdf(2) - cdf(-1))
    assert abs(w.mean() - want) < 0.02


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    ck.manual_seed(2)
    w = init.orthogonal_(ck.zeros(shape, dtype=ck.float64), gain).numpy().reshape(shape[0], -1)
    small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, gain**2 * np.eye(small.shape[0]), atol=1e-12)


def test_sparse_zeroes_the_requested_share_of_every_column():
    ck.manual_seed(3)
    w = init.sparse_(ck.zeros(10, 7), sparsity=0.3, std=0.5).numpy()
    assert ((w == 0).sum(axis=0) >= 3).all()
    assert 0.2 < np.abs(w[w != 0]).mean() < 0.8


def test_zero_element_tensors_warn_and_stay_as_torch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        torch.nn.init.kaiming_uniform_(torch.empty(0, 3))
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ck.zeros(0, 3))


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.uniform` is now deprecated"):
        init.uniform(ck.zeros(2))
