"""Convolutions, transposed convolutions, unfold and fold with torch's signatures.

Arguments are checked and normalised here, once, in the order torch checks them, and raise the
exception class torch raises (RuntimeError for bad values, TypeError for bad types,
NotImplementedError for unsupported dtypes). One N-d function serves the 1d/2d/3d names.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ... import shapes
from ...ops.conv import ConvNd, ConvTransposeNd, Fold, Unfold
from ...tensor import Tensor
from ._utils import batched, check_int, scalar_name, unbatched

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "unfold",
    "fold",
]


def _check_tensor(op: str, name: str, value, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _check_dtypes(op: str, input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """torch computes conv in one dtype: no promotion between input, weight and bias."""
    if input.dtype == np.bool_:
        raise NotImplementedError(
            f"\"{op}\" not implemented for 'Bool': convert the input with .float()"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_name(input.dtype)} but found "
            f"{scalar_name(weight.dtype)} ({op}: input is {input.dtype}, weight is "
            f"{weight.dtype}; input and weight must have the same dtype)"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"Input type ({scalar_name(input.dtype, 'c')}) and bias type "
            f"({scalar_name(bias.dtype, 'c')}) should be the same ({op}: input is "
            f"{input.dtype}, bias is {bias.dtype})"
        )


def _check_hyper(op: str, stride, dilation, groups) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError(
            f"non-positive stride is not supported ({op}: got stride={stride}; "
            f"every stride must be >= 1)"
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            f"dilation should be greater than zero, but got {list(dilation)} "
            f"({op}: every dilation must be >= 1)"
        )
    if groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported ({op}: got groups={groups})")


def _check_weight(
    op: str,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    n: int,
    groups: int,
    transposed: bool,
) -> None:
    """Weight rank and size, channel count (torch's message) and bias shape."""
    if weight.ndim != n + 2:
        layout = (
            "(in_channels, out_channels/groups, *kernel_size)"
            if transposed
            else "(out_channels, in_channels/groups, *kernel_size)"
        )
        raise RuntimeError(
            f"{op}: expected a {n + 2}-dimensional weight {layout}, but got "
            f"weight of size {list(weight.shape)}"
        )
    wshape = list(weight.shape)
    if wshape[0] < 1:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least 1 at "
            f"dimension 0, but got weight of size {wshape} instead"
        )
    if wshape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} "
            f"at dimension 0, but got weight of size [{wshape}] instead"
        )
    channels = wshape[0] if transposed else wshape[1] * groups
    xshape = list(input.shape) if input.ndim == n + 2 else [1] + list(input.shape)
    if xshape[1] != channels:
        what = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(
            f"Given {what}, weight of size {wshape}, expected input{xshape} to "
            f"have {channels} channels, but got {xshape[1]} channels instead"
        )
    out_channels = wshape[1] * groups if transposed else wshape[0]
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        what = "transposed=1, " if transposed else ""
        raise RuntimeError(
            f"Given {what}weight of size {wshape}, expected bias to be "
            f"1-dimensional with {out_channels} elements, but got bias of size "
            f"{list(bias.shape)} instead"
        )
    if transposed and wshape[1] == 0:
        raise RuntimeError(
            f"non-empty {n + 2}D weight tensor expected, but got: {wshape} ({op}: the weight "
            f"(in_channels, out_channels/groups, *kernel_size) has no output channels)"
        )
    kernel = tuple(wshape[2:])
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_size="
            f"{kernel} ({op}: weight of size {wshape})"
        )


def _conv_pads(op: str, padding, n: int, kernel, stride, dilation) -> tuple[tuple[int, int], ...]:
    """int / tuple / 'valid' / 'same' -> (before, after) pairs, with torch's RuntimeErrors."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise RuntimeError(
                f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}} ({op})"
            )
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError(
                f"padding='same' is not supported for strided convolutions "
                f"({op}: stride={stride}); pad explicitly instead"
            )
        return shapes.conv_padding(padding, kernel, stride, dilation)
    pad = shapes.int_tuple(padding, n, "padding", op)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"negative padding is not supported ({op}: got padding={pad})")
    return tuple((p, p) for p in pad)


def _check_empty(op: str, x: Tensor) -> None:
    """torch convolves an empty input only when the batch or the channels are empty."""
    if x.numel() == 0 and x.shape[0] != 0 and x.shape[1] != 0:
        raise RuntimeError(
            f"Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)} ({op}: a spatial dimension is empty while the batch and the "
            f"channels are not)"
        )


def _empty_batch_transpose_size(
    op: str, spatial, kernel, stride, padding, dilation, output_padding
) -> tuple[int, ...]:
    """Output size of a transposed convolution of an empty batch.

    torch contradicts itself here: for a non-empty batch an output size below 1 is an error
    ("Output size is too small"), but an empty batch skips that check and returns an empty
    tensor of the formula's shape, even when a size is exactly 0. convkit follows both paths for
    the size (a negative one is refused, as torch cannot shape it either). torch's empty batch
    also skips the argument and dtype checks (output_padding, dilation, dtypes); convkit checks
    those for every batch, so an error never depends on the batch size.
    """
    shapes.check_output_padding(op, output_padding, stride, dilation)
    out = tuple(
        shapes.conv_transpose_output_size(L, k, s, p, d, o)
        for L, k, s, p, d, o in zip(
            spatial, kernel, stride, padding, dilation, output_padding, strict=True
        )
    )
    if any(o < 0 for o in out):
        formulas = "; ".join(
            shapes.conv_transpose_output_formula(L, k, s, p, d, o)
            for L, k, s, p, d, o in zip(
                spatial, kernel, stride, padding, dilation, output_padding, strict=True
            )
        )
        raise RuntimeError(
            f"{op}: calculated output size {out} of an empty batch is negative: {formulas}"
        )
    return out


# ----------------------------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------------------------


def _parse(op: str, n: int, input, weight, bias, groups, **int_args) -> None:
    """Every argument's type first, as torch's parser checks them before any value."""
    _check_tensor(op, "input", input)
    _check_tensor(op, "weight", weight)
    _check_tensor(op, "bias", bias, optional=True)
    for name, value in int_args.items():
        if not (name == "padding" and isinstance(value, str)):
            shapes.check_int_arg(value, n, name, op)
    check_int(op, "groups", groups)


def _conv(op: str, n: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    _parse(op, n, input, weight, bias, groups, stride=stride, padding=padding, dilation=dilation)
    stride = shapes.int_tuple(stride, n, "stride", op)
    dilation = shapes.int_tuple(dilation, n, "dilation", op)
    x, was_unbatched = batched(op, input, n)
    if not isinstance(padding, str):
        # torch checks padding's sign before stride and dilation
        _conv_pads(op, padding, n, (1,) * n, (1,) * n, (1,) * n)
    _check_hyper(op, stride, dilation, groups)
    _check_weight(op, input, weight, bias, n, groups, transposed=False)
    kernel = tuple(weight.shape[2:])
    with warnings.catch_warnings():
        # point the even-kernel 'same' warning at the caller's line
        warnings.simplefilter("ignore")
        pads = _conv_pads(op, padding, n, kernel, stride, dilation)
    if padding == "same" and any(a != b for a, b in pads):
        warnings.warn(
            "Using padding='same' with even kernel lengths and odd dilation may require a "
            f"zero-padded copy of the input be created (padding (before, after) per dimension: "
            f"{pads})",
            UserWarning,
            stacklevel=3,
        )
    _check_dtypes(op, x, weight, bias)
    shapes.conv_output_shape(op, x.shape[2:], kernel, stride, pads, dilation)
    _check_empty(op, x)
    y = ConvNd.apply(x, weight, bias, pads, stride, dilation, int(groups))
    return unbatched(y, was_unbatched)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation over ``(N, C_in, L)`` or ``(C_in, L)`` with weight
    ``(C_out, C_in/groups, k)``; padding an int, a tuple, 'valid' or 'same'."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation over ``(N, C_in, H, W)`` or ``(C_in, H, W)`` with weight
    ``(C_out, C_in/groups, kH, kW)``; padding an int, a tuple, 'valid' or 'same'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """3-d cross-correlation over ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)`` with weight
    ``(C_out, C_in/groups, kD, kH, kW)``; padding an int, a tuple, 'valid' or 'same'."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ----------------------------------------------------------------------------------------------
# Transposed convolution
# ----------------------------------------------------------------------------------------------


def _conv_transpose(
    op: str,
    n: int,
    input,
    weight,
    bias,
    stride,
    padding,
    output_padding,
    groups,
    dilation,
    output_size,
) -> Tensor:
    if isinstance(padding, str):
        raise TypeError(
            f"{op}(): argument 'padding' must be tuple of ints, not str "
            f"(transposed convolutions take no padding strings)"
        )
    _parse(
        op,
        n,
        input,
        weight,
        bias,
        groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    stride = shapes.int_tuple(stride, n, "stride", op)
    padding = shapes.int_tuple(padding, n, "padding", op)
    output_padding = shapes.int_tuple(output_padding, n, "output_padding", op)
    dilation = shapes.int_tuple(dilation, n, "dilation", op)
    x, was_unbatched = batched(op, input, n)
    if any(p < 0 for p in padding):
        raise RuntimeError(f"negative padding is not supported ({op}: got padding={padding})")
    if any(p < 0 for p in output_padding):
        raise RuntimeError(
            f"negative output_padding is not supported ({op}: got output_padding={output_padding})"
        )
    _check_hyper(op, stride, dilation, groups)
    _check_weight(op, input, weight, bias, n, groups, transposed=True)
    _check_dtypes(op, x, weight, bias)
    kernel = tuple(weight.shape[2:])
    if output_size is not None:
        if not isinstance(output_size, (tuple, list)):
            raise TypeError(
                f"{op}(): argument 'output_size' must be a tuple of ints, not "
                f"{type(output_size).__name__}"
            )
        output_size = shapes.int_tuple(
            output_size, len(output_size), "output_size", op, expand_one=False
        )
    _check_empty(op, x)
    if x.shape[0] == 0 and output_size is None:
        out_spatial = _empty_batch_transpose_size(
            op, x.shape[2:], kernel, stride, padding, dilation, output_padding
        )
        y = ConvTransposeNd.apply(x, weight, bias, padding, out_spatial, stride, dilation, groups)
        return unbatched(y, was_unbatched)
    out_spatial, _ = shapes.conv_transpose_output_shape(
        op,
        x.shape[2:],
        kernel,
        stride,
        padding,
        dilation,
        output_padding,
        output_size,
        input_ndim=input.ndim,
    )
    y = ConvTransposeNd.apply(x, weight, bias, padding, out_spatial, stride, dilation, int(groups))
    return unbatched(y, was_unbatched)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
    *,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """1-d transposed convolution (the input gradient of conv1d) with weight
    ``(C_in, C_out/groups, k)``. ``output_size`` (convkit extension, keyword-only) picks
    output_padding as the ConvTranspose modules do."""
    return _conv_transpose(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        output_size,
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
    *,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """2-d transposed convolution (the input gradient of conv2d) with weight
    ``(C_in, C_out/groups, kH, kW)``. ``output_size`` (convkit extension, keyword-only) picks
    output_padding as the ConvTranspose modules do."""
    return _conv_transpose(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        output_size,
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
    *,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """3-d transposed convolution (the input gradient of conv3d) with weight
    ``(C_in, C_out/groups, kD, kH, kW)``. ``output_size`` (convkit extension, keyword-only) picks
    output_padding as the ConvTranspose modules do."""
    return _conv_transpose(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        output_size,
    )


# ----------------------------------------------------------------------------------------------
# unfold / fold (2-d spatial only, as in torch)
# ----------------------------------------------------------------------------------------------


def _window_types(op: str, **args: object) -> None:
    """Every argument's type before any length, as torch's argument parser."""
    for name, value in args.items():
        shapes.check_int_arg(value, 2, name, op)


def _window_args(op: str, kernel_size, dilation, padding, stride):
    _window_types(op, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
    kernel = shapes.int_tuple(kernel_size, 2, "kernel_size", op, expand_one=False)
    dilation = shapes.int_tuple(dilation, 2, "dilation", op, expand_one=False)
    padding = shapes.int_tuple(padding, 2, "padding", op, expand_one=False)
    stride = shapes.int_tuple(stride, 2, "stride", op, expand_one=False)
    for name, values, rule in (
        ("kernel size", kernel, "greater than zero"),
        ("stride", stride, "greater than zero"),
        ("dilation", dilation, "greater than zero"),
    ):
        if any(v <= 0 for v in values):
            raise RuntimeError(
                f"{name} should be {rule}, but got {name.replace(' ', '_')}={values} ({op})"
            )
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got padding={padding} ({op})")
    return kernel, dilation, tuple((p, p) for p in padding), stride


def _check_window_dtype(op: str, kernel_name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel_name}\" not implemented for '{scalar_name(t.dtype)}' ({op} needs a "
            f"floating-point input; convert it with .float())"
        )


def _blocks_formula(spatial, kernel, stride, pads, dilation) -> str:
    return "; ".join(
        shapes.conv_output_formula(L, k, s, p, d)
        for L, k, s, p, d in zip(spatial, kernel, stride, pads, dilation, strict=True)
    )


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding windows as columns: ``(N, C, H, W)`` -> ``(N, C*kH*kW, L)`` (also unbatched
    ``(C, H, W)`` -> ``(C*kH*kW, L)``); rows channel-major, then kernel row, then column."""
    op = "unfold"
    _check_tensor(op, "input", input)
    kernel, dilation, pads, stride = _window_args(op, kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4) or any(v == 0 for v in input.shape[input.ndim - 3 :]):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
            f"and other non-zero dimensions for input, but got: "
            f"{list(input.shape)} ({op} takes (N, C, H, W) or (C, H, W))"
        )
    _check_window_dtype(op, "im2col_out_cpu", input)
    x, was_unbatched = (input, False) if input.ndim == 4 else (input.unsqueeze(0), True)
    spatial = tuple(x.shape[2:])
    blocks = tuple(
        shapes.conv_output_size(L, k, s, p, d)
        for L, k, s, p, d in zip(spatial, kernel, stride, pads, dilation, strict=True)
    )
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {spatial}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={tuple(p for p, _ in pads)}, calculated shape of the array of sliding "
            f"blocks as {blocks}, but its components must be at least one: "
            f"{_blocks_formula(spatial, kernel, stride, pads, dilation)}"
        )
    y = Unfold.apply(x, kernel, pads, stride, dilation)
    return unbatched(y, was_unbatched)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns back onto the image, the adjoint of ``unfold``: ``(N, C*kH*kW, L)`` ->
    ``(N, C, *output_size)`` (also unbatched ``(C*kH*kW, L)``); overlapping windows add."""
    op = "fold"
    _check_tensor(op, "input", input)
    _window_types(
        op,
        output_size=output_size,
        kernel_size=kernel_size,
        dilation=dilation,
        padding=padding,
        stride=stride,
    )
    output_size = shapes.int_tuple(output_size, 2, "output_size", op, expand_one=False)
    kernel, dilation, pads, stride = _window_args(op, kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or any(v == 0 for v in input.shape[input.ndim - 2 :]):
        raise RuntimeError(
            f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
            f"batch size and non-zero dimensions for input, but got: "
            f"{list(input.shape)} ({op} takes (N, C*kH*kW, L) or (C*kH*kW, L))"
        )
    rows, length = input.shape[-2:]
    K = kernel[0] * kernel[1]
    if rows % K:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product "
            f"of kernel_size, but got input.size(1)={rows} and "
            f"kernel_size={kernel}"
        )
    blocks = tuple(
        shapes.conv_output_size(L, k, s, p, d)
        for L, k, s, p, d in zip(output_size, kernel, stride, pads, dilation, strict=True)
    )
    if blocks[0] * blocks[1] != length or any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={tuple(p for p, _ in pads)}, stride={stride}, expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * "
            f"{blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={length}. Blocks per "
            f"dimension: {_blocks_formula(output_size, kernel, stride, pads, dilation)}"
        )
    _check_window_dtype(op, "col2im_out_cpu", input)
    x, was_unbatched = (input, False) if input.ndim == 3 else (input.unsqueeze(0), True)
    y = Fold.apply(x, output_size, kernel, pads, stride, dilation)
    return unbatched(y, was_unbatched)
