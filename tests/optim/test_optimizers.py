"""The optimisers' surface against torch 2.13: signatures, errors, param groups, state_dict, hooks,
zero_grad, closures; and 20 training steps of a small MLP from identical weights.

The model uses only matmul, addition, relu, exp/log and reductions, so these tests do not depend on
the convolution ops. Losses and parameters must match torch at every step. The update rules
themselves are compared step by step in test_optimizer_parity.py and test_lbfgs.py.
"""

import copy
import inspect
import warnings

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn
import convkit.optim as optim
from tests.helpers import tolerance

STEPS = 20

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.9, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=2e-2, amsgrad=True)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=2e-2, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=1e-2, betas=(0.5, 0.9), weight_decay=0.0)),
    ("RMSprop", dict(lr=1e-2, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict(lr=1.0)),
    ("Adamax", dict(lr=1e-2)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.01)),
    ("RAdam", dict(lr=1e-2)),
    ("ASGD", dict(lr=0.1, t0=5)),
    ("Rprop", dict(lr=1e-2)),
]

OPTIMIZERS = [
    "Adafactor",
    "Muon",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "Rprop",
    "LBFGS",
    "Optimizer",
]


def signature(cls):
    """(name, kind, default) of every constructor parameter; annotations differ (torch's name
    torch types) and are not compared."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_constructor_signature_matches_torch(name):
    assert signature(getattr(optim, name)) == signature(getattr(torch.optim, name))


def make_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-0.5, 0.5, (7, 5))
    b1 = rng.uniform(-0.5, 0.5, 7)
    w2 = rng.uniform(-0.5, 0.5, (3, 7))
    b2 = rng.uniform(-0.5, 0.5, 3)
    x = rng.standard_normal((16, 5))
    onehot = np.eye(3)[rng.integers(0, 3, 16)]
    return [a.astype(dtype) for a in (w1, b1, w2, b2)], x.astype(dtype), onehot.astype(dtype)


def loss_fn(params, x, onehot):
    """Cross-entropy of a 2-layer MLP written with tensor arithmetic (same code for both libs)."""
    w1, b1, w2, b2 = params
    z = (x @ w1.T + b1).relu() @ w2.T + b2
    log_p = z - z.exp().sum(1, keepdim=True).log()
    return -(log_p * onehot).sum(1).mean()


def run_torch(name, kwargs, weights, x, onehot, steps=STEPS):
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    opt = getattr(torch.optim, name)(params, **kwargs)
    xt, ot = torch.tensor(x), torch.tensor(onehot)
    losses, history = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(params, xt, ot)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        history.append([p.detach().numpy().copy() for p in params])
    return losses, history, opt


def run_ours(name, kwargs, weights, x, onehot, steps=STEPS, params=None, opt=None):
    if params is None:
        params = [nn.Parameter(ck.tensor(w)) for w in weights]
        opt = getattr(optim, name)(params, **kwargs)
    xc, oc = ck.tensor(x), ck.tensor(onehot)
    losses, history = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(params, xc, oc)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        history.append([np.array(p.detach()) for p in params])
    return losses, history, opt, params


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CONFIGS)
def test_training_matches_torch(name, kwargs, dtype):
    weights, x, onehot = make_data(dtype)
    t_losses, t_hist, _ = run_torch(name, kwargs, weights, x, onehot)
    c_losses, c_hist, _, params = run_ours(name, kwargs, weights, x, onehot)
    tol = tolerance(dtype)
    np.testing.assert_allclose(c_losses, t_losses, **tol)
    for step, (ours, theirs) in enumerate(zip(c_hist, t_hist, strict=True)):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert a.dtype == dtype, f"parameter {i} became {a.dtype}"
            np.testing.assert_allclose(a, b, **tol, err_msg=f"param {i} after step {step + 1}")
    # The model must actually have moved, or the comparison above proves nothing.
    assert not np.allclose(c_hist[-1][0], weights[0])
    assert all(p.grad.dtype == dtype for p in params)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adam", dict(lr=1e-2, amsgrad=True)),
        ("AdamW", dict(lr=1e-2)),
    ],
)
def test_state_dict_layout_and_resume(name, kwargs):
    weights, x, onehot = make_data(np.float64)
    _, t_hist, t_opt = run_torch(name, kwargs, weights, x, onehot, steps=5)
    _, c_hist, c_opt, params = run_ours(name, kwargs, weights, x, onehot, steps=5)
    ours, theirs = c_opt.state_dict(), t_opt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert sorted(ours["state"]) == sorted(theirs["state"]) == [0, 1, 2, 3]
    for i in range(4):
        assert list(ours["state"][i]) == list(theirs["state"][i])
        for key, value in theirs["state"][i].items():
            assert ours["state"][i][key].dtype == np.dtype(str(value.dtype).split(".")[1])
            np.testing.assert_allclose(ours["state"][i][key].data, value.numpy(), rtol=1e-10)

    # Resume: a fresh optimizer loaded from the saved dict continues exactly like the original.
    saved = copy.deepcopy(ours)
    cont_losses, cont_hist, _, _ = run_ours(
        name, kwargs, None, x, onehot, steps=3, params=params, opt=c_opt
    )
    fresh_params = [nn.Parameter(ck.tensor(p)) for p in c_hist[-1]]
    fresh = getattr(optim, name)(fresh_params, lr=123.0)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    assert fresh.param_groups[0]["params"][0] is fresh_params[0]
    res_losses, res_hist, _, _ = run_ours(
        name, kwargs, None, x, onehot, steps=3, params=fresh_params, opt=fresh
    )
    np.testing.assert_array_equal(res_losses, cont_losses)
    for a, b in zip(res_hist[-1], cont_hist[-1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_torch_state_dict_casts_to_param_dtype():
    weights, x, onehot = make_data(np.float32)
    _, t_hist, t_opt = run_torch("Adam", dict(lr=1e-2), weights, x, onehot, steps=4)
    sd = t_opt.state_dict()
    converted = {
        "param_groups": sd["param_groups"],
        "state": {
            k: {n: ck.tensor(v.numpy().astype(np.float64)) for n, v in s.items()}
            for k, s in sd["state"].items()
        },
    }
    params = [nn.Parameter(ck.tensor(w)) for w in t_hist[-1]]
    opt = optim.Adam(params)
    opt.load_state_dict(converted)
    state = opt.state[params[0]]
    assert state["exp_avg"].dtype == np.float32
    assert state["step"].dtype == np.float64  # step keeps its own dtype, as in torch
    t_losses, _, _ = run_torch("Adam", dict(lr=1e-2), weights, x, onehot, steps=6)
    ours, _, _, _ = run_ours("Adam", {}, None, x, onehot, steps=2, params=params, opt=opt)
    np.testing.assert_allclose(ours, t_losses[4:], rtol=1e-5)


def test_param_groups_defaults_and_skipped_params():
    a, b, unused = (nn.Parameter(ck.tensor(np.full(3, v))) for v in (1.0, 2.0, 3.0))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[0]["momentum"] == 0 and opt.param_groups[1]["momentum"] == 0.9
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    opt.add_param_group({"params": [unused]})
    (a.sum() + (b * b).sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.data, 1.0 - 0.1)
    np.testing.assert_allclose(b.data, 2.0 - 0.5 * 4.0)
    np.testing.assert_array_equal(unused.data, 3.0)
    assert unused not in opt.state and a not in opt.state  # no grad / no momentum: no state
    assert list(opt.state[b]) == ["momentum_buffer"]


def test_named_parameters_are_accepted():
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.named_parameters())
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = nn.Parameter(ck.tensor(np.ones(3, dtype=np.float32)))
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad.dtype == np.float32 and not p.grad.any()
    opt.zero_grad()
    assert p.grad is None


def test_closure_runs_with_grad_and_returns_loss():
    p = nn.Parameter(ck.tensor([3.0], dtype=np.float64))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ck.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.data, [3.0 - 0.25 * 6.0])


BAD = [
    ("SGD", dict(lr=-1.0)),
    ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1e-3)),
    ("Adam", dict(eps=-1.0)),
    ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-0.1)),
    ("Adam", dict(betas=(0, 0.999))),
    ("Adam", dict(fused=True, foreach=True)),
    ("AdamW", dict(betas=(0.9, 1.5))),
    ("AdamW", dict(eps=-1e-8)),
    ("SGD", dict(lr=0.1, fused=True, foreach=True)),
    ("SGD", dict(lr=0.1, fused=True, differentiable=True)),
    ("RMSprop", dict(lr=-1)),
    ("RMSprop", dict(eps=-1)),
    ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)),
    ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)),
    ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adagrad", dict(eps=-1)),
    ("Adagrad", dict(fused=True, foreach=True)),
    ("Adadelta", dict(lr=-1)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)),
    ("Adamax", dict(eps=-1)),
    ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, 1.0))),
    ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)),
    ("NAdam", dict(eps=-1)),
    ("NAdam", dict(betas=(-0.1, 0.9))),
    ("NAdam", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(weight_decay=-1)),
    ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(lr=-1)),
    ("RAdam", dict(eps=-1)),
    ("RAdam", dict(betas=(1.0, 0.9))),
    ("RAdam", dict(betas=(0.9, -1.0))),
    ("RAdam", dict(weight_decay=-1)),
    ("ASGD", dict(lr=-1)),
    ("ASGD", dict(weight_decay=-1)),
    ("Rprop", dict(lr=-1)),
    ("Rprop", dict(etas=(1.5, 2.0))),
    ("Rprop", dict(etas=(0.5, 0.9))),
    ("Rprop", dict(etas=(0.0, 1.2))),
    ("LBFGS", dict(lr=-1)),
    ("Adafactor", dict(lr=-1)),
    ("Adafactor", dict(beta2_decay=0.5)),
    ("Adafactor", dict(eps=(-1, 1e-3))),
    ("Adafactor", dict(eps=(None, -1))),
    ("Adafactor", dict(d=0.5)),
    ("Adafactor", dict(weight_decay=-1)),
    ("Muon", dict(lr=-1)),
    ("Muon", dict(momentum=-1)),
    ("Muon", dict(weight_decay=-1)),
    ("Muon", dict(adjust_lr_fn="sqrt")),
]


@pytest.mark.parametrize("name,kwargs", BAD)
def test_bad_hyperparameters_raise_like_torch(name, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(optim, name)([nn.Parameter(ck.zeros(2))], **kwargs)
    assert str(ours.value) == str(theirs.value)


def _param(lib):
    return torch.nn.Parameter(torch.zeros(2)) if lib is torch else nn.Parameter(ck.zeros(2))


@pytest.mark.parametrize(
    "make",
    [
        _param,
        lambda lib: [],
        lambda lib: [{"params": {_param(lib)}}],
        lambda lib: [1.5],
        lambda lib: [lib.zeros(2, requires_grad=True) * 2],
    ],
)
def test_bad_params_raise_like_torch(make):
    with pytest.raises(Exception) as theirs:
        torch.optim.SGD(make(torch), lr=0.1)
    with pytest.raises(type(theirs.value)) as ours:
        optim.SGD(make(ck), lr=0.1)
    assert str(ours.value) == str(theirs.value).replace("torch.", "convkit.")


def test_overlapping_and_duplicate_groups():
    p = nn.Parameter(ck.zeros(2))
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([p, p], lr=0.1)
    assert any("duplicate parameters" in str(w.message) for w in caught)


def test_load_state_dict_mismatch_errors():
    a, b = nn.Parameter(ck.zeros(2)), nn.Parameter(ck.zeros(2))
    saved = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)


def test_adamw_stays_decoupled_after_loading_adam_state():
    p = nn.Parameter(ck.zeros(2))
    saved = optim.Adam([p], weight_decay=0.1).state_dict()
    opt = optim.AdamW([p])
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
    assert opt.param_groups[0]["weight_decay"] == 0.1


def test_repr_matches_torch():
    theirs = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=0.01)
    ours = optim.AdamW([nn.Parameter(ck.zeros(2))], lr=0.01)
    assert repr(ours) == repr(theirs)


def test_muon_takes_matrices_only_like_torch():
    with pytest.raises(ValueError) as theirs:
        torch.optim.Muon([torch.nn.Parameter(torch.zeros(3))])
    with pytest.raises(ValueError) as ours:
        optim.Muon([nn.Parameter(ck.zeros(3))])
    assert str(ours.value).replace("convkit", "torch") == str(theirs.value)
