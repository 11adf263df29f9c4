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
        p.shape  # noqa: B018 - the access itself raises
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        torch.nn.parameter.UninitializedParameter().shape  # noqa: B018 - the access itself raises
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


def _state_from_torch(name, args, kwargs, shape):
    """A materialised torch lazy module's state_dict (the checkpoint), its input, its module."""
    torch.manual_seed(7)
    src = getattr(torch.nn, name)(*args, **kwargs)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    src(torch.tensor(x))
    return src.state_dict(), x


@pytest.mark.parametrize("name,args,kwargs,shape", LAZY, ids=IDS)
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
def test_load_state_dict_before_the_first_forward_as_torch(name, args, kwargs, shape):
    """torch's LazyModuleMixin load hook: the placeholders take the checkpoint's shapes and
    values, the module stays lazy until its first forward, which draws nothing."""
    state, x = _state_from_torch(name, args, kwargs, shape)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    result_t = theirs.load_state_dict(state)
    result_c = ours.load_state_dict({k: ck.tensor(v.numpy()) for k, v in state.items()})
    assert (result_c.missing_keys, result_c.unexpected_keys) == (
        result_t.missing_keys,
        result_t.unexpected_keys,
    )
    assert type(ours).__name__ == type(theirs).__name__  # still lazy
    assert repr(ours) == repr(theirs)
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    for (n, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert type(p).__name__ == type(pt).__name__, n
        np.testing.assert_array_equal(p.data, pt.detach().numpy(), err_msg=n)
    torch.manual_seed(3)
    ck.manual_seed(3)
    if name.startswith("LazyInstanceNorm") and kwargs.get("affine", True):
        # torch keeps num_features 0 after loading, and an affine instance norm then refuses
        # every input: the same ValueError here
        with pytest.raises(ValueError) as t_err:
            theirs(torch.tensor(x))
        with pytest.raises(ValueError) as c_err:
            ours(ck.tensor(x))
        assert str(c_err.value) == str(t_err.value)
        return
    yt = theirs(torch.tensor(x))
    after_t = torch.rand(2).numpy()
    y = ours(ck.tensor(x))
    np.testing.assert_array_equal(ck.rand(2).numpy(), after_t)  # no init draws after loading
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == repr(theirs)  # torch keeps the placeholder size 0 (in_channels etc.)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_optimiser_built_before_loading_holds_the_loaded_parameters():
    state, _ = _state_from_torch("LazyConv2d", (4, 3), {}, (2, 3, 6, 6))
    m = nn.LazyConv2d(4, 3)
    opt = ck.optim.SGD(m.parameters(), lr=0.1)
    m.load_state_dict({k: ck.tensor(v.numpy()) for k, v in state.items()})
    assert opt.param_groups[0]["params"][0] is m.weight
    m(ck.ones(1, 3, 6, 6)).sum().backward()
    before = m.weight.data.clone()
    opt.step()
    np.testing.assert_allclose(m.weight.data, before.numpy() - 0.1 * m.weight.grad.numpy())


def test_partial_and_placeholder_loads_as_torch():
    state, _ = _state_from_torch("LazyConv2d", (4, 3), {}, (2, 3, 6, 6))
    for lib, weight in ((torch, state["weight"]), (ck, ck.tensor(state["weight"].numpy()))):
        m = lib.nn.LazyConv2d(4, 3)
        result = m.load_state_dict({"weight": weight}, strict=False)
        assert result.missing_keys == ["bias"]
        assert type(m.bias).__name__ == "UninitializedParameter"
        assert m.has_uninitialized_params()
        # a lazy module's own state_dict holds its placeholders; loading it changes nothing
        fresh = lib.nn.LazyConv2d(4, 3)
        assert [type(v).__name__ for v in fresh.state_dict().values()] == [
            "UninitializedParameter"
        ] * 2
        lazy_copy = lib.nn.LazyConv2d(4, 3)
        lazy_copy.load_state_dict(fresh.state_dict())
        assert lazy_copy.has_uninitialized_params()


def test_placeholder_into_a_real_module_raises_as_torch():
    def load(lib):
        return lib.nn.Conv2d(3, 4, 3).load_state_dict(lib.nn.LazyConv2d(4, 3).state_dict())

    with pytest.raises(RuntimeError) as theirs:
        load(torch)
    with pytest.raises(RuntimeError) as ours:
        load(ck)
    assert str(ours.value) == str(theirs.value)


def test_wrong_shape_after_materialising_is_torchs_size_mismatch():
    state, _ = _state_from_torch("LazyConv2d", (4, 3), {}, (2, 3, 6, 6))
    other, _ = _state_from_torch("LazyConv2d", (4, 3), {}, (2, 2, 6, 6))
    for lib, convert in ((torch, lambda v: v), (ck, lambda v: ck.tensor(v.numpy()))):
        m = lib.nn.LazyConv2d(4, 3)
        m.load_state_dict({k: convert(v) for k, v in state.items()})
        with pytest.raises(RuntimeError, match="size mismatch for weight"):
            m.load_state_dict({k: convert(v) for k, v in other.items()})


def test_loaded_lazy_linear_checks_the_input_width_as_torch():
    for lib in (torch, ck):
        m = lib.nn.LazyLinear(2)
        m.load_state_dict(lib.nn.Linear(3, 2).state_dict())
        with pytest.raises(AssertionError, match="in_features inferred from input: 4"):
            m(lib.ones(1, 4))
