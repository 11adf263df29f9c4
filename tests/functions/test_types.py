"""Parity of convkit.functions.types with torch (see harness.py)."""

from __future__ import annotations

import pytest
import torch

import convkit as ck
import convkit.functions.types as module
from tests.functions.harness import ALL, A, C, L, check_covered, run

M = A((3, 4))
DT = ("float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16")

CASES = [
    C("result_type", M, A((), dtype="float64"), _dtypes=ALL),
    C("result_type", A((3,), dtype="int64"), 2.5, _id="result_type-scalar"),
    C("result_type", A((3,), dtype="uint8"), A((3,), dtype="int8"), _id="result_type-uint8-int8"),
    C("result_type", 1, 2.0, _id="result_type-numbers"),
    *(
        C("promote_types", f"dtype:{a}", f"dtype:{b}", _id=f"promote_types-{a}-{b}")
        for a in DT
        for b in DT
    ),
    *(C("can_cast", f"dtype:{a}", f"dtype:{b}", _id=f"can_cast-{a}-{b}") for a in DT for b in DT),
    C("numel", A((2, 3, 4)), _dtypes=ALL),
    C("numel", A((0, 3)), _id="numel-empty"),
    C("is_floating_point", M, _dtypes=ALL),
    C("is_complex", M, _dtypes=ALL),
    C("is_signed", M, _dtypes=("float32", "float64", "int64", "uint8", "bool")),
    C("is_nonzero", L([0.5])),
    C("is_nonzero", L(0.0), _id="is_nonzero-false"),
    C("is_nonzero", L([1.0, 2.0]), _id="is_nonzero-ambiguous"),
    C("is_nonzero", A((0,)), _id="is_nonzero-empty"),
    C("is_same_size", M, A((3, 4))),
    C("is_same_size", M, A((4, 3)), _id="is_same_size-false"),
    C("is_storage", M),
    C("is_tensor", M),
    C("is_tensor", [1.0], _id="is_tensor-list"),
    C("typename", M, _dtypes=ALL),
    C("typename", 3, _id="typename-int"),
    C("clone", A((3, 4), nc=True), _dtypes=ALL),
    C("detach", M),
    C("detach_", M, _grad=False),
    C("fill", M, 2.5, _dtypes=ALL),
    C("fill", M, L(1.5), _id="fill-tensor-value"),
    C("fill_", M, 2.5, _grad=False, _dtypes=ALL),
    C("fill_", M, L([1.0, 2.0]), _grad=False, _id="fill_-non-scalar"),
    C("zero_", M, _grad=False, _dtypes=ALL),
    C("conj", M),
    C("conj_physical", M, _dtypes=ALL),
    C("resolve_conj", M),
    C("resolve_neg", M),
    C("is_conj", M),
    C("is_neg", M),
    C("adjoint", A((2, 3, 4)), _dtypes=ALL),
    C("get_device", M),
    C("is_inference", M),
    C("is_distributed", M),
    C("real", M, _dtypes=ALL),
    C("imag", M, _id="imag-real-error"),
    C("resize_as_", A((2, 6)), A((3, 4)), _grad=False),
    C("resize_as_", A((2, 6)), A((2, 3)), _grad=False, _id="resize_as_-smaller"),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


FLOAT_INFO = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution")


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name):
    ours, theirs = ck.finfo(getattr(ck, name)), torch.finfo(getattr(torch, name))
    for attr in FLOAT_INFO:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert str(ours.dtype) == str(theirs.dtype)
    assert ck.finfo().eps == torch.finfo().eps  # the default dtype's


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    ours, theirs = ck.iinfo(getattr(ck, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert str(ours.dtype) == str(theirs.dtype)


def test_info_errors():
    with pytest.raises(TypeError):
        torch.finfo(torch.int64)
    with pytest.raises(TypeError):
        ck.finfo(ck.int64)
    with pytest.raises(TypeError):
        torch.iinfo(torch.float32)
    with pytest.raises(TypeError):
        ck.iinfo(ck.float32)


def test_every_function_has_a_case():
    check_covered(module, CASES, exempt={"finfo": "test_finfo", "iinfo": "test_iinfo"})
