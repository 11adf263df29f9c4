"""linear, flatten and batch_norm against torch; gradient checks; errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import gradcheck, same_as_torch, to_torch, tolerance


@pytest.mark.parametrize("xshape", [(5,), (4, 5), (2, 3, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_matches_torch(xshape, dtype):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (xshape, (3, 5), (3,)))
    leaves = [ck.tensor(a, requires_grad=True) for a in (x, w, b)]
    tl = [to_torch(a, requires_grad=True) for a in (x, w, b)]
    y = F.linear(*leaves)
    yt = TF.linear(*tl)
    g = rng.standard_normal(yt.shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    for c, t in zip(leaves, tl, strict=True):
        assert c.grad.dtype == dtype
        np.testing.assert_allclose(c.grad.data, t.grad.numpy(), **tolerance(dtype))


def test_linear_gradcheck():
    rng = np.random.default_rng(1)
    gradcheck(
        F.linear,
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((5, 4)),
        rng.standard_normal(5),
    )


@pytest.mark.parametrize(
    "args",
    [((2, 3), (4, 5), None), ((2, 3), (4, 3), (5,)), ((), (4, 3), None), ((2, 3), (1, 4, 3), None)],
)
def test_linear_errors(args):
    xs, ws, bs = args
    conv = [ck.zeros(*xs), ck.zeros(*ws), None if bs is None else ck.zeros(*bs)]
    tor = [torch.zeros(xs), torch.zeros(ws), None if bs is None else torch.zeros(bs)]
    with pytest.raises(RuntimeError):
        TF.linear(*tor)
    with pytest.raises(RuntimeError):
        F.linear(*conv)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(ck.zeros(2, 3), ck.zeros(4, 3, dtype=ck.float64))


def test_flatten():
    x = ck.zeros(2, 3, 4, 5)
    for args in [(), (1,), (1, 2), (-3, -1)]:
        assert tuple(F.flatten(x, *args).shape) == tuple(
            torch.flatten(torch.zeros(2, 3, 4, 5), *args).shape
        )
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        F.flatten(x, 2, 1)


# ----- batch_norm --------------------------------------------------------------------------------

SHAPES = [(4, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_matches_torch(shape, training, dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    w, b = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    rm, rv = rng.standard_normal(3).astype(dtype), rng.uniform(0.5, 2, 3).astype(dtype)
    leaves = [ck.tensor(a, requires_grad=True) for a in (x, w, b)]
    tl = [to_torch(a, requires_grad=True) for a in (x, w, b)]
    crm, crv = ck.tensor(rm), ck.tensor(rv)
    trm, trv = to_torch(rm), to_torch(rv)
    y = F.batch_norm(leaves[0], crm, crv, leaves[1], leaves[2], training, 0.3, 1e-3)
    yt = TF.batch_norm(tl[0], trm, trv, tl[1], tl[2], training, 0.3, 1e-3)
    g = rng.standard_normal(shape).astype(dtype)
    y.backward(ck.tensor(g))
    yt.backward(to_torch(g))
    tol = tolerance(dtype)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tol)
    np.testing.assert_allclose(crm.data, trm.numpy(), **tol)
    np.testing.assert_allclose(crv.data, trv.numpy(), **tol)
    assert crm.dtype == dtype and crv.dtype == dtype
    for c, t in zip(leaves, tl, strict=True):
        assert c.grad.dtype == dtype
        np.testing.assert_allclose(c.grad.data, t.grad.numpy(), **tol)


def test_batch_norm_running_var_is_unbiased():
    x = np.array([[1.0], [3.0]])  # batch mean 2, biased var 1, unbiased var 2
    rm, rv = ck.zeros(1, dtype=ck.float64), ck.ones(1, dtype=ck.float64)
    # eps tiny, not 0: torch refuses eps <= 0 in training (ValueError), and so does convkit
    y = F.batch_norm(ck.tensor(x), rm, rv, training=True, momentum=0.5, eps=1e-12)
    np.testing.assert_allclose(y.detach().numpy().ravel(), [-1.0, 1.0])
    np.testing.assert_allclose(rm.data, [1.0])
    np.testing.assert_allclose(rv.data, [1.5])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    rng = np.random.default_rng(3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    gradcheck(
        lambda x, w, b: F.batch_norm(x, ck.tensor(rm), ck.tensor(rv), w, b, training),
        rng.standard_normal((3, 3, 2, 2)),
        rng.standard_normal(3),
        rng.standard_normal(3),
    )
    gradcheck(lambda x: F.batch_norm(x, None, None, training=True), rng.standard_normal((4, 3)))


@pytest.mark.parametrize(
    "call,exc,msg",
    [
        (
            lambda m: m.batch_norm(m.zeros(1, 3), m.zeros(3), m.ones(3), training=True),
            ValueError,
            "more than 1 value per channel",
        ),
        (
            lambda m: m.batch_norm(m.zeros(1, 3, 1), m.zeros(3), m.ones(3), training=True),
            ValueError,
            "more than 1 value per channel",
        ),
        (
            lambda m: m.batch_norm(m.zeros(2, 4), m.zeros(3), m.ones(3)),
            RuntimeError,
            "running_mean should contain 4 elements not 3",
        ),
        (
            lambda m: m.batch_norm(m.zeros(2, 3), m.zeros(3), m.ones(3), m.ones(4)),
            RuntimeError,
            "weight should contain 3 elements not 4",
        ),
        (
            lambda m: m.batch_norm(m.zeros(2, 3), None, None),
            RuntimeError,
            "must be defined in evaluation mode",
        ),
        (
            lambda m: m.batch_norm(m.zeros(2, 3), m.zeros(3), m.ones(3), momentum=None),
            TypeError,
            "momentum",
        ),
    ],
)
def test_batch_norm_errors(call, exc, msg):
    class T:
        batch_norm, zeros, ones = staticmethod(TF.batch_norm), torch.zeros, torch.ones

    class C:
        batch_norm, zeros, ones = staticmethod(F.batch_norm), ck.zeros, ck.ones

    with pytest.raises(exc):
        call(T)
    with pytest.raises(exc, match=msg):
        call(C)


def test_batch_norm_eval_single_value_and_empty_batch():
    assert F.batch_norm(ck.ones(1, 3), ck.zeros(3), ck.ones(3)).shape == (1, 3)
    rm, rv = ck.zeros(3), ck.ones(3)
    assert F.batch_norm(ck.zeros(0, 3), rm, rv, training=True).shape == (0, 3)
    np.testing.assert_array_equal(rm.data, 0)
    np.testing.assert_array_equal(rv.data, 1)


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3), (2, 4), (5, 3, 4), (5,)],
        [(3,), (4,), (5, 3, 4)],
        [(7, 2, 3), (7, 2, 4), (5, 3, 4), (5,)],
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bilinear_matches_torch(shapes, dtype):
    from tests.helpers import check_against_torch

    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_against_torch(F.bilinear, TF.bilinear, arrays, dtype)


def test_bilinear_gradcheck_and_errors():
    rng = np.random.default_rng(4)
    gradcheck(F.bilinear, *(rng.standard_normal(s) for s in [(2, 3), (2, 4), (5, 3, 4), (5,)]))
    for args in ([(2, 3), (2, 4), (5, 3, 3)], [(2, 3), (1, 4), (5, 3, 4)]):
        with pytest.raises(RuntimeError):
            TF.bilinear(*(to_torch(np.ones(s)) for s in args))
        with pytest.raises(RuntimeError):
            F.bilinear(*(ck.tensor(np.ones(s)) for s in args))


# ----- issue 10: deviations a differential fuzz found, each checked against torch -------------


def _linear_case(ishape, wshape, bshape, transposed=False):
    def run(lib):
        rng = np.random.default_rng(7)
        x = lib.tensor(rng.standard_normal(ishape), requires_grad=True)
        w = lib.tensor(rng.standard_normal(wshape), requires_grad=True)
        b = None if bshape is None else lib.tensor(rng.standard_normal(bshape), requires_grad=True)
        y = lib.nn.functional.linear(x.transpose(0, 1) if transposed else x, w, b)
        y.backward(lib.tensor(rng.standard_normal(tuple(y.shape))))
        return y, x.grad, w.grad, None if b is None else b.grad

    return run


@pytest.mark.parametrize(
    "ishape,wshape,bshape,transposed",
    [
        ((3,), (3,), (), False),  # F.linear(x1d, w1d, b0d).backward(): an AxisError before
        ((4, 3), (3,), (), False),  # "mat2 must be a matrix" (torch's addmm path)
        ((3,), (3,), (1,), False),
        ((5, 4, 3), (3,), (1, 1), False),  # torch's in-place path: no addmm, so it works
        ((5, 4, 3), (2, 3), (4, 1), False),  # addmm expands the bias to (20, 2): an error
        ((5, 4, 3), (2, 3), (4, 2), False),
        ((4, 5, 3), (3,), (4,), True),  # non-contiguous: the in-place path
        ((3,), (2, 3), (1, 2), False),
        ((3,), (2, 3), (5, 2), False),  # the in-place add may not grow the output
        ((4, 3), (2, 3), None, False),
    ],
)
def test_linear_paths_match_torch(ishape, wshape, bshape, transposed):
    same_as_torch(_linear_case(ishape, wshape, bshape, transposed))


def test_linear_1d_weight_with_bias_is_refused_as_torch():
    with pytest.raises(RuntimeError, match="mat2 must be a matrix"):
        F.linear(ck.ones(3, 2), ck.ones(2), ck.tensor(1.0))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(eps=-1),
        dict(eps=-1, training=True),
        dict(eps=0, training=True),
        dict(eps=0.0),
        dict(eps=float("nan"), training=True),
        dict(eps="a"),
        dict(training="yes"),
        dict(training=1),
        dict(training=None),
        dict(momentum=None, training=True),
        dict(momentum="a", training=True),
        dict(momentum=-1.0, training=True),
    ],
)
def test_batch_norm_argument_errors_match_torch(kwargs):
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [2.0, 0.0, 1.0]])
        return lib.nn.functional.batch_norm(x, lib.zeros(3), lib.ones(3), **kwargs)

    same_as_torch(run)


def test_batch_norm_negative_eps_names_the_argument():
    with pytest.raises(ValueError, match="eps must be non-negative, but got -1"):
        F.batch_norm(ck.ones(2, 3), ck.zeros(3), ck.ones(3), eps=-1)


def test_bilinear_with_no_input1_features_is_an_error_as_torch():
    """Found by the differential fuzzer: torch's reshape(-1, 0) of input1 is ambiguous."""
    same_as_torch(
        lambda lib: lib.nn.functional.bilinear(lib.ones(2, 0), lib.ones(2, 3), lib.ones(4, 0, 3))
    )


@pytest.mark.parametrize("bias_shape", [(2,), (), (1, 1)])
def test_bilinear_bias_of_the_wrong_size_is_an_error_as_torch(bias_shape):
    same_as_torch(
        lambda lib: lib.nn.functional.bilinear(
            lib.ones(3, 2), lib.ones(3, 2), lib.ones(1, 2, 2), lib.ones(bias_shape)
        )
    )
