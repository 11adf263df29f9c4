"""Elementwise primitives beyond the arithmetic of ``ops.basic``: the math library (sin, erf,
log1p, ...), the binary functions (atan2, hypot, fmod, maximum, ...) and the fused ternaries
(lerp, addcmul, addcdiv, clamp with tensor bounds).

Each Function's backward sits right under its forward; where torch's derivative formula has a
choice (ties of maximum, NaN in fmax, the ends of clamp), the comment gives torch's rule, taken
from its derivative definitions and checked against torch by tests/ops/test_pointwise.py.
Inputs arrive already promoted to one floating dtype (the public functions do that), so the
formulas keep that dtype.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..kernels.special import erf, erfc, erfinv


class _Unary(Function):
    """``out = _f(a)`` with ``d out / d a = _df(a, out)``."""

    @staticmethod
    def _f(a):
        raise NotImplementedError

    @staticmethod
    def _df(a, out):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a):
        out = np.asarray(cls._f(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @classmethod
    def backward(cls, ctx, g):
        a, out = ctx.saved_tensors
        return (g * cls._df(a, out)).astype(g.dtype, copy=False)


def _c(value: float, like: np.ndarray) -> np.ndarray:
    return np.asarray(value, dtype=like.dtype)


class Exp2(_Unary):
    grad_fn_name = "Exp2Backward0"
    _f = staticmethod(np.exp2)

    @staticmethod
    def _df(a, out):
        return out * _c(math.log(2.0), out)


class Expm1(_Unary):
    grad_fn_name = "Expm1Backward0"
    _f = staticmethod(np.expm1)

    @staticmethod
    def _df(a, out):
        return out + 1


class Log2(_Unary):
    grad_fn_name = "Log2Backward0"
    _f = staticmethod(np.log2)

    @staticmethod
    def _df(a, out):
        return 1 / (a * _c(math.log(2.0), a))


class Log10(_Unary):
    grad_fn_name = "Log10Backward0"
    _f = staticmethod(np.log10)

    @staticmethod
    def _df(a, out):
        return 1 / (a * _c(math.log(10.0), a))


class Log1p(_Unary):
    grad_fn_name = "Log1PBackward0"
    _f = staticmethod(np.log1p)

    @staticmethod
    def _df(a, out):
        return 1 / (a + 1)


class Sin(_Unary):
    grad_fn_name = "SinBackward0"
    _f = staticmethod(np.sin)

    @staticmethod
    def _df(a, out):
        return np.cos(a)


class Cos(_Unary):
    grad_fn_name = "CosBackward0"
    _f = staticmethod(np.cos)

    @staticmethod
    def _df(a, out):
        return -np.sin(a)


class Tan(_Unary):
    grad_fn_name = "TanBackward0"
    _f = staticmethod(np.tan)

    @staticmethod
    def _df(a, out):
        return 1 + out * out


class Asin(_Unary):
    grad_fn_name = "AsinBackward0"
    _f = staticmethod(np.arcsin)

    @staticmethod
    def _df(a, out):
        return 1 / np.sqrt(1 - a * a)


class Acos(_Unary):
    grad_fn_name = "AcosBackward0"
    _f = staticmethod(np.arccos)

    @staticmethod
    def _df(a, out):
        return -1 / np.sqrt(1 - a * a)


class Atan(_Unary):
    grad_fn_name = "AtanBackward0"
    _f = staticmethod(np.arctan)

    @staticmethod
    def _df(a, out):
        return 1 / (a * a + 1)


class Sinh(_Unary):
    grad_fn_name = "SinhBackward0"
    _f = staticmethod(np.sinh)

    @staticmethod
    def _df(a, out):
        return np.cosh(a)


class Cosh(_Unary):
    grad_fn_name = "CoshBackward0"
    _f = staticmethod(np.cosh)

    @staticmethod
    def _df(a, out):
        return np.sinh(a)


class Asinh(_Unary):
    grad_fn_name = "AsinhBackward0"
    _f = staticmethod(np.arcsinh)

    @staticmethod
    def _df(a, out):
        return 1 / np.sqrt(a * a + 1)


class Acosh(_Unary):
    grad_fn_name = "AcoshBackward0"
    _f = staticmethod(np.arccosh)

    @staticmethod
    def _df(a, out):
        # sqrt(a-1)*sqrt(a+1) rather than sqrt(a^2-1): no overflow for large a (torch's form).
        return 1 / (np.sqrt(a - 1) * np.sqrt(a + 1))


class Atanh(_Unary):
    grad_fn_name = "AtanhBackward0"
    _f = staticmethod(np.arctanh)

    @staticmethod
    def _df(a, out):
        return 1 / (1 - a * a)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(_Unary):
    grad_fn_name = "ErfBackward0"
    _f = staticmethod(erf)

    @staticmethod
    def _df(a, out):
        return _c(_TWO_OVER_SQRT_PI, a) * np.exp(-a * a)


class Erfc(_Unary):
    grad_fn_name = "ErfcBackward0"

    _f = staticmethod(erfc)

    @staticmethod
    def _df(a, out):
        return -_c(_TWO_OVER_SQRT_PI, a) * np.exp(-a * a)


class Erfinv(_Unary):
    grad_fn_name = "ErfinvBackward0"
    _f = staticmethod(erfinv)

    @staticmethod
    def _df(a, out):
        # d erfinv(x)/dx = 1 / erf'(erfinv(x)) = sqrt(pi)/2 * exp(erfinv(x)^2)
        return _c(math.sqrt(math.pi) / 2, out) * np.exp(out * out)


class Frac(_Unary):
    grad_fn_name = "FracBackward0"

    @staticmethod
    def _f(a):
        return a - np.trunc(a)

    @staticmethod
    def _df(a, out):
        return np.ones((), dtype=a.dtype)


class Logit(Function):
    """``log(x / (1 - x))`` of x clamped to [eps, 1 - eps] when eps is given; the gradient is 0
    outside that interval (torch's rule)."""

    grad_fn_name = "LogitBackward0"

    @staticmethod
    def forward(ctx, a, eps=None):
        x = a if eps is None else np.clip(a, _c(eps, a), _c(1 - eps, a))
        ctx.save_for_backward(a)
        ctx.eps = eps
        return np.log(x / (1 - x)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        out = g / (a * (1 - a))
        if ctx.eps is None:
            return out
        outside = (a < ctx.eps) | (a > 1 - ctx.eps)
        return np.where(outside, np.zeros((), dtype=g.dtype), out)


class Sgn(Function):
    """sign for real tensors (torch's sgn differs from sign only on complex numbers)."""

    grad_fn_name = "SgnBackward0"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class NanToNum(Function):
    """NaN, +inf and -inf replaced; the gradient passes only where the input was finite."""

    grad_fn_name = "NanToNumBackward0"

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.finite = np.isfinite(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.finite, g, np.zeros((), dtype=g.dtype))


# ----- binary -----------------------------------------------------------------------------------


class Atan2(Function):
    grad_fn_name = "Atan2Backward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        recip = 1 / (a * a + b * b)
        return g * b * recip, g * -a * recip


class Hypot(Function):
    grad_fn_name = "HypotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * a / out, g * b / out


class Xlogy(Function):
    """a * log(b), 0 where a is 0 (unless b is NaN). torch's derivatives: d/da =
    ``xlogy(g, b)`` (so a zero gradient stays 0 even where log(b) is NaN), set to 0 where
    a == 0 and b <= 0; d/db = g * a / b (NaN at a = b = 0, as torch's)."""

    grad_fn_name = "XlogyBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        zero = (a == 0) & ~np.isnan(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(zero, np.zeros((), a.dtype), a * np.log(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            zero = np.zeros((), g.dtype)
            ga = np.where((g == 0) & ~np.isnan(b), zero, g * np.log(b))  # xlogy(g, b)
            ga = np.where((a == 0) & (b <= 0), zero, ga)
            return ga, g * a / b


class Fmod(Function):
    """C's fmod: the remainder has the dividend's sign. d/db = -trunc(a / b)."""

    grad_fn_name = "FmodBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = -g * np.trunc(a / b) if ctx.needs_input_grad[1] else None
        return g, gb


class FmodScalar(Function):
    grad_fn_name = "FmodBackward0"

    @staticmethod
    def forward(ctx, a, other):
        return np.fmod(a, other)

    @staticmethod
    def backward(ctx, g):
        return g


class Remainder(Function):
    """Python's modulo: the remainder has the divisor's sign, ``a - floor(a / b) * b``
    (torch's formula, which differs from NumPy's ``mod`` by rounding). d/db = -floor(a / b)."""

    grad_fn_name = "RemainderBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = -g * np.floor(a / b) if ctx.needs_input_grad[1] else None
        return g, gb


class RemainderScalar(Function):
    grad_fn_name = "RemainderBackward0"

    @staticmethod
    def forward(ctx, a, other):
        return remainder(a, np.asarray(other, dtype=a.dtype))

    @staticmethod
    def backward(ctx, g):
        return g


def remainder(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch's floating remainder: ``fmod`` moved to the divisor's sign (exact, as torch's
    CPU kernel: ``r = fmod(a, b); r + b`` where r and b differ in sign and r is not 0)."""
    r = np.fmod(a, b)
    fix = (r != 0) & ((r < 0) != (b < 0))
    return np.where(fix, r + b, r)


class Maximum(Function):
    """Ties split the gradient in half; where a is NaN both get it (torch's rule:
    ``where(a == b, g/2, g)`` masked where a < b for a, where a > b for b)."""

    grad_fn_name = "MaximumBackward0"
    _op = staticmethod(np.maximum)
    _sign = 1

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls._op(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        half = np.where(a == b, g / 2, g)
        zero = np.zeros((), dtype=g.dtype)
        lose_a, lose_b = (a < b, a > b) if cls._sign > 0 else (a > b, a < b)
        return np.where(lose_a, zero, half), np.where(lose_b, zero, half)


class Minimum(Maximum):
    grad_fn_name = "MinimumBackward0"
    _op = staticmethod(np.minimum)
    _sign = -1


class Fmax(Function):
    """max ignoring NaN; a gets the gradient where ``a >= b`` or b is NaN, b elsewhere."""

    grad_fn_name = "FmaxBackward0"
    _op = staticmethod(np.fmax)
    _cmp = staticmethod(np.greater_equal)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.to_a = cls._cmp(a, b) | np.isnan(b)
        return cls._op(a, b)

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(ctx.to_a, g, zero), np.where(ctx.to_a, zero, g)


class Fmin(Fmax):
    grad_fn_name = "FminBackward0"
    _op = staticmethod(np.fmin)
    _cmp = staticmethod(np.less_equal)


class ClampTensor(Function):
    """``min(max(a, lo), hi)`` with tensor bounds (either may be None). a gets the gradient
    where ``lo <= a <= hi``, lo where ``a < lo``, hi where ``a > hi`` (torch's rule)."""

    grad_fn_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        out = a
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            out = np.maximum(out, lo)
            inside = inside & (a >= lo)
            ctx.below = a < lo
        if hi is not None:
            out = np.minimum(out, hi)
            inside = inside & (a <= hi)
            ctx.above = a > hi
        ctx.inside = inside
        return out

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(ctx.inside, g, zero)
        glo = np.where(ctx.below, g, zero) if ctx.needs_input_grad[1] else None
        ghi = np.where(ctx.above, g, zero) if ctx.needs_input_grad[2] else None
        return ga, glo, ghi


class Lerp(Function):
    """``a + w (b - a)`` computed as torch's CPU kernel: from b's side when ``|w| >= 0.5``."""

    grad_fn_name = "LerpBackward0"

    @staticmethod
    def forward(ctx, a, b, weight):
        w = np.asarray(weight, dtype=a.dtype)
        ctx.weight = w
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    @staticmethod
    def backward(ctx, g):
        w = ctx.weight
        return g * (1 - w), g * w


class LerpTensor(Function):
    grad_fn_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        return g * (1 - w), g * w, (g * (b - a) if ctx.needs_input_grad[2] else None)


class Addcmul(Function):
    """``a + value * t1 * t2``."""

    grad_fn_name = "AddcmulBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        v = np.asarray(value, dtype=a.dtype)
        ctx.save_for_backward(t1, t2)
        ctx.value = v
        return a + v * t1 * t2

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        return g, g * t2 * v, g * t1 * v


class Addcdiv(Function):
    """``a + value * t1 / t2``."""

    grad_fn_name = "AddcdivBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        v = np.asarray(value, dtype=a.dtype)
        ctx.save_for_backward(t1, t2)
        ctx.value = v
        return a + v * (t1 / t2)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        g1 = g * v / t2
        return g, g1, (-g1 * t1 / t2 if ctx.needs_input_grad[2] else None)
