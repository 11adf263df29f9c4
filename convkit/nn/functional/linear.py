"""``linear`` and ``flatten``."""

from __future__ import annotations

import math

import numpy as np

from ...ops import basic as B
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
    if bias is not None and _fused(input, bias):
        # torch's addmm path: bias + input(M, in) @ weight.T with bias expanded to (M, out).
        if weight.ndim == 1:
            raise RuntimeError(
                f"mat2 must be a matrix, got 1-D tensor (linear with a bias and a 1-D weight "
                f"{list(weight.shape)}: give the weight as (out_features, in_features))"
            )
        rows = math.prod(input.shape[:-1])
        _check_expand(bias, (rows, weight.shape[0]))
        if input.ndim == 2:
            return B.Addmm.apply(bias, input, weight.t())  # grad_fn AddmmBackward0, as torch's
        out = B.Addmm.apply(bias, input.reshape(rows, input.shape[-1]), weight.t())
        return out.reshape(tuple(input.shape[:-1]) + (weight.shape[0],))  # (*, out)
    # A 1-D input is one row and a 1-D weight one output column, each dropped again after the
    # matrix product (torch's matmul promotes them the same way).
    x = input.unsqueeze(0) if input.ndim == 1 else input
    w = weight.unsqueeze(0) if weight.ndim == 1 else weight
    out = x @ w.T  # (*, out_features)
    if weight.ndim == 1:
        out = out.squeeze(-1)
    if input.ndim == 1:
        out = out.squeeze(0)
    if bias is not None:
        out_shape = tuple(out.shape)
        try:
            grown = np.broadcast_shapes(tuple(bias.shape), out_shape)
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({list(out_shape)}) must match the size of tensor b "
                f"({list(bias.shape)}) at non-singleton dimension: linear's bias must broadcast "
                f"to its output"
            ) from None
        if grown != out_shape:
            # torch adds the bias in place, so the bias may not grow the output.
            raise RuntimeError(
                f"output with shape {list(out_shape)} doesn't match the broadcast shape "
                f"{list(grown)} (linear's bias {list(bias.shape)} may not add dimensions)"
            )
        out = out + bias
    return out


def _fused(input: Tensor, bias: Tensor) -> bool:
    """Whether torch computes linear as one addmm (which expands the bias to (M, out)).

    torch takes that path for a 2-D input, or a contiguous input with a bias that has one
    non-trivial dimension (checked against torch 2.13: (3,), (4, 1) and (1, 1, 1, 3) do; (),
    (1, 1) and (4, 3) do not).
    """
    if input.ndim == 2:
        return True
    return bool(input._array.flags.c_contiguous) and (
        bias.ndim == 1 or sum(s != 1 for s in bias.shape) == 1
    )


def _check_expand(bias: Tensor, target: tuple[int, int]) -> None:
    shape = tuple(bias.shape)
    if len(shape) > len(target) or any(
        s not in (1, t) for s, t in zip(reversed(shape), reversed(target), strict=False)
    ):
        raise RuntimeError(
            f"expand(bias of size {list(shape)}, size={list(target)}): linear adds the bias to "
            f"(input rows, out_features) = {list(target)}, so it must expand to that shape"
        )


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
    if bias is not None:
        check_tensor("bilinear", "bias", bias)
        if bias.ndim == 0:  # torch reads bias.size(0)
            raise IndexError("Dimension specified as 0 but tensor has no dimensions (bias)")
        if bias.shape[0] != weight.shape[0]:
            raise RuntimeError(
                f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
                f"expected {weight.shape[0]}"
            )
    if input1.shape[-1] == 0:
        # torch flattens input1 with reshape(-1, in1), which an empty row makes ambiguous
        raise RuntimeError(
            "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified "
            "dimension size -1 can be any value and is ambiguous (bilinear with in1_features=0)"
        )
    left = input1.unsqueeze(-2).unsqueeze(-3) @ weight  # (*, out, 1, in2)
    out = (left.squeeze(-2) * input2.unsqueeze(-2)).sum(-1)  # (*, out)
    return out + bias if bias is not None else out
