"""Elementwise torch.* functions and their Tensor methods: the math library, rounding,
clamping, the fused ternaries, comparisons, logical and bitwise operations, NaN tests.

Integer and bool inputs of the floating functions (sin, erf, sqrt, ...) compute in the default
floating dtype, as torch's do; in-place forms refuse that cast (``int_tensor.sqrt_()`` raises
torch's "result type Float can't be cast" error through ``Tensor._inplace``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Function
from ..dtypes import bool_, float64, get_default_dtype, result_dtype
from ..ops import basic as B
from ..ops import pointwise as P
from ..tensor import (
    Tensor,
    _as_operand,
    _scalar_name,
    check_broadcast,
    maximum,
    minimum,
    tensor,
    where,
)
from ._bind import as_function, check_tensor, inplace, method, method_as

__all__ = [
    "angle",
    "copysign",
    "deg2rad",
    "deg2rad_",
    "frexp",
    "gcd",
    "gcd_",
    "heaviside",
    "isin",
    "lcm",
    "lcm_",
    "ldexp",
    "ldexp_",
    "logaddexp",
    "logaddexp2",
    "nextafter",
    "rad2deg",
    "rad2deg_",
    "sinc",
    "sinc_",
    "xlogy",
    "xlogy_",
    "abs",
    "abs_",
    "absolute",
    "acos",
    "acos_",
    "acosh",
    "acosh_",
    "add",
    "addcdiv",
    "addcmul",
    "allclose",
    "arccos",
    "arccos_",
    "arccosh",
    "arccosh_",
    "arcsin",
    "arcsin_",
    "arcsinh",
    "arcsinh_",
    "arctan",
    "arctan2",
    "arctan_",
    "arctanh",
    "arctanh_",
    "asin",
    "asin_",
    "asinh",
    "asinh_",
    "atan",
    "atan2",
    "atan_",
    "atanh",
    "atanh_",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "ceil",
    "ceil_",
    "clamp",
    "clamp_",
    "clamp_max",
    "clamp_max_",
    "clamp_min",
    "clamp_min_",
    "clip",
    "clip_",
    "cos",
    "cos_",
    "cosh",
    "cosh_",
    "div",
    "divide",
    "eq",
    "equal",
    "erf",
    "erf_",
    "erfc",
    "erfc_",
    "erfinv",
    "exp",
    "exp2",
    "exp2_",
    "exp_",
    "expm1",
    "expm1_",
    "fix",
    "fix_",
    "float_power",
    "floor",
    "floor_",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "frac",
    "frac_",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "hypot",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "le",
    "lerp",
    "less",
    "less_equal",
    "log",
    "log10",
    "log10_",
    "log1p",
    "log1p_",
    "log2",
    "log2_",
    "log_",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logit",
    "logit_",
    "lt",
    "mul",
    "multiply",
    "nan_to_num",
    "nan_to_num_",
    "ne",
    "neg",
    "neg_",
    "negative",
    "negative_",
    "not_equal",
    "positive",
    "pow",
    "reciprocal",
    "reciprocal_",
    "relu",
    "relu_",
    "remainder",
    "round",
    "round_",
    "rsqrt",
    "rsqrt_",
    "rsub",
    "sgn",
    "sigmoid",
    "sigmoid_",
    "sign",
    "signbit",
    "sin",
    "sin_",
    "sinh",
    "sinh_",
    "sqrt",
    "sqrt_",
    "square",
    "square_",
    "sub",
    "subtract",
    "tan",
    "tan_",
    "tanh",
    "tanh_",
    "true_divide",
    "trunc",
    "trunc_",
]


def _floating(t: Tensor) -> Tensor:
    """``t`` itself if floating, else converted to the default floating dtype."""
    return t if t.dtype.kind == "f" else t.to(get_default_dtype())


def _not_for(name: str, t: Tensor, kinds: str) -> None:
    """torch's NotImplementedError for a dtype its CPU kernel has no version for."""
    if t.dtype.kind in kinds:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_scalar_name(t.dtype)}'")


# ----- the math library -------------------------------------------------------------------------


def _floating_unary(name: str, fn: type[Function], doc: str) -> Callable[..., Tensor]:
    def op(input: Tensor) -> Tensor:
        return fn.apply(_floating(input))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + " Integer and bool inputs compute in the default floating dtype."
    return method(op)


exp = _floating_unary("exp", B.Exp, "e^x.")
exp2 = _floating_unary("exp2", P.Exp2, "2^x.")
expm1 = _floating_unary("expm1", P.Expm1, "e^x - 1, accurate near 0.")
log = _floating_unary("log", B.Log, "The natural logarithm.")
log2 = _floating_unary("log2", P.Log2, "The base-2 logarithm.")
log10 = _floating_unary("log10", P.Log10, "The base-10 logarithm.")
log1p = _floating_unary("log1p", P.Log1p, "log(1 + x), accurate near 0.")
sqrt = _floating_unary("sqrt", B.Sqrt, "The square root.")
rsqrt = _floating_unary("rsqrt", B.Rsqrt, "1 / sqrt(x).")
reciprocal = _floating_unary("reciprocal", B.Reciprocal, "1 / x.")
sin = _floating_unary("sin", P.Sin, "The sine.")
cos = _floating_unary("cos", P.Cos, "The cosine.")
tan = _floating_unary("tan", P.Tan, "The tangent.")
asin = _floating_unary("asin", P.Asin, "The inverse sine.")
acos = _floating_unary("acos", P.Acos, "The inverse cosine.")
atan = _floating_unary("atan", P.Atan, "The inverse tangent.")
sinh = _floating_unary("sinh", P.Sinh, "The hyperbolic sine.")
cosh = _floating_unary("cosh", P.Cosh, "The hyperbolic cosine.")
asinh = _floating_unary("asinh", P.Asinh, "The inverse hyperbolic sine.")
acosh = _floating_unary("acosh", P.Acosh, "The inverse hyperbolic cosine.")
atanh = _floating_unary("atanh", P.Atanh, "The inverse hyperbolic tangent.")
erf = _floating_unary("erf", P.Erf, "The error function.")
erfc = _floating_unary("erfc", P.Erfc, "The complementary error function 1 - erf(x).")
erfinv = _floating_unary("erfinv", P.Erfinv, "The inverse error function.")
sigmoid = _floating_unary("sigmoid", B.Sigmoid, "1 / (1 + e^-x).")
tanh = _floating_unary("tanh", B.Tanh, "The hyperbolic tangent.")

arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
for _alias, _target in (
    ("arcsin", "asin"),
    ("arccos", "acos"),
    ("arctan", "atan"),
    ("arcsinh", "asinh"),
    ("arccosh", "acosh"),
    ("arctanh", "atanh"),
):
    setattr(Tensor, _alias, getattr(Tensor, _target))


@method
def logit(input: Tensor, eps: builtins.float | None = None) -> Tensor:
    """log(x / (1 - x)), of x clamped to [eps, 1 - eps] when eps is given."""
    return P.Logit.apply(_floating(input), eps=eps)


@method_as("absolute")
def abs(input: Tensor) -> Tensor:  # noqa: A001 - torch.abs; this module uses builtins.abs
    """|x| (dtype kept; bool has no abs in torch)."""
    _not_for("abs", input, "b")
    return B.Abs.apply(input)


absolute = abs


@method_as("negative")
def neg(input: Tensor) -> Tensor:
    """-x (bool tensors refuse, as torch's do)."""
    if input.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return B.Neg.apply(input)


negative = neg


@method
def positive(input: Tensor) -> Tensor:
    """The input itself (bool refuses, as in torch)."""
    if input.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@method
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 (NaN stays NaN); dtype kept."""
    return B.Sign.apply(input)


@method
def sgn(input: Tensor) -> Tensor:
    """sign; torch's sgn differs from sign only on complex numbers, which convkit has not."""
    return P.Sgn.apply(input)


@method
def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 included)."""
    return Tensor._wrap(np.signbit(input._array))


@method
def square(input: Tensor) -> Tensor:
    """x ** 2 (torch's PowBackward0); bool squares to int64."""
    if input.dtype.kind == "b":
        input = input.long()
    return input**2


def _rounding(name: str, fn: type[Function]) -> Callable[..., Tensor]:
    def op(input: Tensor) -> Tensor:
        return fn.apply(input) if input.dtype.kind == "f" else input.clone()

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{name} of each element; integer tensors are returned as a copy."
    return method(op)


floor = _rounding("floor", B.Floor)
ceil = _rounding("ceil", B.Ceil)
trunc = _rounding("trunc", B.Trunc)
fix = trunc
Tensor.fix = Tensor.trunc


@method
def round(input: Tensor, decimals: builtins.int = 0) -> Tensor:  # noqa: A001 - torch.round
    """Round half to even, to ``decimals`` places; integer tensors are returned as a copy."""
    if input.dtype.kind != "f":
        return input.clone()
    return B.Round.apply(input, decimals=builtins.int(decimals))


@method
def frac(input: Tensor) -> Tensor:
    """x - trunc(x) (floating tensors only, as in torch)."""
    _not_for("frac", input, "biu")
    return P.Frac.apply(input)


@method
def relu(input: Tensor) -> Tensor:
    """max(x, 0)."""
    _not_for("clamp_min", input, "b")
    return B.Relu.apply(input)


@method
def nan_to_num(
    input: Tensor,
    nan: builtins.float = 0.0,
    posinf: builtins.float | None = None,
    neginf: builtins.float | None = None,
) -> Tensor:
    """NaN to ``nan``, +inf to ``posinf`` (default the dtype's largest), -inf to ``neginf``."""
    if input.dtype.kind != "f":
        return input.clone()
    return P.NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


# ----- binary -----------------------------------------------------------------------------------


def _promoted(name: str, input: Tensor, other: Any, floating: bool) -> tuple[Tensor, Tensor]:
    """``input`` and ``other`` as tensors of their promoted dtype (the default floating dtype
    for integers when ``floating``), after checking that they broadcast."""
    other_t = _as_operand(other, input)
    if not isinstance(other_t, Tensor):
        raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not {other!r}")
    check_broadcast(input.shape, other_t.shape)
    dtype = result_dtype(input, other if not isinstance(other, Tensor) else other_t)
    if floating and dtype.kind != "f":
        dtype = get_default_dtype()
    return input.to(dtype), other_t.to(dtype)


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@method_as("arctan2")
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of (other, input): atan(input / other) in the right quadrant."""
    check_tensor("atan2", other, "other", 2)
    return P.Atan2.apply(*_promoted("atan2", input, other, floating=True))


arctan2 = atan2


@method
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input^2 + other^2) without overflow (floating tensors only, as in torch)."""
    check_tensor("hypot", other, "other", 2)
    a, b = _promoted("hypot", input, other, floating=False)
    _not_for("hypot", a, "biu")
    return P.Hypot.apply(a, b)


def _check_integer_divisor(a: Tensor, b: Tensor) -> None:
    if a.dtype.kind != "f" and np.any(b._array == 0):
        raise RuntimeError("ZeroDivisionError")


@method
def fmod(input: Tensor, other: Any) -> Tensor:
    """C's fmod: the remainder of input / other with the dividend's sign."""
    if not isinstance(other, Tensor):
        a, b = _promoted("fmod", input, _scalar(other), floating=False)
        _check_integer_divisor(a, b)
        if a.dtype.kind != "f":
            return Tensor._wrap(np.fmod(a._array, b._array))
        return P.FmodScalar.apply(a, other=b._array)
    a, b = _promoted("fmod", input, other, floating=False)
    _check_integer_divisor(a, b)
    if a.dtype.kind != "f":
        return Tensor._wrap(np.fmod(a._array, b._array))
    return P.Fmod.apply(a, b)


@method
def remainder(input: Tensor, other: Any) -> Tensor:
    """Python's modulo: the remainder of input / other with the divisor's sign."""
    if not isinstance(other, Tensor):
        a, b = _promoted("remainder", input, _scalar(other), floating=False)
        _check_integer_divisor(a, b)
        if a.dtype.kind != "f":
            return Tensor._wrap(np.mod(a._array, b._array))
        return P.RemainderScalar.apply(a, other=b._array)
    a, b = _promoted("remainder", input, other, floating=False)
    _check_integer_divisor(a, b)
    if a.dtype.kind != "f":
        return Tensor._wrap(np.mod(a._array, b._array))
    return P.Remainder.apply(a, b)


@method
def floor_divide(input: Tensor, other: Any) -> Tensor:
    """floor(input / other); integer division by zero raises torch's ZeroDivisionError."""
    a, b = _promoted("floor_divide", input, _scalar(other), floating=False)
    if a.dtype.kind != "f":
        _check_integer_divisor(a, b)
        return Tensor._wrap(np.floor_divide(a._array, b._array))
    return (a / b).floor()


def _extremum_pair(name: str, fn: type[Function], input: Tensor, other: Tensor) -> Tensor:
    check_tensor(name, other, "other", 2)
    a, b = _promoted(name, input, other, floating=False)
    if a.dtype.kind != "f":
        return Tensor._wrap(fn._op(a._array, b._array))  # type: ignore[attr-defined]
    return fn.apply(a, b)


@method
def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise max that ignores NaN (NaN only where both are NaN)."""
    return _extremum_pair("fmax", P.Fmax, input, other)


@method
def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise min that ignores NaN (NaN only where both are NaN)."""
    return _extremum_pair("fmin", P.Fmin, input, other)


Tensor.maximum = maximum
Tensor.minimum = minimum


@method
def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64, as torch's float_power."""
    if not isinstance(input, Tensor):
        return float_power(tensor(input, dtype=float64), exponent)
    base = input.to(float64)
    if isinstance(exponent, Tensor):
        return base ** exponent.to(float64)
    return base ** builtins.float(exponent)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - torch.pow
    """input ** exponent; input may be a Python number when exponent is a Tensor."""
    if not isinstance(input, Tensor):
        check_tensor("pow", exponent, "exponent", 2)
        return input**exponent
    return input**exponent


def _clamp_bound(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


@method_as("clip")
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Each element limited to [min, max]; bounds may be numbers or tensors (broadcast)."""
    min, max = _clamp_bound(min), _clamp_bound(max)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        bounds = [b for b in (min, max) if b is not None]
        lo, hi = (_as_operand(b, input) if b is not None else None for b in (min, max))
        check_broadcast(input.shape, *(b.shape for b in (lo, hi) if b is not None))
        dtype = result_dtype(input, *bounds)
        shape = check_broadcast(input.shape, *(b.shape for b in (lo, hi) if b is not None))
        a = input.to(dtype)
        if tuple(shape) != a.shape:
            a = a.expand(*shape)
        lo_t = lo.to(dtype) if lo is not None else None
        hi_t = hi.to(dtype) if hi is not None else None
        if dtype.kind != "f":
            out = a._array
            if lo_t is not None:
                out = np.maximum(out, lo_t._array)
            if hi_t is not None:
                out = np.minimum(out, hi_t._array)
            return Tensor._wrap(np.asarray(out))
        return P.ClampTensor.apply(a, lo_t, hi_t)
    _not_for("clamp", input, "b")
    dtype = result_dtype(input, *(v for v in (min, max) if v is not None))
    return B.Clamp.apply(input.to(dtype), lo=min, hi=max)


clip = clamp


@method
def clamp_min(input: Tensor, min: Any) -> Tensor:
    """max(x, min)."""
    if isinstance(min, Tensor):
        return clamp(input, min=min)
    dtype = result_dtype(input, _clamp_bound(min))
    return B.ClampMin.apply(input.to(dtype), lo=_clamp_bound(min))


@method
def clamp_max(input: Tensor, max: Any) -> Tensor:
    """min(x, max)."""
    if isinstance(max, Tensor):
        return clamp(input, max=max)
    dtype = result_dtype(input, _clamp_bound(max))
    return B.ClampMax.apply(input.to(dtype), hi=_clamp_bound(max))


@method
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """input + weight * (end - input); weight a number or a tensor (all broadcast)."""
    check_tensor("lerp", end, "end", 2)
    if input.dtype != end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if isinstance(weight, Tensor):
        check_broadcast(input.shape, end.shape, weight.shape)
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected dtype {input.dtype} for `weight` but got dtype {weight.dtype}"
            )
        return P.LerpTensor.apply(input, end, weight)
    check_broadcast(input.shape, end.shape)
    return P.Lerp.apply(input, end, weight=_scalar(weight))


def _ternary(name: str, input: Tensor, t1: Tensor, t2: Tensor) -> tuple[Tensor, ...]:
    check_tensor(name, t1, "tensor1", 2)
    check_tensor(name, t2, "tensor2", 3)
    check_broadcast(input.shape, t1.shape, t2.shape)
    dtype = result_dtype(input, t1, t2)
    return input.to(dtype), t1.to(dtype), t2.to(dtype)


@method
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    return P.Addcmul.apply(*_ternary("addcmul", input, tensor1, tensor2), value=_scalar(value))


@method
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2 (integer tensor1 and tensor2 refuse, as in torch)."""
    if tensor1.dtype.kind != "f" and tensor2.dtype.kind != "f":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    return P.Addcdiv.apply(*_ternary("addcdiv", input, tensor1, tensor2), value=_scalar(value))


# ----- the arithmetic of tensor.py as functions -------------------------------------------------

add = as_function(Tensor.add)
sub = as_function(Tensor.sub)
subtract = sub
mul = as_function(Tensor.mul)
multiply = mul
div = as_function(Tensor.div)
divide = div
true_divide = div


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input."""
    check_tensor("rsub", input)
    return _as_operand(other, input).sub(input, alpha=alpha)


# ----- comparison -------------------------------------------------------------------------------

eq = as_function(Tensor.eq)
ne = as_function(Tensor.ne)
lt = as_function(Tensor.lt)
le = as_function(Tensor.le)
gt = as_function(Tensor.gt)
ge = as_function(Tensor.ge)
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge
for _alias, _target in (
    ("not_equal", "ne"),
    ("less", "lt"),
    ("less_equal", "le"),
    ("greater", "gt"),
    ("greater_equal", "ge"),
):
    setattr(Tensor, _alias, getattr(Tensor, _target))


@method
def equal(input: Tensor, other: Tensor) -> builtins.bool:
    """True when both have the same shape and the same values (NaN is never equal)."""
    check_tensor("equal", other, "other", 2)
    if input.shape != other.shape:
        return False
    return builtins.bool(np.array_equal(input._array, other._array))


def _same_dtype(name: str, input: Tensor, other: Tensor) -> None:
    check_tensor(name, other, "other", 2)
    if input.dtype != other.dtype:
        raise RuntimeError(f"{_scalar_name(input.dtype)} did not match {_scalar_name(other.dtype)}")


@method
def isclose(
    input: Tensor,
    other: Tensor,
    rtol: builtins.float = 1e-05,
    atol: builtins.float = 1e-08,
    equal_nan: builtins.bool = False,
) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise (equal infinities are close)."""
    _same_dtype("isclose", input, other)
    check_broadcast(input.shape, other.shape)
    if rtol < 0 or atol < 0:
        name = "rtol" if rtol < 0 else "atol"
        raise RuntimeError(
            f"{name} must be greater than or equal to zero, but got {rtol if rtol < 0 else atol}"
        )
    return Tensor._wrap(
        np.asarray(
            np.isclose(input._array, other._array, rtol=rtol, atol=atol, equal_nan=equal_nan)
        )
    )


@method
def allclose(
    input: Tensor,
    other: Tensor,
    rtol: builtins.float = 1e-05,
    atol: builtins.float = 1e-08,
    equal_nan: builtins.bool = False,
) -> builtins.bool:
    """True if every element of ``isclose(input, other, ...)`` is."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


# ----- NaN and infinity tests -------------------------------------------------------------------


def _test(name: str, fn: Callable[[np.ndarray], np.ndarray], doc: str) -> Callable[..., Tensor]:
    def op(input: Tensor) -> Tensor:
        a = input._array
        if a.dtype.kind != "f":
            return Tensor._wrap(np.full(a.shape, name in ("isfinite", "isreal"), dtype=bool_))
        return Tensor._wrap(np.asarray(fn(a)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return method(op)


isnan = _test("isnan", np.isnan, "True where NaN.")
isinf = _test("isinf", np.isinf, "True where +inf or -inf.")
isfinite = _test("isfinite", np.isfinite, "True where neither NaN nor infinite.")
isposinf = _test("isposinf", np.isposinf, "True where +inf.")
isneginf = _test("isneginf", np.isneginf, "True where -inf.")
isreal = _test("isreal", lambda a: np.ones(a.shape, dtype=bool), "True everywhere (no complex).")


# ----- logical and bitwise ----------------------------------------------------------------------


def _logical(name: str, fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    def op(input: Tensor, other: Tensor) -> Tensor:
        check_tensor(name, other, "other", 2)
        check_broadcast(input.shape, other.shape)
        return Tensor._wrap(np.asarray(fn(input._array.astype(bool), other._array.astype(bool))))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name[8:]} of the truth values (nonzero is True); bool result."
    return method(op)


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


@method
def logical_not(input: Tensor) -> Tensor:
    """True where the element is zero (False); bool result."""
    return Tensor._wrap(np.logical_not(input._array))


def _bitwise(name: str, fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    def op(input: Tensor, other: Any) -> Tensor:
        other_t = _as_operand(_scalar(other), input)
        for t in (input, other_t):
            _not_for(name, t, "f")
        check_broadcast(input.shape, other_t.shape)
        dtype = result_dtype(input, other if not isinstance(other, Tensor) else other_t)
        return Tensor._wrap(
            np.asarray(fn(input._array.astype(dtype), other_t._array.astype(dtype)))
        )

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} of integer or bool tensors."
    return method(op)


bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)
bitwise_left_shift = _bitwise("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _bitwise("bitwise_right_shift", np.right_shift)


@method
def bitwise_not(input: Tensor) -> Tensor:
    """~x of an integer or bool tensor."""
    _not_for("bitwise_not", input, "f")
    return Tensor._wrap(np.invert(input._array))


# ----- in-place forms ---------------------------------------------------------------------------

abs_ = inplace(Tensor.abs)
Tensor.absolute_ = Tensor.abs_
acos_ = arccos_ = inplace(Tensor.acos)
acosh_ = arccosh_ = inplace(Tensor.acosh)
asin_ = arcsin_ = inplace(Tensor.asin)
asinh_ = arcsinh_ = inplace(Tensor.asinh)
atan_ = arctan_ = inplace(Tensor.atan)
atanh_ = arctanh_ = inplace(Tensor.atanh)
for _alias in ("arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh"):
    setattr(Tensor, _alias + "_", getattr(Tensor, _alias.replace("arc", "a") + "_"))
inplace(Tensor.atan2)
Tensor.arctan2_ = Tensor.atan2_
ceil_ = inplace(Tensor.ceil)
cos_ = inplace(Tensor.cos)
cosh_ = inplace(Tensor.cosh)
erf_ = inplace(Tensor.erf)
erfc_ = inplace(Tensor.erfc)
inplace(Tensor.erfinv)
exp_ = inplace(Tensor.exp)
exp2_ = inplace(Tensor.exp2)
expm1_ = inplace(Tensor.expm1)
floor_ = inplace(Tensor.floor)
frac_ = inplace(Tensor.frac)
log_ = inplace(Tensor.log)
log10_ = inplace(Tensor.log10)
log1p_ = inplace(Tensor.log1p)
log2_ = inplace(Tensor.log2)
logit_ = inplace(Tensor.logit)
nan_to_num_ = inplace(Tensor.nan_to_num)
neg_ = negative_ = inplace(Tensor.neg)
Tensor.negative_ = Tensor.neg_
reciprocal_ = inplace(Tensor.reciprocal)
relu_ = inplace(Tensor.relu)
round_ = inplace(Tensor.round)
rsqrt_ = inplace(Tensor.rsqrt)
sigmoid_ = inplace(Tensor.sigmoid)
inplace(Tensor.sign)
inplace(Tensor.sgn)
sin_ = inplace(Tensor.sin)
sinh_ = inplace(Tensor.sinh)
sqrt_ = inplace(Tensor.sqrt)
square_ = inplace(Tensor.square)
tan_ = inplace(Tensor.tan)
tanh_ = inplace(Tensor.tanh)
trunc_ = fix_ = inplace(Tensor.trunc)
Tensor.fix_ = Tensor.trunc_
clamp_ = clip_ = inplace(Tensor.clamp)
Tensor.clip_ = Tensor.clamp_
clamp_min_ = inplace(Tensor.clamp_min)
clamp_max_ = inplace(Tensor.clamp_max)
inplace(Tensor.hypot)
inplace(Tensor.fmod)
inplace(Tensor.remainder)
inplace(Tensor.floor_divide)


def _float_power(input: Tensor, exponent: Any) -> Tensor:
    if input.dtype != float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_scalar_name(input.dtype)} but the "
            "operation's result requires dtype Double"
        )
    return float_power(input, exponent)


inplace(_float_power, "float_power")
inplace(Tensor.lerp)
inplace(Tensor.addcmul)
inplace(Tensor.addcdiv)
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    inplace(getattr(Tensor, _name), _name)
for _alias, _target in (
    ("not_equal", "ne"),
    ("less", "lt"),
    ("less_equal", "le"),
    ("greater", "gt"),
    ("greater_equal", "ge"),
):
    setattr(Tensor, _alias + "_", getattr(Tensor, _target + "_"))
for _name in (
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
):
    inplace(getattr(Tensor, _name))
del _alias, _target, _name


# ----- more elementwise functions (compositions, so the chain rule gives their gradients) -------

_PI = 3.141592653589793


@method
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return _floating(input) * (_PI / 180.0)


@method
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return _floating(input) * (180.0 / _PI)


@method
def angle(input: Tensor) -> Tensor:
    """The argument of a real number: pi for negatives, 0 otherwise (NaN stays NaN)."""
    x = _floating(input)
    out = np.where(x._array < 0, np.asarray(_PI, x.dtype), np.zeros((), x.dtype))
    out = np.where(np.isnan(x._array), x._array, out)
    return B.Overwrite.apply(x, values=out)  # piecewise constant: a zero gradient


@method
def copysign(input: Tensor, other: Any) -> Tensor:
    """|input| with the sign (bit) of ``other``."""
    a, b = _promoted("copysign", input, _scalar(other), floating=True)
    sign = np.where(np.signbit(b._array), -1, 1).astype(a.dtype)
    return a.abs() * Tensor._wrap(sign)


@method
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    check_tensor("heaviside", values, "values", 2)
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    a, v = np.broadcast_arrays(input._array, values._array)
    out = np.where(a == 0, v, (a > 0).astype(a.dtype))
    return Tensor._wrap(np.asarray(out, dtype=input.dtype))


def _real_operands(name: str, input: Tensor, other: Any) -> None:
    """torch's check of a floating-only binary kernel: ``other`` a Tensor, and no all-integer
    pair (torch has no integer kernel for it)."""
    check_tensor(name, other, "other", 2)
    dtype = result_dtype(input, other)
    if dtype.kind != "f":
        raise NotImplementedError(f'"{name}_cpu" not implemented for {_scalar_name(dtype)!r}')


@method
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) without overflow."""
    _real_operands("logaddexp", input, other)
    a, b = _promoted("logaddexp", input, other, floating=True)
    m = maximum(a, b).detach()
    m = m.masked_fill(m.isinf(), 0.0)
    return ((a - m).exp() + (b - m).exp()).log() + m


@method
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2^input + 2^other) without overflow."""
    _real_operands("logaddexp2", input, other)
    a, b = _promoted("logaddexp2", input, other, floating=True)
    m = maximum(a, b).detach()
    m = m.masked_fill(m.isinf(), 0.0)
    return ((a - m).exp2() + (b - m).exp2()).log2() + m


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input is 0 (NaN where other is NaN)."""
    if not isinstance(input, Tensor):
        check_tensor("xlogy", other, "other", 2)
        input = _as_operand(input, other)
    a, b = _promoted("xlogy", input, _scalar(other), floating=True)
    return P.Xlogy.apply(a, b)


Tensor.xlogy = xlogy


@method
def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), and 1 at 0."""
    x = _floating(input)
    px = x * _PI
    at_zero = Tensor._wrap(x._array == 0)
    safe = px.masked_fill(at_zero, 1.0)
    return where(at_zero, Tensor._wrap(np.ones((), x.dtype)), safe.sin() / safe)


def _integers(name: str, input: Tensor, other: Tensor) -> tuple[np.ndarray, np.ndarray]:
    check_tensor(name, other, "other", 2)
    for t in (input, other):
        _not_for(name, t, "fb")
    check_broadcast(input.shape, other.shape)
    dtype = result_dtype(input, other)
    return input._array.astype(dtype), other._array.astype(dtype)


@method
def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of integer tensors (non-negative)."""
    return Tensor._wrap(np.asarray(np.gcd(*_integers("gcd", input, other))))


@method
def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple of integer tensors (non-negative)."""
    return Tensor._wrap(np.asarray(np.lcm(*_integers("lcm", input, other))))


@method
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2 ** other."""
    check_tensor("ldexp", other, "other", 2)
    return _floating(input) * (
        2.0 ** other.to(get_default_dtype() if other.dtype.kind != "f" else other.dtype)
    )


@method
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating value after input towards other."""
    _real_operands("nextafter", input, other)
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"expected self and other to have same dtype, but got {input.dtype} and {other.dtype}"
        )
    return Tensor._wrap(np.asarray(np.nextafter(input._array, other._array)))


@method
def frexp(input: Tensor) -> Any:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1."""
    from .. import return_types

    if input.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input._array)
    return return_types.frexp(
        Tensor._wrap(np.asarray(mantissa)), Tensor._wrap(np.asarray(exponent, dtype=np.int32))
    )


def isin(
    elements: Any,
    test_elements: Any,
    *,
    assume_unique: builtins.bool = False,
    invert: builtins.bool = False,
) -> Tensor:
    """True where an element of ``elements`` is in ``test_elements`` (numbers allowed)."""
    a = elements._array if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._array if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.asarray(np.isin(a, b, invert=invert)))


inplace(Tensor.deg2rad)
inplace(Tensor.rad2deg)
inplace(Tensor.copysign)
inplace(Tensor.heaviside)
inplace(Tensor.xlogy)
inplace(Tensor.sinc)
inplace(Tensor.gcd)
inplace(Tensor.lcm)
inplace(Tensor.ldexp)
inplace(Tensor.nextafter)
deg2rad_ = as_function(Tensor.deg2rad_)
rad2deg_ = as_function(Tensor.rad2deg_)
sinc_ = as_function(Tensor.sinc_)
xlogy_ = as_function(Tensor.xlogy_)
gcd_ = as_function(Tensor.gcd_)
lcm_ = as_function(Tensor.lcm_)
ldexp_ = as_function(Tensor.ldexp_)
