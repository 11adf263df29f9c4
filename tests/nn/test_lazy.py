"""Lazy modules against torch: reprs before and after the first forward, the weights drawn at
materialisation (bit for bit after the same seed), the class they become, optimisers built
before the first forward."""

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn
from convkit.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

# (class, args, kwargs, input shape)
LAZY = [
    ("LazyConv1d", (4, 3), dict(stride=2, bias=False), (2, 3, 9)),
    ("LazyConv2d", (4, 3), dict(padding=1), (2, 3, 6, 6)),
    ("LazyConv2d", (6, 3), dict(groups=3), (3, 6, 6)),  # unbatched
    ("LazyConv3d", (2, 2), {}, (1, 2, 3, 3, 3)),
    ("LazyConvTranspose1d", (4, 3), dict(stride=2), (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 2), dict(groups=2, bias=False), (2, 4, 3, 3)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 2, 2, 2)),
    ("LazyLinear", (5,), {}, (2, 7)),
    ("LazyLinear", (5,), dict(bias=False), (3, 2, 7)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), dict(momentum=0.3), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), dict(affine=False), (2, 3, 2, 2, 2)),
    ("LazyBatchNorm2d", (), dict(bias=False, track_running_stats=False), (4, 3, 2, 2)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5)),
    ("LazyInstanceNorm2d", (), dict(affine=False, track_running_stats=False), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {}, (2, 3, 2, 2, 2)),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(LAZY)]


@pytest.mark.parametrize("name,args,kwargs,shape", LAZY, ids=IDS)
# A lazy instance norm without parameters never learns num_features; torch warns about it too.
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
def test_materialises_as_torch(name, args, kwargs, shape):
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(is_lazy(p) for p in ours.parameters())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch.manual_seed(4)
    yt = theirs(torch.tensor(x))
    after_t = torch.rand(2).numpy()
    ck.manual_seed(4)
    y = ours(ck.tensor(x))
    after_c = ck.rand(2).numpy()
    np.testing.assert_array_equal(after_c, after_t)  # the same number of draws, in order
    assert type(ours).__name__ == type(theirs).__name__  # the class torch's becomes
    assert isinstance(ours, getattr(nn, type(theirs).__name__))
    assert repr(ours) == repr(theirs)
    t_state, c_state = theirs.state_dict(), ours.state_dict()
    assert list(c_state) == list(t_state)
    params = dict(theirs.named_parameters())
    for key, value in t_state.items():
        if key in params:  # drawn at materialisation: bit for bit
            np.testing.assert_array_equal(c_state[key].data, value.numpy(), err_msg=key)
        else:  # running statistics, updated by the forward
            np.testing.assert_allclose(c_state[key].data, value.numpy(), rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert not any(is_lazy(t) for t in list(ours.parameters()) + list(ours.buffers()))


def test_an_optimiser_built_before_the_first_forward_trains_the_real_weights():
    def build(lib):
        m = lib.nn.Sequential(
            lib.nn.LazyConv2d(4, 3),
            lib.nn.LazyBatchNorm2d(),
            lib.nn.ReLU(),
            lib.nn.Flatten(),
            lib.nn.LazyLinear(3),
        )
        return m, lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)

    x = np.random.default_rng(1).standard_normal((4, 2, 5, 5)).astype(np.float32)
    target = np.array([0, 2, 1, 0])
    torch.manual_seed(0)
    tm, topt = build(torch)
    ck.manual_seed(0)
    cm, copt = build(ck)
    assert len(copt.param_groups[0]["params"]) == 6
    for _ in range(3):
        for m, opt, lib, conv in ((tm, topt, torch, torch.tensor), (cm, copt, ck, ck.tensor)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(conv(x)), conv(target))
            loss.backward()
            opt.step()
    assert type(cm[0]) is nn.Conv2d and type(cm[4]) is nn.Linear
    for (key, value), (_, ours) in zip(
        tm.state_dict().items(), cm.state_dict().items(), strict=True
    ):
        np.testing.assert_allclose(ours.data, value.numpy(), rtol=1e-4, atol=1e-5, err_msg=key)
    # the optimiser holds the very parameters the model now uses
    assert copt.param_groups[0]["params"][0] is cm[0].weight


def test_dtype_chosen_before_the_first_forward_is_kept():
    m = nn.LazyLinear(3, dtype=ck.float64)
    m(ck.ones(2, 4, dtype=ck.float64))
    assert m.weight.dtype == np.float64 and m.bias.dtype == np.float64
    m2 = nn.LazyConv2d(2, 1).double()
    m2(ck.ones(1, 3, 2, 2, dtype=ck.float64))
    assert m2.weight.dtype == np.float64


def test_placeholders_refuse_shape_questions_as_torch():
    p = UninitializedParameter()
    assert isinstance(p, nn.Parameter) and p.requires_grad
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        p.shape  # noqa: B018
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        torch.nn.parameter.UninitializedParameter().shape  # noqa: B018
    b = UninitializedBuffer()
    assert not b.requires_grad
    b.materialize((2, 3))
    assert type(b) is ck.Tensor and b.shape == (2, 3)


@pytest.mark.parametrize(
    "name,shape,match",
    [
        ("LazyConv2d", (2, 3, 4), "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input"),
        ("LazyConv1d", (1, 2, 3, 4, 5), "Expected 2D \\(unbatched\\) or 3D \\(batched\\) input"),
    ],
)
def test_wrong_input_rank_is_an_error_as_torch(name, shape, match):
    x = np.zeros(shape, dtype=np.float32)
    with pytest.raises(RuntimeError, match=match):
        getattr(torch.nn, name)(2, 1)(torch.tensor(x)[0])
    with pytest.raises(RuntimeError, match=match):
        getattr(nn, name)(2, 1)(ck.tensor(x)[0])


def test_groups_must_divide_the_inferred_channels():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        torch.nn.LazyConv2d(4, 1, groups=2)(torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 1, groups=2)(ck.zeros(1, 3, 2, 2))


def test_inference_is_a_forward_pre_hook_that_removes_itself():
    m = nn.LazyLinear(2)
    seen = []
    m.register_forward_pre_hook(lambda mod, args: seen.append(mod.weight.shape))
    assert len(m._forward_pre_hooks) == 2
    m(ck.ones(3, 4))
    assert seen == [(2, 4)]  # a hook registered later sees the materialised weight
    assert len(m._forward_pre_hooks) == 1 and not hasattr(m, "_initialize_hook")
    assert type(m) is nn.Linear
