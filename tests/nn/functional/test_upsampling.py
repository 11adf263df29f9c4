"""interpolate and the upsample aliases against torch: values (bit for bit except bicubic),
gradients, gradient checks, argument errors."""

import numpy as np
import pytest
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import gradcheck, to_torch, tolerance

# (mode, spatial rank, align_corners choices)
MODES = [
    ("nearest", 1, [None]),
    ("nearest", 2, [None]),
    ("nearest", 3, [None]),
    ("nearest-exact", 1, [None]),
    ("nearest-exact", 2, [None]),
    ("nearest-exact", 3, [None]),
    ("linear", 1, [False, True]),
    ("bilinear", 2, [False, True]),
    ("bicubic", 2, [False, True]),
    ("trilinear", 3, [False, True]),
    ("area", 1, [None]),
    ("area", 2, [None]),
    ("area", 3, [None]),
]
SPECS = [
    dict(size=7),
    dict(size=3),
    dict(size=1),
    dict(scale_factor=2),
    dict(scale_factor=1.5),
    dict(scale_factor=0.7),
    dict(scale_factor=3),
    dict(scale_factor=2.3, recompute_scale_factor=True),
    dict(scale_factor=1.05),
]
GRID = [
    (mode, rank, ac, spec)
    for mode, rank, acs in MODES
    for ac in acs
    for spec in SPECS
    if not (mode == "area" and "recompute_scale_factor" in spec)
]


def _shape(rank):
    return {1: (2, 3, 6), 2: (2, 3, 5, 6), 3: (1, 2, 4, 5, 3)}[rank]


def _kwargs(mode, ac, spec):
    kw = dict(spec, mode=mode)
    if ac is not None:
        kw["align_corners"] = ac
    return kw


@pytest.mark.parametrize("mode,rank,ac,spec", GRID)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_match_torch(mode, rank, ac, spec, dtype):
    kw = _kwargs(mode, ac, spec)
    x = np.random.default_rng(0).standard_normal(_shape(rank)).astype(dtype)
    xc, xt = ck.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    y, yt = F.interpolate(xc, **kw), TF.interpolate(xt, **kw)
    assert y.shape == tuple(yt.shape) and y.dtype == dtype
    if mode in ("bicubic", "area"):
        np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    else:  # the same coordinates and the same fused multiply-adds as torch's kernels
        np.testing.assert_array_equal(y.data, yt.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    same_size = tuple(y.shape) == x.shape
    if same_size and spec.get("scale_factor", 1) != 1 and mode in ("nearest", "bicubic"):
        # torch's backward copies the gradient when out == in although its forward moved the
        # samples (scale 1/1.05): convkit keeps the true adjoint of the forward.
        return
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize("mode,rank,ac", [(m, r, a[-1]) for m, r, a in MODES])
def test_gradcheck(mode, rank, ac):
    x = np.random.default_rng(2).standard_normal(_shape(rank))
    gradcheck(lambda t: F.interpolate(t, scale_factor=1.7, **_kwargs(mode, ac, {})), x)


def test_same_size_with_a_scale_factor_keeps_the_true_gradient():
    x = np.random.default_rng(3).standard_normal((1, 2, 5))
    gradcheck(lambda t: F.interpolate(t, scale_factor=1.05), x)


def test_uint8_nearest_as_torch():
    x = np.arange(24, dtype=np.uint8).reshape(1, 2, 3, 4)
    y = F.interpolate(ck.tensor(x), scale_factor=2)
    assert y.dtype == np.uint8
    np.testing.assert_array_equal(y.data, TF.interpolate(to_torch(x), scale_factor=2).numpy())


@pytest.mark.parametrize(
    "args,kw,exc",
    [
        ((), dict(size=3, scale_factor=2), ValueError),
        ((), dict(), ValueError),
        ((), dict(size=(3, 4)), ValueError),
        ((), dict(scale_factor=(2, 2)), ValueError),
        ((), dict(size=[2.0]), TypeError),
        ((), dict(size=0), RuntimeError),
        ((), dict(scale_factor=0.1), RuntimeError),
        ((), dict(size=3, mode="nearest", align_corners=True), ValueError),
        ((), dict(size=3, mode="bilinear"), NotImplementedError),
        ((), dict(size=3, mode="bogus"), NotImplementedError),
        ((), dict(size=3, recompute_scale_factor=True), ValueError),
        ((), dict(size=3, mode="linear", antialias=True), ValueError),
    ],
)
def test_argument_errors_match_torch(args, kw, exc):
    x = np.ones((1, 2, 4), dtype=np.float32)
    with pytest.raises(exc):
        TF.interpolate(to_torch(x), *args, **kw)
    with pytest.raises(exc):
        F.interpolate(ck.tensor(x), *args, **kw)


def test_integer_input_to_linear_is_refused_as_torch():
    x = np.ones((1, 1, 4), dtype=np.int64)
    with pytest.raises(NotImplementedError):
        TF.interpolate(to_torch(x), size=3, mode="linear")
    with pytest.raises(NotImplementedError):
        F.interpolate(ck.tensor(x), size=3, mode="linear")


@pytest.mark.parametrize(
    "name,kw",
    [
        ("upsample", dict(scale_factor=2, mode="nearest")),
        ("upsample_nearest", dict(size=7)),
        ("upsample_bilinear", dict(scale_factor=2)),
    ],
)
def test_deprecated_aliases_warn_and_match(name, kw):
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="deprecated"):
        y = getattr(F, name)(ck.tensor(x), **kw)
    with pytest.warns(UserWarning):
        yt = getattr(TF, name)(to_torch(x), **kw)
    np.testing.assert_array_equal(y.data, yt.numpy())


@pytest.mark.parametrize(
    "shape,size,mode,error",
    [
        ((1, 1, 3), 2.5, "bilinear", NotImplementedError),  # the rank check comes first
        ((1, 1, 3), "a", "bilinear", NotImplementedError),
        ((1, 1, 3), 2.5, "bogus", NotImplementedError),
        ((1, 1, 3, 3), 2.5, "linear", NotImplementedError),
        ((1, 1, 3, 3), 2.5, "bilinear", TypeError),
        ((1, 1, 3), 2.5, "nearest", TypeError),
        ((1, 1, 3), 2.5, "area", TypeError),
    ],
)
def test_interpolate_scalar_size_type_checked_after_the_mode_like_torch(shape, size, mode, error):
    x = np.zeros(shape, dtype=np.float32)
    with pytest.raises(error):
        TF.interpolate(to_torch(x), size=size, mode=mode)
    with pytest.raises(error):
        F.interpolate(ck.tensor(x), size=size, mode=mode)
