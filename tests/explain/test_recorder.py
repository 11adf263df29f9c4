"""The recorder behind ``summary`` and the feature-map pictures: forward hooks for one run."""

import numpy as np
import pytest

import convkit as ck
import convkit.nn as nn
from convkit.explain.recorder import Recorder, is_leaf


class Twice(nn.Module):
    """conv -> relu -> conv again (a shared module), then an in-place change of the output."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        self.act = nn.ReLU()

    def forward(self, x):
        y = self.conv(self.act(self.conv(x)))
        y._array += 100.0  # after the last hook ran
        return y


def test_calls_in_order_with_counts_and_copies():
    ck.manual_seed(0)
    model = Twice()
    x = ck.randn(1, 1, 4, 4)
    with Recorder(model, copy=True) as rec:
        out = model(x)
    assert [(c.name, c.count, c.label) for c in rec.calls] == [
        ("conv", 1, "conv"),
        ("act", 1, "act"),
        ("conv", 2, "conv (call 2)"),
    ]
    first = model.conv(x)
    np.testing.assert_array_equal(rec.calls[0].output, first.data)
    np.testing.assert_array_equal(rec.calls[1].inputs[0].data, first.data)
    np.testing.assert_allclose(rec.calls[2].output + 100.0, out.data)  # the copy kept the value
    assert not any(m._forward_hooks for m in model.modules())


def test_hooks_removed_after_an_error_and_user_hooks_kept():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    model = nn.Sequential(nn.ReLU(), Boom())
    seen = []
    model[0].register_forward_hook(lambda m, a, o: seen.append("user"))
    rec = Recorder(model, select=lambda m: is_leaf(m))
    with pytest.raises(ValueError, match="boom"), rec:
        model(ck.ones(2))
    assert [c.name for c in rec.calls] == ["0"]
    assert seen == ["user"] and len(model[0]._forward_hooks) == 1
    assert not model[1]._forward_hooks


def test_a_root_without_children_is_named_by_its_type():
    with Recorder(nn.ReLU()) as rec:
        rec.model(ck.ones(1))
    assert [c.name for c in rec.calls] == ["ReLU"]
