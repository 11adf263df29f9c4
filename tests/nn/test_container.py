"""ModuleDict, ParameterList and ParameterDict against torch: registration, names, state_dict,
reprs and the dict/list protocols."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn


def _same_repr(ours, theirs):
    assert repr(ours) == repr(theirs).replace("torch.", "convkit.")


def test_module_dict():
    def build(lib):
        d = lib.nn.ModuleDict({"conv": lib.nn.Conv2d(1, 2, 3), "act": lib.nn.ReLU()})
        d["head"] = lib.nn.Linear(2, 3)
        d.update([("pool", lib.nn.MaxPool2d(2))])
        return d

    torch.manual_seed(0)
    theirs = build(torch)
    ck.manual_seed(0)
    ours = build(ck)
    _same_repr(ours, theirs)
    assert list(ours.keys()) == list(theirs.keys())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, v), (_, w) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        np.testing.assert_array_equal(v.data, w.numpy(), err_msg=k)
    assert "act" in ours and len(ours) == 4
    assert isinstance(ours.pop("act"), nn.ReLU) and "act" not in ours
    del ours["pool"]
    assert list(ours) == ["conv", "head"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_module_dict_update_errors_match_torch():
    for lib in (torch, ck):
        with pytest.raises(TypeError):
            lib.nn.ModuleDict().update(3)
        with pytest.raises(ValueError, match="has length 1; 2 is required"):
            lib.nn.ModuleDict().update([("a",)])


def test_parameter_list():
    def build(lib):
        plist = lib.nn.ParameterList([lib.ones(2, 3), lib.nn.Parameter(lib.zeros(4))])
        plist.append(lib.ones(1, dtype=lib.float64))
        plist.extend([lib.zeros(2, 2)])
        plist += [lib.ones(3)]
        return plist

    theirs, ours = build(torch), build(ck)
    _same_repr(ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(isinstance(p, nn.Parameter) for p in ours)
    assert len(ours) == 5 and ours[-1].shape == (3,)
    assert isinstance(ours[1:3], nn.ParameterList) and len(ours[1:3]) == 2
    ours[0] = ck.full((1,), 7.0)
    assert isinstance(ours[0], nn.Parameter) and float(ours[0].sum()) == 7.0
    with pytest.raises(IndexError):
        ours[5]  # noqa: B018 - the access itself raises
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        ours(1)
    with pytest.raises(TypeError, match="should be called with an iterable"):
        ours.extend(ck.ones(2))


def test_parameter_dict():
    def build(lib):
        pdict = lib.nn.ParameterDict({"b": lib.ones(2), "a": lib.zeros(3)})  # sorted, as torch
        pdict["c"] = lib.nn.Parameter(lib.ones(1, 2))
        pdict.update(OrderedDict([("z", lib.ones(1)), ("y", lib.ones(2))]))  # kept in order
        return pdict

    theirs, ours = build(torch), build(ck)
    _same_repr(ours, theirs)
    assert list(ours.keys()) == list(theirs.keys())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "a" in ours and ours.get("missing") is None
    assert ours.setdefault("w", ck.ones(1)).shape == (1,)
    key, value = ours.popitem()
    assert key == "w" and isinstance(value, nn.Parameter)
    assert list(ours.copy().keys()) == list(ours.keys())
    del ours["a"]
    assert "a" not in ours and "a" not in dict(ours.named_parameters())
    with pytest.raises(TypeError, match="not a string"):
        ours[1] = ck.ones(1)


def test_containers_move_with_the_parent():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleDict({"lin": nn.Linear(2, 2)})
            self.scales = nn.ParameterList([ck.ones(2)])

    net = Net().double()
    assert net.blocks["lin"].weight.dtype == np.float64
    assert net.scales[0].dtype == np.float64
    assert [n for n, _ in net.named_parameters()] == [
        "blocks.lin.weight",
        "blocks.lin.bias",
        "scales.0",
    ]


class _Keeps:
    """A module that keeps its output (as a user's module may): ReLU must not overwrite it."""

    @staticmethod
    def make(lib):
        class Keep(lib.nn.Module):
            def forward(self, x):
                self.last = x * 1.0
                return self.last

        return Keep()


def _fusion_cases(lib):
    nn = lib.nn
    lib.manual_seed(0)
    kept = {}
    conv = nn.Conv2d(1, 2, 3)
    conv.register_forward_hook(lambda m, i, o: kept.setdefault("hooked", o))
    keep = _Keeps.make(lib)
    return (
        [
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 3), nn.ReLU()),
            nn.Sequential(conv, nn.ReLU(inplace=True), nn.Flatten()),
            nn.Sequential(keep, nn.ReLU()),
            nn.Sequential(nn.ReLU(), nn.Flatten()),
        ],
        kept,
        keep,
    )


def test_sequential_relu_fusion_matches_torch_and_spares_tensors_held_elsewhere():
    # Sequential writes ReLU into the last module's output when nothing else holds it; outputs,
    # gradients, grad_fn names, hooked and kept tensors and the caller's input match torch's.
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8))
    results = []
    for lib in (torch, ck):
        models, kept, keep = _fusion_cases(lib)
        got = []
        for m in models:
            m.double()
            inp = lib.tensor(x, requires_grad=True)
            out = m(inp)
            names = [type(out.grad_fn).__name__]
            (out * out).sum().backward()
            got += [out.detach().numpy().copy(), inp.grad.numpy().copy(), inp.detach().numpy()]
            got += [p.grad.numpy().copy() for p in m.parameters()]
            got.append(names)
            with lib.no_grad():
                got.append(m(lib.tensor(x)).numpy().copy())
        got += [kept["hooked"].detach().numpy().copy(), keep.last.detach().numpy().copy()]
        results.append(got)
    for a, b in zip(results[1], results[0], strict=True):
        if isinstance(a, list):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_sequential_relu_fusion_keeps_relus_errors_and_integer_results():
    m = ck.nn.Sequential(ck.nn.Flatten(), ck.nn.ReLU())
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        m(ck.ones(2, 2, dtype=ck.bool))
    got = m(ck.tensor([[-3, 4], [5, -6]]))
    assert got.dtype == ck.int64
    np.testing.assert_array_equal(got.numpy(), [[0, 4], [5, 0]])
