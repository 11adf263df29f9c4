"""Parity of convkit.functions.misc (global switches and torch.compile) with torch."""

from __future__ import annotations

import pytest
import torch

import convkit as ck
import convkit.functions.misc as module

# (setter, argument, getters read after it): each step runs in both libraries
STEPS = [
    ("use_deterministic_algorithms", (True,), {"warn_only": True}),
    ("use_deterministic_algorithms", (True,), {}),
    ("use_deterministic_algorithms", (False,), {}),
    ("set_deterministic_debug_mode", ("warn",), {}),
    ("set_deterministic_debug_mode", (2,), {}),
    ("set_deterministic_debug_mode", ("default",), {}),
    ("set_float32_matmul_precision", ("medium",), {}),
    ("set_float32_matmul_precision", ("highest",), {}),
    ("set_warn_always", (True,), {}),
    ("set_warn_always", (False,), {}),
]
GETTERS = [
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_warn_always_enabled",
]
ERRORS = [
    ("use_deterministic_algorithms", ("yes",)),
    ("set_deterministic_debug_mode", ("loud",)),
    ("set_deterministic_debug_mode", (3,)),
]


def _state(lib):
    return [getattr(lib, g)() for g in GETTERS]


@pytest.fixture
def restore():
    yield
    for lib in (torch, ck):
        lib.use_deterministic_algorithms(False)
        lib.set_float32_matmul_precision("highest")
        lib.set_warn_always(False)


@pytest.mark.parametrize("step", STEPS, ids=[f"{s[0]}-{s[1][0]}" for s in STEPS])
def test_switches(step, restore):
    name, args, kwargs = step
    assert _state(ck) == _state(torch)
    getattr(ck, name)(*args, **kwargs)
    getattr(torch, name)(*args, **kwargs)
    assert _state(ck) == _state(torch)


@pytest.mark.parametrize("name, args", ERRORS, ids=[f"{n}-{a[0]}" for n, a in ERRORS])
def test_switch_errors(name, args, restore):
    with pytest.raises(Exception) as theirs:
        getattr(torch, name)(*args)
    with pytest.raises(type(theirs.value)):
        getattr(ck, name)(*args)


def test_unknown_matmul_precision_warns_and_changes_nothing(restore):
    for lib in (torch, ck):
        lib.set_float32_matmul_precision("medium")
        with pytest.warns(UserWarning):
            lib.set_float32_matmul_precision("low")
        assert lib.get_float32_matmul_precision() == "medium"


def test_compile_returns_the_model():
    model = ck.nn.Linear(2, 3)
    assert ck.compile(model) is model
    assert ck.compile(mode="max-autotune")(model) is model

    def fn(x):
        return x * 2

    assert ck.compile(fn, fullgraph=True) is fn


def test_every_function_has_a_case():
    covered = {s[0] for s in STEPS} | set(GETTERS) | {"compile"}
    assert set(module.__all__) <= covered, set(module.__all__) - covered
