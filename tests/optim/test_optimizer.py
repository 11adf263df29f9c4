"""The Optimizer base class against torch 2.13: user subclasses, step and state_dict hooks,
Tensor learning rates, pickling. Each test runs the same code on both libraries."""

import copy
import pickle

import numpy as np
import pytest
import torch
import torch.optim.optimizer as torch_optimizer_module

import convkit as ck
import convkit.optim as optim
from convkit.optim import optimizer as optimizer_module


def lib_optim(lib):
    return torch.optim if lib is torch else optim


def make_my_sgd(lib):
    """A momentum SGD written as torch's documentation teaches: subclass Optimizer, pass the
    defaults up, update the parameters in place under no_grad."""

    class MySGD(lib_optim(lib).Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.0):
            if lr < 0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @lib.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with lib.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = p.grad.clone()
                    else:
                        state["momentum_buffer"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["momentum_buffer"], alpha=-group["lr"])
            return loss

    return MySGD


def train_subclass(lib):
    rng = np.random.default_rng(0)
    w = lib.nn.Parameter(lib.tensor(rng.standard_normal(4)))
    b = lib.nn.Parameter(lib.tensor(rng.standard_normal(1)))
    x, y = lib.tensor(rng.standard_normal((8, 4))), lib.tensor(rng.standard_normal(8))
    opt = make_my_sgd(lib)([{"params": [w]}, {"params": [b], "lr": 0.05}], momentum=0.9)
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (((x @ w + b) - y) ** 2).mean()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(15)]
    state = opt.state_dict()
    return losses, np.array(w.detach().numpy()), calls, state


def test_user_subclass_trains_like_torch():
    t_losses, t_w, t_calls, t_state = train_subclass(torch)
    c_losses, c_w, c_calls, c_state = train_subclass(ck)
    np.testing.assert_allclose(c_losses, t_losses, rtol=1e-10)
    np.testing.assert_allclose(c_w, t_w, rtol=1e-10)
    assert c_calls == t_calls == ["pre", "post"] * 15
    assert c_state["param_groups"] == t_state["param_groups"]
    assert c_losses[-1] < c_losses[0] / 2


def test_base_step_is_not_implemented():
    for lib in (torch, ck):
        opt = lib_optim(lib).Optimizer([lib.nn.Parameter(lib.zeros(2))], {"lr": 0.1})
        with pytest.raises(NotImplementedError):
            opt.step()


def test_required_hyperparameter():
    required = optimizer_module.required
    assert repr(required) == repr(torch_optimizer_module.required)
    with pytest.raises(ValueError) as theirs:
        torch.optim.Optimizer(
            [torch.nn.Parameter(torch.zeros(1))], {"lr": torch_optimizer_module.required}
        )
    with pytest.raises(ValueError) as ours:
        optim.Optimizer([ck.nn.Parameter(ck.zeros(1))], {"lr": required})
    assert str(ours.value) == str(theirs.value)


def hook_run(lib):
    """Pre hooks (global first) may replace the arguments; post hooks run after (global last)."""
    module = torch_optimizer_module if lib is torch else optimizer_module
    p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
    opt = lib_optim(lib).SGD([p], lr=0.5)
    events = []

    def closure():
        events.append("closure")
        return lib.tensor(3.0)

    def replace_args(o, args, kwargs):
        events.append("pre")
        return (args[0],), {"closure": closure}

    handles = [
        module.register_optimizer_step_pre_hook(lambda o, a, k: events.append("global pre")),
        module.register_optimizer_step_post_hook(lambda o, a, k: events.append("global post")),
        opt.register_step_pre_hook(replace_args),
        opt.register_step_post_hook(lambda o, a, k: events.append(("post", sorted(k)))),
    ]
    p.grad = lib.tensor([1.0, 1.0])
    loss = opt.step()
    for h in handles[1:]:
        h.remove()
    opt.step()
    handles[0].remove()
    opt.step()
    return events, float(loss), p.detach().numpy().tolist()


def test_step_hooks_like_torch():
    theirs, ours = hook_run(torch), hook_run(ck)
    assert ours == theirs
    assert ours[0][:4] == ["global pre", "pre", "closure", ("post", ["closure"])]


def test_bad_pre_hook_result():
    p = ck.nn.Parameter(ck.zeros(1))
    opt = optim.SGD([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def state_dict_hooks(lib):
    p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
    opt = lib_optim(lib).SGD([p], lr=0.5, momentum=0.9)
    events = []
    opt.register_state_dict_pre_hook(lambda o: events.append("sd pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_state_dict_post_hook(lambda o, sd: events.append(sorted(sd)), prepend=True)
    opt.register_load_state_dict_pre_hook(
        lambda o, sd: {k: v for k, v in sd.items() if k != "extra"}
    )
    opt.register_load_state_dict_post_hook(lambda o: events.append("loaded"))
    sd = opt.state_dict()
    events.append(sorted(sd))
    opt.load_state_dict(sd)
    return events


def test_state_dict_hooks_like_torch():
    assert state_dict_hooks(ck) == state_dict_hooks(torch)


def tensor_lr_run(lib, lr):
    p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 3.0]))
    opt = lib_optim(lib).Adam([p], lr=lr)
    for _ in range(5):
        p.grad = p.detach() * 2
        opt.step()
    return p.detach().numpy()


def test_tensor_learning_rate():
    ours = tensor_lr_run(ck, ck.tensor(0.1))
    np.testing.assert_array_equal(ours, tensor_lr_run(ck, 0.1))
    np.testing.assert_array_equal(ours, tensor_lr_run(torch, torch.tensor(0.1)))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.SGD([ck.nn.Parameter(ck.zeros(1))], lr=ck.tensor([0.1, 0.2]))


def test_deepcopy_and_pickle_keep_state_and_drop_hooks():
    p = ck.nn.Parameter(ck.tensor([1.0, 2.0]))
    opt = optim.Adam([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: None)
    p.grad = ck.tensor([0.5, -0.5])
    opt.step()
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert len(clone._optimizer_step_pre_hooks) == 0
        (state,) = clone.state.values()
        np.testing.assert_array_equal(state["exp_avg"]._array, opt.state[p]["exp_avg"]._array)
        assert clone.param_groups[0]["lr"] == 0.1


def test_zero_grad_keeps_zeroed_tensor_outside_the_graph():
    for lib in (torch, ck):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib_optim(lib).SGD([p], lr=0.1)
        (p * p).sum().backward()
        grad = p.grad
        opt.zero_grad(set_to_none=False)
        assert p.grad is grad and not p.grad.requires_grad
        assert p.grad.numpy().tolist() == [0.0, 0.0]


def test_add_param_group_type_error_like_torch():
    with pytest.raises(TypeError) as theirs:
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1).add_param_group([1])
    with pytest.raises(TypeError) as ours:
        optim.SGD([ck.nn.Parameter(ck.zeros(1))], lr=0.1).add_param_group([1])
    assert str(ours.value) == str(theirs.value)


def test_adagrad_makes_state_at_construction_like_torch():
    for lib in (torch, ck):
        a, b = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))
        opt = lib_optim(lib).Adagrad([a, b], initial_accumulator_value=0.25)
        assert sorted(opt.state_dict()["state"]) == [0, 1]
        assert opt.state[b]["sum"].numpy().tolist() == [0.25] * 3
