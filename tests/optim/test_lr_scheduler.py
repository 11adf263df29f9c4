"""StepLR and CosineAnnealingLR: the learning-rate sequence equals torch's for 30 steps."""

import warnings

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn
import convkit.optim as optim

SCHEDULES = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=1e-3)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=1)),
]


def _sequences(lib, opt_lib, sched_name, kwargs, steps=30):
    make = (
        (lambda: torch.nn.Parameter(torch.zeros(2)))
        if lib is torch
        else (lambda: nn.Parameter(ck.zeros(2)))
    )
    opt = opt_lib.SGD([{"params": [make()]}, {"params": [make()], "lr": 0.3}], lr=0.1, momentum=0.9)
    sched = getattr(opt_lib.lr_scheduler, sched_name)(opt, **kwargs)
    seen = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == seen[-1]
    return seen, sched, opt


@pytest.mark.parametrize("name,kwargs", SCHEDULES)
def test_lr_sequence_matches_torch(name, kwargs):
    theirs, t_sched, _ = _sequences(torch, torch.optim, name, kwargs)
    ours, c_sched, _ = _sequences(ck, optim, name, kwargs)
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12, atol=1e-15)
    assert len(set(map(tuple, ours))) > 1  # the schedule did change the rate
    assert c_sched.state_dict() == t_sched.state_dict()


@pytest.mark.parametrize("name,kwargs", SCHEDULES[:2] + SCHEDULES[3:5])
def test_state_dict_resume(name, kwargs):
    full, _, _ = _sequences(ck, optim, name, kwargs, steps=20)
    _, sched, opt = _sequences(ck, optim, name, kwargs, steps=8)
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    p = [nn.Parameter(ck.zeros(2)), nn.Parameter(ck.zeros(2))]
    opt2 = optim.SGD([{"params": [p[0]]}, {"params": [p[1]]}], lr=5.0, momentum=0.9)
    sched2 = getattr(optim.lr_scheduler, name)(opt2, **kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest = []
    for _ in range(12):
        opt2.step()
        sched2.step()
        rest.append(sched2.get_last_lr())
    assert rest == full[9:]


@pytest.mark.parametrize("name,kwargs", [SCHEDULES[1], SCHEDULES[4]])
def test_closed_form_with_epoch_matches_torch(name, kwargs):
    results = []
    for lib, opt_lib in ((torch, torch.optim), (ck, optim)):
        param = torch.nn.Parameter(torch.zeros(1)) if lib is torch else nn.Parameter(ck.zeros(1))
        opt = opt_lib.SGD([param], lr=0.2)
        sched = getattr(opt_lib.lr_scheduler, name)(opt, **kwargs)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(5)
        results.append(sched.get_last_lr())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = optim.SGD([nn.Parameter(ck.zeros(1))], lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_scheduler_requires_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        optim.lr_scheduler.StepLR([], 2)
