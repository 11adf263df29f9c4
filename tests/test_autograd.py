"""The backward engine and the basic primitives: gradients, broadcasting, dtypes, grad mode."""

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import gradcheck

rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


# Each primitive gets a float64 numerical gradient check, broadcasting included.
GRADCHECKS = [
    ("add_broadcast", lambda a, b: a + b, [r(3, 4), r(4)]),
    ("sub_broadcast", lambda a, b: a - b, [r(2, 1, 4), r(3, 1)]),
    ("mul_broadcast", lambda a, b: a * b, [r(3, 4), r(3, 1)]),
    ("div", lambda a, b: a / b, [r(3, 4), pos(4)]),
    ("neg", lambda a: -a, [r(5)]),
    ("pow_scalar", lambda a: a**3, [r(4)]),
    ("pow_tensor", lambda a, b: a**b, [pos(3), r(3)]),
    ("rpow", lambda a: 2.0**a, [r(3)]),
    ("exp", lambda a: a.exp(), [r(3, 2)]),
    ("log", lambda a: a.log(), [pos(3, 2)]),
    ("sqrt", lambda a: a.sqrt(), [pos(4)]),
    ("abs", lambda a: a.abs(), [pos(4) * np.array([1, -1, 1, -1])]),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), [np.array([-1.3, -0.2, 0.1, 0.9])]),
    ("relu", lambda a: a.relu(), [np.array([-1.0, 0.5, 2.0, -0.1])]),
    ("sigmoid", lambda a: a.sigmoid(), [r(5) * 3]),
    ("tanh", lambda a: a.tanh(), [r(5)]),
    ("matmul_2d", lambda a, b: a @ b, [r(3, 4), r(4, 2)]),
    ("matmul_batched", lambda a, b: a @ b, [r(2, 3, 4), r(4, 5)]),
    ("matmul_vec", lambda a, b: a @ b, [r(3, 4), r(4)]),
    ("vec_matmul", lambda a, b: a @ b, [r(4), r(4, 2)]),
    ("sum_all", lambda a: a.sum(), [r(3, 4)]),
    ("sum_dim", lambda a: a.sum(1), [r(3, 4, 2)]),
    ("sum_dims_keepdim", lambda a: a.sum((0, 2), keepdim=True), [r(3, 4, 2)]),
    ("mean_dim", lambda a: a.mean(-1), [r(3, 4)]),
    ("max_all", lambda a: a.max(), [r(3, 4)]),
    ("max_dim", lambda a: a.max(1).values, [r(3, 4)]),
    ("min_dim", lambda a: a.min(0, keepdim=True).values, [r(3, 4)]),
    ("reshape", lambda a: a.reshape(2, -1) * ck.tensor(np.arange(6.0)).reshape(2, 3), [r(3, 2)]),
    ("permute", lambda a: a.permute(2, 0, 1), [r(2, 3, 4)]),
    ("transpose", lambda a: a.transpose(0, 1), [r(2, 3)]),
    ("getitem_slice", lambda a: a[1:, ::2], [r(3, 4)]),
    ("getitem_repeat", lambda a: a[ck.tensor([0, 0, 2])], [r(3, 2)]),
    ("expand", lambda a: a.expand(3, 4), [r(1, 4)]),
    ("cat", lambda a, b: ck.cat([a, b], dim=1), [r(2, 3), r(2, 1)]),
    ("stack", lambda a, b: ck.stack([a, b], dim=0), [r(2, 3), r(2, 3)]),
    ("where", lambda a, b: ck.where(a.detach() > 0, a, b), [r(5), r(5)]),
    ("var", lambda a: a.var(1), [r(3, 4)]),
    ("reuse", lambda a: a * a + a, [r(4)]),
]


@pytest.mark.parametrize("name,fn,arrays", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name, fn, arrays):
    gradcheck(fn, *arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_through_graph(dtype):
    a = ck.tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    b = ck.tensor(np.ones(3, dtype=dtype), requires_grad=True)
    y = ((a * 2.5 + b / 3 - 1) ** 2).exp().log().mean()
    assert y.dtype == dtype
    y.backward()
    assert a.grad.dtype == dtype and b.grad.dtype == dtype
    # NumPy float64 scalars are Python-scalar-like operands: they must not upcast float32.
    z = (a * np.float64(2.0)).sum()
    assert z.dtype == dtype


def test_broadcast_gradient_matches_torch():
    a, b = r(2, 3, 4), r(3, 1)
    ca, cb = ck.tensor(a, requires_grad=True), ck.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (ca * cb + cb).sum().backward()
    (ta * tb + tb).sum().backward()
    np.testing.assert_allclose(ca.grad.data, ta.grad.numpy())
    np.testing.assert_allclose(cb.grad.data, tb.grad.numpy())


def test_accumulation_and_reset():
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_graph_reuse_diamond():
    x = ck.tensor([1.5], requires_grad=True)
    y = x * 2
    z = y * y + y  # y used twice: d/dx = (2y + 1) * 2
    z.backward()
    np.testing.assert_allclose(x.grad.data, [(2 * 3.0 + 1) * 2])


def test_no_grad_records_nothing():
    x = ck.tensor([1.0], requires_grad=True)
    with ck.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()

    @ck.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with ck.no_grad():
        with ck.enable_grad():
            assert (x * 2).requires_grad


def test_backward_needs_gradient_for_non_scalar():
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 20.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ck.ones(3))


def test_second_backward_through_freed_graph_raises_like_torch():
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_max_ties_first_index_gets_gradient():
    x = ck.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0]])


def test_leaf_inplace_refused():
    x = ck.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)
    with ck.no_grad():
        x.add_(1)
    assert x.item() == 2.0


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        ck.tensor([1, 2], requires_grad=True)


def test_leaf_gradients_never_alias_each_other_or_the_callers_array():
    """The engine hands fresh gradient arrays to leaves without copying; it must still never let
    two leaves, or a leaf and the caller's gradient, share memory."""
    a = ck.tensor([1.0, 2.0], requires_grad=True)
    b = ck.tensor([3.0, 4.0], requires_grad=True)
    g = np.array([1.0, 1.0], dtype=np.float32)
    (a + b).backward(g)  # Add returns the same array for both inputs
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert not np.shares_memory(a.grad.data, g) and not np.shares_memory(b.grad.data, g)
    a.grad.data *= 10  # an in-place edit (as clip_grad_norm_ does) touches one leaf only
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])
    c = ck.tensor([1.0, 2.0], requires_grad=True)
    (c * 1).backward(g)
    assert not np.shares_memory(c.grad.data, g)
