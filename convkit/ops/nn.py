"""Neural-network primitives: activations, softmax, batch norm, the NLL loss.

Each Function's backward sits right under its forward and uses only what forward saved.
Constants are made in the input's dtype so a float32 graph stays float32.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..kernels import norm as knorm
from ..kernels import special as kspecial


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


class Gelu(Function):
    """``x * Phi(x)``, or with ``approximate='tanh'`` torch's tanh formula (kernels/special.py)."""

    grad_fn_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        return kspecial.gelu(a, approximate)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return kspecial.gelu_backward(g, a, ctx.approximate)


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

    Forward saves x and the per-channel mean and 1/std (not the normalised x): the output is
    ``(x - mean) * scale + bias`` with ``scale = weight / std``, and backward needs only the
    per-channel sums ``sum(g)`` and ``sum(g * (x - mean))`` (``kernels/norm.py``):

        dbias = sum(g),  dweight = sum(g * xhat) = sum(g * (x - mean)) / std
        dx = scale * (g - sum(g)/M - xhat * sum(g * xhat)/M)          (training, M values per
           = scale * g - scale * dweight / (M std) * (x - mean) - scale * sum(g)/M    channel)
        dx = scale * g                                                  (evaluation)
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
        C = x.shape[1]
        count = x.size // C if C else 0
        if training:
            if count:
                mean, var = knorm.channel_stats(x)  # float64
            else:  # an empty batch: NaN statistics, running ones left alone (as torch)
                mean = np.full(C, np.nan)
                var = mean.copy()
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
        # 1/std from the float64 statistics, then in x's dtype (torch's accumulate type)
        invstd = (1 / np.sqrt(var.astype(np.float64) + eps)).astype(x.dtype)
        scale = invstd if weight is None else invstd * weight
        out = knorm.affine(x, mean, scale, bias, invstd)
        ctx.save_for_backward(x, mean, invstd, weight)
        ctx.training, ctx.count = training, count
        return out

    @staticmethod
    def backward(ctx, g):
        x, mean, invstd, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        scale = invstd if weight is None else invstd * weight  # (C,)
        sum_g = sum_gd = None
        if need_w or need_b or (need_x and ctx.training):
            sum_g, sum_gd = knorm.backward_sums(x, g, mean)  # float64, (C,)
        if need_x:
            if ctx.training:
                m = ctx.count
                scale64 = scale.astype(np.float64)
                k = invstd.astype(np.float64) ** 2 * sum_gd / m
                if np.isfinite(scale).all():
                    gx = knorm.input_grad(x, g, mean, scale, -scale64 * k, -scale64 * sum_g / m)
                else:
                    # torch's factored (g - mean(g) - (x - mean) * k) * scale: an infinite
                    # scale times the finite bracket is +-inf where the expanded form above
                    # adds inf * g and -inf * mean(g), NaN
                    one = np.ones_like(scale)
                    inner = knorm.input_grad(x, g, mean, one, -k, -sum_g / m)
                    gx = knorm.affine(inner, None, scale, None)
            else:
                gx = knorm.affine(g, None, scale, None)
        if need_w:
            # an empty batch's statistics are NaN; torch's weight gradient there is the empty
            # sum, 0
            gw = (sum_gd * invstd.astype(np.float64) if x.size else np.zeros_like(sum_gd)).astype(
                g.dtype
            )
        if need_b:
            gb = sum_g.astype(g.dtype)
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
        # An ignored position contributes exactly 0, even when its row holds NaN or inf (torch
        # never reads it): not ``-picked * 0``, which is NaN there.
        losses = np.where(keep, -picked * w, np.zeros((), dtype=logp.dtype))
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
