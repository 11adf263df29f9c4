"""Tensors print as torch prints them: repr/str compared with torch's own strings, with
``convkit`` written where torch writes ``torch``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.printing as module

rng = np.random.default_rng(0)
INF, NAN = float("inf"), float("nan")

VALUES = {
    "float-small-matrix": rng.standard_normal((3, 4)).astype(np.float32),
    "float64": rng.standard_normal((2, 3)),
    "int-mode": np.array([1.0, -2.0, 30.0], dtype=np.float32),
    "zeros": np.zeros((2, 2), dtype=np.float32),
    "scalar": np.array(3.25, dtype=np.float32),
    "scalar-int": np.array(7),
    "empty": np.zeros((0,), dtype=np.float32),
    "empty-2d": np.zeros((2, 0, 3)),
    "int64": rng.integers(-1000, 1000, (3, 5)),
    "int32": rng.integers(-5, 5, (4,)).astype(np.int32),
    "uint8": rng.integers(0, 255, (2, 3)).astype(np.uint8),
    "bool": rng.random((2, 3)) < 0.5,
    "big-sci": np.array([1e10, 2.5, -3.0], dtype=np.float32),
    "small-sci": np.array([1e-6, 0.5, 2.0], dtype=np.float32),
    "ratio-sci": np.array([0.01, 20.0], dtype=np.float32),
    "big-int-mode": np.array([1e9, 2.0]),
    "nonfinite": np.array([INF, -INF, NAN, 1.5], dtype=np.float32),
    "nonfinite-int-mode": np.array([INF, NAN, 2.0]),
    "only-nonfinite": np.array([NAN, INF]),
    "negative-zero": np.array([-0.0, 1.5]),
    "summarised-1d": np.arange(2000, dtype=np.float32) / 7,
    "summarised-2d": rng.standard_normal((40, 40)).astype(np.float32),
    "summarised-3d": rng.integers(0, 100, (12, 12, 12)),
    "wide-row": rng.standard_normal((2, 30)),
    "4d": rng.standard_normal((2, 2, 2, 2)).astype(np.float32),
    "float16": np.array([1.5, -2.25], dtype=np.float16),
    "tiny-values": np.array([1e-10, 2e-10], dtype=np.float64),
}


def _pair(arr, **kwargs):
    return ck.tensor(arr, **kwargs), torch.tensor(arr, **kwargs)


def _same(ours, theirs):
    assert ours.replace("convkit", "torch") == theirs, f"\nconvkit:\n{ours}\ntorch:\n{theirs}"


@pytest.mark.parametrize("name", VALUES)
def test_repr_and_str(name):
    ours, theirs = _pair(VALUES[name])
    _same(repr(ours), repr(theirs))
    _same(str(ours), str(theirs))


@pytest.mark.parametrize("name", ["float-small-matrix", "scalar", "empty", "summarised-2d"])
def test_requires_grad_and_grad_fn_suffixes(name):
    ours, theirs = _pair(VALUES[name], requires_grad=True)
    _same(repr(ours), repr(theirs))
    _same(repr(ours * 2), repr(theirs * 2))
    _same(repr(ours.sum()), repr(theirs.sum()))
    with ck.no_grad(), torch.no_grad():
        _same(repr(ours * 2), repr(theirs * 2))


def test_dtype_suffix_of_non_default_float():
    # 'dtype=convkit.float64' is two characters longer than torch's: the same line-fitting
    # rule can wrap differently, so these shapes keep both on one line or both wrapped
    for shape in ((2,), (2, 2), (3, 7)):
        ours, theirs = _pair(rng.standard_normal(shape), requires_grad=True)
        _same(repr(ours.exp()), repr(theirs.exp()))


OPTIONS = [
    {"precision": 2},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"linewidth": 30},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize(
    "name", ["float-small-matrix", "big-sci", "summarised-1d", "int64", "zeros", "int-mode"]
)
def test_set_printoptions(options, name):
    try:
        ck.set_printoptions(**options)
        torch.set_printoptions(**options)
        ours, theirs = _pair(VALUES[name])
        _same(repr(ours), repr(theirs))
    finally:
        ck.set_printoptions(profile="default", sci_mode=None)
        torch.set_printoptions(profile="default", sci_mode=None)


def test_get_printoptions_after_set():
    try:
        ck.set_printoptions(precision=3, linewidth=60)
        torch.set_printoptions(precision=3, linewidth=60)
        assert module.get_printoptions() == torch._tensor_str.get_printoptions()
    finally:
        ck.set_printoptions(profile="default", sci_mode=None)
        torch.set_printoptions(profile="default", sci_mode=None)


def test_default_dtype_changes_the_suffix():
    try:
        ck.set_default_dtype(ck.float64)
        torch.set_default_dtype(torch.float64)
        for arr in (VALUES["float64"], VALUES["float-small-matrix"]):
            ours, theirs = _pair(arr)
            _same(repr(ours), repr(theirs))
    finally:
        ck.set_default_dtype(ck.float32)
        torch.set_default_dtype(torch.float32)


def test_parameter_repr():
    ours = ck.nn.Parameter(ck.tensor(VALUES["float-small-matrix"]))
    theirs = torch.nn.Parameter(torch.tensor(VALUES["float-small-matrix"]))
    _same(repr(ours), repr(theirs))


def test_every_function_has_a_case():
    covered = {"format_tensor", "set_printoptions", "get_printoptions", "PrintOptions"}
    assert set(module.__all__) <= covered
