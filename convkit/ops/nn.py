"""Neural-network primitives: activations, softmax, batch norm, the NLL loss.

Each Function's backward sits right under its forward and uses only what forward saved.
Constants are made in the input's dtype so a float32 graph stays float32.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..kernels.special import erf


class LeakyRelu(Function):
    grad_fn_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        # torch keeps x where x > 0 (so -0.0 and 0 go through the slope branch)
        return np.where(a > 0, a, a * np.asarray(negative_slope, dtype=a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return np.where(a > 0, g, g * np.asarray(ctx.slope, dtype=g.dtype))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


class Gelu(Function):
    """``x * Phi(x)``, or with ``approximate='tanh'`` torch's tanh formula."""

    grad_fn_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (a + _GELU_CUBIC * a * a * a))
            return (0.5 * a * (1 + t)).astype(a.dtype, copy=False)
        return (0.5 * a * (1 + erf(a * math.sqrt(0.5)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (a + _GELU_CUBIC * a * a * a)
            t = np.tanh(inner)
            dinner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * a * a)
            d = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * dinner
        else:
            # d/dx x*Phi(x) = Phi(x) + x*phi(x)
            cdf = 0.5 * (1 + erf(a * math.sqrt(0.5)))
            pdf = np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
            d = cdf + a * pdf
        return (g * d).astype(g.dtype, copy=False)


class Softmax(Function):
    grad_fn_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, axis):
        if a.size == 0:
            out = a.copy()
        else:
            # Subtracting the max keeps exp() from overflowing; the result is unchanged.
            e = np.exp(a - a.max(axis=axis, keepdims=True))
            out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    grad_fn_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, axis):
        if a.size == 0:
            out = a.copy()
        else:
            shifted = a - a.max(axis=axis, keepdims=True)
            out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.axis, keepdims=True)


class BatchNorm(Function):
    """Batch normalisation over every axis but 1 of ``x`` (N, C, *spatial).

    Training normalises with the batch's biased variance and updates the running statistics in
    place (the running variance with the unbiased one, as torch); evaluation uses the running
    statistics. ``weight``/``bias`` may be None.
    """

    grad_fn_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(
        ctx,
        x,
        weight,
        bias,
        running_mean=None,
        running_var=None,
        training=False,
        momentum=0.1,
        eps=1e-5,
    ):
        axes = (0,) + tuple(range(2, x.ndim))
        stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # (1, C, 1, ...)
        if training:
            count = x.size // x.shape[1] if x.shape[1] else 0
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (
                    x.mean(axis=axes, dtype=x.dtype)
                    if count
                    else np.full(x.shape[1], np.nan, dtype=x.dtype)
                )
                centred = x - mean.reshape(stat_shape)
                var = (centred * centred).mean(axis=axes) if count else mean.copy()
            # An empty batch leaves the running statistics alone (as torch).
            if running_mean is not None and count:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.astype(running_mean.dtype)
            if running_var is not None and count:
                unbiased = var * (count / (count - 1)) if count > 1 else var
                running_var *= 1 - momentum
                running_var += momentum * unbiased.astype(running_var.dtype)
        else:
            mean = running_mean.astype(x.dtype, copy=False)
            var = running_var.astype(x.dtype, copy=False)
            centred = x - mean.reshape(stat_shape)
        invstd = (1 / np.sqrt(var + np.asarray(eps, dtype=var.dtype))).astype(x.dtype)
        xhat = centred * invstd.reshape(stat_shape)
        out = xhat
        if weight is not None:
            out = out * weight.reshape(stat_shape)
        if bias is not None:
            out = out + bias.reshape(stat_shape)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.training, ctx.axes, ctx.stat_shape = training, axes, stat_shape
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.stat_shape
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            scale = invstd if weight is None else invstd * weight  # (C,)
            if ctx.training:
                # The mean and variance depend on x: dx = scale * (g - mean(g) - xhat *
                # mean(g * xhat)), the mean over every axis but the channel.
                gmean = g.mean(axis=axes, keepdims=True)
                gxmean = (g * xhat).mean(axis=axes, keepdims=True)
                gx = scale.reshape(shape) * (g - gmean - xhat * gxmean)
            else:
                gx = g * scale.reshape(shape)
        if ctx.needs_input_grad[1]:
            gw = (g * xhat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = g.sum(axis=axes)
        return gx, gw, gb


class NllLoss(Function):
    """``-weight[t] * logp[n, t, ...]`` per position; positions whose target is ``ignore_index``
    contribute 0 (and no weight to the mean).

    ``logp`` is (N, C, *d) and ``target`` (N, *d), already checked; ``reduction`` is 'none',
    'sum' or 'mean' (divided by the summed weight of the counted targets).
    """

    grad_fn_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logp, target, weight=None, ignore_index=-100, reduction="mean"):
        keep = target != ignore_index
        safe = np.where(keep, target, 0)  # (N, *d)
        picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]  # (N, *d)
        w = (
            np.ones(target.shape, dtype=logp.dtype)
            if weight is None
            else weight.astype(logp.dtype, copy=False)[safe]
        )
        w = np.where(keep, w, np.zeros((), dtype=logp.dtype))  # (N, *d)
        losses = -picked * w
        ctx.save_for_backward(safe, w, keep)
        ctx.shape, ctx.reduction = logp.shape, reduction
        if reduction == "none":
            return losses
        if reduction == "sum":
            return np.asarray(losses.sum(), dtype=logp.dtype)
        total = w.sum()
        ctx.total = total
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(losses.sum() / total, dtype=logp.dtype)

    @staticmethod
    def backward(ctx, g):
        safe, w, keep = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = g / ctx.total if ctx.reduction == "mean" else g
            # Ignored positions get exactly 0 (torch never writes them), even when the mean
            # divides by a zero total weight.
            coef = np.where(keep, -w * scale, np.zeros((), dtype=w.dtype))
        out = np.zeros(ctx.shape, dtype=w.dtype)
        np.put_along_axis(out, safe[:, None], coef[:, None].astype(w.dtype), axis=1)
        return out
