"""Table-driven parity of torch.* functions (and their Tensor-method and in-place forms) with torch.

A ``Case`` names a function and its arguments. ``A(shape, kind)`` is a tensor argument drawn with
NumPy (the same array goes to convkit and to torch); anything else is passed to both unchanged.
``run`` calls both libraries for every dtype of the case and requires the same outcome: where
torch raises, convkit raises the same class; otherwise the same values (parity tolerances), dtypes
and shapes, the same gradients of ``sum(out * g)`` for a random ``g``, the same results from the
method form and, where torch has one, the in-place ``_`` form (which must return ``self``, write
through and bump the version counter as torch's does).

``check_covered`` makes every name of a module's ``__all__`` need a case (or a named exemption),
so a new function without a test fails.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import tolerance

FLOATS = ("float32", "float64")
ALL = ("float32", "float64", "int64")


@dataclass(frozen=True)
class A:
    """A tensor argument: ``shape``, ``kind`` (how values are drawn), ``nc`` a non-contiguous
    view (every other element of the last dimension of a twice-as-wide tensor), ``dtype`` fixed
    (else the case's), ``grad`` whether it takes a gradient when floating."""

    shape: tuple[int, ...] = (3, 4)
    kind: str = "n"
    nc: bool = False
    dtype: str | None = None
    grad: bool = True
    values: Any = None  # a literal array instead of drawn values


def I(values: Any) -> A:  # noqa: E743 - short name for the tables' index tensors
    """A literal int64 index tensor."""
    return A(kind="lit", dtype="int64", values=np.asarray(values, dtype=np.int64), grad=False)


def L(values: Any, dtype: str | None = None) -> A:
    """A literal tensor (the case's dtype unless given)."""
    return A(kind="lit", dtype=dtype, values=np.asarray(values))


@dataclass
class Case:
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    dtypes: tuple[str, ...] = FLOATS
    grad: bool = True
    method: bool = True
    inplace: bool = True
    marks: tuple = ()
    id: str = ""
    func: bool = True  # whether torch.<name> exists (False: a Tensor method only)

    def param(self) -> Any:
        return pytest.param(self, id=self.id or self.name, marks=self.marks)


def C(name: str, *args: Any, **kwargs: Any) -> Case:
    """``Case`` with the options as ``_``-prefixed keywords: ``C("add", A(), A(), _dtypes=ALL)``."""
    opts = {k[1:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("_")}
    return Case(name, args, kwargs, **opts)


def _draw(spec: A, dtype: str, rng: np.random.Generator) -> np.ndarray:
    dt = np.dtype(spec.dtype or dtype)
    shape = spec.shape[:-1] + (2 * spec.shape[-1],) if spec.nc else spec.shape
    if spec.kind == "lit":
        return np.array(spec.values, dtype=np.dtype(spec.dtype) if spec.dtype else dt)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        lo, hi = {"pos": (1, 6), "idx": (0, 3), "small": (0, 2)}.get(spec.kind, (-5, 6))
        return rng.integers(lo, hi, shape).astype(dt)
    draws = {
        "n": lambda: rng.standard_normal(shape),
        "pos": lambda: rng.uniform(0.5, 2.0, shape),
        "unit": lambda: rng.uniform(-0.9, 0.9, shape),
        "prob": lambda: rng.uniform(0.05, 0.95, shape),
        "gt1": lambda: rng.uniform(1.1, 3.0, shape),
        "big": lambda: rng.uniform(-5.0, 5.0, shape).round(),
        "spd": lambda: _spd(rng, shape),
    }
    return draws[spec.kind]().astype(dt)


def _spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    m = rng.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


class _Inputs:
    """The same arguments built for convkit and for torch; ``leaves`` pairs the gradient leaves."""

    def __init__(self, case: Case, dtype: str, grad: bool, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.leaves: list[tuple[Any, Any]] = []
        pairs = [self._pair(a, dtype, grad, rng) for a in case.args]
        self.ours = tuple(p[0] for p in pairs)
        self.theirs = tuple(p[1] for p in pairs)
        kw = {k: self._pair(v, dtype, grad, rng) for k, v in case.kwargs.items()}
        self.kw_ours = {k: v[0] for k, v in kw.items()}
        self.kw_theirs = {k: v[1] for k, v in kw.items()}

    def _pair(self, spec: Any, dtype: str, grad: bool, rng: np.random.Generator) -> Any:
        if isinstance(spec, A):
            arr = _draw(spec, dtype, rng)
            wants = grad and spec.grad and arr.dtype.kind == "f"
            c = ck.tensor(arr, requires_grad=wants)
            t = torch.tensor(arr, requires_grad=wants)
            if wants:
                self.leaves.append((c, t))
            if spec.nc:
                c, t = c[..., ::2], t[..., ::2]
            return c, t
        if isinstance(spec, list | tuple) and any(isinstance(s, A) for s in spec):
            pairs = [self._pair(s, dtype, grad, rng) for s in spec]
            return type(spec)(p[0] for p in pairs), type(spec)(p[1] for p in pairs)
        if isinstance(spec, str) and spec.startswith("dtype:"):
            return getattr(ck, spec[6:]), getattr(torch, spec[6:])
        return spec, spec


def _call(lib: Any, fn: Any) -> tuple[str, Any]:
    # The deprecation and degrees-of-freedom notices both libraries give for these calls are
    # caught here, not left as noise in the suite's summary (this table compares results).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as e:  # the class is compared with torch's
        if lib is ck and type(e).__module__.startswith("numpy"):
            raise AssertionError(f"NumPy error leaked: {type(e).__name__}: {e}") from e
        return "raised", e


def assert_same(ours: Any, theirs: Any, where: str = "out") -> None:
    """Recursive comparison of a convkit result with torch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ck.Tensor), f"{where}: {type(ours).__name__}, torch a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: {ours.shape} {theirs.shape}"
        tdt = str(theirs.dtype).replace("torch.", "")
        assert str(ours.dtype).replace("convkit.", "") == tdt, f"{where}: {ours.dtype} {tdt}"
        a = ours.detach().numpy()
        b = theirs.detach().numpy(force=True)
        if b.dtype.kind == "f":
            np.testing.assert_allclose(a, b, equal_nan=True, err_msg=where, **tolerance(b.dtype))
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs), f"{where}: {ours} {theirs}"
    elif isinstance(theirs, tuple | list):
        assert isinstance(ours, tuple | list), f"{where}: {type(ours)} {type(theirs)}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items, torch {len(theirs)}"
        if hasattr(theirs, "_fields"):
            assert getattr(ours, "_fields", None) == theirs._fields, f"{where}: fields"
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(o, t, f"{where}[{i}]")
    elif isinstance(theirs, torch.dtype):
        assert str(ours).replace("convkit.", "") == str(theirs).replace("torch.", ""), where
    elif isinstance(theirs, float) and not isinstance(theirs, bool):
        assert isinstance(ours, float), f"{where}: {type(ours).__name__} {ours}, torch {theirs}"
        assert ours == theirs or math.isclose(ours, theirs, rel_tol=1e-10), (where, ours, theirs)
    elif isinstance(theirs, str):  # convkit's type names are its own ('convkit.FloatTensor')
        assert isinstance(ours, str) and ours.replace("convkit", "torch") == theirs, where
    elif isinstance(theirs, bool | int | type(None)):
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} {theirs!r}"
    else:
        assert ours == theirs, f"{where}: {ours!r} {theirs!r}"


def _tensors(out: Any) -> list[Any]:
    if isinstance(out, ck.Tensor | torch.Tensor):
        return [out]
    if isinstance(out, tuple | list):
        return [t for o in out for t in _tensors(o)]
    return []


def _both(case: Case, inputs: _Inputs, call: Any) -> tuple[Any, Any]:
    ck.manual_seed(0)
    ours = _call(ck, lambda: call(ck, inputs.ours, inputs.kw_ours))
    torch.manual_seed(0)
    theirs = _call(torch, lambda: call(torch, inputs.theirs, inputs.kw_theirs))
    if theirs[0] == "raised":
        assert ours[0] == "raised", f"torch raised {theirs[1]!r}; convkit returned {ours[1]!r}"
        assert isinstance(ours[1], type(theirs[1])), (
            f"torch raised {type(theirs[1]).__name__}: {theirs[1]}; convkit "
            f"{type(ours[1]).__name__}: {ours[1]}"
        )
        return None, None
    assert ours[0] == "ok", f"convkit raised {ours[1]!r}; torch returned {theirs[1]!r}"
    return ours[1], theirs[1]


def _function(case: Case) -> Any:
    return _function_named(case.name)


def _function_named(name: str) -> Any:
    return lambda lib, args, kw: getattr(lib, name)(*args, **kw)


def _method(name: str) -> Any:
    return lambda lib, args, kw: getattr(args[0], name)(*args[1:], **kw)


def run(case: Case, seed: int = 0) -> None:
    """Every check of one case (see the module docstring)."""
    for dtype in case.dtypes:
        floating = dtype.startswith("float")
        grad = case.grad and floating and not case.name.endswith("_")
        if case.func:
            inputs = _Inputs(case, dtype, grad, seed)
            ours, theirs = _both(case, inputs, _function(case))
            if case.name.endswith("_"):
                _check_inplace(inputs, ours, theirs, dtype)
            elif theirs is not None:
                assert_same(ours, theirs, f"{case.name}[{dtype}]")
                if grad:
                    _check_grads(case, inputs, ours, theirs, dtype)
        name = case.name
        if case.method and hasattr(torch.Tensor, name) and case.args:
            inputs = _Inputs(case, dtype, False, seed)
            if isinstance(inputs.theirs[0], torch.Tensor):
                ours, theirs = _both(case, inputs, _method(name))
                if name.endswith("_"):
                    _check_inplace(inputs, ours, theirs, dtype)
                elif theirs is not None:
                    assert_same(ours, theirs, f"Tensor.{name}[{dtype}]")
        if case.inplace and not name.endswith("_") and hasattr(torch.Tensor, name + "_"):
            inputs = _Inputs(case, dtype, False, seed)
            if isinstance(inputs.theirs[0], torch.Tensor):
                ours, theirs = _both(case, inputs, _method(name + "_"))
                _check_inplace(inputs, ours, theirs, dtype)
                if hasattr(torch, name + "_"):  # the function form, torch.<name>_(x, ...)
                    inputs = _Inputs(case, dtype, False, seed)
                    ours, theirs = _both(case, inputs, _function_named(name + "_"))
                    _check_inplace(inputs, ours, theirs, dtype)


def _check_inplace(inputs: _Inputs, ours: Any, theirs: Any, dtype: str) -> None:
    if theirs is None:
        return
    x, xt = inputs.ours[0], inputs.theirs[0]
    assert ours is x, "the in-place form must return self"
    assert_same(x, xt, f"in-place result [{dtype}]")
    assert x._version == xt._version, f"version {x._version}, torch {xt._version}"


def _check_grads(case: Case, inputs: _Inputs, ours: Any, theirs: Any, dtype: str) -> None:
    pairs = [
        (o, t)
        for o, t in zip(_tensors(ours), _tensors(theirs), strict=True)
        if t.requires_grad and t.dtype.is_floating_point
    ]
    for o, _ in pairs:
        assert o.requires_grad, f"{case.name}: output does not require grad, torch's does"
    if not pairs:
        return
    rng = np.random.default_rng(1)
    loss_o, loss_t = 0, 0
    for o, t in pairs:
        g = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        loss_o = loss_o + (o * ck.tensor(g)).sum()
        loss_t = loss_t + (t * torch.tensor(g)).sum()
    gts = torch.autograd.grad(
        loss_t, [t for _, t in inputs.leaves], allow_unused=True, materialize_grads=True
    )
    gos = ck.autograd.grad(loss_o, [c for c, _ in inputs.leaves], allow_unused=True)
    for i, (go, gt) in enumerate(zip(gos, gts, strict=True)):
        if go is None:
            assert not gt.any(), f"{case.name}: no gradient for input {i}, torch's is nonzero"
            continue
        assert_same(go, gt, f"{case.name}[{dtype}] grad of input {i}")


def check_covered(module: Any, cases: list[Case], exempt: dict[str, str] | None = None) -> None:
    """Every public name of ``module`` has a case (an in-place ``f_`` is covered by ``f``'s)."""
    named = {c.name for c in cases} | set(exempt or {})
    missing = [
        n for n in module.__all__ if n not in named and not (n.endswith("_") and n[:-1] in named)
    ]
    assert not missing, f"{module.__name__}: no parity case for {missing}"
