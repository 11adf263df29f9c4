"""convkit.nn.functional pooling vs torch 2.13 (outputs, indices, gradients, dtypes, errors),
and float64 numerical gradient checks of every pooling primitive."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import gradcheck, same_as_torch, tolerance


def _pair(name, x, args, kwargs, dtype, seed=0, indices=False):
    """Run F.name and torch's on x; compare outputs, indices, input gradients and dtypes."""
    x = x.astype(dtype)
    a = ck.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = getattr(F, name)(a, *args, **kwargs), getattr(TF, name)(b, *args, **kwargs)
    if indices:
        (ya, ia), (yb, ib) = ya, yb
        assert ia.dtype == np.int64
        np.testing.assert_array_equal(ia.data, ib.numpy())
    assert ya.dtype == dtype and tuple(ya.shape) == tuple(yb.shape)
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), equal_nan=True, **tolerance(dtype))
    w = np.random.default_rng(seed).standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(ck.tensor(w))
    (yb * torch.from_numpy(w)).sum().backward()
    assert a.grad.dtype == dtype
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), equal_nan=True, **tolerance(dtype))


def _x(shape, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    if ties:
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


MAX_CASES = [
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool1d", (3, 10), dict(kernel_size=2, dilation=3, ceil_mode=True)),
    ("max_pool2d", (2, 3, 9, 10), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 9, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (
        "max_pool2d",
        (3, 8, 7),
        dict(kernel_size=(3, 2), stride=(1, 3), padding=(1, 1), dilation=(2, 1)),
    ),
    ("max_pool2d", (1, 2, 25, 25), dict(kernel_size=2)),
    (
        "max_pool3d",
        (1, 2, 5, 6, 7),
        dict(kernel_size=(2, 3, 2), stride=(2, 1, 3), padding=1, ceil_mode=True),
    ),
    ("max_pool3d", (2, 4, 5, 6), dict(kernel_size=2, dilation=(1, 2, 1))),
]


@pytest.mark.parametrize("name,shape,kwargs", MAX_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_matches_torch(name, shape, kwargs, dtype, ties):
    x = _x(shape, ties=ties)
    _pair(name, x, (), kwargs, dtype)
    _pair(name, x, (), dict(kwargs, return_indices=True), dtype, indices=True)


def test_max_pool_nan_wins_and_gets_the_gradient():
    x = _x((2, 3, 6, 6))
    x[0, 0, 1, 1] = x[1, 2, 4, 5] = x[1, 2, 4, 4] = np.nan
    x[0, 1] = -np.inf
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        _pair("max_pool2d", x, (), kwargs, np.float64)
        _pair("max_pool2d", x, (), dict(kwargs, return_indices=True), np.float64, indices=True)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool2d_integers_like_torch(dtype):
    x = np.random.default_rng(1).integers(0, 100, size=(2, 5, 7)).astype(dtype)
    y, i = F.max_pool2d(ck.tensor(x), 3, 2, 1, return_indices=True)
    ty, ti = TF.max_pool2d(torch.from_numpy(x), 3, 2, 1, return_indices=True)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, ty.numpy())
    np.testing.assert_array_equal(i.data, ti.numpy())


INT_MAX_CASES = [
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool1d", (3, 9), dict(kernel_size=2, dilation=2, ceil_mode=True)),
    ("max_pool2d", (2, 3, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    ("max_pool3d", (1, 2, 5, 6, 4), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
]


@pytest.mark.parametrize("name,shape,kwargs", INT_MAX_CASES)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool_integers_with_indices_like_torch(name, shape, kwargs, dtype):
    """torch computes integer max pooling with indices in 1d too (issue 10); ties pick the
    first cell, and padding is never chosen, even where every real cell is the dtype's min."""
    rng = np.random.default_rng(4)
    lo = 0 if dtype == np.uint8 else -3
    x = rng.integers(lo, lo + 4, size=shape).astype(dtype)  # many ties
    x.reshape(-1)[:5] = np.iinfo(dtype).min
    y, i = getattr(F, name)(ck.tensor(x), return_indices=True, **kwargs)
    ty, ti = getattr(TF, name)(torch.from_numpy(x), return_indices=True, **kwargs)
    assert y.dtype == dtype and i.dtype == np.int64
    np.testing.assert_array_equal(y.data, ty.numpy())
    np.testing.assert_array_equal(i.data, ti.numpy())
    # the module form
    n = int(name[-2])
    module = getattr(ck.nn, f"MaxPool{n}d")(return_indices=True, **kwargs)
    tmodule = getattr(torch.nn, f"MaxPool{n}d")(return_indices=True, **kwargs)
    (my, mi), (ty2, ti2) = module(ck.tensor(x)), tmodule(torch.from_numpy(x))
    np.testing.assert_array_equal(my.data, ty2.numpy())
    np.testing.assert_array_equal(mi.data, ti2.numpy())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool1d_integers_without_indices_raise_like_torch(dtype):
    x = np.zeros((1, 2, 6), dtype=dtype)
    with pytest.raises(NotImplementedError):
        TF.max_pool1d(torch.from_numpy(x), 2)
    with pytest.raises(NotImplementedError, match="max_pool1d"):
        F.max_pool1d(ck.tensor(x), 2)
    with pytest.raises(NotImplementedError, match="max_pool1d"):
        ck.nn.MaxPool1d(2)(ck.tensor(x))


AVG_CASES = [
    ("avg_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (
        "avg_pool1d",
        (3, 4),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    ),
    ("avg_pool2d", (2, 3, 9, 10), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 9, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (
        "avg_pool2d",
        (2, 3, 9, 10),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    ),
    (
        "avg_pool2d",
        (3, 8, 7),
        dict(kernel_size=(3, 2), stride=(1, 3), padding=(1, 1), divisor_override=5),
    ),
    (
        "avg_pool3d",
        (1, 2, 5, 6, 7),
        dict(
            kernel_size=(2, 3, 2),
            stride=(2, 1, 3),
            padding=1,
            ceil_mode=True,
            count_include_pad=False,
        ),
    ),
    ("avg_pool3d", (2, 4, 5, 6), dict(kernel_size=2, divisor_override=-3)),
]


@pytest.mark.parametrize("name,shape,kwargs", AVG_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avg_pool_matches_torch(name, shape, kwargs, dtype):
    _pair(name, _x(shape), (), kwargs, dtype)


def test_avg_pool_int64_like_torch():
    x = np.random.default_rng(2).integers(-50, 50, size=(1, 2, 5, 6))
    for kwargs in (
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
        dict(kernel_size=2, divisor_override=-3),
    ):
        y = F.avg_pool2d(ck.tensor(x), **kwargs)
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y.data, TF.avg_pool2d(torch.from_numpy(x), **kwargs))


ADAPTIVE_CASES = [
    ("adaptive_avg_pool1d", (2, 3, 10), 3),
    ("adaptive_avg_pool1d", (3, 5), (8,)),
    ("adaptive_avg_pool2d", (2, 3, 9, 10), (4, 3)),
    ("adaptive_avg_pool2d", (3, 7, 7), 1),
    ("adaptive_avg_pool2d", (2, 3, 9, 10), (None, 4)),
    ("adaptive_avg_pool2d", (2, 2, 2, 5, 6), 1),  # torch's any-rank global average
    ("adaptive_avg_pool3d", (1, 2, 5, 6, 7), (2, 3, 4)),
    ("adaptive_avg_pool3d", (2, 4, 4, 4), (3, None, 2)),
    ("adaptive_max_pool1d", (2, 3, 10), 3),
    ("adaptive_max_pool1d", (3, 5), 8),
    ("adaptive_max_pool2d", (2, 3, 9, 10), (4, 3)),
    ("adaptive_max_pool2d", (3, 7, 7), 1),
    ("adaptive_max_pool2d", (2, 3, 9, 10), (None, 7)),
    ("adaptive_max_pool3d", (1, 2, 5, 6, 7), (2, 3, 4)),
    ("adaptive_max_pool3d", (2, 4, 4, 4), 2),
]


@pytest.mark.parametrize("name,shape,out", ADAPTIVE_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_pool_matches_torch(name, shape, out, dtype, ties):
    x = _x(shape, ties=ties)
    _pair(name, x, (out,), {}, dtype)
    if "max" in name:
        _pair(name, x, (out,), dict(return_indices=True), dtype, indices=True)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_unpool_matches_torch(n, dtype):
    shape = (2, 3) + (6, 8, 4)[:n]
    x = torch.from_numpy(_x(shape).astype(dtype))
    y, idx = getattr(TF, f"max_pool{n}d")(x, 2, return_indices=True)
    for kwargs in (dict(), dict(output_size=tuple(s + 1 for s in x.shape[2:]))):
        if "output_size" in kwargs and n == 3:
            kwargs = dict(output_size=(1, 1) + kwargs["output_size"])
        a = ck.tensor(y.numpy(), requires_grad=True)
        b = y.detach().clone().requires_grad_(True)
        ua = getattr(F, f"max_unpool{n}d")(a, ck.tensor(idx.numpy()), 2, **kwargs)
        ub = getattr(TF, f"max_unpool{n}d")(b, idx, 2, **kwargs)
        assert ua.dtype == dtype
        np.testing.assert_array_equal(ua.data, ub.detach().numpy())
        w = np.random.default_rng(0).standard_normal(tuple(ub.shape)).astype(dtype)
        ua.backward(ck.tensor(w))
        (ub * torch.from_numpy(w)).sum().backward()
        assert a.grad.dtype == dtype
        np.testing.assert_array_equal(a.grad.data, b.grad.numpy())


@pytest.mark.parametrize(
    "n,p,kernel,stride,ceil",
    [
        (1, 2, 2, None, False),
        (1, 1, 3, 1, False),
        (1, 3, 2, None, True),
        (2, 2, (2, 3), None, False),
        (2, 1, 2, 1, True),
        (2, 3.0, 2, (1, 2), False),
        (2, math.inf, 2, None, False),
        (3, 2, 2, None, False),
        (3, 1.5, (2, 3, 1), (1, 2, 2), True),
        (3, -math.inf, 2, 1, False),
        (3, 3, (3, 2, 2), None, True),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lp_pool_matches_torch(n, p, kernel, stride, ceil, dtype):
    shape = (2, 3) + (7, 6, 5)[:n]
    x = np.abs(_x(shape)) + 0.1 if p not in (1, 2) else _x(shape)
    if p == 2:
        x[0, 0, :2] = 0.0  # zero windows: torch's gradient there is 0, not NaN
    _pair(f"lp_pool{n}d", x, (p, kernel, stride, ceil), {}, dtype)


def test_lp_pool_integer_input_like_torch():
    x = np.arange(16).reshape(1, 4, 4)
    y = F.lp_pool2d(ck.tensor(x), 2, 2)
    ty = TF.lp_pool2d(torch.from_numpy(x), 2, 2)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "name,n",
    [
        ("max_pool1d", 1),
        ("max_pool2d", 2),
        ("max_pool3d", 3),
        ("avg_pool1d", 1),
        ("avg_pool2d", 2),
        ("avg_pool3d", 3),
    ],
)
def test_unbatched_input_gives_unbatched_output(name, n):
    x = _x((3,) + (6,) * n)
    ya = getattr(F, name)(ck.tensor(x), 2)
    np.testing.assert_allclose(ya.data, getattr(TF, name)(torch.from_numpy(x), 2).numpy())


# ----------------------------------------------------------------------------------------------
# float64 numerical gradient checks of each primitive (inputs without ties for max)
# ----------------------------------------------------------------------------------------------


def _distinct(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(math.prod(shape)).reshape(shape) * 0.1 + rng.random(shape) * 0.01


def _gradcheck_cases():
    return [
        (lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), (2, 2, 5, 6)),
        (lambda t: F.max_pool1d(t, 2, 1, dilation=2), (2, 7)),
        (lambda t: F.max_pool3d(t, 2, (1, 2, 1), padding=(1, 0, 1)), (1, 2, 3, 4, 4)),
        (lambda t: F.max_pool2d(t, 2, return_indices=True)[0], (1, 2, 4, 5)),
        (lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 5, 6)),
        (lambda t: F.avg_pool3d(t, 2, 1, 1, divisor_override=3), (1, 1, 3, 3, 3)),
        (lambda t: F.avg_pool1d(t, 3, 2, 1, ceil_mode=True), (2, 3, 6)),
        (lambda t: F.adaptive_avg_pool2d(t, (3, 2)), (1, 2, 5, 5)),
        (lambda t: F.adaptive_max_pool2d(t, (3, 2)), (1, 2, 5, 5)),
        (lambda t: F.adaptive_avg_pool3d(t, 2), (1, 1, 3, 3, 3)),
        (lambda t: F.adaptive_max_pool1d(t, 3), (2, 2, 7)),
        (lambda t: F.lp_pool2d(t, 2, 2), (1, 2, 4, 4)),
        (lambda t: F.max_unpool2d(t, ck.tensor(np.array([[[[0, 3], [9, 14]]]])), 2), (1, 1, 2, 2)),
    ]


@pytest.mark.parametrize("case", range(len(_gradcheck_cases())))
def test_gradcheck_primitive(case):
    fn, shape = _gradcheck_cases()[case]
    gradcheck(fn, _distinct(shape, seed=case))


@pytest.mark.parametrize(
    "name,args",
    [
        ("max_pool2d", (2,)),
        ("avg_pool2d", (2,)),
        ("adaptive_avg_pool2d", (2,)),
        ("adaptive_max_pool2d", (2,)),
        ("adaptive_max_pool2d", ((0, 2),)),
        ("adaptive_avg_pool2d", (0,)),
    ],
)
def test_empty_batch_and_empty_output(name, args):
    for shape in ((0, 2, 4, 4), (1, 2, 4, 4)):
        x = np.ones(shape, dtype=np.float32)
        a = ck.tensor(x, requires_grad=True)
        y = getattr(F, name)(a, *args)
        assert tuple(y.shape) == tuple(getattr(TF, name)(torch.from_numpy(x), *args).shape)
        y.backward(ck.tensor(np.ones(tuple(y.shape), dtype=np.float32)))
        assert a.grad.shape == a.shape and a.grad.dtype == np.float32


# ----- issue 10: deviations a differential fuzz found, each checked against torch -------------


@pytest.mark.parametrize(
    "n,p,values",
    [
        (1, 2, [float("nan"), 1.0, 2.0, 3.0]),
        (1, 1, [float("nan"), 1.0, 2.0, 3.0]),
        (1, float("inf"), [float("nan"), 1.0, 2.0, 3.0]),
        (1, 3, [0.0, 0.0, 1.0, -3.0]),
        (2, 3, [float("nan"), 1.0, 2.0, 3.0]),
        (2, 2, [float("inf"), 1.0, 2.0, 3.0]),
        (3, 2, [0.0] * 8),
        (3, 3, [float("nan")] + [1.0] * 7),
    ],
)
def test_lp_pool_gradients_with_nan_and_zero_windows(n, p, values):
    """A NaN window sends NaN back to every cell of the window (relu and abs pass it, as in
    torch); an all-zero window gets a zero gradient."""

    def run(lib):
        shape = {1: (1, 1, 4), 2: (1, 1, 2, 2), 3: (1, 1, 2, 2, 2)}[n]
        x = lib.tensor(np.array(values, dtype=np.float32).reshape(shape), requires_grad=True)
        y = getattr(lib.nn.functional, f"lp_pool{n}d")(x, p, 2)
        y.sum().backward()
        return y, x.grad

    same_as_torch(run)


@pytest.mark.parametrize(
    "fn,shape,dtype,size",
    [
        ("adaptive_avg_pool3d", (1, 0, 2, 2, 2), "float32", 2),
        ("adaptive_avg_pool3d", (1, 0, 2, 2, 2), "float32", 1),
        ("adaptive_avg_pool3d", (0, 2, 2, 2), "float32", 2),
        ("adaptive_avg_pool2d", (1, 0, 2, 2), "float32", 2),
        ("adaptive_max_pool3d", (1, 0, 2, 2, 2), "float32", 2),
        ("adaptive_avg_pool2d", (0, 1, 2, 2), "int64", 2),
        ("adaptive_avg_pool2d", (0, 1, 2, 2), "int64", 1),
        ("adaptive_avg_pool1d", (0, 1, 2), "int64", 1),
        ("adaptive_avg_pool1d", (0, 1, 2), "int64", 2),
        ("adaptive_avg_pool1d", (1, 1, 2), "int64", 1),
        ("adaptive_avg_pool3d", (0, 1, 2, 2, 2), "int64", 1),
        ("adaptive_avg_pool2d", (1, 1, 2, 2), "int64", 2),
    ],
)
def test_adaptive_pooling_of_empty_and_integer_inputs(fn, shape, dtype, size):
    same_as_torch(
        lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(np.zeros(shape, dtype=dtype)), size)
    )


@pytest.mark.parametrize(
    "n,shape,kwargs",
    [
        (1, (1, 1, 1), dict(kernel_size=2, padding=1)),  # output size 0: empty, indices unread
        (2, (1, 1, 2, 2), dict(kernel_size=0)),  # kernel 0: a 0 x 0 output
        (1, (1, 1, 1), dict(kernel_size=1, padding=1)),  # output size -1
        (1, (0, 1, 2), dict(kernel_size=2)),  # an empty batch
        (1, (1, 0, 2), dict(kernel_size=2)),  # empty channels
        (3, (1, 1, 0, 2, 2), dict(kernel_size=2)),  # an empty spatial dimension
        (2, (0, 2, 2), dict(kernel_size=2)),
    ],
)
def test_max_unpool_empty_sizes(n, shape, kwargs):
    def run(lib):
        x = lib.zeros(*shape, requires_grad=True)
        return getattr(lib.nn.functional, f"max_unpool{n}d")(
            x, lib.zeros(*shape, dtype=lib.int64), **kwargs
        )

    out = same_as_torch(run)
    if isinstance(out, type) or out[0].numel():  # raised, or not empty
        return
    # An empty output: convkit's input gradient is zero. (torch's backward gathers at the
    # indices it never checked and fails with "index 0 is out of bounds"; convkit does not copy
    # that failure.)
    x = ck.zeros(*shape, requires_grad=True)
    getattr(F, f"max_unpool{n}d")(x, ck.zeros(*shape, dtype=ck.int64), **kwargs).sum().backward()
    assert x.grad is not None and not x.grad.data.any()


ALIAS_CASES = [
    ("max_pool1d", (2, 3, 11), (3,), dict(stride=2, padding=1)),
    ("max_pool2d", (3, 8, 7), ((3, 2),), dict(stride=(1, 3), padding=1, dilation=(2, 1))),
    ("max_pool3d", (1, 2, 5, 6, 7), (2,), dict(ceil_mode=True)),
    ("adaptive_max_pool1d", (2, 3, 10), (3,), {}),
    ("adaptive_max_pool2d", (3, 9, 10), ((None, 4),), {}),
    ("adaptive_max_pool3d", (1, 2, 5, 6, 7), ((2, 3, 4),), {}),
]


@pytest.mark.parametrize("name,shape,args,kwargs", ALIAS_CASES)
@pytest.mark.parametrize("flag", [None, False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_with_indices_aliases_match_torch(name, shape, args, kwargs, flag, dtype):
    """The ``*_with_indices`` aliases return (values, indices) whatever return_indices says;
    values, indices and gradients equal torch's and the un-aliased call's."""
    if flag is not None:
        kwargs = dict(kwargs, return_indices=flag)
    x = _x(shape, ties=True)
    _pair(f"{name}_with_indices", x, args, kwargs, dtype, indices=True)
    a, b = getattr(F, f"{name}_with_indices"), getattr(F, name)
    (ya, ia), (yb, ib) = (
        a(ck.tensor(x), *args, **kwargs),
        b(ck.tensor(x), *args, **dict(kwargs, return_indices=True)),
    )
    np.testing.assert_array_equal(ya.data, yb.data)
    np.testing.assert_array_equal(ia.data, ib.data)


def test_max_pool1d_with_indices_takes_integers_like_torch():
    x = np.random.default_rng(2).integers(-3, 3, size=(2, 9)).astype(np.int32)
    y, i = F.max_pool1d_with_indices(ck.tensor(x), 2)
    ty, ti = TF.max_pool1d_with_indices(torch.from_numpy(x), 2)
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y.data, ty.numpy())
    np.testing.assert_array_equal(i.data, ti.numpy())


@pytest.mark.parametrize(
    "name,args,kwargs,exc",
    [
        ("max_pool2d_with_indices", (2,), dict(ceil_mode=1), TypeError),
        ("max_pool2d_with_indices", (0,), {}, RuntimeError),
        ("max_pool3d_with_indices", (2,), dict(padding=2), RuntimeError),
        ("adaptive_max_pool2d_with_indices", ((2, 2, 2),), {}, RuntimeError),
        ("adaptive_max_pool1d_with_indices", (-1,), {}, RuntimeError),
    ],
)
def test_with_indices_aliases_raise_like_torch(name, args, kwargs, exc):
    x = _x((1, 2, 4, 4, 4) if "3d" in name else (1, 2, 4, 4) if "2d" in name else (1, 2, 4))
    with pytest.raises(exc):
        getattr(TF, name)(torch.from_numpy(x), *args, **kwargs)
    with pytest.raises(exc):
        getattr(F, name)(ck.tensor(x), *args, **kwargs)


# ----------------------------------------------------------------------------------------------
# Fractional max pooling
# ----------------------------------------------------------------------------------------------

FRACTIONAL_CASES = [
    (2, (2, 3, 7, 9), (2, 3), dict(output_size=(3, 4))),
    (2, (3, 10, 10), 2, dict(output_size=4)),
    (2, (1, 2, 25, 31), (3, 2), dict(output_size=(11, 17))),
    (2, (2, 2, 8, 6), 1, dict(output_size=(8, 1))),
    (2, (2, 1, 9, 9), 2, dict(output_ratio=(0.5, 0.75))),
    (3, (1, 2, 5, 6, 7), (2, 1, 3), dict(output_size=(2, 3, 4))),
    (3, (2, 6, 7, 8), 2, dict(output_ratio=0.5)),
    (3, (2, 1, 9, 4, 5), (1, 2, 2), dict(output_size=(7, 1, 2))),
]


def _fractional(n, x, kernel, kwargs, samples, lib):
    fn = getattr(lib.nn.functional, f"fractional_max_pool{n}d")
    return fn(x, kernel, return_indices=True, _random_samples=samples, **kwargs)


@pytest.mark.parametrize("n,shape,kernel,kwargs", FRACTIONAL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
def test_fractional_max_pool_given_samples_matches_torch(n, shape, kernel, kwargs, dtype, ties):
    """Values, indices and gradients with given _random_samples (windows overlap when the
    kernel is wider than the step, so a cell can collect several gradients)."""
    x = _x(shape, seed=3, ties=ties).astype(dtype)
    if ties:
        x.reshape(-1)[::11] = np.nan
    batch = shape[0] if len(shape) == n + 2 else 1
    u = np.random.default_rng(5).random((batch, shape[-n - 1], n)).astype(dtype)
    w = np.random.default_rng(6).standard_normal(4 * x.size).astype(dtype)

    def run(lib):
        a = lib.tensor(x, requires_grad=True)
        y, idx = _fractional(n, a, kernel, kwargs, lib.tensor(u), lib)
        (y * lib.tensor(w[: y.numel()].reshape(tuple(y.shape)))).sum().backward()
        return y, idx, a.grad

    same_as_torch(run)


@pytest.mark.parametrize("n,shape,kernel,kwargs", FRACTIONAL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_max_pool_seeded_draw_matches_torch(n, shape, kernel, kwargs, dtype):
    """Without _random_samples, torch.rand(N, C, n) in the input's dtype: the same seed gives
    the same windows, and the generator ends in the same state."""
    x = _x(shape, seed=4).astype(dtype)

    def run(lib):
        lib.manual_seed(13)
        y, idx = _fractional(n, lib.tensor(x), kernel, kwargs, None, lib)
        return y, idx, lib.rand(2)

    same_as_torch(run)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_max_pool_matches_its_loop_reference(dtype):
    from convkit.kernels import pool as K
    from convkit.kernels.pool_ref import fractional_max_pool_ref

    rng = np.random.default_rng(8)
    for spatial, kernel, out in [((7, 9), (2, 3), (3, 4)), ((5, 6, 7), (2, 1, 3), (2, 5, 4))]:
        x = rng.integers(-2, 3, size=(6,) + spatial).astype(dtype)
        x.reshape(-1)[::7] = np.nan
        u = rng.random((6, len(spatial))).astype(dtype)
        starts = [K.fractional_starts(u[:, d], L, o, k) for d, (L, o, k) in
                  enumerate(zip(spatial, out, kernel, strict=True))]  # fmt: skip
        y, idx = K.fractional_max_pool(x, starts, kernel)
        ry, ridx = fractional_max_pool_ref(x, u, kernel, out)
        np.testing.assert_array_equal(idx, ridx)
        np.testing.assert_array_equal(y, ry)


def test_fractional_starts_round_in_float32_as_torch():
    """The starts are computed in the samples' dtype: many float32 draws, torch's windows."""
    rng = np.random.default_rng(9)
    u = rng.random((1, 4000, 2)).astype(np.float32)
    x = np.arange(4000 * 97 * 89, dtype=np.float32).reshape(1, 4000, 97, 89)
    _, ti = TF.fractional_max_pool2d(
        torch.from_numpy(x), 1, output_size=(31, 53), _random_samples=torch.from_numpy(u),
        return_indices=True,
    )  # fmt: skip
    _, ci = F.fractional_max_pool2d(
        ck.tensor(x), 1, output_size=(31, 53), _random_samples=ck.tensor(u), return_indices=True
    )
    np.testing.assert_array_equal(ci.data, ti.numpy())


def test_fractional_max_pool_gradcheck():
    u = ck.tensor(np.array([[[0.3, 0.8], [0.6, 0.1]]]))
    gradcheck(
        lambda t: F.fractional_max_pool2d(t, 2, output_size=(3, 3), _random_samples=u),
        _x((1, 2, 6, 5), seed=2),
    )


def test_fractional_max_pool_return_indices_and_alias():
    x = ck.tensor(_x((1, 2, 8, 8)))
    u = ck.rand(1, 2, 2, dtype=ck.float64)
    y = F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=u)
    y2, idx = F.fractional_max_pool2d_with_indices(x, 2, output_size=3, _random_samples=u)
    assert isinstance(y, ck.Tensor)
    np.testing.assert_array_equal(y.data, y2.data)
    assert idx.dtype == np.int64


F_BAD = [
    (2, (1, 2, 7, 8), (2,), {}),  # neither output_size nor output_ratio
    (2, (1, 2, 7, 8), (2,), dict(output_ratio=0.5)),  # a bare 2-d ratio
    (2, (1, 2, 7, 8), (2,), dict(output_ratio=(0.5, 0.5, 0.5))),
    (2, (1, 2, 7, 8), (2,), dict(output_ratio=(0.5,))),
    (3, (1, 2, 5, 6, 7), (2,), dict(output_ratio=(0.5, 0.5))),
    (2, (1, 2, 7, 8), ((2,),), dict(output_size=3)),
    (2, (1, 2, 7, 8), (2.0,), dict(output_size=3)),
    (2, (1, 2, 7, 8), (True,), dict(output_size=3)),
    (2, (1, 2, 7, 8), (2,), dict(output_size=(3,))),
    (2, (1, 2, 7, 8), (2,), dict(output_size=(3, None))),
    (2, (1, 2, 7, 8), (2,), dict(output_size=(7, 3))),
    (2, (1, 2, 7, 8), (2,), dict(output_size=(6, 7))),  # just fits
    (3, (1, 2, 6, 6, 6), (2,), dict(output_size=(5, 1, 1))),  # 3-d's stricter rule
    (3, (1, 2, 6, 6, 6), (2,), dict(output_size=(4, 4, 4))),
    (2, (1, 2, 7, 8), (2,), dict(output_size=-1)),
    (2, (7, 8), (2,), dict(output_size=2)),
    (2, (1, 1, 2, 7, 8), (2,), dict(output_size=2)),
    (2, (1, 0, 7, 8), (2,), dict(output_size=2)),
    (2, (0, 2, 7, 8), (2,), dict(output_size=2)),
    (2, (2, 7, 8), (2,), dict(output_size=2)),
    (3, (2, 1, 6, 6, 0), (2,), dict(output_size=2)),
    (2, (1, 2, 7, 8), (2,), dict(output_size=(0, 2))),
]


@pytest.mark.parametrize("n,shape,args,kwargs", F_BAD)
def test_fractional_max_pool_arguments_like_torch(n, shape, args, kwargs):
    def run(lib):
        lib.manual_seed(0)
        fn = getattr(lib.nn.functional, f"fractional_max_pool{n}d")
        return fn(lib.tensor(_x(shape).astype(np.float32)), *args, **kwargs)

    same_as_torch(run)


@pytest.mark.parametrize(
    "samples",
    [
        lambda lib: lib.rand(2, 3, 2, dtype=lib.float64),  # dtype differs from the input's
        lambda lib: lib.rand(2, 3),
        lambda lib: lib.rand(1, 3, 2),
        lambda lib: lib.rand(3, 3, 2),  # more samples than batch entries: the first ones
        lambda lib: lib.rand(2, 2, 2),
        lambda lib: lib.rand(2, 3, 3),
        lambda lib: lib.rand(2, 3, 2, requires_grad=True),
        lambda lib: [[0.5, 0.5]],
    ],
)
def test_fractional_max_pool_samples_checked_like_torch(samples):
    def run(lib):
        lib.manual_seed(1)
        x = lib.tensor(_x((2, 3, 7, 8)).astype(np.float32))
        return lib.nn.functional.fractional_max_pool2d(
            x, 2, output_size=3, _random_samples=samples(lib)
        )

    same_as_torch(run)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("out", [2, (0, 2)])
def test_fractional_max_pool_integers_like_torch(dtype, out):
    """torch refuses integer inputs (NotImplementedError), except for an empty result."""

    def run(lib):
        x = lib.ones(1, 2, 5, 5, dtype=getattr(lib, dtype))
        u = lib.zeros(1, 2, 2, dtype=getattr(lib, dtype))
        return lib.nn.functional.fractional_max_pool2d(x, 2, output_size=out, _random_samples=u)

    for lib, fn in ((torch, TF), (ck, F)):
        if out == 2:
            with pytest.raises(NotImplementedError):
                fn.fractional_max_pool2d(lib.ones(1, 2, 5, 5, dtype=getattr(lib, dtype)), 2, 2)
    if out == 2:
        with pytest.raises(NotImplementedError):
            run(torch)
        with pytest.raises(NotImplementedError, match="fractional_max_pool2d"):
            run(ck)
    else:
        same_as_torch(run)


def test_fractional_max_pool_refuses_what_torch_leaves_undefined():
    """Non-finite or huge samples (torch's int cast is undefined) and a kernel of 0 or less
    (torch reads outside its windows) raise; other samples outside [0, 1) give torch's windows."""
    x = _x((1, 1, 9, 9))
    for bad in (np.nan, np.inf, -1e10):
        u = ck.tensor(np.full((1, 1, 2), bad))
        with pytest.raises(RuntimeError, match="_random_samples must be finite and below"):
            F.fractional_max_pool2d(ck.tensor(x), 2, output_size=3, _random_samples=u)
    for odd in (40.0, -30.0, 1.0, -0.5, 1e6):
        u = np.array([[[odd, 0.5 * odd]]])
        _, ci = F.fractional_max_pool2d(
            ck.tensor(x), 2, output_size=3, _random_samples=ck.tensor(u), return_indices=True
        )
        _, ti = TF.fractional_max_pool2d(
            torch.tensor(x), 2, output_size=3, _random_samples=torch.tensor(u), return_indices=True
        )
        np.testing.assert_array_equal(ci.data, ti.numpy())
    with pytest.raises(RuntimeError, match="kernel_size should be greater than zero"):
        F.fractional_max_pool2d(ck.tensor(x), 0, output_size=3)
