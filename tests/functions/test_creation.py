"""Parity of convkit.functions.creation with torch (see harness.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.functions.creation as module
from tests.functions.harness import C, assert_same, check_covered, run

ONE = ("float32",)  # the dtype of drawn inputs is irrelevant here: one pass each

WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window")
CASES = [
    C("logspace", 0, 2, 5, _dtypes=ONE),
    C("logspace", -1.0, 1.0, 4, 2.0, dtype="dtype:float64", _dtypes=ONE, _id="logspace-base2"),
    C("logspace", 0, 3, 4, dtype="dtype:int64", _dtypes=ONE, _id="logspace-int"),
    C("logspace", 0, 1, 1, _dtypes=ONE, _id="logspace-one-step"),
    C("logspace", 0, 1, -1, _dtypes=ONE, _id="logspace-negative-steps"),
    C("range", 1, 4, _dtypes=ONE),
    C("range", 0.0, 1.0, 0.25, dtype="dtype:float64", _dtypes=ONE, _id="range-float-step"),
    C("range", 5, 1, -2, dtype="dtype:int64", _dtypes=ONE, _id="range-negative-step"),
    C("range", 0, 1, 0, _dtypes=ONE, _id="range-zero-step"),
    C("range", 0, 4, -1, _dtypes=ONE, _id="range-wrong-sign"),
    C("scalar_tensor", 2.5, _dtypes=ONE),
    C("scalar_tensor", 3, dtype="dtype:int64", _dtypes=ONE, _id="scalar_tensor-int"),
    C("scalar_tensor", True, _dtypes=ONE, _id="scalar_tensor-bool"),
    *(C(n, 7, _dtypes=ONE) for n in WINDOWS),
    *(C(n, 6, False, dtype="dtype:float64", _dtypes=ONE, _id=f"{n}-symmetric") for n in WINDOWS),
    *(C(n, 1, _dtypes=ONE, _id=f"{n}-1") for n in WINDOWS),
    *(C(n, 0, _dtypes=ONE, _id=f"{n}-0") for n in WINDOWS),
    *(C(n, -1, _dtypes=ONE, _id=f"{n}-negative") for n in WINDOWS),
    C("hamming_window", 8, True, 0.5, 0.5, _dtypes=ONE, _id="hamming_window-alpha-beta"),
    C("kaiser_window", 8, True, 5.0, _dtypes=ONE, _id="kaiser_window-beta"),
    C("hann_window", 5, dtype="dtype:int64", _dtypes=ONE, _id="hann_window-int-error"),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_empty_strided(dtype):
    ours = ck.empty_strided((2, 3), (1, 2), dtype=getattr(ck, dtype))
    theirs = torch.empty_strided((2, 3), (1, 2), dtype=getattr(torch, dtype))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.stride() == theirs.stride()
    assert str(ours.dtype).replace("convkit.", "") == dtype
    ours.fill_(1.0)
    assert ours.sum().item() == 6


def test_frombuffer():
    buf = bytearray(np.arange(6, dtype=np.float32).tobytes())
    for kwargs in ({}, {"count": 3, "offset": 8}):
        ours = ck.frombuffer(buf, dtype=ck.float32, **kwargs)
        theirs = torch.frombuffer(buf, dtype=torch.float32, **kwargs)
        assert_same(ours, theirs)
    ours = ck.frombuffer(buf, dtype=ck.float32)
    ours[0] = 7.0  # shares the buffer, as torch's does
    assert np.frombuffer(buf, dtype=np.float32)[0] == 7.0
    for lib in (torch, ck):
        with pytest.raises(ValueError):
            lib.frombuffer(buf, dtype=lib.float32, count=10)


def test_dlpack_round_trip():
    x = ck.tensor(np.arange(6.0).reshape(2, 3))
    y = ck.from_dlpack(ck.to_dlpack(x))
    assert_same(y, torch.arange(6.0, dtype=torch.float64).reshape(2, 3))
    y[0, 0] = 5.0  # the capsule shares memory
    assert x[0, 0].item() == 5.0
    # torch reads convkit's tensors through the protocol, and convkit torch's
    assert_same(ck.from_dlpack(torch.arange(4)), torch.arange(4))
    np.testing.assert_array_equal(torch.from_dlpack(x).numpy(), x.numpy())
    t = torch.from_dlpack(ck.to_dlpack(x))
    t[0, 1] = 9.0
    assert x[0, 1].item() == 9.0


def test_from_file(tmp_path):
    path = tmp_path / "values.bin"
    np.arange(5, dtype=np.float64).tofile(path)
    ours = ck.from_file(str(path), size=5, dtype=ck.float64)
    theirs = torch.from_file(str(path), size=5, dtype=torch.float64)
    assert_same(ours, theirs)
    for lib in (torch, ck):
        with pytest.raises(RuntimeError):
            lib.from_file(str(path), size=9, dtype=lib.float64)


def test_every_function_has_a_case():
    check_covered(
        module,
        CASES,
        exempt={
            "empty_strided": "test_empty_strided",
            "frombuffer": "test_frombuffer",
            "from_dlpack": "test_dlpack_round_trip",
            "to_dlpack": "test_dlpack_round_trip",
            "from_file": "test_from_file",
        },
    )
