"""dtypes and torch's type promotion.

convkit's dtypes are NumPy dtypes. torch's aliases (``torch.float``, ``torch.long``, ...) are
bound in the package face (``convkit/__init__.py``) only, so no builtin is shadowed inside the
code: ``float(t)`` means Python's float everywhere in convkit.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")

_default_float = float32


def get_default_dtype() -> np.dtype:
    """The dtype of floating tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the default floating dtype, as torch does."""
    global _default_float
    d = as_dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d
    _promotions.clear()  # cached promotions of Python floats name the old default


def as_dtype(dtype: Any) -> np.dtype | None:
    """Accept convkit dtypes, NumPy dtypes and type objects; None stays None."""
    if dtype is None:
        return None
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype must be a convkit or NumPy dtype, got {dtype!r}") from e


def category(dtype: np.dtype) -> int:
    """torch's promotion categories: bool 0 < integer 1 < floating 2."""
    if dtype.kind == "b":
        return 0
    if dtype.kind in "iu":
        return 1
    if dtype.kind == "f":
        return 2
    raise TypeError(f"unsupported dtype {dtype}")


# A scalar's category depends on its type only; the lookups cache it, as ``result_dtype`` caches
# its answers by the operands' (dtype, dimensioned) pairs and scalar types: the rules below cost
# 5 us a call, a dictionary lookup 0.1.
_scalar_categories: dict[type, int] = {}
_promotions: dict[tuple[Any, ...], np.dtype] = {}


def _scalar_category(value: object) -> int:
    cat = _scalar_categories.get(type(value))
    if cat is not None:
        return cat
    if isinstance(value, (bool, np.bool_)):
        cat = 0
    elif isinstance(value, numbers.Integral):
        cat = 1
    elif isinstance(value, numbers.Real):
        cat = 2
    else:
        raise TypeError(f"unsupported operand type {type(value).__name__}")
    _scalar_categories[type(value)] = cat
    return cat


def result_dtype(*operands: Any) -> np.dtype:
    """torch's type promotion over tensors and Python scalars.

    The highest category (bool < int < float) wins. Within it, dimensioned tensors outrank
    zero-dim tensors, which outrank Python scalars; a scalar of a higher category than every
    tensor gives the default dtype of its category (float32 for floats, int64 for ints).
    Anything with ``dtype`` and ``ndim`` (a Tensor, a NumPy array) counts as a tensor.
    """
    if len(operands) > 3:  # cat/stack of many tensors: a key per count would grow unbounded
        return _promote(operands)
    key = tuple(
        [
            (t.dtype, t.ndim > 0) if hasattr(t, "dtype") and hasattr(t, "ndim") else type(t)
            for t in operands
        ]
    )
    dtype = _promotions.get(key)
    if dtype is None:
        dtype = _promotions[key] = _promote(operands)
    return dtype


def _promote(operands: tuple[Any, ...]) -> np.dtype:
    tensors = [t for t in operands if hasattr(t, "dtype") and hasattr(t, "ndim")]
    scalars = [s for s in operands if not (hasattr(s, "dtype") and hasattr(s, "ndim"))]
    cat = max([category(t.dtype) for t in tensors] + [_scalar_category(s) for s in scalars])
    for group in ([t for t in tensors if t.ndim > 0], [t for t in tensors if t.ndim == 0]):
        dts = [t.dtype for t in group if category(t.dtype) == cat]
        if dts:
            return np.result_type(*dts)
    return {0: bool_, 1: int64, 2: _default_float}[cat]


# torch's names of each dtype in its messages: the ScalarType ("expected scalar type Float"),
# the C type ("Input type (float)"), and the type of a checked Scalar conversion ("value cannot
# be converted to type int64_t without overflow").
SCALAR_NAMES = {
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


def scalar_name(dtype: Any, style: str = "scalar") -> str:
    """torch's name for ``dtype`` in a message (``style`` 'scalar', 'c' or 'conversion')."""
    try:
        names = SCALAR_NAMES.get(np.dtype(dtype).name)
    except TypeError:  # not a dtype at all: the message names it as given
        names = None
    return str(dtype) if names is None else names[_STYLES[style]]
