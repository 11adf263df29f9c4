"""swa_utils against torch 2.13: AveragedModel (SWA, EMA, custom averages, buffers), update_bn
and the SWALR schedule, running the same code on both libraries."""

import warnings

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as torch_swa

import convkit as ck
import convkit.optim as optim
from convkit.optim import swa_utils as ck_swa
from tests.helpers import tolerance


def swa(lib):
    return torch_swa if lib is torch else ck_swa


def make_model(lib, dtype, seed=0):
    rng = np.random.default_rng(seed)
    model = lib.nn.Sequential(
        lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(3), lib.nn.ReLU(), lib.nn.Linear(3, 2)
    )
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype)))
    if dtype == np.float64:
        model = model.double()
    return model


def batches(dtype, n=6, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((8, 4)).astype(dtype) for _ in range(n)]


def train_and_average(lib, dtype, steps=6, **kwargs):
    """Move the model's parameters by fixed amounts (and run a batch through it, which moves its
    BatchNorm statistics), folding them into the average after each move."""
    model = make_model(lib, dtype)
    averaged = swa(lib).AveragedModel(model, **kwargs)
    rng = np.random.default_rng(2)
    history = []
    for x in batches(dtype, steps):
        with lib.no_grad():
            for p in model.parameters():
                p.add_(lib.tensor((0.1 * rng.standard_normal(tuple(p.shape))).astype(dtype)))
        model.train()
        model(lib.tensor(x))
        averaged.update_parameters(model)
        state = averaged.state_dict()
        history.append({k: np.array(v.detach().numpy()) for k, v in state.items()})
    return history


AVERAGES = [
    ("swa", lambda lib: {}),
    ("ema multi", lambda lib: {"multi_avg_fn": swa(lib).get_ema_multi_avg_fn(0.9)}),
    ("swa multi", lambda lib: {"multi_avg_fn": swa(lib).get_swa_multi_avg_fn()}),
    ("ema avg_fn", lambda lib: {"avg_fn": swa(lib).get_ema_avg_fn(0.99)}),
    ("swa avg_fn", lambda lib: {"avg_fn": swa(lib).get_swa_avg_fn()}),
    ("swa with buffers", lambda lib: {"use_buffers": True}),
    (
        "ema with buffers",
        lambda lib: {"multi_avg_fn": swa(lib).get_ema_multi_avg_fn(), "use_buffers": True},
    ),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", AVERAGES, ids=[a[0] for a in AVERAGES])
def test_averaged_model_matches_torch(name, kwargs, dtype):
    theirs = train_and_average(torch, dtype, **kwargs(torch))
    ours = train_and_average(ck, dtype, **kwargs(ck))
    tol = tolerance(dtype)
    for step, (o, t) in enumerate(zip(ours, theirs, strict=True)):
        assert list(o) == list(t), f"step {step + 1}"
        for key in t:
            assert o[key].dtype == t[key].dtype, key
            np.testing.assert_allclose(o[key], t[key], **tol, err_msg=f"step {step + 1} {key}")
    assert ours[-1]["n_averaged"] == 6
    # The average differs from the last model (the comparison would prove little otherwise).
    assert not np.allclose(ours[-1]["module.0.weight"], ours[0]["module.0.weight"])


def test_averaged_model_forward_and_errors():
    model = make_model(ck, np.float32)
    averaged = ck_swa.AveragedModel(model)
    x = ck.tensor(batches(np.float32)[0])
    model.eval()
    averaged.eval()
    np.testing.assert_array_equal(averaged(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        ck_swa.AveragedModel(model, avg_fn=ck_swa.get_swa_avg_fn(), multi_avg_fn=lambda *a: None)
    for lib in (torch, ck):
        for maker in (swa(lib).get_ema_avg_fn, swa(lib).get_ema_multi_avg_fn):
            with pytest.raises(ValueError, match="Invalid decay value 1.5"):
                maker(1.5)


def bn_stats(lib, dtype, with_labels):
    model = make_model(lib, dtype)
    for m in model.modules():
        if isinstance(m, lib.nn.BatchNorm1d):
            m.momentum = 0.3
    model.eval()
    data = [lib.tensor(x) for x in batches(dtype)]
    loader = [(x, lib.tensor([0])) for x in data] if with_labels else data
    swa(lib).update_bn(loader, model)
    bn = model[1]
    return (
        np.array(bn.running_mean.numpy()),
        np.array(bn.running_var.numpy()),
        int(bn.num_batches_tracked),
        bn.momentum,
        model.training,
    )


@pytest.mark.parametrize("with_labels", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_bn_matches_torch(dtype, with_labels):
    ours, theirs = bn_stats(ck, dtype, with_labels), bn_stats(torch, dtype, with_labels)
    tol = tolerance(dtype)
    np.testing.assert_allclose(ours[0], theirs[0], **tol)
    np.testing.assert_allclose(ours[1], theirs[1], **tol)
    assert ours[2:] == theirs[2:] == (6, 0.3, False)


def test_update_bn_without_batchnorm_does_nothing():
    model = ck.nn.Linear(2, 2)
    ck_swa.update_bn([ck.zeros(1, 2)], model)  # no BatchNorm: returns before any forward


SWALR_CASES = [
    dict(swa_lr=0.05),
    dict(swa_lr=[0.05, 0.01], anneal_epochs=5, anneal_strategy="linear"),
    dict(swa_lr=0.2, anneal_epochs=0),
    dict(swa_lr=0.01, anneal_epochs=30, anneal_strategy="cos"),
]


@pytest.mark.parametrize("kwargs", SWALR_CASES)
def test_swalr_matches_torch(kwargs):
    def run(lib):
        params = [lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(2))]
        opt_lib = torch.optim if lib is torch else optim
        opt = opt_lib.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}], lr=0.1)
        base = opt_lib.lr_scheduler.CosineAnnealingLR(opt, 50)
        scheduler = swa(lib).SWALR(opt, **kwargs)
        rates = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in range(100):
                opt.step()
                (base if epoch < 20 else scheduler).step()
                rates.append(scheduler.get_last_lr() if epoch >= 20 else base.get_last_lr())
        state = {k: v for k, v in scheduler.state_dict().items()}
        return rates, state, [str(w.message) for w in caught]

    ours, theirs = run(ck), run(torch)
    assert ours == theirs


def test_swalr_bad_arguments_like_torch():
    for kwargs in (dict(anneal_strategy="exp"), dict(anneal_epochs=-1), dict(anneal_epochs=2.5)):
        messages = []
        for lib in (torch, ck):
            opt = (torch.optim if lib is torch else optim).SGD(
                [lib.nn.Parameter(lib.zeros(1))], lr=0.1
            )
            with pytest.raises(ValueError) as info:
                swa(lib).SWALR(opt, 0.05, **kwargs)
            messages.append(str(info.value))
        assert messages[0] == messages[1]
