"""The object collectives' unpickler (``all_gather_object``, ``broadcast_object_list``): what
another rank sends is rebuilt only from an allow-list, so a hostile payload never runs."""

from __future__ import annotations

import builtins
import collections
import os
import pickle

import numpy as np
import pytest

import convkit as ck
from convkit.distributed import distributed_c10d as c10d


class _Payload:
    """Pickles as ``func(arg)``: what a hostile rank would send."""

    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


class _UserClass:
    pass


def test_the_objects_the_collectives_carry_round_trip():
    w = ck.nn.Parameter(ck.randn(2, 3))
    obj = {
        "ints": [1, 2**70, -3],
        "text": ("a", b"b", bytearray(b"c")),
        "set": {1, 2},
        "frozen": frozenset({3}),
        "complex": 1 + 2j,
        "slice": slice(1, 5, 2),
        "range": range(3),
        "ordered": collections.OrderedDict(a=1),
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "tensor": ck.arange(4),
        "grad": ck.ones(2, requires_grad=True),
        "param": w,
        "none": None,
    }
    back = c10d._loads(pickle.dumps(obj), "all_gather_object")
    assert back.keys() == obj.keys()
    for key in ("ints", "text", "set", "frozen", "complex", "slice", "range", "ordered", "none"):
        assert back[key] == obj[key]
    np.testing.assert_array_equal(back["array"], obj["array"])
    assert back["tensor"].tolist() == obj["tensor"].tolist()
    assert back["grad"].requires_grad
    assert type(back["param"]) is ck.nn.Parameter
    np.testing.assert_array_equal(back["param"].detach().numpy(), w.detach().numpy())


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "builtins.exec"])
@pytest.mark.parametrize("what", ["all_gather_object", "broadcast_object_list"])
def test_a_hostile_payload_is_refused_before_it_runs(tmp_path, name, what):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').close()"
    payloads = {
        "os.system": _Payload(os.system, f"touch {marker}"),
        "builtins.eval": _Payload(builtins.eval, code),
        "builtins.exec": _Payload(builtins.exec, code),
    }
    data = pickle.dumps([1, {"x": payloads[name]}])
    with pytest.raises(pickle.UnpicklingError, match=f"{what}: refusing to unpickle global"):
        c10d._loads(data, what)
    assert not marker.exists()


def test_a_class_outside_the_allow_list_is_refused_with_its_name():
    with pytest.raises(pickle.UnpicklingError, match="_UserClass"):
        c10d._loads(pickle.dumps(_UserClass()), "all_gather_object")


def test_a_persistent_id_is_refused():
    class WithPid(pickle.Pickler):
        def persistent_id(self, obj):
            return "pid" if obj == "x" else None

    import io

    buf = io.BytesIO()
    WithPid(buf).dump(["x"])
    with pytest.raises(pickle.UnpicklingError, match="persistent id"):
        c10d._loads(buf.getvalue(), "broadcast_object_list")
