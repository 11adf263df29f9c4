"""Checks shared by the functional ops: batch dimension, dtypes, argument types."""

from __future__ import annotations

import numbers
from typing import Any

from ...dtypes import as_dtype, scalar_name
from ...tensor import Tensor


def check_tensor(op: str, name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def batched(op: str, x: Tensor, n: int) -> tuple[Tensor, bool]:
    """Accept (C, *spatial) or (N, C, *spatial); return the batched view and whether it was added.

    torch treats an (n+1)-d input to an n-d op as one unbatched sample.
    """
    if x.ndim == n + 2:
        return x, False
    if x.ndim == n + 1:
        return x.unsqueeze(0), True
    raise RuntimeError(
        f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but "
        f"got input of size: {list(x.shape)}"
    )


def unbatched(y: Tensor, was_unbatched: bool) -> Tensor:
    return y.squeeze(0) if was_unbatched else y


# torch's argument parser, one rule per argument kind. Each raises TypeError naming the function,
# the argument and what came, as torch does ("dropout(): argument 'train' must be bool, not str").


def _type_error(op: str, name: str, want: str, value) -> TypeError:
    return TypeError(
        f"{op}(): argument '{name}' must be {want}, not {type(value).__name__} ({name}={value!r})"
    )


def check_bool(op: str, name: str, value) -> bool:
    """A Python bool only: torch refuses 0/1, None, strings and NumPy bools here."""
    if not isinstance(value, bool):
        raise _type_error(op, name, "bool", value)
    return value


def check_int(op: str, name: str, value) -> int:
    """A Python or NumPy integer, never a bool (torch: "must be int, not bool"); like torch's
    parser (through ``__index__``), also a 0-d integer tensor."""
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value.item())
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise _type_error(op, name, "int", value)
    return int(value)


def check_number(op: str, name: str, value) -> float:
    """A real number (torch's float/double arguments also take ints and bools)."""
    if not isinstance(value, numbers.Real):
        raise _type_error(op, name, "a number (float)", value)
    return float(value)


def check_str(op: str, name: str, value) -> str:
    if not isinstance(value, str):
        raise _type_error(op, name, "str", value)
    return value


def norm_input(name: str, x: Tensor, dtype: Any) -> Tensor:
    """``x`` in ``dtype`` (if given), which must be floating: torch's check of every norm."""
    if dtype is not None:
        x = x.to(as_dtype(dtype))
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got "
            f"{scalar_name(x.dtype)}"
        )
    return x
