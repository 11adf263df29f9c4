"""dtypes and tensor predicates: result_type, promote_types, can_cast, finfo, iinfo, numel,
is_tensor, is_floating_point, is_complex, is_nonzero, is_same_size, is_signed, typename.

convkit's dtypes are NumPy dtypes; promotion follows torch (``dtypes.result_dtype``): the
higher category (bool < integer < floating) wins whatever the sizes, so int64 with float32 is
float32, not NumPy's float64.
"""

from __future__ import annotations

import builtins
import numbers
from typing import Any

import numpy as np

from ..dtypes import as_dtype, category, get_default_dtype, result_dtype
from ..tensor import Tensor, _scalar_name, is_tensor
from ._bind import as_function, check_tensor, method

__all__ = [
    "can_cast",
    "finfo",
    "iinfo",
    "is_complex",
    "is_floating_point",
    "is_nonzero",
    "is_same_size",
    "is_signed",
    "is_storage",
    "is_tensor",
    "numel",
    "promote_types",
    "result_type",
    "typename",
]


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype torch's type promotion gives an operation on these tensors or numbers."""
    return result_dtype(*(_operand(x) for x in (tensor1, tensor2)))


def _operand(x: Any) -> Any:
    if isinstance(x, (Tensor, numbers.Number)):
        return x
    raise TypeError(f"result_type(): argument must be Tensor or Number, not {type(x).__name__}")


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both can be cast to without going down a category: the higher
    category's type, or NumPy's promotion within one category."""
    a, b = as_dtype(type1), as_dtype(type2)
    assert a is not None and b is not None
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def can_cast(from_: Any, to: Any) -> builtins.bool:
    """Whether torch allows an in-place result of dtype ``from_`` into a tensor of ``to``: any
    cast that does not go down a category (floating -> integer, integer -> bool)."""
    return category(as_dtype(from_)) <= category(as_dtype(to))  # type: ignore[arg-type]


class finfo:
    """Machine limits of a floating dtype (default: the default floating dtype)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - torch's argument name
        dt = get_default_dtype() if type is None else as_dtype(type)
        assert dt is not None
        if dt.kind != "f":
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                "'torch.finfo'"
            )
        info = np.finfo(dt)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.tiny)
        self.resolution = 10.0 ** -builtins.int(info.precision)  # torch's: a Python float
        self.dtype = str(dt)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:
    """Machine limits of an integer dtype."""

    def __init__(self, type: Any) -> None:  # noqa: A002 - torch's argument name
        dt = as_dtype(type)
        assert dt is not None
        if dt.kind not in "iu":
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        info = np.iinfo(dt)
        self.bits = builtins.int(info.bits)
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = str(dt)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def numel(input: Tensor) -> builtins.int:
    """The number of elements."""
    check_tensor("numel", input)
    return input.numel()


def is_floating_point(input: Tensor) -> builtins.bool:
    check_tensor("is_floating_point", input)
    return input.is_floating_point()


@method
def is_complex(input: Tensor) -> builtins.bool:
    """False: convkit has no complex dtypes."""
    return False


@method
def is_nonzero(input: Tensor) -> builtins.bool:
    """The truth of a one-element tensor (torch's errors for others)."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input._array.reshape(()))


@method
def is_same_size(input: Tensor, other: Tensor) -> builtins.bool:
    return input.shape == other.shape


@method
def is_signed(input: Tensor) -> builtins.bool:
    """Whether the dtype holds negative numbers (every dtype but bool and uint8)."""
    return input.dtype.kind in "if"


def is_storage(obj: Any) -> builtins.bool:
    """False: convkit has no separate storage objects (a tensor owns a NumPy array)."""
    return False


def typename(obj: Any) -> str:
    """torch's legacy type name: ``'convkit.FloatTensor'`` for a float32 tensor."""
    if isinstance(obj, Tensor):
        return f"convkit.{_scalar_name(obj.dtype)}Tensor"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


# ----- the Tensor methods that torch also offers as functions -----------------------------------

clone = as_function(Tensor.clone)
detach = as_function(Tensor.detach)
detach_ = as_function(Tensor.detach_)
fill_ = as_function(Tensor.fill_)
zero_ = as_function(Tensor.zero_)
conj = as_function(Tensor.conj)
conj_physical = as_function(Tensor.conj_physical)
resolve_conj = as_function(Tensor.resolve_conj)
resolve_neg = as_function(Tensor.resolve_neg)
is_conj = as_function(Tensor.is_conj)
is_neg = as_function(Tensor.is_neg)
adjoint = as_function(Tensor.adjoint)
get_device = as_function(Tensor.get_device)
is_inference = as_function(Tensor.is_inference)


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor like ``input`` filled with ``value``."""
    check_tensor("fill", input)
    return input.clone().fill_(value)


def real(input: Tensor) -> Tensor:
    check_tensor("real", input)
    return input.real


def imag(input: Tensor) -> Tensor:
    check_tensor("imag", input)
    return input.imag


def _conj_physical_(self: Tensor) -> Tensor:
    """The identity on real tensors, but an in-place write for torch (the version moves)."""
    return self._inplace(self.clone())


_conj_physical_.__name__ = "conj_physical_"
Tensor.conj_physical_ = _conj_physical_
conj_physical_ = as_function(_conj_physical_)


@method
def is_distributed(input: Tensor) -> builtins.bool:
    """False (a legacy query; convkit's tensors are local)."""
    return False


__all__ += [
    "adjoint",
    "clone",
    "conj",
    "conj_physical",
    "conj_physical_",
    "detach",
    "detach_",
    "fill",
    "fill_",
    "get_device",
    "imag",
    "is_conj",
    "is_distributed",
    "is_inference",
    "is_neg",
    "real",
    "resolve_conj",
    "resolve_neg",
    "zero_",
]


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """In-place: ``input`` resized to ``the_template``'s shape."""
    check_tensor("resize_as_", input)
    return input.resize_as_(the_template)


__all__.append("resize_as_")
