"""The Relu primitive (ops/basic.py) against torch at the edges: NaN, signed zeros, infinities."""

from __future__ import annotations

import numpy as np
import torch

import convkit as ck


def test_relu_gradient_passes_through_nan_like_torch():
    """torch's relu backward is threshold_backward: g unless the output is <= 0 (issue 10)."""
    v = [float("nan"), -0.0, 0.0, 1.0, -1.0, float("inf"), -float("inf"), 2.5]
    g = [float("inf"), 2.0, 3.0, float("nan"), 6.0, 7.0, float("-inf"), -1.0]
    for dtype in (np.float32, np.float64):
        tx = torch.tensor(np.array(v, dtype=dtype), requires_grad=True)
        torch.relu(tx).backward(torch.tensor(np.array(g, dtype=dtype)))
        cx = ck.tensor(np.array(v, dtype=dtype), requires_grad=True)
        cx.relu().backward(ck.tensor(np.array(g, dtype=dtype)))
        np.testing.assert_array_equal(cx.grad.numpy(), tx.grad.numpy())


def test_relu_gradient_written_in_place_matches_torch_at_the_edges():
    """A gradient only the engine holds (here the product's) is masked in place: same values."""
    v = [float("nan"), -0.0, 0.0, 1.0, -1.0, float("inf"), -float("inf"), 2.5]
    g = [float("inf"), 2.0, 3.0, float("nan"), 6.0, 7.0, float("-inf"), -1.0]
    for dtype in (np.float32, np.float64):
        grads = []
        for lib in (torch, ck):
            x = lib.tensor(np.array(v, dtype=dtype), requires_grad=True)
            (lib.relu(x) * lib.tensor(np.array(g, dtype=dtype))).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_array_equal(grads[1], grads[0])


def _relu_graphs(lib, x, w, kept):
    """Graphs where a relu's incoming gradient is, or is not, held elsewhere."""
    yield ((x @ w).relu() * 2).sum()  # the gradient is the engine's alone
    h = x @ w
    yield (h.relu().sum() + h.sum()) * 1.5  # a read-only broadcast
    h = x @ w
    a, b = (h * 1.0).relu(), (h * -1.0).relu()
    yield ((a + b) * 3).sum()  # Add hands one array to both relus
    y = (x @ w).relu()
    y.register_hook(lambda g: kept.append(g))  # a hook keeps the gradient
    yield (y * 2).sum()
    y = (x @ w).relu()
    y.retain_grad()
    kept.append(y)
    yield (y * 2).sum()


def test_relu_gradient_is_overwritten_only_where_no_one_else_holds_it():
    rng = np.random.default_rng(1)
    xs, ws = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    results = []
    for lib in (torch, ck):
        x = lib.tensor(xs, requires_grad=True)
        w = lib.tensor(ws, requires_grad=True)
        kept: list = []
        grads = []
        for loss in _relu_graphs(lib, x, w, kept):
            x.grad = w.grad = None
            loss.backward()
            grads += [x.grad.numpy().copy(), w.grad.numpy().copy()]
        grads += [k.numpy().copy() if k.grad is None else k.grad.numpy().copy() for k in kept]
        results.append(grads)
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_relu_backward_leaves_the_callers_gradient_and_a_retained_graph_alone():
    x = ck.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = (x * 1.0).relu()
    g = ck.tensor([5.0, 6.0, 7.0])
    y.backward(g, retain_graph=True)
    y.backward(g)
    np.testing.assert_array_equal(g.numpy(), [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 12.0, 14.0])


_EDGES = [float("nan"), -float("nan"), -0.0, 0.0, -1.0, 2.5, float("inf"), -float("inf")]


def _relu_forms(lib):
    yield lambda x: lib.relu(x)
    yield lambda x: lib.nn.functional.relu(x, inplace=True)  # no graph: the in-memory path
    yield lambda x: lib.nn.functional.relu(x * 1, inplace=True)
    yield lambda x: lib.nn.Sequential(lib.nn.Identity(), lib.nn.ReLU())(x * 1)  # fused


def test_relu_keeps_the_sign_of_zero_and_nan_as_torch():
    """torch's relu keeps x where x == 0 (relu(-0.0) is -0.0) and a NaN's sign bit, in every
    form: out of place, in place without a graph, and fused into Sequential's output."""
    for dtype in (np.float32, np.float64):
        for with_grad in (False, True):
            outs = []
            for lib in (torch, ck):
                got = []
                for form in _relu_forms(lib):
                    x = lib.tensor(np.array(_EDGES, dtype=dtype), requires_grad=with_grad)
                    x = x * 1 if with_grad else x  # a non-leaf, which in-place ops accept
                    got.append(form(x).detach().numpy())
                outs.append(got)
            for c, t in zip(outs[1], outs[0], strict=True):
                np.testing.assert_array_equal(c, t)
                np.testing.assert_array_equal(np.signbit(c), np.signbit(t))


def test_inplace_relu_without_a_graph_writes_through_views_and_counts_a_version():
    for lib in (torch, ck):
        base = lib.tensor(np.array(_EDGES, dtype=np.float32))
        view = base[2:]
        out = lib.nn.functional.relu(view, inplace=True)
        assert out is view
        assert (base._version, view._version) == (1, 1)
    np.testing.assert_array_equal(
        ck.tensor(np.array(_EDGES, np.float32))[2:].relu().numpy(), base[2:].numpy()
    )
