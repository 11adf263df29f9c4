"""conv / conv_transpose / unfold / fold: gradient checks, torch parity, argument errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from convkit.kernels import conv_ref as R
from tests.helpers import gradcheck, tolerance

RNG = np.random.default_rng(0)


def _r(*shape):
    return RNG.standard_normal(shape)


# ----------------------------------------------------------------------------------------------
# float64 numerical gradient checks: input, weight and bias
# ----------------------------------------------------------------------------------------------

GRAD_CASES = [
    ("conv1d", (_r(2, 2, 6), _r(3, 2, 3), _r(3)), dict(stride=2, padding=1)),
    (
        "conv2d",
        (_r(1, 4, 5, 6), _r(4, 2, 2, 3), _r(4)),
        dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
    ),
    ("conv2d", (_r(2, 3, 4, 4), _r(6, 1, 3, 3), _r(6)), dict(padding=1, groups=3)),  # depthwise
    ("conv2d", (_r(1, 2, 5, 5), _r(2, 2, 2, 2), _r(2)), dict(padding="same")),
    ("conv3d", (_r(1, 2, 3, 4, 3), _r(2, 1, 2, 2, 2), _r(2)), dict(padding=(1, 0, 1), groups=2)),
    (
        "conv_transpose1d",
        (_r(2, 2, 4), _r(2, 3, 3), _r(3)),
        dict(stride=2, padding=1, output_padding=1),
    ),
    (
        "conv_transpose2d",
        (_r(1, 4, 3, 3), _r(4, 1, 2, 3), _r(2)),
        dict(stride=(2, 1), padding=(0, 1), dilation=(1, 2), groups=2),
    ),
    (
        "conv_transpose2d",
        (_r(1, 2, 3, 3), _r(2, 2, 2, 2), _r(2)),
        dict(stride=1, dilation=3, output_padding=2),
    ),  # output_padding >= stride (dilation 3)
    ("conv_transpose3d", (_r(1, 2, 2, 3, 2), _r(2, 2, 2, 2, 2), _r(2)), dict(stride=2)),
]


@pytest.mark.parametrize(
    "name,arrays,kw", GRAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(GRAD_CASES)]
)
def test_gradcheck_conv(name, arrays, kw):
    fn = getattr(F, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # even kernel with 'same'
        gradcheck(lambda x, w, b: fn(x, w, b, **kw), *arrays)


def test_gradcheck_unfold_fold():
    gradcheck(
        lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), _r(2, 2, 5, 5)
    )
    gradcheck(lambda c: F.fold(c, (5, 4), (2, 2), padding=1, stride=2), _r(2, 8, 9))
    gradcheck(lambda c: F.fold(c, (4, 4), 2), _r(4, 9))  # unbatched


# ----------------------------------------------------------------------------------------------
# torch parity: output and every gradient, float32 and float64, dtypes kept
# ----------------------------------------------------------------------------------------------

PARITY = [
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 3), 6, dict(stride=2, padding=1, groups=2)),
    ("conv2d", (2, 4, 9, 8), (8, 1, 3, 3), 8, dict(padding=1, groups=4, stride=(2, 1))),
    ("conv2d", (1, 1, 31, 31), (1, 1, 11, 11), 1, dict(stride=4)),
    ("conv2d", (4, 3, 7, 7), (5, 3, 4, 2), 5, dict(padding="same", dilation=(2, 1))),
    ("conv2d", (3, 7, 7), (5, 3, 3, 3), 5, dict(padding="valid")),  # unbatched
    ("conv1d", (2, 3, 10), (4, 3, 4), None, dict(padding="same")),
    ("conv3d", (1, 2, 5, 4, 6), (4, 1, 2, 3, 2), 4, dict(stride=(2, 1, 2), groups=2)),
    (
        "conv_transpose2d",
        (2, 4, 5, 5),
        (4, 3, 3, 2),
        6,
        dict(stride=2, padding=1, output_padding=(1, 0), groups=2),
    ),
    (
        "conv_transpose2d",
        (4, 5, 5),
        (4, 2, 3, 3),
        2,
        dict(stride=1, padding=1, dilation=3, output_padding=1),
    ),
    ("conv_transpose1d", (2, 3, 7), (3, 2, 4), None, dict(stride=3, padding=2)),
    (
        "conv_transpose3d",
        (1, 2, 3, 3, 2),
        (2, 3, 2, 3, 2),
        3,
        dict(stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 0)),
    ),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name,xs,ws,bs,kw", PARITY, ids=[f"{c[0]}-{i}" for i, c in enumerate(PARITY)]
)
def test_torch_parity(name, xs, ws, bs, kw, dtype):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bs is not None:
        arrays.append(rng.standard_normal(bs))
    arrays = [a.astype(dtype) for a in arrays]
    cks = [ck.tensor(a, requires_grad=True) for a in arrays]
    ths = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(F, name)(*cks, **kw)
        ty = getattr(TF, name)(*ths, **kw)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **tolerance(dtype))
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(ck.tensor(g))
    ty.backward(torch.from_numpy(g))
    for c, t in zip(cks, ths, strict=True):
        assert c.grad.dtype == dtype
        np.testing.assert_allclose(c.grad.data, t.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_fold_torch_parity(dtype):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 7, 6)).astype(dtype)
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    cx, tx = ck.tensor(x, requires_grad=True), torch.from_numpy(x.copy()).requires_grad_()
    y, ty = F.unfold(cx, **kw), TF.unfold(tx, **kw)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(ck.tensor(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(cx.grad.data, tx.grad.numpy(), **tolerance(dtype))
    assert y.dtype == cx.grad.dtype == dtype
    c = rng.standard_normal(y.shape).astype(dtype)
    cc, tc = ck.tensor(c, requires_grad=True), torch.from_numpy(c.copy()).requires_grad_()
    f, tf = F.fold(cc, (7, 6), **kw), TF.fold(tc, (7, 6), **kw)
    np.testing.assert_allclose(f.data, tf.detach().numpy(), **tolerance(dtype))
    gf = rng.standard_normal(f.shape).astype(dtype)
    f.backward(ck.tensor(gf))
    tf.backward(torch.from_numpy(gf))
    np.testing.assert_array_equal(cc.grad.data, tc.grad.numpy())
    assert f.dtype == cc.grad.dtype == dtype
    # unbatched
    np.testing.assert_array_equal(
        F.unfold(ck.tensor(x[0]), 2).data, TF.unfold(torch.from_numpy(x[0]), 2).numpy()
    )


def test_functional_matches_loop_reference_with_bias():
    x, w, b = _r(2, 4, 6, 5), _r(6, 2, 3, 2), _r(6)
    out = F.conv2d(
        ck.tensor(x),
        ck.tensor(w),
        ck.tensor(b),
        stride=(1, 2),
        padding=(2, 1),
        dilation=(2, 1),
        groups=2,
    )
    ref = R.conv_ref(x, w, b, ((2, 2), (1, 1)), (1, 2), (2, 1), 2)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10)
    wt = _r(4, 3, 3, 2)
    out = F.conv_transpose2d(
        ck.tensor(x), ck.tensor(wt), ck.tensor(b), stride=2, padding=1, output_padding=1, groups=2
    )
    ref = R.conv_transpose_ref(x, wt, b, (1, 1), (1, 1), (2, 2), (1, 1), 2)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10)


def test_integer_conv_like_torch():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5)
    w = np.arange(4 * 3 * 2 * 2).reshape(4, 3, 2, 2) - 20
    b = np.arange(4)
    out = F.conv2d(ck.tensor(x), ck.tensor(w), ck.tensor(b), padding=1)
    ref = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, ref.numpy())


def test_output_size_extension_picks_output_padding():
    x, w = ck.tensor(_r(1, 2, 4, 4)), ck.tensor(_r(2, 3, 3, 3))
    y = F.conv_transpose2d(x, w, stride=2, padding=1, output_size=(8, 7))
    ref = TF.conv_transpose2d(
        torch.from_numpy(x.numpy()),
        torch.from_numpy(w.numpy()),
        stride=2,
        padding=1,
        output_padding=(1, 0),
    )
    assert tuple(y.shape) == (1, 3, 8, 7)
    np.testing.assert_allclose(y.data, ref.numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="valid sizes range"):
        F.conv_transpose2d(x, w, stride=2, padding=1, output_size=(9, 7))
    # torch's range is stride-wide even when dilation > stride
    with pytest.raises(ValueError, match=r"from \[10\] to \[10\]"):
        F.conv_transpose1d(
            ck.tensor(_r(1, 2, 6)), ck.tensor(_r(2, 1, 3)), dilation=2, output_size=(11,)
        )
    with pytest.raises(ValueError, match="must have 2 or 4 elements"):
        F.conv_transpose2d(x, w, stride=2, output_size=(3, 9, 9))
    assert tuple(
        F.conv_transpose2d(ck.tensor(_r(2, 4, 4)), w, stride=2, output_size=(3, 9, 10)).shape
    ) == (3, 9, 10)


def test_same_padding_warns_for_even_kernel_and_odd_dilation():
    x = ck.tensor(_r(1, 2, 6, 6))
    with pytest.warns(UserWarning, match="even kernel lengths and odd dilation"):
        F.conv2d(x, ck.tensor(_r(1, 2, 4, 4)), padding="same")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.conv2d(x, ck.tensor(_r(1, 2, 4, 4)), padding="same", dilation=2)
        F.conv2d(x, ck.tensor(_r(1, 2, 3, 3)), padding="same")


# ----------------------------------------------------------------------------------------------
# Errors: raised where torch raises, same class, message with the values
# ----------------------------------------------------------------------------------------------


def _t(*shape, dtype=np.float32):
    return np.ones(shape, dtype=dtype)


ERRORS = [
    # (function, args, kwargs, substring of convkit's message)
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 2, 3, 3)),
        dict(groups=3),
        "Given groups=3, weight of size [6, 2, 3, 3], expected input[1, 4, 5, 5] to have 6 "
        "channels, but got 4 channels instead",
    ),
    ("conv2d", (_t(4, 5, 5), _t(6, 2, 3, 3)), dict(groups=3), "expected input[1, 4, 5, 5]"),
    ("conv2d", (_t(4, 5), _t(6, 4, 3, 3)), {}, "Expected 3D (unbatched) or 4D (batched)"),
    ("conv2d", (_t(1, 1, 4, 4, 5), _t(6, 1, 3, 3)), {}, "got input of size: [1, 1, 4, 4, 5]"),
    ("conv1d", (_t(5), _t(6, 4, 3)), {}, "Expected 2D (unbatched) or 3D (batched)"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3)), {}, "4-dimensional weight"),
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 4, 3, 3), _t(5)),
        {},
        "expected bias to be 1-dimensional with 6 elements, but got bias of size [5] instead",
    ),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3), _t(6, 1)), {}, "bias of size [6, 1]"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(stride=0), "non-positive stride"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(dilation=0), "dilation should be greater"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(padding=-1), "negative padding"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(groups=0), "non-positive groups"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 1, 3, 3)), dict(groups=4), "divisible by 4 at dimension 0"),
    ("conv2d", (_t(1, 4, 5, 5), _t(0, 4, 3, 3)), {}, "at least 1 at dimension 0"),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 0, 3)), {}, "kernel size should be greater than zero"),
    ("conv2d", (_t(1, 1, 3, 3), _t(1, 1, 5, 5)), {}, "floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1"),
    ("conv2d", (_t(1, 1, 3, 3), _t(1, 1, 2, 2)), dict(dilation=3), "kernel is larger"),
    ("conv2d", (_t(1, 4, 0, 5), _t(6, 4, 1, 1)), {}, "kernel is larger"),
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 4, 3, 3)),
        dict(padding="same", stride=2),
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 4, 3, 3)),
        dict(padding="full"),
        "Invalid padding string 'full'",
    ),
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 4, 3, 3, dtype=np.float64)),
        {},
        "expected scalar type Float but found Double",
    ),
    (
        "conv2d",
        (_t(1, 4, 5, 5), _t(6, 4, 3, 3), _t(6, dtype=np.float64)),
        {},
        "Input type (float) and bias type (double) should be the same",
    ),
    (
        "conv2d",
        (_t(1, 4, 5, 5, dtype=np.int64), _t(6, 4, 3, 3)),
        {},
        "expected scalar type Long but found Float",
    ),
    ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(padding=(1, 1, 1)), "a list of 2 values"),
    (
        "conv_transpose2d",
        (_t(1, 4, 5, 5), _t(6, 2, 3, 3)),
        {},
        "Given transposed=1, weight of size [6, 2, 3, 3], expected input[1, 4, 5, 5] to have 6 "
        "channels, but got 4 channels instead",
    ),
    (
        "conv_transpose2d",
        (_t(1, 4, 5, 5), _t(4, 2, 3, 3)),
        dict(output_padding=1),
        "output padding must be smaller than either stride or dilation",
    ),
    (
        "conv_transpose2d",
        (_t(1, 4, 5, 5), _t(4, 2, 3, 3)),
        dict(output_padding=-1, stride=2),
        "negative output_padding",
    ),
    ("conv_transpose2d", (_t(1, 4, 5, 5), _t(4, 2, 3, 3)), dict(padding=4), "too small"),
    (
        "conv_transpose2d",
        (_t(1, 4, 5, 5), _t(4, 2, 3, 3), _t(3)),
        {},
        "expected bias to be 1-dimensional with 2 elements",
    ),
    ("conv_transpose2d", (_t(1, 3, 5, 5), _t(3, 2, 3, 3)), dict(groups=2), "divisible by 2"),
    ("conv_transpose2d", (_t(4, 5), _t(4, 2, 3, 3)), {}, "Expected 3D (unbatched) or 4D"),
    ("unfold", (_t(1, 2, 3, 5, 5),), dict(kernel_size=3), "Expected 3D or 4D (batch mode)"),
    ("unfold", (_t(5, 5),), dict(kernel_size=3), "Expected 3D or 4D (batch mode)"),
    (
        "unfold",
        (_t(1, 2, 3, 3),),
        dict(kernel_size=5),
        "calculated shape of the array of sliding blocks as (-1, -1)",
    ),
    ("unfold", (_t(1, 2, 3, 3),), dict(kernel_size=(2, 2, 2)), "kernel_size equals to 2"),
    ("unfold", (_t(1, 2, 3, 3),), dict(kernel_size=2, stride=0), "stride should be greater"),
    ("unfold", (_t(1, 2, 3, 3),), dict(kernel_size=2, padding=-1), "non-negative"),
    (
        "fold",
        (_t(2, 13, 16),),
        dict(output_size=(5, 5), kernel_size=2),
        "Expected size of input's dimension 1 to be divisible by the product of kernel_size",
    ),
    (
        "fold",
        (_t(2, 12, 15),),
        dict(output_size=(5, 5), kernel_size=2),
        "calculated number of sliding blocks 4 * 4 = 16, but got input.size(2)=15",
    ),
    (
        "fold",
        (_t(1, 2, 12, 16),),
        dict(output_size=(5, 5), kernel_size=2),
        "Expected 2D or 3D (batch mode)",
    ),
    (
        "fold",
        (_t(2, 12, 16),),
        dict(output_size=(5, 5, 5), kernel_size=2),
        "output_size equals to 2",
    ),
]


@pytest.mark.parametrize(
    "name,args,kw,message", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)]
)
def test_errors_match_torch_class(name, args, kw, message):
    with pytest.raises(Exception) as theirs:
        getattr(TF, name)(*[torch.from_numpy(a) for a in args], **kw)
    with pytest.raises(Exception) as ours:
        getattr(F, name)(*[ck.tensor(a) for a in args], **kw)
    assert isinstance(ours.value, (ValueError, TypeError, RuntimeError))
    assert type(ours.value) is type(theirs.value) or (
        # torch's IndexError for 2-D unfold input is a bug we do not copy
        isinstance(theirs.value, IndexError) and type(ours.value) is RuntimeError
    )
    assert message in str(ours.value), str(ours.value)


@pytest.mark.parametrize(
    "name,args,kw",
    [
        ("conv2d", ([1.0], _t(6, 4, 3, 3)), {}),
        ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(stride=1.5)),
        ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(padding=1.0)),
        ("conv2d", (_t(1, 4, 5, 5), _t(6, 4, 3, 3)), dict(groups=1.0)),
        ("conv_transpose2d", (_t(1, 4, 5, 5), _t(4, 2, 3, 3)), dict(padding="same")),
        ("unfold", (_t(1, 2, 3, 3),), dict(kernel_size=2.0)),
    ],
)
def test_type_errors(name, args, kw):
    wrap = [ck.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    with pytest.raises(TypeError):
        getattr(F, name)(*wrap, **kw)


@pytest.mark.parametrize(
    "name,args,kw",
    [
        ("conv2d", (_t(1, 4, 5, 5, dtype=np.bool_), _t(6, 4, 3, 3, dtype=np.bool_)), {}),
        ("unfold", (_t(1, 2, 3, 3, dtype=np.int64),), dict(kernel_size=2)),
        ("fold", (_t(2, 12, 16, dtype=np.int64),), dict(output_size=5, kernel_size=2)),
    ],
)
def test_unsupported_dtypes_raise_not_implemented_like_torch(name, args, kw):
    with pytest.raises(NotImplementedError):
        getattr(TF, name)(*[torch.from_numpy(a) for a in args], **kw)
    with pytest.raises(NotImplementedError):
        getattr(F, name)(*[ck.tensor(a) for a in args], **kw)


def test_accepted_where_torch_accepts():
    """Edge cases torch allows: empty batch, single-element lists, unbatched fold."""
    y = F.conv2d(ck.tensor(_t(0, 4, 5, 5)), ck.tensor(_t(6, 4, 3, 3)))
    assert tuple(y.shape) == (0, 6, 3, 3)
    y = F.conv2d(ck.tensor(_t(1, 4, 5, 5)), ck.tensor(_t(6, 4, 3, 3)), stride=[2], padding=[1])
    assert tuple(y.shape) == (1, 6, 3, 3)
    assert tuple(F.fold(ck.tensor(_t(12, 16)), (5, 5), 2).shape) == (3, 5, 5)
    assert tuple(F.unfold(ck.tensor(_t(0, 2, 3, 3)), 2).shape) == (0, 8, 4)
