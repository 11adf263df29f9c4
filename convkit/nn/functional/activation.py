"""Activations, softmax and dropout, with torch's signatures and checks."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from ... import random
from ...autograd import is_grad_enabled, version_counter
from ...ops import activation as A
from ...ops import basic as B
from ...ops import nn as N
from ...tensor import Tensor
from ._utils import check_bool, check_int, check_number, check_str, check_tensor, scalar_name

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "gelu",
    "softmax",
    "log_softmax",
    "dropout",
    "dropout2d",
]


def _floating_only(op: str, kernel: str, x: Tensor) -> None:
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{x.dtype}': {op} needs a "
            f"floating-point input (convert it with .float())"
        )


def _result(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    """``result``, or with ``inplace`` the input itself holding it (torch's ``inplace=True``)."""
    return input._inplace(result) if inplace else result


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise; integer inputs stay integer (as torch)."""
    check_tensor("relu", "input", input)
    if input.dtype == np.bool_:
        raise RuntimeError(
            "Boolean inputs not supported for relu (convert the input with .float())"
        )
    if inplace and input.dtype.kind == "f" and not (input.requires_grad and is_grad_enabled()):
        a = input._array
        if a.flags.writeable:
            # No graph to record (inference, a ResNet's ReLU(inplace=True)): max(x, 0) in x's
            # own memory, one pass where a result and its copy into x make two.
            np.maximum(a.dtype.type(0), a, out=a)  # the operand order of ops.basic.Relu
            version_counter(input)[0] += 1
            return input
    return _result(input, input.relu(), inplace)


def leaky_relu(
    input: Tensor,
    negative_slope: float = 0.01,
    inplace: bool = False,
) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    check_tensor("leaky_relu", "input", input)
    slope = check_number("leaky_relu", "negative_slope", negative_slope)
    _floating_only("leaky_relu", "leaky_relu_cpu", input)
    return _result(input, N.LeakyRelu.apply(input, slope), inplace)


def sigmoid(input: Tensor) -> Tensor:
    check_tensor("sigmoid", "input", input)
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    check_tensor("tanh", "input", input)
    return input.tanh()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi the standard normal CDF); approximate='tanh' uses torch's tanh formula."""
    check_tensor("gelu", "input", input)
    if check_str("gelu", "approximate", approximate) not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    _floating_only("gelu", "GeluKernelImpl", input)
    return N.Gelu.apply(input, approximate)


def _softmax_dim(op: str, x: Tensor, dim, dtype) -> tuple[Tensor, int]:
    check_tensor(op, "input", x)
    if dim is not None:
        check_int(op, "dim", dim)
    if dtype is not None and isinstance(dtype, str):
        # torch takes a dtype object; convkit also takes NumPy's dtypes, but not their names.
        raise TypeError(f"{op}(): argument 'dtype' must be a dtype such as float64, not str")
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {op} has been deprecated. Change the call "
            f"to include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
        # torch's _get_softmax_dim: 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.ndim in (0, 1, 3) else 1
    if dtype is not None:
        x = x.to(dtype)
    kernel = "softmax" if op == "softmax" else "log_softmax"
    if x.numel():  # torch returns an empty input of any dtype before its dtype dispatch
        _floating_only(op, f"{kernel}_lastdim_kernel_impl", x)
    axis = x._dim(dim)
    return x, axis


def softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype=None,
) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (max-subtracted, so it cannot overflow)."""
    x, axis = _softmax_dim("softmax", input, dim, dtype)
    if x.ndim == 0:
        return N.Softmax.apply(x.reshape(1), 0).reshape(())
    return N.Softmax.apply(x, axis)


def log_softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype=None,
) -> Tensor:
    """x - max - log(sum(exp(x - max))) along ``dim``."""
    x, axis = _softmax_dim("log_softmax", input, dim, dtype)
    if x.ndim == 0:
        return N.LogSoftmax.apply(x.reshape(1), 0).reshape(())
    return N.LogSoftmax.apply(x, axis)


def _check_p(op: str, p, training, python_checks: Callable[[], None] | None = None) -> float:
    """torch's order: ``p`` is compared in Python (ValueError; a non-number cannot be), then
    the function's other ``python_checks``, then its kernel refuses a NaN (RuntimeError) and a
    non-bool ``training`` (TypeError)."""
    p = check_number(op, "p", p)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if python_checks is not None:
        python_checks()
    check_bool(op, "train", training)
    if math.isnan(p):
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def _apply_mask(x: Tensor, shape: tuple[int, ...], p: float) -> Tensor:
    """Multiply by torch's dropout noise: Bernoulli(1 - p) draws over ``shape`` scaled by
    1/(1-p) (expectation unchanged); p = 1 is all zeros and draws nothing."""
    # p = 1 multiplies by 0 in the input's dtype (torch zeroes integer and bool tensors then);
    # any other p scales by the float 1/(1-p), which an integer tensor cannot hold.
    if x.dtype.kind != "f" and p != 1.0:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{x.dtype}: dropout needs a floating-point input"
        )
    return B.Mul.apply(x, random.dropout_noise(shape, p, x.dtype))


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); identity if not
    training. The mask comes from convkit's generator (seeded by ``manual_seed``)."""
    check_tensor("dropout", "input", input)
    p = _check_p("dropout", p, training)
    if not training or p == 0.0:
        return input
    return _result(input, _apply_mask(input, tuple(input.shape), p), inplace)


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of (N, C, H, W) input, one draw per (sample, channel).

    Like torch 2.13, a 3-D input is read as (N, C, L) (channel-wise 1-d dropout), with torch's
    warning, not as an unbatched (C, H, W) image.
    """
    check_tensor("dropout2d", "input", input)
    p = _check_p("dropout2d", p, training)
    ndim = input.ndim
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will "
            f"result in an error in a future release. To retain the behavior and silence this "
            f"warning, please use dropout instead. Note that dropout2d exists to provide "
            f"channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            f"and an optional batch dimension (i.e. 3D or 4D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "behavior, call dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0.0:
        return input
    if ndim < 2:
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input, got "
            f"input of size {list(input.shape)}"
        )
    # One draw per (N, C) feature map, broadcast over the rest (a 3-D input is (N, C, L)).
    shape = tuple(input.shape[:2]) + (1,) * (ndim - 2)
    return _result(input, _apply_mask(input, shape, p), inplace)


# ----- the rest of torch's activations ----------------------------------------------------------

__all__ += [
    "relu6",
    "hardtanh",
    "elu",
    "celu",
    "selu",
    "silu",
    "mish",
    "hardswish",
    "hardsigmoid",
    "softplus",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "logsigmoid",
    "threshold",
    "prelu",
    "rrelu",
    "glu",
    "softmin",
    "gumbel_softmax",
    "relu_",
    "leaky_relu_",
    "hardtanh_",
    "elu_",
    "celu_",
    "selu_",
    "rrelu_",
    "threshold_",
]

# torch's SELU constants (Klambauer et al. 2017), as aten/src/ATen/native/Activation.cpp has them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floating(op: str, input: Tensor) -> Tensor:
    check_tensor(op, "input", input)
    _floating_only(op, f"{op}_cpu", input)
    return input


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to [min_val, max_val]; the gradient is 0 at and beyond both ends."""
    check_tensor("hardtanh", "input", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh(input, min_val, max_val, inplace)


def _hardtanh(input: Tensor, min_val: float, max_val: float, inplace: bool) -> Tensor:
    """torch's hardtanh kernel, which (unlike F.hardtanh) lets min_val > max_val clamp all to
    max_val."""
    check_tensor("hardtanh", "input", input)
    if input.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input.dtype.kind in "iu":
        # torch converts both bounds with a checked Scalar.toLong (NaN fails, truncating), then
        # clamp converts them to the input's dtype, checked again.
        info = np.iinfo(input.dtype)
        bounds = []
        for v in (min_val, max_val):
            if not -(2.0**63) <= v < 2.0**63:
                raise _bound_overflow("int64_t", min_val, max_val)
            bounds.append(int(v))
        if input.dtype == np.uint8 and min(bounds) < 0:
            raise RuntimeError(
                f"cannot do hardtanh on an unsigned type with negative limits "
                f"(min_val={min_val}, max_val={max_val})"
            )
        if not all(info.min <= b <= info.max for b in bounds):
            raise _bound_overflow(scalar_name(input.dtype, "conversion"), min_val, max_val)
        min_val, max_val = bounds
    return _result(input, A.Hardtanh.apply(input, min_val, max_val), inplace)


def _bound_overflow(ctype: str, min_val: float, max_val: float) -> RuntimeError:
    return RuntimeError(
        f"value cannot be converted to type {ctype} without overflow (hardtanh of an integer "
        f"input: min_val={min_val}, max_val={max_val})"
    )


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` (hardtanh(0, 6))."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else ``alpha * (exp(x) - 1)``."""
    alpha = check_number("elu", "alpha", alpha)
    return _result(input, A.Elu.apply(_floating("elu", input), alpha, 1.0, 1.0), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else ``alpha * (exp(x / alpha) - 1)``."""
    alpha = check_number("celu", "alpha", alpha)
    x = _floating("celu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _result(input, A.Elu.apply(x, float(alpha), 1.0, 1.0 / alpha), inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    y = A.Elu.apply(_floating("elu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)
    return _result(input, y, inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    return _result(input, A.Silu.apply(_floating("silu", input)), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _result(input, A.Mish.apply(_floating("mish", input)), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _result(input, A.Hardswish.apply(_floating("hardswish", input)), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _result(input, A.Hardsigmoid.apply(_floating("hardsigmoid", input)), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``; linear where ``beta x > threshold``."""
    return A.Softplus.apply(_floating("softplus", input), float(beta), float(threshold))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    check_tensor("softsign", "input", input)
    if input.dtype.kind == "b":
        raise NotImplementedError(
            "\"abs_cpu\" not implemented for 'Bool': softsign needs a numeric input"
        )
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    check_tensor("tanhshrink", "input", input)
    if input.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return input - input.tanh()


def _check_lambd(op: str, input: Tensor, lambd: float) -> float:
    if not 0 <= lambd <= float(np.finfo(input.dtype).max):  # NaN fails too
        name = "Float" if input.dtype == np.float32 else "Double"
        raise RuntimeError(
            f"lambda must be in range [0, {float(np.finfo(input.dtype).max):g}] for input "
            f"dtype {name}, but found {lambd} ({op} shrinks towards 0 by a non-negative lambd)"
        )
    return float(lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    lambd = check_number("softshrink", "lambd", lambd)
    x = _floating("softshrink", input)
    return A.Shrink.apply(x, _check_lambd("softshrink", x, lambd), True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x outside [-lambd, lambd], 0 inside."""
    lambd = check_number("hardshrink", "lambd", lambd)
    return A.Shrink.apply(_floating("hardshrink", input), lambd, False)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable for large |x|."""
    check_tensor("logsigmoid", "input", input)
    _floating_only("logsigmoid", "log_sigmoid_cpu", input)
    return A.LogSigmoid.apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value`` where ``x <= threshold``, else x."""
    _check_threshold(input, threshold, value)
    return _result(input, A.Threshold.apply(input, threshold, value), inplace)


def _check_threshold(input: Tensor, threshold: float, value: float) -> None:
    """torch's threshold kernel exists for numbers only, and converts both scalars to the input's
    dtype with an overflow check."""
    check_tensor("threshold", "input", input)
    if input.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    if input.dtype.kind in "iu":
        info = np.iinfo(input.dtype)
        for v in (threshold, value):
            if not info.min <= v <= info.max:  # NaN fails too
                raise RuntimeError(
                    f"value cannot be converted to type {scalar_name(input.dtype, 'conversion')} "
                    f"without overflow (threshold={threshold}, value={value})"
                )


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else ``weight * x``; weight has 1 or C (``input.shape[1]``) entries."""
    check_tensor("prelu", "input", input)
    check_tensor("prelu", "weight", weight)
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {scalar_name(input.dtype)} and "
            f"{scalar_name(weight.dtype)}"
        )
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    if weight.numel() == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((channels,) + (1,) * (input.ndim - 2))  # (C, 1, ...)
    return A.PRelu.apply(input, w)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU with a random slope ~ U(lower, upper) per negative element while training, and
    the mean slope ``(lower + upper) / 2`` otherwise."""
    check_tensor("rrelu", "input", input)
    check_bool("rrelu", "training", training)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _floating_only("rrelu", "leaky_relu_cpu", input)
    if not training:
        return _result(input, N.LeakyRelu.apply(input, (lower + upper) / 2), inplace)
    # torch draws one double per element with x <= 0, in order (uniform_real_distribution: 53
    # bits, then u * (upper - lower) + lower, no fused multiply-add, with the bounds first
    # rounded to the input's dtype), and casts it to that dtype; positive elements keep slope 1
    # and draw nothing.
    negative = input._array <= 0
    u = random.uniform((int(negative.sum()),), 0.0, 1.0, np.float64)
    lo, hi = float(input.dtype.type(lower)), float(input.dtype.type(upper))
    noise = np.ones(input.shape, dtype=input.dtype)
    noise[negative] = u * (hi - lo) + lo
    return _result(input, B.Mul.apply(input, noise), inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where a, b are the two halves of ``input`` along ``dim``."""
    check_tensor("glu", "input", input)
    # torch's order: F.glu refuses a 0-d input, then the kernel's parser checks dim, then dtype
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = check_int("glu", "dim", dim)
    _floating_only("glu", "glu_cpu", input)
    d = input._dim(dim)
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    half = size // 2
    index_a = (slice(None),) * d + (slice(0, half),)
    index_b = (slice(None),) * d + (slice(half, size),)
    return input[index_a] * input[index_b].sigmoid()


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    check_tensor("softmin", "input", input)
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=2,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    x = -input  # torch negates first: a bool input fails here, before dim's and dtype's checks
    return softmax(x if dtype is None else x.to(dtype), dim)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """Softmax of ``(logits + g) / tau`` along ``dim``, g standard Gumbel noise.

    g is ``-log(E)``, E drawn as torch draws it (``exponential_`` of a contiguous tensor like
    ``logits``), so a seed gives torch's sample. ``hard``: the one-hot of the argmax forward and
    the soft sample's gradient backward (``y_hard - y_soft.detach() + y_soft``).
    ``eps`` is deprecated and unused, as in torch.
    """
    check_tensor("gumbel_softmax", "logits", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if logits.dtype.kind != "f":
        # torch fails in exponential_ for any non-float dtype
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {scalar_name(logits.dtype)} (gumbel_softmax "
            "needs floating-point logits)"
        )
    draws = Tensor._wrap(np.empty(tuple(logits.shape), dtype=logits.dtype)).exponential_()
    gumbels = (logits - draws.log()) / tau
    y_soft = gumbels.softmax(check_int("softmax", "dim", dim))
    if not hard:
        return y_soft
    # a 0-d sample is one-hot as a 1-element vector (convkit's scatter_ wants a dimension)
    soft = y_soft.reshape(1) if y_soft.ndim == 0 else y_soft
    index = soft.max(dim, keepdim=True)[1]
    y_hard = Tensor._wrap(np.zeros(tuple(soft.shape), dtype=soft.dtype)).scatter_(dim, index, 1.0)
    return (y_hard - soft.detach() + soft).reshape(tuple(logits.shape))


# ----- torch's in-place spellings: the function with inplace=True ------------------------------


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    # torch's hardtanh_ is the kernel itself, without F.hardtanh's min_val <= max_val check
    return _hardtanh(input, min_val, max_val, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    _check_threshold(input, threshold, value)
    return input._inplace(A.Threshold.apply(input, threshold, value))
