"""The Optimizer base class: parameter groups, per-parameter state and torch's state_dict layout.

Subclasses implement ``step`` by updating each parameter's NumPy array (``._array``) in place
under ``no_grad``. Every scalar hyperparameter is cast to the parameter's dtype before it touches an
array, because NumPy would otherwise promote a float32 array to float64 (torch rounds the scalar
to the tensor's dtype in the same way).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from copy import deepcopy
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import enable_grad, no_grad
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a hyperparameter every parameter group must give (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


_TENSOR_TYPENAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _typename(obj) -> str:
    """torch.typename: ``convkit.FloatTensor`` for a float32 tensor, ``module.Class`` otherwise."""
    if isinstance(obj, Tensor):
        return "convkit." + _TENSOR_TYPENAMES.get(str(obj.dtype), "Tensor")
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


class Optimizer:
    """Base class of all optimisers.

    Args:
        params: an iterable of Parameters (Tensors), of ``(name, Parameter)`` pairs, or of dicts
            each holding ``"params"`` and per-group hyperparameters (parameter groups).
        defaults: the hyperparameters used where a group does not give its own.

    ``param_groups`` is a list of dicts with every default filled in; ``state`` maps each
    Parameter to a dict of its optimiser state (Tensors and numbers).
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of "
                "Tensors or dicts, but got " + _typename(params)
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"``), filling in the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, "
                "but the ordering of tensors in sets will change between runs. "
                "Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for entry in param_group["params"]:
            if isinstance(entry, tuple):
                names.append(entry[0])
                tensors.append(entry[1])
            else:
                tensors.append(entry)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. "
                    "Some param names are missing"
                )
            param_group["param_names"] = names

        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(p)
                )
            if not (p.is_leaf or p._retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required "
                    f"optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; see "
                "github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad = p.grad
                    grad._node = None
                    grad.requires_grad = False
                    grad._array[...] = 0

    def step(self, closure: Callable[[], Any] | None = None):
        """Update the parameters once; ``closure`` re-evaluates the model and returns the loss.

        The closure runs with gradients enabled; the update itself runs under ``no_grad`` on the
        parameters' arrays, one group at a time (``_update_group``, written by each subclass).
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # ----- state ---------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Indices number the parameters across the groups in order. As in torch, the state's
        Tensors are the optimiser's own (not copies): deep-copy the dict to snapshot it.
        """
        index_of: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {
            (index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict made by ``state_dict`` (the groups must hold as many parameters).

        Floating-point state Tensors are copied and cast to their parameter's dtype, except
        ``step``, which keeps its own; hyperparameters are taken from the saved groups.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match "
                "the size of optimizer's group"
            )
        id_map = {}
        for g, s in zip(groups, saved_groups, strict=True):
            id_map.update(zip(s["params"], g["params"], strict=True))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                array = np.array(value._array, copy=True)
                if key != "step" and array.dtype.kind == "f" and param.dtype.kind == "f":
                    array = array.astype(param.dtype)
                return Tensor._wrap(array)
            if isinstance(value, np.ndarray):
                return cast(param, Tensor._wrap(value), key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v
        for g, s in zip(groups, saved_groups, strict=True):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
        self.state = state
        self.param_groups = saved_groups
        self._after_load()

    def _after_load(self) -> None:
        """Hook for subclasses to repair groups after ``load_state_dict`` (AdamW)."""


def scalar(value: float, dtype: np.dtype):
    """``value`` rounded to ``dtype``, so that arithmetic with a float32 array stays float32."""
    return dtype.type(value)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start.lerp_(end, weight)`` as torch's CPU kernel evaluates it (in place).

    torch switches formulas at |weight| = 0.5 so that the result is exact at both ends.
    """
    w = scalar(weight, start.dtype)
    if abs(w) < 0.5:
        start += w * (end - start)
    else:
        np.subtract(end, (end - start) * (scalar(1, start.dtype) - w), out=start)
