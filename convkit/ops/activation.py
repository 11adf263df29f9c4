"""Pointwise activation primitives whose composite form would be imprecise or slow.

Each forward computes torch's CPU formula (aten/src/ATen/native/cpu/Activation.cpp) in the input's
dtype, and each backward is torch's derivative, including its choice at the kinks (which side of
``x == threshold`` gets the gradient). Activations that are exact compositions of other ops
(softsign, tanhshrink, glu, ...) live in nn.functional and have no backward here.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, sum_to


def _c(value: float, like: np.ndarray) -> np.ndarray:
    """A scalar in ``like``'s dtype, so float32 arithmetic stays float32 (torch's opmath)."""
    return np.asarray(value, dtype=like.dtype)


class Elu(Function):
    """``x * scale`` for x > 0, else ``alpha * scale * expm1(x * input_scale)``.

    elu is (alpha, 1, 1), celu (alpha, 1, 1/alpha), selu (1.6733, 1.0507, 1).
    """

    @staticmethod
    def forward(ctx, a, alpha, scale, input_scale):
        ctx.save_for_backward(a)
        ctx.coefs = (alpha, scale, input_scale)
        with np.errstate(invalid="ignore"):  # 0 * inf for alpha = inf is not taken
            neg = np.expm1(a * _c(input_scale, a)) * (_c(alpha, a) * _c(scale, a))
        # torch's forward takes x * scale at +-0 (so 0 stays 0 for any alpha, even inf or NaN)
        return np.where(a >= 0, a * _c(scale, a), neg)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        # d/dx alpha*scale*(exp(x*s) - 1) = alpha*scale*s*exp(x*s)
        negcoef = _c(alpha, g) * _c(scale, g)
        neg = g * _c(input_scale, g) * negcoef * np.exp(a * _c(input_scale, a))
        return np.where(a > 0, g * _c(scale, g), neg)


class Softplus(Function):
    """``log1p(exp(beta x)) / beta``, or x itself where ``beta x > threshold``."""

    @staticmethod
    def forward(ctx, a, beta, threshold):
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        bx = a * _c(beta, a)
        return np.where(bx > threshold, a, np.log1p(np.exp(bx)) / _c(beta, a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        bx = a * _c(ctx.beta, a)
        z = np.exp(bx)
        return np.where(bx > ctx.threshold, g, g * z / (z + 1))


class LogSigmoid(Function):
    """``min(x, 0) - log1p(exp(-|x|))``: never overflows, exact for large |x|."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        z = np.exp(-np.abs(a))
        neg = a < 0
        # d/dx = 1 - sigmoid(x) = z/(1+z) for x >= 0, 1 - z/(1+z) for x < 0
        return g * (neg.astype(a.dtype) - np.where(neg, 1, -1).astype(a.dtype) * (z / (1 + z)))


class Silu(Function):
    """``x * sigmoid(x)``, computed as ``x / (1 + exp(-x))``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a / (1 + np.exp(-a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        s = 1 / (1 + np.exp(-a))
        return g * s * (1 + a * (1 - s))


class Mish(Function):
    """``x * tanh(softplus(x))``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * np.tanh(np.log1p(np.exp(a)))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        s = 1 / (1 + np.exp(-a))
        t = np.tanh(np.log1p(np.exp(a)))
        return g * (t + a * s * (1 - t * t))


class Hardtanh(Function):
    """Clamp to [min_val, max_val]; unlike ``clamp``, the gradient is zero at both ends too."""

    @staticmethod
    def forward(ctx, a, min_val, max_val):
        ctx.save_for_backward(a)
        ctx.bounds = (min_val, max_val)
        return np.minimum(np.maximum(a, _c(min_val, a)), _c(max_val, a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return np.where((a <= lo) | (a >= hi), np.zeros((), dtype=g.dtype), g)


class Hardsigmoid(Function):
    """``min(max(x + 3, 0), 6) / 6``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.minimum(np.maximum(a + _c(3, a), _c(0, a)), _c(6, a)) / _c(6, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        inside = (a > -3) & (a < 3)
        # torch multiplies by the float32 constant 1.0f/6.0f, in float64 too.
        sixth = _c(float(np.float32(1.0) / np.float32(6.0)), g)
        return np.where(inside, g * sixth, np.zeros((), dtype=g.dtype))


class Hardswish(Function):
    """``x * min(max(x + 3, 0), 6) / 6``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * np.minimum(np.maximum(a + _c(3, a), _c(0, a)), _c(6, a)) / _c(6, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        # torch: 0 up to -3, g * (x/3 + 1/2) strictly between, g from 3 on
        mid = g * (a / _c(3, a) + _c(0.5, a))
        return np.where(a <= -3, np.zeros((), dtype=g.dtype), np.where(a < 3, mid, g))


class Threshold(Function):
    """``value`` where ``x <= threshold``, else x."""

    @staticmethod
    def forward(ctx, a, threshold, value):
        ctx.save_for_backward(a)
        ctx.threshold = threshold
        return np.where(a <= threshold, _c(value, a), a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return np.where(a <= ctx.threshold, np.zeros((), dtype=g.dtype), g)


class Shrink(Function):
    """Hard (``soft=False``: x outside [-l, l], else 0) or soft (x -+ l outside, else 0)."""

    @staticmethod
    def forward(ctx, a, lambd, soft):
        ctx.save_for_backward(a)
        ctx.lambd = lambd
        zero = np.zeros((), dtype=a.dtype)
        if not soft:
            return np.where((a >= -lambd) & (a <= lambd), zero, a)
        lam = _c(lambd, a)
        # torch's middle branch is a * 0: NaN stays NaN, a negative value gives -0
        return np.where(a > lambd, a - lam, np.where(a < -lambd, a + lam, a * zero))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        inside = (a >= -ctx.lambd) & (a <= ctx.lambd)
        return np.where(inside, np.zeros((), dtype=g.dtype), g)


class Log1p(Function):
    """``log(1 + x)``, accurate for small x."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1)


class PRelu(Function):
    """x for x > 0, else ``w * x``; ``w`` broadcasts against x (() or (C, 1, ...)).

    A select over ``w * x`` would send 0 * w = NaN back to x > 0 for an infinite or NaN weight;
    torch's derivative picks one side: ``g`` or ``w g`` for x, 0 or ``x g`` for w.
    """

    @staticmethod
    def forward(ctx, a, w):
        ctx.save_for_backward(a, w)
        return np.where(a > 0, a, w * a)

    @staticmethod
    def backward(ctx, g):
        a, w = ctx.saved_tensors
        positive = a > 0
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(positive, g, w * g) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            gw = sum_to(np.where(positive, zero, a * g), w.shape)
        return ga, gw
