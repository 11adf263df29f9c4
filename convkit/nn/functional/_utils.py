"""Checks shared by the functional ops: batch dimension, dtypes, argument types."""

from __future__ import annotations

import numbers

import numpy as np

from ...tensor import Tensor

# torch's names of each dtype in its messages: the ScalarType ("expected scalar type Float"),
# the C type ("Input type (float)"), and the type of a checked Scalar conversion ("value cannot
# be converted to type int64_t without overflow").
_SCALAR_NAMES = {
    "float64": ("Double", "double", "double"),
    "float32": ("Float", "float", "float"),
    "float16": ("Half", "c10::Half", "c10::Half"),
    "int64": ("Long", "long int", "int64_t"),
    "int32": ("Int", "int", "int"),
    "int16": ("Short", "short int", "int16_t"),
    "int8": ("Char", "signed char", "int8_t"),
    "uint8": ("Byte", "unsigned char", "uint8_t"),
    "bool": ("Bool", "bool", "bool"),
}
_STYLES = {"scalar": 0, "c": 1, "conversion": 2}


def scalar_name(dtype, style: str = "scalar") -> str:
    """torch's name for ``dtype`` in a message (``style`` 'scalar', 'c' or 'conversion')."""
    names = _SCALAR_NAMES.get(np.dtype(dtype).name)
    return str(dtype) if names is None else names[_STYLES[style]]


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
