"""linear, flatten and batch_norm against torch; gradient checks; errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import gradcheck, to_torch, tolerance


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
    y = F.batch_norm(ck.tensor(x), rm, rv, training=True, momentum=0.5, eps=0.0)
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
