"""``linear`` and ``flatten``."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ._utils import check_tensor

__all__ = ["linear", "flatten"]


def _shape(t: Tensor) -> str:
    return "x".join(str(s) for s in t.shape)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features, in_features),
    bias (out_features,) or anything that broadcasts to the output."""
    check_tensor("linear", "input", input)
    check_tensor("linear", "weight", weight)
    if bias is not None:
        check_tensor("linear", "bias", bias)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is "
            f"{weight.ndim}D (linear's weight must be (out_features, "
            f"in_features), got {list(weight.shape)})"
        )
    if input.shape[-1] != weight.shape[-1]:
        rows = (
            1
            if input.ndim == 1
            else input.numel() // max(input.shape[-1], 1)
            if input.shape[-1]
            else 0
        )
        w_t = "x".join(str(s) for s in reversed(weight.shape))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]}"
            f" and {w_t}): linear's input has {input.shape[-1]} features but "
            f"weight {list(weight.shape)} expects {weight.shape[-1]}"
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {input.dtype} != {weight.dtype}"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {bias.dtype} and "
            f"{input.dtype} (linear's bias must match input and weight)"
        )
    if bias is not None and weight.ndim == 1 and bias.ndim > 0:
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    out = input @ weight.T if weight.ndim == 2 else input @ weight
    if bias is not None:
        out_shape = tuple(out.shape)
        try:
            fits = np.broadcast_shapes(tuple(bias.shape), out_shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            last = out_shape[-1] if out_shape else 1
            raise RuntimeError(
                f"The expanded size of the tensor ({last}) must match the "
                f"existing size ({bias.shape[-1]}) at non-singleton dimension "
                f"{len(out_shape) - 1}.  Target sizes: {list(out_shape)}.  "
                f"Tensor sizes: {list(bias.shape)}"
            )
        out = out + bias
    return out


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (``torch.flatten``)."""
    check_tensor("flatten", "input", input)
    return input.flatten(start_dim, end_dim)
