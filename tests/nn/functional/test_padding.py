"""F.pad: the slicing kernel against its loop reference and torch, gradients, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from convkit.kernels.pad import pad as pad_kernel
from convkit.kernels.pad import pad_backward
from convkit.kernels.pad_ref import pad_backward_ref, pad_ref
from tests.helpers import gradcheck, same_as_torch, to_torch

MODES = ["constant", "reflect", "replicate", "circular"]

# (input shape, flat pad) pairs every mode accepts, negative pads included.
CASES = [
    ((2, 5), (2, 1)),
    ((1, 3, 4), (3, 0)),
    ((1, 3, 4), (-1, 2)),
    ((2, 3, 4), (1, 2, 2, 0)),
    ((2, 3, 4), (-1, 3, 1, -1)),
    ((1, 2, 4, 5), (1, 1, 2, 3)),
    ((2, 3, 4, 5), (4, 0, 0, 3, 2, 1)),
    ((1, 2, 3, 4, 5), (1, 2, 0, 1, 2, 1)),
    ((1, 2, 3, 4, 5), (-2, 1, 1, -1, 0, 2)),
]


def _pairs(flat):
    return tuple((flat[2 * k], flat[2 * k + 1]) for k in reversed(range(len(flat) // 2)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,p", CASES)
def test_matches_torch_and_reference(mode, shape, p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    pairs = _pairs(p)
    for dtype in (np.float32, np.float64):
        xd = x.astype(dtype)
        got = F.pad(ck.tensor(xd), p, mode=mode)
        want = TF.pad(to_torch(xd), p, mode=mode).numpy()
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.data, want)
        np.testing.assert_array_equal(pad_kernel(xd, pairs, mode), pad_ref(xd, pairs, mode))
    g = rng.standard_normal(want.shape)
    np.testing.assert_allclose(
        pad_backward(g, shape, pairs, mode),
        pad_backward_ref(g, shape, pairs, mode),
        rtol=1e-12,
        atol=1e-12,
    )
    xt = to_torch(x, requires_grad=True)
    TF.pad(xt, p, mode=mode).backward(to_torch(g))
    xc = ck.tensor(x, requires_grad=True)
    F.pad(xc, p, mode=mode).backward(ck.tensor(g))
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck(mode):
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    gradcheck(lambda t: F.pad(t, (3, 2, 2, 1), mode=mode), x)
    gradcheck(lambda t: F.pad(t, (-1, 3), mode=mode), x)


def test_float32_gradient_dtype_and_constant_value():
    x = ck.randn(1, 2, 3, requires_grad=True)
    y = F.pad(x, (1, 1), value=2.5)
    assert y.dtype == np.float32
    assert np.all(y.detach().numpy()[..., 0] == 2.5)
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.ones((1, 2, 3), np.float32))


def test_random_pads_agree_with_torch():
    """Random pads, negative included: same result or both raise."""
    rng = np.random.default_rng(2)
    for mode in MODES:
        for shape in [(2, 5), (1, 3, 4), (2, 3, 4, 5)]:
            for _ in range(25):
                k = int(rng.integers(1, len(shape)))
                p = tuple(int(v) for v in rng.integers(-5, 6, size=2 * k))
                x = rng.standard_normal(shape)
                try:
                    want = TF.pad(to_torch(x), p, mode=mode).numpy()
                except Exception as e:
                    with pytest.raises(type(e)):
                        F.pad(ck.tensor(x), p, mode=mode)
                    continue
                pairs = _pairs(p)
                core = [
                    n + min(a, 0) + min(b, 0) for n, (a, b) in zip(shape[-k:], pairs, strict=True)
                ]
                if mode == "circular" and any(
                    max(a, 0) > c or max(b, 0) > c for c, (a, b) in zip(core, pairs, strict=True)
                ):
                    # torch reads uninitialised memory here; convkit refuses.
                    with pytest.raises(RuntimeError, match="wrapping around"):
                        F.pad(ck.tensor(x), p, mode=mode)
                    continue
                np.testing.assert_array_equal(F.pad(ck.tensor(x), p, mode=mode).data, want)


def test_integer_and_bool_inputs():
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(
        F.pad(ck.tensor(x), (1, 1), value=2.7).data,
        TF.pad(torch.from_numpy(x), (1, 1), value=2.7).numpy(),
    )
    np.testing.assert_array_equal(
        F.pad(ck.tensor(x), (2, 1), mode="reflect").data,
        TF.pad(torch.from_numpy(x), (2, 1), mode="reflect").numpy(),
    )


ERRORS = [
    ((1, 1, 4), (1,), "constant", None, RuntimeError, "divisible by 2"),
    ((1, 1, 4), (1, 1, 1, 1, 1, 1, 1, 1), "constant", None, RuntimeError, "two times"),
    ((1, 1, 4), (4, 0), "reflect", None, RuntimeError, "less than the corresponding"),
    ((1, 1, 4), (5, 0), "circular", None, RuntimeError, "wrapping around more than once"),
    ((1, 1, 4), (-3, -2), "circular", None, RuntimeError, "empty dimension"),
    ((1, 1, 4), (-3, -2), "constant", None, RuntimeError, "negative"),
    ((1, 1, 4), (-2, -3), "replicate", None, RuntimeError, "too small"),
    ((1, 1, 4), (1, 1), "reflect", 3.5, RuntimeError, "doesn't take in value"),
    ((1, 1, 4), (1, 1), "zeros", None, NotImplementedError, "Unrecognised padding mode"),
    ((4,), (1, 1), "reflect", None, NotImplementedError, "not supported for 1D"),
    ((1, 1, 2, 3), (1, 1), "replicate", None, NotImplementedError, "not supported for 4D"),
    ((1, 0, 4), (1, 1), "reflect", None, RuntimeError, "non-zero dimensions"),
]


@pytest.mark.parametrize("shape,p,mode,value,exc,msg", ERRORS)
def test_errors_where_torch_raises(shape, p, mode, value, exc, msg):
    with pytest.raises(exc):
        TF.pad(torch.zeros(shape), p, mode=mode, value=value)
    with pytest.raises(exc, match=msg):
        F.pad(ck.zeros(shape), p, mode=mode, value=value)


def test_argument_types():
    with pytest.raises(TypeError, match="tuple of ints"):
        F.pad(ck.zeros(1, 4), (1.0, 1))
    with pytest.raises(TypeError, match="must be Tensor"):
        F.pad(np.zeros((1, 4)), (1, 1))
    assert F.pad(ck.zeros(1, 4), [1, 1]).shape == (1, 6)
    assert F.pad(ck.zeros(1, 4), ()).shape == (1, 4)


# ----- issue 10: deviations a differential fuzz found, each checked against torch -------------


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
@pytest.mark.parametrize("shape,p", [((1, 1, 3), (1, 1)), ((1, 1, 3, 3), (1, 1, 1, 1))])
def test_bool_input_per_mode(mode, shape, p):
    """torch has no bool reflection/replication kernel (NotImplementedError); circular and
    constant padding copy any dtype."""
    same_as_torch(
        lambda lib: lib.nn.functional.pad(
            lib.tensor(np.arange(np.prod(shape)).reshape(shape) % 2 == 0), p, mode=mode
        )
    )


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool", "float16", "float32"])
@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        -float("inf"),
        -2.0,
        -0.5,
        2.5,
        127.9,
        255.5,
        300.0,
        1e20,
        1e300,
        70000.0,
        True,
        -1,
        256,
    ],
)
def test_fill_value_must_fit_the_dtype(dtype, value):
    """A fill value that does not fit the dtype is a RuntimeError, as torch's checked
    conversion gives: never INT64_MIN or a wrapped integer."""
    same_as_torch(
        lambda lib: lib.nn.functional.pad(
            lib.tensor(np.ones((1, 3), dtype=dtype)), (1, 1), value=value
        )
    )


def test_fill_value_overflow_message():
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8_t without overflow"):
        F.pad(ck.ones(1, 3, dtype=ck.uint8), (1, 1), value=-2.0)


@pytest.mark.parametrize("p", [(1, True), (True, 1), (np.int64(1), 1), (1.0, 1)])
def test_pad_entries_as_torch_parses_them(p):
    """torch's parser type-checks only the first entry of an int list."""
    same_as_torch(lambda lib: lib.nn.functional.pad(lib.ones(2, 3), p))
