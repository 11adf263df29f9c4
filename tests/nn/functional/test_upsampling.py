"""interpolate and the upsample aliases against torch: values (bit for bit except bicubic and
the antialiased modes), gradients, gradient checks, argument errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import assert_same_outcome, gradcheck, to_torch, tolerance

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
AA_MODES = [("bilinear", [False, True]), ("bicubic", [False, True]), ("lanczos", [None])]
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


AA_SPECS = [
    dict(size=(3, 2)),  # down
    dict(size=(9, 11)),  # up
    dict(size=(2, 13)),  # down and up
    dict(scale_factor=0.4),
    dict(scale_factor=(2.5, 0.3)),
    dict(scale_factor=0.7, recompute_scale_factor=True),
]
AA_GRID = [(m, ac, spec) for m, acs in AA_MODES for ac in acs for spec in AA_SPECS]


@pytest.mark.parametrize("mode,ac,spec", AA_GRID)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_antialias_values_and_gradients_match_torch(mode, ac, spec, dtype):
    kw = dict(spec, mode=mode, antialias=True)
    if ac is not None:
        kw["align_corners"] = ac
    x = np.random.default_rng(5).standard_normal((2, 3, 8, 7)).astype(dtype)
    xc, xt = ck.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    y, yt = F.interpolate(xc, **kw), TF.interpolate(xt, **kw)
    assert y.shape == tuple(yt.shape) and y.dtype == dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    g = np.random.default_rng(6).standard_normal(y.shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize("mode,ac", [(m, acs[-1]) for m, acs in AA_MODES])
def test_antialias_gradcheck(mode, ac):
    x = np.random.default_rng(7).standard_normal((1, 2, 7, 5))
    kw = {} if ac is None else dict(align_corners=ac)
    gradcheck(lambda t: F.interpolate(t, size=(3, 8), mode=mode, antialias=True, **kw), x)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_to_width_one_is_the_resampling_torch_gives_transposed(mode):
    """torch 2.13's antialiased kernels, resizing the height to an output of width 1, repeat the
    first output row in every row (its backward is right). convkit's rows are torch's own on
    the transposed input, where the width is not 1."""
    x = np.random.default_rng(8).standard_normal((2, 2, 8, 3))
    y = F.interpolate(ck.tensor(x), size=(3, 1), mode=mode, antialias=True)
    xt = to_torch(x).transpose(-1, -2)
    want = TF.interpolate(xt, size=(1, 3), mode=mode, antialias=True).transpose(-1, -2)
    np.testing.assert_allclose(y.data, want.numpy(), rtol=1e-10, atol=1e-12)
    broken = TF.interpolate(to_torch(x), size=(3, 1), mode=mode, antialias=True).numpy()
    np.testing.assert_array_equal(broken, np.repeat(broken[:, :, :1], 3, axis=2))


def test_antialias_with_a_size_keeping_scale_factor_keeps_the_true_gradient():
    """scale_factor 1.2 keeps a 4-pixel axis at 4: torch's forward copies it, its backward
    applies the 1/1.2 filter; convkit's gradient is the derivative of the forward."""
    x = np.random.default_rng(9).standard_normal((1, 1, 4, 4))
    y = F.interpolate(ck.tensor(x), scale_factor=1.2, mode="bilinear", antialias=True)
    np.testing.assert_array_equal(y.data, x)
    gradcheck(lambda t: F.interpolate(t, scale_factor=1.2, mode="bilinear", antialias=True), x)


@pytest.mark.parametrize(
    "shape,kw",
    [
        ((0, 2, 4, 4), dict(size=(2, 2), mode="bilinear")),  # an empty batch returns
        ((2, 0, 4, 4), dict(size=(2, 2), mode="bilinear")),  # zero channels raise
        ((2, 2, 4, 4), dict(size=(0, 2), mode="bicubic")),
        ((2, 2, 4, 4), dict(size=(2, 2), mode="lanczos", align_corners=True)),
        ((2, 2, 4), dict(size=2, mode="lanczos")),
        ((2, 2, 4, 4), dict(size=(2, 2), mode="area")),
        ((2, 2, 4, 4), dict(size=2.5, mode="bilinear")),
    ],
)
def test_antialias_edges_match_torch(shape, kw):
    def call(L):
        return L.nn.functional.interpolate(L.zeros(shape), antialias=True, **kw)

    assert_same_outcome(call)


def test_antialias_of_integers_is_refused_as_torch():
    def call(L):
        return L.nn.functional.interpolate(
            L.zeros(1, 1, 4, 4, dtype=L.int64), size=(2, 2), mode="bicubic", antialias=True
        )

    assert_same_outcome(call, message=True)


def test_lanczos_needs_antialias_as_torch():
    def call(L):
        return L.nn.functional.interpolate(L.zeros(1, 1, 4, 4), size=(2, 2), mode="lanczos")

    assert_same_outcome(call, message=True)


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


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size", [5, 4])
def test_antialias_of_an_integer_input_copies_an_unchanged_size_as_torch(mode, size):
    """torch copies an integer input whose size does not change and refuses any resampling of
    one (the last long fuzz run's case)."""
    x = np.random.default_rng(1).integers(0, 200, (1, 2, 5, 5))
    outcomes = []
    for lib in (torch, ck):
        try:
            r = lib.nn.functional.interpolate(lib.tensor(x), size=size, mode=mode, antialias=True)
            outcomes.append((str(r.dtype).split(".")[-1], r.numpy().tolist()))
        except NotImplementedError as e:
            outcomes.append(("NotImplementedError", str(e)))
    assert outcomes[1] == outcomes[0]
