"""End-of-backward callbacks (``queue_callback``), the engine's point where DistributedDataParallel
waits for its gradient all-reduces: each scenario runs in torch and in convkit and the logs
must agree."""

import pytest
import torch

import convkit as ck


def _engine(lib):
    return lib.autograd.Variable._execution_engine


def _nested_log(lib):
    """Hooks queue callbacks during backward; a callback queues another. The leaves' own
    order is the engine's (torch's differs from convkit's), so it is logged apart."""
    log, posts = [], []
    engine = _engine(lib)
    w = lib.ones(3, requires_grad=True)
    v = lib.ones(2, requires_grad=True)

    def second():
        log.append(("cb1", w.grad.tolist(), v.grad.tolist()))
        engine.queue_callback(lambda: log.append("cb3"))

    def post(t):
        posts.append(tuple(t.shape))
        if len(posts) == 1:
            engine.queue_callback(second)
            engine.queue_callback(lambda: log.append("cb2"))

    w.register_post_accumulate_grad_hook(post)
    v.register_post_accumulate_grad_hook(post)
    ((w * 2).sum() + (v * 3).sum()).backward()
    return sorted(posts), log


def _grad_log(lib):
    """autograd.grad runs callbacks queued by a tensor hook too."""
    log = []
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: _engine(lib).queue_callback(lambda: log.append("cb")))
    lib.autograd.grad(y.sum(), x)
    return log


@pytest.mark.parametrize("scenario", [_nested_log, _grad_log], ids=["nested", "grad"])
def test_callbacks_run_after_accumulation_in_order_as_torch(scenario):
    assert scenario(ck) == scenario(torch)


def test_callbacks_see_every_gradient_accumulated():
    posts, log = _nested_log(ck)
    assert posts == [(2,), (3,)]
    assert log == [("cb1", [2.0, 2.0, 2.0], [3.0, 3.0]), "cb2", "cb3"]


@pytest.mark.parametrize("lib", [torch, ck], ids=["torch", "convkit"])
def test_outside_backward_is_an_error(lib):
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward"):
        _engine(lib).queue_callback(lambda: None)


@pytest.mark.parametrize("lib", [torch, ck], ids=["torch", "convkit"])
def test_a_failing_callback_propagates_and_leaves_no_pass_open(lib):
    def bad():
        raise ValueError("boom")

    z = lib.ones(2, requires_grad=True)
    z.register_hook(lambda g: _engine(lib).queue_callback(bad))
    with pytest.raises(ValueError, match="boom"):
        (z * 1).sum().backward()
    with pytest.raises(RuntimeError, match="Final callbacks"):
        _engine(lib).queue_callback(lambda: None)


def test_a_nested_backward_keeps_its_own_callbacks():
    log = []
    a = ck.ones(2, requires_grad=True)
    b = ck.ones(2, requires_grad=True)

    def inner_pass(g):
        ck.autograd.queue_callback(lambda: log.append("outer"))
        with ck.enable_grad():  # hooks run with grad mode off, as in torch
            (b * 3).sum().backward()  # a pass inside a hook: its callbacks run when it ends
        return g

    b.register_post_accumulate_grad_hook(
        lambda t: ck.autograd.queue_callback(lambda: log.append("inner"))
    )
    a.register_hook(inner_pass)
    (a * 2).sum().backward()
    assert log == ["inner", "outer"]


def test_queue_callback_rejects_a_non_callable():
    x = ck.ones(1, requires_grad=True)
    errors = []

    def hook(g):
        try:
            ck.autograd.queue_callback(3)
        except TypeError as e:
            errors.append(str(e))

    x.register_hook(hook)
    x.sum().backward()
    assert errors == ["queue_callback expects a callable, got int"]
