"""Module hooks against torch: firing order, arguments, return values replacing inputs, outputs and
gradients, removable handles, always_call, the global hooks, and the full backward hook's
gradients at the module boundary."""

import warnings

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn
from convkit.nn import module as module_file
from convkit.nn.hooks import RemovableHandle


def arr(t):
    return None if t is None else np.array(t.detach().numpy() if hasattr(t, "detach") else t)


def ours(t):
    return None if t is None else np.array(np.asarray(t.data))


def twin_nets(seed=0):
    """The same small CNN in convkit and torch (torch gets convkit's weights)."""
    ck.manual_seed(seed)
    a = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3 * 2 * 2, 4),
    ).double()
    b = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(3 * 2 * 2, 4),
    ).double()
    b.load_state_dict({k: torch.from_numpy(np.array(v.data)) for k, v in a.state_dict().items()})
    return a, b


def both(fn):
    """Run ``fn(lib, nn_module)`` with convkit and with torch."""
    return fn(ck, nn), fn(torch, torch.nn)


# ----------------------------------------------------------------------------------------------
# Forward hooks
# ----------------------------------------------------------------------------------------------


def test_forward_hook_order_arguments_and_prepend():
    def run(lib, tnn):
        log = []
        m = tnn.ReLU()
        m.register_forward_pre_hook(lambda mod, args: log.append(("pre1", len(args))))
        m.register_forward_pre_hook(lambda mod, args: log.append(("pre0",)), prepend=True)
        m.register_forward_pre_hook(
            lambda mod, args, kwargs: log.append(("pre_kw", sorted(kwargs))), with_kwargs=True
        )
        m.register_forward_hook(lambda mod, args, out: log.append(("post1", out.shape[0])))
        m.register_forward_hook(lambda mod, args, out: log.append(("post0",)), prepend=True)
        m.register_forward_hook(
            lambda mod, args, kwargs, out: log.append(("post_kw", mod is m)), with_kwargs=True
        )
        m(lib.ones(3))
        return log

    mine, theirs = both(run)
    assert mine == theirs
    assert [e[0] for e in mine] == ["pre0", "pre1", "pre_kw", "post0", "post1", "post_kw"]


def test_hooks_replace_input_and_output():
    def run(lib, tnn):
        m = tnn.Linear(2, 2, bias=False)
        m.weight.data[...] = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        m.register_forward_pre_hook(lambda mod, args: args[0] * 2)  # single value: wrapped
        m.register_forward_hook(lambda mod, args, out: out + 1)
        m.register_forward_hook(lambda mod, args, out: None)  # None keeps the output
        h = m.register_forward_pre_hook(
            lambda mod, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True
        )
        first = arr(m(lib.tensor([[1.0, 1.0]])))
        h.remove()
        second = arr(m(lib.tensor([[1.0, 1.0]])))
        return first, second

    (a1, a2), (b1, b2) = both(run)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    np.testing.assert_array_equal(a2, [[7.0, 15.0]])


def test_bad_pre_hook_return_with_kwargs():
    for lib, tnn in ((ck, nn), (torch, torch.nn)):
        m = tnn.ReLU()
        m.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            m(lib.ones(2))


def test_handles_remove_and_context_manager():
    m = nn.ReLU()
    log = []
    with m.register_forward_hook(lambda *a: log.append("a"), always_call=True) as h:
        assert isinstance(h, RemovableHandle)
        m(ck.ones(1))
    m(ck.ones(1))
    assert log == ["a"]
    assert not m._forward_hooks and not m._forward_hooks_always_called
    h.remove()  # removing twice is harmless
    h2 = m.register_forward_pre_hook(lambda *a: None, with_kwargs=True)
    assert h2.id > h.id
    h2.remove()
    assert not m._forward_pre_hooks and not m._forward_pre_hooks_with_kwargs


def test_always_call_runs_when_forward_raises():
    def run(lib, tnn):
        class Boom(tnn.Module):
            def forward(self, x):
                raise ValueError("boom")

        log = []
        m = Boom()
        m.register_forward_hook(
            lambda mod, args, out: log.append(("always", out)), always_call=True
        )
        m.register_forward_hook(lambda mod, args, out: log.append("never"))

        def bad(mod, args, out):
            raise KeyError("hook")

        m.register_forward_hook(bad, always_call=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="boom"):
                m(lib.ones(1))
        return log, [str(w.message) for w in caught]

    (log_a, warn_a), (log_b, warn_b) = both(run)
    assert log_a == log_b == [("always", None)]
    assert len(warn_a) == len(warn_b) == 1
    assert "silenced as another error was raised in forward" in warn_a[0]


def test_global_hooks_fire_first_and_are_removable():
    def run(lib, tnn, mod_file):
        log = []
        m = tnn.ReLU()
        m.register_forward_pre_hook(lambda mod, args: log.append("own pre"))
        m.register_forward_hook(lambda mod, args, out: log.append("own"))
        handles = [
            mod_file.register_module_forward_pre_hook(lambda mod, args: log.append("global pre")),
            mod_file.register_module_forward_hook(lambda mod, args, out: log.append("global")),
        ]
        try:
            m(lib.ones(1))
        finally:
            for h in handles:
                h.remove()
        m(lib.ones(1))
        return log

    mine = run(ck, nn, module_file)
    theirs = run(torch, torch.nn, torch.nn.modules.module)
    assert mine == theirs == ["global pre", "own pre", "global", "own", "own pre", "own"]


# ----------------------------------------------------------------------------------------------
# Full backward hooks
# ----------------------------------------------------------------------------------------------


def _record_backward(net, tnn_lib, x, scale_first=None):
    """Hooks on every layer: the order they fire in, and the gradients they see."""
    log = []
    for name, m in net.named_modules():

        def pre(mod, grad_output, name=name):
            log.append(("pre", name, [arr(g) for g in grad_output]))

        def hook(mod, grad_input, grad_output, name=name):
            log.append(("hook", name, [arr(g) for g in grad_input], [arr(g) for g in grad_output]))
            if name == scale_first:
                return tuple(None if g is None else g * 3 for g in grad_input)
            return None

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(hook)
    y = net(x)
    y.sum().backward()
    return log


def _compare_logs(mine, theirs):
    assert [e[:2] for e in mine] == [e[:2] for e in theirs]
    for a, b in zip(mine, theirs, strict=True):
        for ga, gb in zip(a[2:], b[2:], strict=True):
            assert len(ga) == len(gb)
            for u, v in zip(ga, gb, strict=True):
                assert (u is None) == (v is None)
                if u is not None:
                    np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scale_first", [None, "", "2", "4"])
def test_full_backward_hooks_match_torch(scale_first):
    a, b = twin_nets()
    data = np.random.default_rng(1).standard_normal((2, 2, 4, 4))
    xa = ck.tensor(data, requires_grad=True)
    xb = torch.tensor(data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that the first layer's hook fires early
        mine = _record_backward(a, nn, xa, scale_first)
        theirs = _record_backward(b, torch.nn, xb, scale_first)
    _compare_logs(mine, theirs)
    # A replaced grad_input flows on: the input's and the parameters' gradients are torch's.
    np.testing.assert_allclose(ours(xa.grad), arr(xb.grad), rtol=1e-10)
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(ours(p.grad), arr(q.grad), rtol=1e-10, err_msg=name)


def test_first_layer_without_input_grad_fires_on_outputs_with_a_warning():
    def run(lib, tnn):
        log = []
        m = tnn.Linear(2, 2).double()
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, arr(go[0]))))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            m(lib.ones(3, 2, dtype=lib.float64)).sum().backward()
        return log

    mine, theirs = both(run)
    assert mine[0][0] == theirs[0][0] == (None,)
    np.testing.assert_array_equal(mine[0][1], theirs[0][1])


class TwoInTwoOut:
    """forward(x, y, k) -> (x * 2, y * k): non-Tensor inputs, an unused output."""

    @staticmethod
    def make(tnn):
        class M(tnn.Module):
            def forward(self, x, y, k):
                return x * 2, y * k

        return M()


@pytest.mark.parametrize("y_grad", [True, False])
def test_several_inputs_and_outputs(y_grad):
    def run(lib, tnn):
        m = TwoInTwoOut.make(tnn)
        log = []
        m.register_full_backward_pre_hook(lambda mod, go: log.append([arr(g) for g in go]))
        m.register_full_backward_hook(
            lambda mod, gi, go: log.append(([arr(g) for g in gi], [arr(g) for g in go]))
        )
        x = lib.ones(2, requires_grad=True)
        y = lib.ones(3, dtype=lib.float64, requires_grad=y_grad)
        a, b = m(x, y, 3.0)
        (a * lib.tensor([1.0, 2.0])).sum().backward()  # b gets no gradient
        return log, arr(x.grad)

    (log_a, xa), (log_b, xb) = both(run)
    np.testing.assert_array_equal(xa, xb)
    pre_a, (gi_a, go_a) = log_a
    pre_b, (gi_b, go_b) = log_b
    for mine, theirs in ((pre_a, pre_b), (gi_a, gi_b), (go_a, go_b)):
        assert [g is None for g in mine] == [g is None for g in theirs]
        for u, v in zip(mine, theirs, strict=True):
            if u is not None:
                np.testing.assert_array_equal(u, v)
                assert u.dtype == v.dtype


def test_backward_pre_hook_replaces_grad_output():
    def run(lib, tnn):
        m = tnn.Tanh()
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 5,))
        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        m(x).sum().backward()
        return arr(x.grad)

    mine, theirs = both(run)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_wrong_number_of_gradients_is_an_error():
    for lib, tnn in ((ck, nn), (torch, torch.nn)):
        m = tnn.ReLU()
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected"):
            m(lib.ones(2, requires_grad=True)).sum().backward()
        m = tnn.ReLU()
        m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2, but"):
            m(lib.ones(2, requires_grad=True)).sum().backward()


def test_global_backward_hooks_fire_before_the_modules_own():
    def run(lib, tnn, mod_file):
        log = []
        m = tnn.Sigmoid()
        m.register_full_backward_hook(lambda mod, gi, go: log.append("own"))
        m.register_full_backward_pre_hook(lambda mod, go: log.append("own pre"))
        handles = [
            mod_file.register_module_full_backward_hook(lambda mod, gi, go: log.append("global")),
            mod_file.register_module_full_backward_pre_hook(
                lambda mod, go: log.append("global pre")
            ),
        ]
        try:
            m(lib.ones(2, requires_grad=True)).sum().backward()
        finally:
            for h in handles:
                h.remove()
        m(lib.ones(2, requires_grad=True)).sum().backward()
        return log

    mine = run(ck, nn, module_file)
    theirs = run(torch, torch.nn, torch.nn.modules.module)
    assert mine == theirs
    assert mine == ["global pre", "own pre", "global", "own", "own pre", "own"]


def test_no_boundary_under_no_grad_and_gradients_unchanged_without_hooks():
    m = nn.Linear(2, 2)
    log = []
    m.register_full_backward_hook(lambda *a: log.append(1))
    with ck.no_grad():
        y = m(ck.ones(1, 2, requires_grad=True))
    assert not y.requires_grad and log == []
    x = ck.ones(1, 2, requires_grad=True)
    out = m(x)
    assert out.shape == (1, 2)
    out.sum().backward()
    assert log == [1]
    np.testing.assert_allclose(ours(x.grad), ours(m.weight).sum(axis=0, keepdims=True))
