"""The backward engine and the basic primitives: gradients, broadcasting, dtypes, grad mode."""

import re
import warnings

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import assert_same_outcome, gradcheck, outcome

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


def test_ops_give_ieee_results_without_warnings_and_leave_numpys_error_state():
    # torch computes inf and NaN silently whatever NumPy's error state; convkit's ops switch
    # NumPy's off only while they run, so the caller's state is what it was, inside and after.
    before = np.geterr()
    values = [0.0, 1.0, -1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = (ck.tensor(values, requires_grad=True) / 0.0).log()
            got.sum().backward()
            inside = np.geterr()
    want = (torch.tensor(values) / 0.0).log()
    np.testing.assert_array_equal(got.detach().numpy(), want.numpy())
    assert inside == {"divide": "raise", "over": "raise", "under": "raise", "invalid": "raise"}
    assert np.geterr() == before


def _grad_mode_in_hooks(lib, queue):
    seen = []
    a = lib.ones(2, requires_grad=True)
    y = a * 2
    y.register_hook(lambda g: seen.append(("tensor", lib.is_grad_enabled())))
    y.grad_fn.register_prehook(lambda g: seen.append(("pre", lib.is_grad_enabled())))
    y.grad_fn.register_hook(
        lambda gi, go: queue(lambda: seen.append(("cb", lib.is_grad_enabled())))
    )
    a.register_post_accumulate_grad_hook(lambda t: seen.append(("acc", lib.is_grad_enabled())))
    y.sum().backward()
    return seen, lib.is_grad_enabled()


def test_backward_runs_hooks_and_callbacks_with_grad_mode_off_like_torch():
    got = _grad_mode_in_hooks(ck, ck.autograd.queue_callback)
    want = _grad_mode_in_hooks(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert got == want
    assert [mode for _, mode in got[0]] == [False] * 4 and got[1] is True


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


# ----- the graph as torch shows it: grad_fn names and next_functions ---------------------------


def _structure(t):
    """(node name, [(next node name or None, output_nr), ...]) of ``t.grad_fn``."""
    return (
        type(t.grad_fn).__name__,
        [(None if n is None else type(n).__name__, i) for n, i in t.grad_fn.next_functions],
    )


def _leaves(lib):
    a = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
    b = lib.tensor([1.5, 2.5, -0.5], requires_grad=True)
    m = lib.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    x = lib.tensor(np.linspace(-1, 1, 2 * 3 * 6 * 6, dtype=np.float32).reshape(2, 3, 6, 6))
    return a, b, m, x.requires_grad_()


GRAPH_CASES = {
    "add": lambda L, a, b, m, x: a + b,
    "add_scalar": lambda L, a, b, m, x: a + 1,
    "radd_scalar": lambda L, a, b, m, x: 1 + a,
    "sub": lambda L, a, b, m, x: a - b,
    "rsub_scalar": lambda L, a, b, m, x: 1 - a,
    "mul": lambda L, a, b, m, x: a * b,
    "mul_scalar": lambda L, a, b, m, x: a * 2,
    "div": lambda L, a, b, m, x: a / b,
    "neg": lambda L, a, b, m, x: -a,
    "pow": lambda L, a, b, m, x: a**2,
    "pow_tensor": lambda L, a, b, m, x: b.abs() ** a,
    "rpow": lambda L, a, b, m, x: 2**a,
    "exp": lambda L, a, b, m, x: a.exp(),
    "log": lambda L, a, b, m, x: b.abs().log(),
    "sqrt": lambda L, a, b, m, x: b.abs().sqrt(),
    "sigmoid": lambda L, a, b, m, x: a.sigmoid(),
    "tanh": lambda L, a, b, m, x: a.tanh(),
    "relu": lambda L, a, b, m, x: a.relu(),
    "clamp": lambda L, a, b, m, x: a.clamp(0, 1),
    "clamp_min": lambda L, a, b, m, x: a.clamp_min(0),
    "sum": lambda L, a, b, m, x: a.sum(),
    "sum_dim": lambda L, a, b, m, x: m.sum(1),
    "mean": lambda L, a, b, m, x: a.mean(),
    "mean_dim": lambda L, a, b, m, x: m.mean(0),
    "max": lambda L, a, b, m, x: a.max(),
    "max_dim": lambda L, a, b, m, x: m.max(1).values,
    "min": lambda L, a, b, m, x: a.min(),
    "cat": lambda L, a, b, m, x: L.cat([a, b]),
    "stack": lambda L, a, b, m, x: L.stack([a, b]),
    "select": lambda L, a, b, m, x: a[0],
    "slice": lambda L, a, b, m, x: a[1:],
    "index": lambda L, a, b, m, x: a[L.tensor([0, 2])],
    "t": lambda L, a, b, m, x: m.t(),
    "permute": lambda L, a, b, m, x: m.permute(1, 0),
    "transpose": lambda L, a, b, m, x: m.transpose(0, 1),
    "unsqueeze": lambda L, a, b, m, x: a.unsqueeze(0),
    "squeeze": lambda L, a, b, m, x: m.squeeze(),
    "squeeze_dim": lambda L, a, b, m, x: m.squeeze(0),
    "expand": lambda L, a, b, m, x: m.expand(2, 3),
    "where": lambda L, a, b, m, x: L.where(a > 0, a, b),
    "clone": lambda L, a, b, m, x: a.clone(),
    "cast": lambda L, a, b, m, x: a.double(),
    "view": lambda L, a, b, m, x: x.view(2, -1),
    "reshape": lambda L, a, b, m, x: x.reshape(2, -1),
    "flatten": lambda L, a, b, m, x: L.flatten(x, 1),
    "mm": lambda L, a, b, m, x: m.t() @ m,
    "mv": lambda L, a, b, m, x: m @ a,
    "dot": lambda L, a, b, m, x: a @ b,
    "conv1d": lambda L, a, b, m, x: L.nn.functional.conv1d(x.flatten(2), L.ones(4, 3, 3)),
    "conv2d": lambda L, a, b, m, x: L.nn.functional.conv2d(
        x, L.ones(4, 3, 3, 3, requires_grad=True), L.ones(4, requires_grad=True)
    ),
    "conv_transpose2d": lambda L, a, b, m, x: L.nn.functional.conv_transpose2d(
        x, L.ones(3, 2, 3, 3, requires_grad=True)
    ),
    "conv3d": lambda L, a, b, m, x: L.nn.functional.conv3d(x.unsqueeze(0), L.ones(2, 2, 1, 1, 1)),
    "max_pool2d": lambda L, a, b, m, x: L.nn.functional.max_pool2d(x, 2),
    "max_pool3d": lambda L, a, b, m, x: L.nn.functional.max_pool3d(x.unsqueeze(0), 2),
    "avg_pool2d": lambda L, a, b, m, x: L.nn.functional.avg_pool2d(x, 2),
    "adaptive_avg_pool2d": lambda L, a, b, m, x: L.nn.functional.adaptive_avg_pool2d(x, 4),
    "adaptive_max_pool2d": lambda L, a, b, m, x: L.nn.functional.adaptive_max_pool2d(x, 4),
    "batch_norm": lambda L, a, b, m, x: L.nn.functional.batch_norm(
        x, L.zeros(3), L.ones(3), L.ones(3).requires_grad_(), L.zeros(3).requires_grad_(), True
    ),
    "log_softmax": lambda L, a, b, m, x: L.nn.functional.log_softmax(m, 1),
    "softmax": lambda L, a, b, m, x: L.nn.functional.softmax(m, 1),
    "nll_loss": lambda L, a, b, m, x: L.nn.functional.nll_loss(m, L.tensor([2])),
    "cross_entropy": lambda L, a, b, m, x: L.nn.functional.cross_entropy(m, L.tensor([1])),
    "leaky_relu": lambda L, a, b, m, x: L.nn.functional.leaky_relu(a),
    "gelu": lambda L, a, b, m, x: L.nn.functional.gelu(a),
    "unfold": lambda L, a, b, m, x: L.nn.functional.unfold(x, 2),
    "dropout": lambda L, a, b, m, x: L.nn.functional.dropout(a, 0.5),
    "pad": lambda L, a, b, m, x: L.nn.functional.pad(x, (1, 1)),
}


@pytest.mark.parametrize("name", list(GRAPH_CASES))
def test_grad_fn_names_and_next_functions_match_torch(name):
    fn = GRAPH_CASES[name]
    theirs = _structure(fn(torch, *_leaves(torch)))
    ours = _structure(fn(ck, *_leaves(ck)))
    if name in ("nll_loss", "cross_entropy"):
        # convkit's NllLoss lists its optional class weight (None here) as an input; torch's
        # node does not, the weight being no differentiable input of nll_loss.
        assert ours[1][1:] == [(None, 0)]
        ours = (ours[0], ours[1][:1])
    assert ours == theirs


def test_linear_and_mse_primitives_are_named_as_torch():
    """``ops.basic.Addmm`` and ``MseLoss`` are the nodes torch's F.linear and F.mse_loss make."""
    from convkit.ops import basic as B

    def linear(L):
        x = L.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        w = L.tensor([[0.5, -1.0], [2.0, 1.0], [1.0, 1.0]], requires_grad=True)
        bias = L.tensor([0.1, 0.2, 0.3], requires_grad=True)
        out = L.nn.functional.linear(x, w, bias) if L is torch else B.Addmm.apply(bias, x, w.t())
        (out * L.tensor([[1.0, 2.0, 3.0]])).sum().backward()
        return out, x.grad, w.grad, bias.grad

    def mse(L):
        x = L.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        t = L.tensor([[0.5, 1.0], [2.0, -3.0]])
        out = L.nn.functional.mse_loss(x, t) if L is torch else B.MseLoss.apply(x, t)
        out.backward()
        return out, x.grad

    for fn in (linear, mse):
        theirs, ours = fn(torch), fn(ck)
        assert _structure(ours[0]) == _structure(theirs[0])
        for o, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(np.asarray(o.detach()), t.detach().numpy(), rtol=1e-6)


def test_accumulate_grad_nodes_like_torch():
    for lib in (torch, ck):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
        assert acc.next_functions == () and acc.name().endswith("::autograd::AccumulateGrad")
        assert (x * 3).grad_fn.next_functions[0][0] is acc  # one node per leaf
        assert x.grad_fn is None and x.is_leaf and not y.is_leaf
        assert y.grad_fn.metadata == {}
        assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
        assert repr(y).endswith("grad_fn=<MulBackward0>)")


def test_realworld_blitz_grad_fn_walk_prints_torch_names():
    """The 60-minute blitz prints loss.grad_fn and walks next_functions[0][0] twice."""

    def walk(L):
        net = L.nn.Sequential(L.nn.Linear(4, 3), L.nn.ReLU(), L.nn.Linear(3, 2))
        out = net(L.ones(1, 4))
        loss = L.nn.functional.cross_entropy(out, L.tensor([1]))
        names = [loss.grad_fn]
        names.append(names[-1].next_functions[0][0])
        names.append(names[-1].next_functions[0][0])
        return [re.sub("0x[0-9a-f]+", "0x", repr(n)) for n in names]

    assert walk(ck)[:2] == walk(torch)[:2]


# ----- in-place operations: values, graph rebasing and torch's version counter -----------------


INPLACE_GRADS = {
    "relu_": lambda L, x: (x * 2).relu_(),
    "sigmoid_": lambda L, x: (x * 1).sigmoid_(),
    "tanh_": lambda L, x: (x * 1).tanh_(),
    "exp_": lambda L, x: (x * 1).exp_(),
    "chain": lambda L, x: (x * 2).add_(1).sub_(0.5).mul_(3).div_(2).clamp_(-2, 2).neg_().abs_(),
    "pow_sqrt": lambda L, x: (x * 1).pow_(2).add_(1).sqrt_(),
    "mul_tensor": lambda L, x: (x * 1).mul_(x * 3),
    "iadd": lambda L, x: _iadd(x * 1, x),
    "zero_": lambda L, x: (x * 2).zero_() + x,
    "fill_": lambda L, x: (x * 2).fill_(3.0) * x,
    "copy_": lambda L, x: L.zeros(3).copy_(x * 3),
    "masked_fill_": lambda L, x: (x * 1).masked_fill_(x > 0, 0.0),
    "index_fill_": lambda L, x: (x * 1).index_fill_(0, L.tensor([1]), 7.0),
    "scatter_": lambda L, x: (x * 1).scatter_(0, L.tensor([2, 0]), x[:2] * 5),
    "clamp_min_": lambda L, x: (x * 1).clamp_min_(0.0),
    "setitem_basic": lambda L, x: _setitem(L.zeros(2, 3), (0,), x * 2),
    "setitem_const": lambda L, x: _setitem(x * 2, (1,), 5.0),
    "setitem_mask": lambda L, x: _setitem(x * 2, (L.tensor([True, False, True]),), x[1] * 4),
    "setitem_index": lambda L, x: _setitem(x * 2, (L.tensor([2, 0]),), x[:2] * 3),
    "view_mul_": lambda L, x: _on_view((x * 2).reshape(3, 1), lambda v: v[1].mul_(3)),
    "view_relu_": lambda L, x: _on_view((x * 2), lambda v: v.view(3).relu_()),
    "view_of_base_copy": lambda L, x: _on_view(L.zeros(2, 3), lambda v: v[1].add_(x * 2)),
}


def _iadd(y, x):
    y += x
    return y


def _setitem(y, index, value):
    y[index] = value
    return y


def _on_view(base, write):
    write(base)
    return base


@pytest.mark.parametrize("name", list(INPLACE_GRADS))
def test_inplace_ops_differentiate_like_torch(name):
    def run(L):
        x = L.tensor([0.5, -1.5, 2.0], requires_grad=True)
        y = INPLACE_GRADS[name](L, x)
        weight = L.tensor(np.arange(1.0, 1.0 + y.numel(), dtype=np.float32).reshape(y.shape))
        (y * weight).sum().backward()
        return y, x.grad, type(y.grad_fn).__name__, y._version

    theirs, ours = run(torch), run(ck)
    np.testing.assert_allclose(np.asarray(ours[0].detach()), theirs[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours[1]), theirs[1].numpy(), rtol=1e-6)
    assert ours[2:] == theirs[2:]


VERSION_ERRORS = [
    # A saved output modified, a saved input modified (named by its current grad_fn), a leaf
    # modified under no_grad, the output of a view, and torch's relu_-then-add_ pair.
    "y = x.exp(); y.add_(1); y.sum().backward()",
    "y = x.exp(); z = y * y; y.add_(1); z.sum().backward()",
    "y = (x * 1).sigmoid(); y.mul_(2); y.sum().backward()",
    "w = L.ones(3, requires_grad=True); z = x * w\nwith L.no_grad(): w.add_(1)\nz.sum().backward()",
    "y = (x * 1).relu_(); z = y * 1; y.add_(1); z.sum().backward()",
    "y = (x * 2).double().sigmoid(); y.mul_(3); y.sum().backward()",
    "y = x * 2; z = y * y; y.mul_(3); z.sum().backward()",
]


@pytest.mark.parametrize("code", VERSION_ERRORS)
def test_version_counter_error_matches_torch(code):
    def run(L):
        scope = {"L": L, "x": L.tensor([0.5, -1.5, 2.0], requires_grad=True)}
        exec(code, scope)  # the test's own code, run under each library

    kind, msg = assert_same_outcome(run)
    assert kind == "RuntimeError"
    _, theirs = outcome(run, torch)
    # Up to torch's hint (which names its anomaly mode, absent from convkit) the text is torch's.
    assert msg.split(" Hint:")[0] == theirs.split(" Hint:")[0]


def test_version_counts_like_torch():
    def run(L):
        x = L.ones(2, 3)
        v, t, d, data = x[0], x.t(), x.detach(), x.data
        x += 1
        x.mul_(2)
        v.zero_()
        d.add_(1)
        data.add_(1)
        y = x.clone()
        y[0, 0] = 7
        return [x._version, v._version, t._version, d._version, data._version, y._version]

    assert run(ck) == run(torch)


def test_leaf_inplace_errors_and_no_grad_like_torch():
    def leaf(L):
        x = L.ones(3, requires_grad=True)
        return x.add_(1)

    def view_of_leaf(L):
        x = L.ones(3, requires_grad=True)
        x[0] = 2.0

    def under_no_grad(L):
        x = L.ones(3, requires_grad=True)
        with L.no_grad():
            x.mul_(3)
            x[1] = 5.0
        return x.detach().clone(), x.requires_grad, x.is_leaf, x._version

    for fn in (leaf, view_of_leaf):
        assert_same_outcome(fn, message=True)
    theirs, ours = under_no_grad(torch), under_no_grad(ck)
    np.testing.assert_array_equal(np.asarray(ours[0]), theirs[0].numpy())
    assert ours[1:] == theirs[1:]


def test_saved_original_self_is_kept_for_inplace_mul():
    """y.mul_(z) needs y's old value for z's gradient: it is kept, as torch keeps it."""
    for lib in (torch, ck):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        z = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * 1
        y.mul_(z)
        y.sum().backward()
        np.testing.assert_array_equal(np.asarray(z.grad), [1.0, 2.0])
        np.testing.assert_array_equal(np.asarray(x.grad), [3.0, 4.0])


def test_requires_grad_flags_like_torch():
    def non_leaf(L):
        y = L.ones(2, requires_grad=True) * 2
        y.requires_grad = False

    def integer(L):
        L.ones(2, dtype=L.long).requires_grad = True

    def integer_method(L):
        L.ones(2, dtype=L.long).requires_grad_()

    for fn in (non_leaf, integer, integer_method):
        assert_same_outcome(fn, message=True)


# ----- hooks -----------------------------------------------------------------------------------


def test_tensor_hooks_like_torch():
    def run(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        h = y.register_hook(lambda g: g * 10)
        y.sum().backward()
        first = x.grad.clone()
        h.remove()
        x.grad = None
        (x * x).sum().backward()
        leaf_hook = x.register_hook(lambda g: g + 1)
        x.grad = None
        (x * 2).sum().backward()
        second = x.grad.clone()
        leaf_hook.remove()
        return first, second

    for o, t in zip(run(ck), run(torch), strict=True):
        np.testing.assert_array_equal(np.asarray(o), t.numpy())


def test_post_accumulate_grad_hook_like_torch():
    def run(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        seen = []
        handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 2).sum().backward()
        (x * 2).sum().backward()
        handle.remove()
        (x * 2).sum().backward()
        return seen

    ours, theirs = run(ck), run(torch)
    assert len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(o), t.numpy())

    def non_leaf(L):
        (L.ones(2, requires_grad=True) * 1).register_post_accumulate_grad_hook(lambda t: None)

    def no_grad_tensor(L):
        L.zeros(2).register_hook(lambda g: g)

    assert_same_outcome(non_leaf, message=True)
    assert_same_outcome(no_grad_tensor, message=True)


def test_retain_grad_like_torch():
    def run(L):
        x = L.ones(3, requires_grad=True)
        y = x * 1
        y.retain_grad()
        z = x * 1
        z.retain_grad()
        z.relu_()  # retains_grad moves to the new node
        (y * 2 + z * 3).sum().backward()
        return y.grad, z.grad, y.retains_grad, x.retains_grad

    ours, theirs = run(ck), run(torch)
    for o, t in zip(ours[:2], theirs[:2], strict=True):
        np.testing.assert_array_equal(np.asarray(o), t.numpy())
    assert ours[2:] == theirs[2:]


def test_node_hooks_like_torch():
    def run(L):
        x = L.ones(3, requires_grad=True)
        y = x * 2
        log = []
        y.grad_fn.register_prehook(lambda go: log.append("pre") or (go[0] * 3,))
        y.grad_fn.register_hook(lambda gi, go: log.append("post") or (gi[0] + 1, None))
        y.sum().backward()
        return log, x.grad

    ours, theirs = run(ck), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_array_equal(np.asarray(ours[1]), theirs[1].numpy())


# ----- autograd.grad, autograd.backward ---------------------------------------------------------


def test_autograd_grad_like_torch():
    def basic(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        gy, gx = L.autograd.grad(y.exp().sum(), [y, x])
        (g,) = L.autograd.grad(x * x, x, L.ones(3))
        return L.stack([gy, gx, g]), x.grad

    ours, theirs = basic(ck), basic(torch)
    np.testing.assert_allclose(np.asarray(ours[0]), theirs[0].numpy(), rtol=1e-6)
    assert ours[1] is None and theirs[1] is None

    def unused(L, **kw):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        z = L.ones(2, requires_grad=True)
        return L.autograd.grad((x * x).sum(), [x, z], **kw)

    assert_same_outcome(unused, message=True)
    ours = unused(ck, allow_unused=True)
    assert ours[1] is None and list(ours[0].tolist()) == [2.0, 4.0]
    assert unused(ck, materialize_grads=True)[1].tolist() == [0.0, 0.0]

    def non_scalar(L):
        x = L.ones(2, requires_grad=True)
        L.autograd.grad(x * 2, x)

    def input_without_grad(L):
        x = L.ones(2, requires_grad=True)
        L.autograd.grad((x * 2).sum(), L.ones(2))

    assert_same_outcome(non_scalar, message=True)
    assert_same_outcome(input_without_grad, message=True)


def test_autograd_backward_and_inputs_like_torch():
    def run(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        L.autograd.backward([(x * 3).sum(), (x * w).sum()])
        gx = x.grad.clone()
        x.grad = None
        (x * w).sum().backward(inputs=[w])
        y = x * 2
        (y * y).sum().backward(inputs=[y])
        return gx, x.grad, w.grad, y.grad

    ours, theirs = run(ck), run(torch)
    for o, t in zip(ours, theirs, strict=True):
        if t is None:
            assert o is None
        else:
            np.testing.assert_array_equal(np.asarray(o), t.numpy())


def test_create_graph_is_refused_clearly():
    x = ck.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        ck.autograd.grad((x * x).sum(), x, create_graph=True)


# ----- torch.autograd.Function for users ----------------------------------------------------------


def _my_mul(L):
    class MyMul(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            assert isinstance(g, L.Tensor)
            return (g * b if ctx.needs_input_grad[0] else None), (
                g * a if ctx.needs_input_grad[1] else None
            )

    return MyMul


def test_custom_function_like_torch():
    def run(L):
        MyMul = _my_mul(L)
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = L.tensor([2.0, 2.0, 2.0])
        out = MyMul.apply(x, c)
        out.sum().backward()
        node = out.grad_fn
        return (
            x.grad,
            node.name(),
            re.sub("0x[0-9a-f]+", "0x", repr(node)),
            [None if n is None else type(n).__name__ for n, _ in node.next_functions],
        )

    ours, theirs = run(ck), run(torch)
    np.testing.assert_array_equal(np.asarray(ours[0]), theirs[0].numpy())
    assert ours[1:3] == (theirs[1], theirs[2].replace("torch", "convkit")) and ours[3] == theirs[3]


def test_custom_function_setup_context_and_two_outputs_like_torch():
    def run(L):
        class Two(L.autograd.Function):
            @staticmethod
            def forward(a):
                return a * 2, a * 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                (a,) = inputs
                ctx.save_for_backward(a)

            @staticmethod
            def backward(ctx, g1, g2):
                (a,) = ctx.saved_tensors
                return g1 * 2 + g2 * 3 * a

        x = L.tensor([1.0, 2.0], requires_grad=True)
        p, q = Two.apply(x)
        (p + q * q).sum().backward()
        return x.grad

    np.testing.assert_array_equal(np.asarray(run(ck)), run(torch).numpy())


CUSTOM_ERRORS = {
    "too_few_grads": ("return g", "a * b"),
    "wrong_shape": ("return g[:2], None", "a * b"),
}


@pytest.mark.parametrize("name", list(CUSTOM_ERRORS))
def test_custom_function_errors_like_torch(name):
    body, expr = CUSTOM_ERRORS[name]

    def run(L):
        scope = {"L": L}
        exec(  # the test's own code, run under each library
            "class Bad(L.autograd.Function):\n"
            "    @staticmethod\n"
            f"    def forward(ctx, a, b):\n        return {expr}\n"
            "    @staticmethod\n"
            f"    def backward(ctx, g):\n        {body}\n"
            "Bad.apply(L.ones(3, requires_grad=True), L.ones(3)).sum().backward()\n",
            scope,
        )

    assert_same_outcome(run, message=True)


def test_custom_function_saves_only_tensors_and_checks_versions():
    def save_float(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, s):
                ctx.save_for_backward(a, s)
                return a * s

        F.apply(L.ones(2, requires_grad=True), 2.0)

    def modified(L):
        MyMul = _my_mul(L)
        x = L.ones(3, requires_grad=True)
        y = x * 1
        z = MyMul.apply(y, y)
        y.add_(1)
        z.sum().backward()

    assert_same_outcome(save_float, message=True)
    kind, msg = assert_same_outcome(modified)
    assert kind == "RuntimeError" and "modified by an inplace operation" in msg


# ----- grad mode --------------------------------------------------------------------------------


def test_grad_mode_switches_like_torch():
    def run(L):
        seen = []
        with L.no_grad():
            seen.append(L.is_grad_enabled())
            with L.enable_grad():
                seen.append(L.is_grad_enabled())
        L.set_grad_enabled(False)
        seen.append(L.is_grad_enabled())
        L.set_grad_enabled(True)
        with L.set_grad_enabled(False):
            seen.append(L.is_grad_enabled())
        seen.append(L.is_grad_enabled())

        @L.no_grad
        def bare():
            return L.is_grad_enabled()

        @L.set_grad_enabled(False)
        def switched():
            return L.is_grad_enabled()

        @L.inference_mode
        def inference():
            return L.is_grad_enabled(), L.is_inference_mode_enabled()

        seen += [bare(), L.is_grad_enabled(), switched(), L.is_grad_enabled()]
        seen += [inference(), L.is_grad_enabled(), L.is_inference_mode_enabled()]
        with L.inference_mode():
            y = L.ones(2, requires_grad=True) * 2
        with L.inference_mode(False):
            seen.append(L.is_grad_enabled())
        seen.append(y.requires_grad)
        return seen

    assert run(ck) == run(torch)


# ----- the import graph -------------------------------------------------------------------------


def test_autograd_never_imports_tensor():
    """tensor -> autograd, never back (issue 8): the engine gets the Tensor class registered."""
    import ast
    import pathlib

    import convkit

    root = pathlib.Path(convkit.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(("convkit", *parts)).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
                deps.add(target)
                deps.update(f"{target}.{a.name}" for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convkit"):
                deps.add(node.module)
    assert not {d for d in graph["convkit.autograd"] if d.startswith("convkit.tensor")}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            for d in graph.get(m, ()):
                if d == goal:
                    return True
                if d in graph and d not in seen:
                    seen.add(d)
                    todo.append(d)
        return False

    for module in ("convkit.autograd", "convkit.ops.basic", "convkit.devices"):
        assert not reaches(module, "convkit.tensor"), module


def test_custom_function_mark_dirty_like_torch():
    def run(L, leaf=False):
        class Double(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                a.mul_(2)
                ctx.mark_dirty(a)
                return a

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x if leaf else x * 1
        z = Double.apply(y)
        (z * L.tensor([1.0, 3.0])).sum().backward()
        return z is y, y._version, x.grad

    ours, theirs = run(ck), run(torch)
    assert ours[:2] == theirs[:2]
    np.testing.assert_array_equal(np.asarray(ours[2]), theirs[2].numpy())
    assert_same_outcome(lambda L: run(L, leaf=True), message=True)
