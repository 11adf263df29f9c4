"""Every optimiser against torch 2.13, step for step, from fixed parameters and fixed gradients.

Both libraries get the same gradient arrays at every step (so nothing but the optimiser is
compared), over 25 steps, two parameter groups, a parameter that has no gradient every third
step, in float32 and float64. Parameters and every state entry must match after each step:
float64 to rtol 1e-10 (measured: about 1e-15), float32 to the parity tolerance; where convkit
reproduces torch's float32 kernels exactly (no square root involved, see
convkit/optim/_pointwise.py) the float32 results must be bit-identical.
"""

import copy

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.optim as optim
from tests.helpers import tolerance

STEPS = 25
SHAPES = [(5, 3), (7,), (33,)]  # 33 elements: torch's vector loop (16) and its scalar tail
MATRICES = [(5, 3), (4, 9), (33, 2)]  # Muon takes 2-D parameters only (tall and wide)

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
    ("Adam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=2e-2, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-3, centered=True)),
    ("RMSprop", dict(lr=1e-3, momentum=0.9)),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=0.01, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.05, weight_decay=0.1, eps=1e-6, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1)),
    ("Adamax", dict(maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=1e-2, momentum_decay=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(betas=(0.5, 0.9), maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=1e-2, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5)),
    ("ASGD", dict(lr=0.05, t0=3, weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.7), step_sizes=(1e-3, 0.5))),
    ("Rprop", dict(maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.1, weight_decay=0.1)),
    ("Adafactor", dict(eps=(1e-20, 1e-2), d=2.0, beta2_decay=-0.5)),
    ("Adafactor", dict(maximize=True)),
    ("Muon", dict()),
    ("Muon", dict(lr=0.02, nesterov=False, weight_decay=0.0)),
    ("Muon", dict(lr=0.01, adjust_lr_fn="match_rms_adamw", momentum=0.5)),
    ("Muon", dict(ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-3)),
]

# Optimisers whose float32 update uses no square root nor reduction: torch's square root is MKL's,
# which is not correctly rounded (about one element in six is off by one unit in the last place),
# NumPy's is.
# Muon's update is computed in bfloat16 (8 significant bits) by matmuls that torch accumulates in
# float32 in its own order and convkit exactly: where a sum lands within float32 rounding of a
# bfloat16 tie the two round it to neighbouring bfloat16 values (about one element in 30000 per
# matmul), which moves that parameter element by lr * 2**-8 * |update|. Its parameters are held to
# that, in both dtypes; its state (the momentum buffer) is not affected.
PARAM_TOLERANCE = {"Muon": dict(rtol=0, atol=1e-4)}
EXACT_IN_FLOAT32 = {"SGD", "ASGD", "Rprop", "Adamax"}
FMA_KERNELS = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def make_inputs(dtype, seed=0, name=None):
    rng = np.random.default_rng(seed)
    shapes = MATRICES if name == "Muon" else SHAPES
    weights = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    grads = []
    for step in range(STEPS):
        per_step = []
        for i, s in enumerate(shapes):
            if i == 1 and step % 3 == 2:
                per_step.append(None)
                continue
            g = rng.standard_normal(s) * (0.1 + i)
            g[rng.random(s) < 0.1] = 0.0  # zero gradients: Rprop's third case
            per_step.append(g.astype(dtype))
        grads.append(per_step)
    return weights, grads


def run(lib, name, kwargs, weights, grads):
    params = [lib.nn.Parameter(lib.tensor(w.copy())) for w in weights]
    opt_lib = torch.optim if lib is torch else optim
    opt = getattr(opt_lib, name)(
        [{"params": params[:2]}, {"params": params[2:], "lr": kwargs.get("lr", 1e-2) * 0.5}],
        **kwargs,
    )
    history = []
    for per_step in grads:
        for p, g in zip(params, per_step, strict=True):
            p.grad = None if g is None else lib.tensor(g)
        opt.step()
        history.append(snapshot(params, opt))
    return history, opt


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, ck.Tensor):
        return np.array(value._array, copy=True)
    return value


def snapshot(params, opt):
    states = []
    for p in params:
        state = opt.state.get(p, {})
        states.append({k: to_numpy(v) for k, v in state.items()})
    return [to_numpy(p) for p in params], states


def compare(ours, theirs, tol, exact, where, param_tol=None):
    (c_params, c_states), (t_params, t_states) = ours, theirs
    for i, (a, b) in enumerate(zip(c_params, t_params, strict=True)):
        assert a.dtype == b.dtype, f"{where}: param {i} is {a.dtype}, torch {b.dtype}"
        if exact:
            np.testing.assert_array_equal(a, b, err_msg=f"{where}: param {i}")
        else:
            np.testing.assert_allclose(a, b, **(param_tol or tol), err_msg=f"{where}: param {i}")
    for i, (cs, ts) in enumerate(zip(c_states, t_states, strict=True)):
        assert list(cs) == list(ts), f"{where}: state keys of param {i}"
        for key, tv in ts.items():
            cv = cs[key]
            if isinstance(tv, np.ndarray):
                assert cv.dtype == tv.dtype and cv.shape == tv.shape, f"{where}: {key} of {i}"
                if exact:
                    np.testing.assert_array_equal(cv, tv, err_msg=f"{where}: {key} of {i}")
                else:
                    np.testing.assert_allclose(cv, tv, **tol, err_msg=f"{where}: {key} of {i}")
            else:
                assert cv == tv, f"{where}: {key} of param {i}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CONFIGS)
def test_steps_match_torch(name, kwargs, dtype):
    weights, grads = make_inputs(dtype, name=name)
    theirs, t_opt = run(torch, name, kwargs, weights, grads)
    ours, c_opt = run(ck, name, kwargs, weights, grads)
    exact = dtype == np.float32 and name in EXACT_IN_FLOAT32 and FMA_KERNELS
    tol = tolerance(dtype)
    for step, (o, t) in enumerate(zip(ours, theirs, strict=True)):
        where = f"{name}{kwargs} {dtype.__name__} step {step + 1}"
        compare(o, t, tol, exact, where, PARAM_TOLERANCE.get(name))
    # The parameters did move, and differently per group, or the comparison proves little.
    assert not np.allclose(ours[-1][0][0], weights[0])
    assert c_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


@pytest.mark.parametrize("name", sorted({name for name, _ in CONFIGS}))
def test_torch_state_dict_loads_into_convkit_and_back(name):
    """Half-way through, torch's state_dict (tensors converted) is loaded into a fresh convkit
    optimiser and convkit's into a fresh torch one; both go on exactly as torch resumed from its
    own dict does (loading casts floating state to the parameters' dtype, in both)."""
    kwargs = next(k for n, k in CONFIGS if n == name)
    weights, grads = make_inputs(np.float64, seed=1, name=name)
    half = STEPS // 2
    _, t_opt = run(torch, name, kwargs, weights, grads[:half])
    c_hist, c_opt = run(ck, name, kwargs, weights, grads[:half])

    def convert(sd, to):
        state = {
            k: {n: to(v) if isinstance(v, (torch.Tensor, ck.Tensor)) else v for n, v in s.items()}
            for k, s in sd["state"].items()
        }
        return {"param_groups": sd["param_groups"], "state": state}

    def resume(lib, sd):
        params = [lib.nn.Parameter(lib.tensor(w.copy())) for w in c_hist[-1][0]]
        opt_lib = torch.optim if lib is torch else optim
        opt = getattr(opt_lib, name)([{"params": params[:2]}, {"params": params[2:]}], lr=123.0)
        opt.load_state_dict(sd)
        assert opt.param_groups[0]["lr"] == sd["param_groups"][0]["lr"] != 123.0
        history = []
        for per_step in grads[half:]:
            for p, g in zip(params, per_step, strict=True):
                p.grad = None if g is None else lib.tensor(g)
            opt.step()
            history.append(snapshot(params, opt))
        return history

    # Loading shares state Tensors with the dict (as in torch), so each run gets its own copy.
    to_ck = convert(t_opt.state_dict(), lambda v: ck.tensor(v.numpy()))
    to_torch = convert(c_opt.state_dict(), lambda v: torch.tensor(v.numpy()))
    reference = resume(torch, copy.deepcopy(t_opt.state_dict()))
    from_torch = resume(ck, to_ck)
    from_ck = resume(torch, to_torch)
    tol = dict(rtol=1e-10, atol=0)
    for step, (ref, a, b) in enumerate(zip(reference, from_torch, from_ck, strict=True)):
        where = f"step {half + step + 1}"
        compare(
            a, ref, tol, False, f"convkit resumed from torch, {where}", PARAM_TOLERANCE.get(name)
        )
        compare(
            b, ref, tol, False, f"torch resumed from convkit, {where}", PARAM_TOLERANCE.get(name)
        )
