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


__all__ += ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1^T W_o x2 + b_o``: input1 (*, in1), input2 (*, in2), weight (out, in1, in2)."""
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor("bilinear", name, t)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.ndim}")
    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}"
        )
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {d}: got "
                f"{input1.shape[d]} and {input2.shape[d]}"
            )
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
            f"expected {weight.shape[1]}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
            f"expected {weight.shape[2]}"
        )
    left = input1.unsqueeze(-2).unsqueeze(-3) @ weight  # (*, out, 1, in2)
    out = (left.squeeze(-2) * input2.unsqueeze(-2)).sum(-1)  # (*, out)
    return out + bias if bias is not None else out
