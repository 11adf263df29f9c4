"""Activations, softmax and dropout, with torch's signatures and checks."""

from __future__ import annotations

import numbers
import warnings

from ... import random
from ...ops import basic as B
from ...ops import nn as N
from ...tensor import Tensor
from ._utils import check_tensor

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


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise; integer inputs stay integer (as torch)."""
    check_tensor("relu", "input", input)
    return input.relu()


def leaky_relu(
    input: Tensor,
    negative_slope: float = 0.01,
    inplace: bool = False,
) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    check_tensor("leaky_relu", "input", input)
    _floating_only("leaky_relu", "leaky_relu_cpu", input)
    return N.LeakyRelu.apply(input, float(negative_slope))


def sigmoid(input: Tensor) -> Tensor:
    check_tensor("sigmoid", "input", input)
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    check_tensor("tanh", "input", input)
    return input.tanh()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi the standard normal CDF); approximate='tanh' uses torch's tanh formula."""
    check_tensor("gelu", "input", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    _floating_only("gelu", "GeluKernelImpl", input)
    return N.Gelu.apply(input, approximate)


def _softmax_dim(op: str, x: Tensor, dim, dtype) -> tuple[Tensor, int]:
    check_tensor(op, "input", x)
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


def _check_p(p) -> float:
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _apply_mask(x: Tensor, shape: tuple, p: float) -> Tensor:
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{x.dtype}: dropout needs a floating-point input"
        )
    # torch's noise: Bernoulli(1 - p) draws scaled by 1/(1-p), so the expectation is unchanged.
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
    p = _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape, p)


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
    p = _check_p(p)
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
    return _apply_mask(input, shape, p)
