"""Pooling with torch's signatures: max, average, adaptive, fractional, unpooling, power-average.

Arguments are normalised here, once, into per-dimension tuples and checked with torch's rules
(and exception classes); the ops in ``convkit.ops.pool`` receive canonical arguments only.
One private implementation per family serves the 1d, 2d and 3d names.
"""

from __future__ import annotations

import math

import numpy as np

from ... import autograd, shapes
from ...ops import pool as P
from ...tensor import Tensor, rand
from ._utils import check_bool, check_int, check_number, check_tensor, scalar_name

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
]


# ----------------------------------------------------------------------------------------------
# Argument normalisation and checks
# ----------------------------------------------------------------------------------------------


def _parse(op: str, n: int, input, flags: dict | None = None, **int_args) -> None:
    """Every argument's type first, as torch's parser checks them before any value: the input,
    the int-or-tuple arguments (a default stride excepted) and the bool flags."""
    check_tensor(op, "input", input)
    for name, value in int_args.items():
        if not (name == "stride" and shapes.stride_is_default(value)):
            shapes.check_int_arg(value, n, name, op)
    for name, value in (flags or {}).items():
        check_bool(op, name, value)


def _window_args(op: str, n: int, kernel_size, stride, padding, dilation=1):
    """kernel, stride (None or () means kernel), padding, dilation as checked n-tuples."""
    kernel = shapes.int_tuple(kernel_size, n, "kernel_size", op)
    stride = shapes.int_tuple(shapes.default_stride(kernel, stride), n, "stride", op)
    padding = shapes.int_tuple(padding, n, "padding", op)
    dilation = shapes.int_tuple(dilation, n, "dilation", op)
    for name, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if any(v <= 0 for v in values):
            raise RuntimeError(f"{op}: {name} should be greater than zero, but got {name}={values}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: padding must be non-negative, but got padding={padding}")
    return kernel, stride, padding, dilation


def _check_input(op: str, x, n: int, allow_empty_channels: bool = False) -> tuple[Tensor, bool]:
    """(C, *spatial) or (N, C, *spatial); returns the batched tensor and whether it was added.

    Only the batch dimension may be empty (and, for adaptive pooling, the channels).
    """
    x = check_tensor(op, "input", x)
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}: expected a {n + 1}D (unbatched) or {n + 2}D (batched) input, "
            f"but got input of size {list(x.shape)}"
        )
    unbatched = x.ndim == n + 1
    first_checked = 0 if unbatched else 1
    if allow_empty_channels:
        first_checked = x.ndim - n
    if any(s == 0 for s in x.shape[first_checked:]):
        raise RuntimeError(
            f"{op}: expected an input with non-zero sizes except for the batch "
            f"dimension, but got input of size {list(x.shape)}"
        )
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _check_dtype(op: str, x: Tensor, kinds: str, ints: tuple = ()) -> None:
    """torch implements each pooling op for floats and a few integer dtypes only."""
    dtype = x.dtype
    if dtype.kind == "f" and "f" in kinds:
        return
    if dtype in ints or (dtype.kind in "iu" and "i" in kinds):
        return
    raise NotImplementedError(
        f'"{op}" not implemented for dtype {dtype}: use a floating-point '
        f"input (convert it with .float())"
    )


def _squeeze(t: Tensor, unbatched: bool) -> Tensor:
    return t.squeeze(0) if unbatched else t


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------


def _max_pool(
    op: str, n: int, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
):
    _parse(
        op,
        n,
        input,
        {"ceil_mode": ceil_mode},
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    x, unbatched = _check_input(op, input, n)
    # torch's max_pool1d without indices has its own kernel, for floating dtypes only; with
    # indices it runs max_pool2d_with_indices, which (like 2d and 3d) also takes integers.
    _check_dtype(op, x, "f" if n == 1 and not return_indices else "fi")
    kernel, stride, padding, dilation = _window_args(op, n, kernel_size, stride, padding, dilation)
    out = shapes.pool_output_shape(op, x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
    result = P.MaxPool.apply(
        x,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        out=out,
        return_indices=bool(return_indices),
    )
    if return_indices:
        y, idx = result
        return _squeeze(y, unbatched), _squeeze(idx, unbatched)
    return _squeeze(result, unbatched)


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over (C, L) or (N, C, L); see ``max_pool2d``."""
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling over (C, H, W) or (N, C, H, W).

    Args:
        kernel_size, stride (default kernel_size), padding (-inf, at most kernel_size // 2),
        dilation: an int or a tuple per spatial dimension.
        ceil_mode: round the output size up (a window may not start in the right padding).
        return_indices: also return the int64 flat index of each maximum in its (unpadded)
            input plane; on ties the first in row-major order, NaN wins over numbers.
    """
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """3-D max pooling over (C, D, H, W) or (N, C, D, H, W); see ``max_pool2d``."""
    return _max_pool(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool1d(..., return_indices=True)``: (values, indices) whatever ``return_indices``
    says (torch's alias ignores it)."""
    return _max_pool(
        "max_pool1d_with_indices", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool2d(..., return_indices=True)``; see ``max_pool1d_with_indices``."""
    return _max_pool(
        "max_pool2d_with_indices", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool3d(..., return_indices=True)``; see ``max_pool1d_with_indices``."""
    return _max_pool(
        "max_pool3d_with_indices", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )


# ----------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------


def _avg_pool(
    op: str,
    n: int,
    input,
    kernel_size,
    stride,
    padding,
    ceil_mode,
    count_include_pad,
    divisor_override,
):
    flags = {"ceil_mode": ceil_mode, "count_include_pad": count_include_pad}
    _parse(op, n, input, flags, kernel_size=kernel_size, stride=stride, padding=padding)
    if divisor_override is not None:
        check_int(op, "divisor_override", divisor_override)
    x, unbatched = _check_input(op, input, n)
    _check_dtype(op, x, "f", ints=(np.dtype(np.int64),))
    kernel, stride, padding, _ = _window_args(op, n, kernel_size, stride, padding)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero, got divisor_override=0")
        divisor_override = int(divisor_override)
    if n == 3 and any(L < k for L, k in zip(x.shape[2:], kernel, strict=True)):
        # avg_pool3d alone compares the unpadded input with the kernel.
        raise RuntimeError(
            f"{op}: input image (D, H, W) = {tuple(x.shape[2:])} is smaller than "
            f"kernel size {kernel}"
        )
    out = shapes.pool_output_shape(op, x.shape[2:], kernel, stride, padding, (1,) * n, ceil_mode)
    y = P.AvgPool.apply(
        x,
        kernel=kernel,
        stride=stride,
        padding=padding,
        out=out,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )
    return _squeeze(y, unbatched)


def avg_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over (C, L) or (N, C, L); see ``avg_pool2d`` (no divisor_override)."""
    return _avg_pool(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling over (C, H, W) or (N, C, H, W), zero padding.

    Window i spans ``[i*s - p, min(i*s - p + k, L + p))``; its divisor is ``divisor_override``,
    else that span's length when ``count_include_pad`` (explicit padding counts, the ceil-mode
    overhang does not), else the number of input cells it covers.
    """
    return _avg_pool(
        "avg_pool2d",
        2,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3-D average pooling over (C, D, H, W) or (N, C, D, H, W); see ``avg_pool2d``."""
    return _avg_pool(
        "avg_pool3d",
        3,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


# ----------------------------------------------------------------------------------------------
# Adaptive pooling
# ----------------------------------------------------------------------------------------------


def _output_size(op: str, n: int, output_size, x: Tensor) -> tuple[int, ...]:
    """An int or an n-sequence; in 2d/3d a None entry keeps that input dimension (torch's
    ``_list_with_default``, which also wants more input dimensions than entries)."""
    if n > 1 and isinstance(output_size, (tuple, list)):
        if x.ndim <= len(output_size):
            raise ValueError(
                f"{op}: input dimension should be at least {len(output_size) + 1}, "
                f"got input of size {list(x.shape)}"
            )
        lead = x.ndim - len(output_size)
        output_size = [x.shape[lead + i] if v is None else v for i, v in enumerate(output_size)]
    # A 1-sequence fills every dimension in 1-d only: torch's 2d/3d ops want n entries.
    out = shapes.int_tuple(output_size, n, "output_size", op, expand_one=n == 1)
    if any(o < 0 for o in out):
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0, "
            f"but got output_size={out}"
        )
    return out


def _mean_dtype_error(op: str, dtype) -> RuntimeError:
    """Adaptive average pooling to size 1 is torch's mean, which refuses integer dtypes."""
    return RuntimeError(
        f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
        f"complex dtype. Got: {scalar_name(dtype)} ({op} to size 1 is a mean; convert the input "
        f"with .float())"
    )


def _adaptive(op: str, n: int, input, output_size, fn, return_indices=None):
    x = check_tensor(op, "input", input)
    out = _output_size(op, n, output_size, x)
    if fn is P.AdaptiveAvgPool and n > 1 and all(o == 1 for o in out) and x.ndim >= n:
        # torch takes the global-average shortcut (a mean over the last n dims) for any rank.
        lead = x.shape[: x.ndim - n]
        flat = x.reshape((1, math.prod(lead)) + x.shape[x.ndim - n :])  # (1, prod(lead), *sp)
        if x.dtype.kind != "f":
            raise _mean_dtype_error(op, x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            y = P.AdaptiveAvgPool.apply(flat, out=out)
        return y.reshape(lead + out)
    # Adaptive max pooling lets the leading dimension alone be empty, 1-d and 2-d average pooling
    # also the channels (torch's 3-d kernel checks every non-batch dimension).
    avg = fn is P.AdaptiveAvgPool
    xb, unbatched = _check_input(op, x, n, allow_empty_channels=(avg and n < 3) or x.ndim == n + 1)
    if avg and xb.dtype.kind != "f" and all(o == 1 for o in out):
        # torch's 1-d op is the 2-d one on (..., 1, L), which takes the mean shortcut too.
        raise _mean_dtype_error(op, x.dtype)
    if avg and n < 3 and math.prod(xb.shape[:2]) * math.prod(out) == 0 and xb.dtype.kind != "f":
        # torch's 1-d/2-d average kernel returns an empty result before it dispatches on the
        # dtype (the 3-d one does not).
        empty = Tensor._wrap(np.zeros(tuple(xb.shape[:2]) + out, dtype=xb.dtype))
        return _squeeze(empty, unbatched)
    _check_dtype(op, xb, "f")
    if fn is P.AdaptiveMaxPool:
        result = fn.apply(xb, out=out, return_indices=bool(return_indices))
        if return_indices:
            y, idx = result
            return _squeeze(y, unbatched), _squeeze(idx, unbatched)
        return _squeeze(result, unbatched)
    return _squeeze(fn.apply(xb, out=out), unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Mean over windows ``[floor(i*L/out), ceil((i+1)*L/out))`` of (C, L) or (N, C, L)."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size, P.AdaptiveAvgPool)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling; an int or (H_out, W_out), None keeps a dimension."""
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size, P.AdaptiveAvgPool)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D adaptive average pooling; see ``adaptive_avg_pool2d``."""
    return _adaptive("adaptive_avg_pool3d", 3, input, output_size, P.AdaptiveAvgPool)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows of (C, L) or (N, C, L), optionally with flat indices."""
    return _adaptive(
        "adaptive_max_pool1d", 1, input, output_size, P.AdaptiveMaxPool, return_indices
    )


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling; ties go to the first cell in row-major order."""
    return _adaptive(
        "adaptive_max_pool2d", 2, input, output_size, P.AdaptiveMaxPool, return_indices
    )


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling; see ``adaptive_max_pool2d``."""
    return _adaptive(
        "adaptive_max_pool3d", 3, input, output_size, P.AdaptiveMaxPool, return_indices
    )


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d(..., return_indices=True)`` (torch's alias ignores the flag)."""
    return _adaptive(
        "adaptive_max_pool1d_with_indices", 1, input, output_size, P.AdaptiveMaxPool, True
    )


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d(..., return_indices=True)`` (torch's alias ignores the flag)."""
    return _adaptive(
        "adaptive_max_pool2d_with_indices", 2, input, output_size, P.AdaptiveMaxPool, True
    )


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d(..., return_indices=True)`` (torch's alias ignores the flag)."""
    return _adaptive(
        "adaptive_max_pool3d_with_indices", 3, input, output_size, P.AdaptiveMaxPool, True
    )


# ----------------------------------------------------------------------------------------------
# Fractional max pooling
# ----------------------------------------------------------------------------------------------


def _fractional_size(op: str, n: int, x: Tensor, output_size, output_ratio):
    """torch's Python half: the output size from ``output_ratio`` when no ``output_size``."""
    if output_size is not None:
        return output_size
    if output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if n == 2 and not isinstance(output_ratio, (tuple, list)):
        # torch's 2-d function takes len() of the ratio first, so it wants a sequence
        raise TypeError(
            f"{op}: output_ratio must be a tuple of 2 fractions, not "
            f"{type(output_ratio).__name__} (torch's len() of it fails)"
        )
    if n == 2 and len(output_ratio) > 2:
        raise ValueError(
            f"{op} requires output_ratio to either be a single Int or tuple of Ints "
            f"(got output_ratio={output_ratio!r})"
        )
    ratio = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * n
    if len(ratio) < n:
        raise IndexError(f"{op}: output_ratio needs {n} entries, got {output_ratio!r}")
    # int() truncates the product, as torch's Python code does
    return [int(x.size(i - n) * ratio[i]) for i in range(n)]


def _fractional_max_pool(
    op: str, n: int, input, kernel_size, output_size, output_ratio, _random_samples
) -> tuple[Tensor, Tensor]:
    x = check_tensor(op, "input", input)
    output_size = _fractional_size(op, n, x, output_size, output_ratio)
    if _random_samples is None:
        # torch draws (N, C, n) uniforms in the input's dtype before any other check
        batch = 1 if x.ndim == n + 1 else x.size(0)
        _random_samples = rand(batch, x.size(-n - 1), n, dtype=x.dtype)
    shapes.check_int_arg(kernel_size, n, "kernel_size", op)
    shapes.check_int_arg(output_size, n, "output_size", op)
    samples = check_tensor(op, "_random_samples", _random_samples)
    kernel = shapes.int_tuple(kernel_size, n, "kernel_size", op, expand_one=False)
    out = shapes.int_tuple(output_size, n, "output_size", op, expand_one=False)
    if any(k <= 0 for k in kernel):
        # torch does not check, and reads outside its windows (an empty window gives -inf)
        raise RuntimeError(f"{op}: kernel_size should be greater than zero, but got {kernel}")
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(x.shape)}"
        )
    for d in range(x.ndim - n - 1, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, "
                f"but got {list(x.shape)} with dimension {d} being empty."
            )
    xb, unbatched = (x.unsqueeze(0), True) if x.ndim == n + 1 else (x, False)
    if samples.dtype != x.dtype:
        raise RuntimeError(
            f"{op}: Expect _random_samples to have the same dtype as input "
            f"({samples.dtype} vs {x.dtype})"
        )
    if samples.ndim != 3:
        raise RuntimeError(f"{op}: Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.shape[0] < xb.shape[0]:
        raise RuntimeError(
            f"{op}: Expect _random_samples.size(0) no less then input batch size "
            f"({samples.shape[0]} < {xb.shape[0]})."
        )
    if samples.shape[1] != xb.shape[1]:
        raise RuntimeError(
            f"{op}: Expect _random_samples.size(1) equals to input channel size "
            f"({samples.shape[1]} vs {xb.shape[1]})."
        )
    if samples.shape[2] != n:
        raise RuntimeError(
            f"{op}: Expect _random_samples.size(2) equals to {n}; got {samples.shape[2]}."
        )
    names = ("time", "height", "width")[3 - n :]
    # torch's 3-d check is one stricter than its 2-d one (``<`` where 2-d has ``<=``)
    room = 0 if n == 2 else 1
    for name, L, k, o in zip(names, xb.shape[2:], kernel, out, strict=True):
        if o + k - 1 + room > L:
            raise RuntimeError(
                f"{op}(): pool {name} {k} too large relative to input {name} {L} "
                f"(output_size + kernel_size - 1 must be {'at most' if n == 2 else 'below'} "
                "the input size)"
            )
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: output_size must be non-negative, but got {out}")
    if xb.shape[0] * xb.shape[1] * math.prod(out):
        # torch returns an empty result before it dispatches on the dtype
        _check_dtype(op, xb, "f")
    if samples.requires_grad and autograd.is_grad_enabled():
        raise RuntimeError(
            f"The function '{op}' is not differentiable with respect to argument "
            "'random_samples'. This input cannot have requires_grad True."
        )
    u = samples._array
    # torch casts (i + u) * alpha (alpha <= L) to a 32-bit int: undefined in C++ for NaN, inf or
    # a product beyond int32; convkit refuses such samples rather than guess the platform's cast
    limit = 2**31 / max(xb.shape[2:]) - max(out, default=0)
    if u.size and not (np.abs(u.astype(np.float64)) < limit).all():
        raise RuntimeError(
            f"{op}: _random_samples must be finite and below {limit:.4g} in magnitude "
            "(uniform draws in [0, 1)); torch's integer cast of larger ones is undefined"
        )
    # torch's 2-d layout of a plane's samples is (W, H); put them in axis order
    u = u[:, :, ::-1] if n == 2 else u
    y, idx = P.FractionalMaxPool.apply(xb, kernel=kernel, out=out, samples=u)
    return _squeeze(y, unbatched), _squeeze(idx, unbatched)


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """2-D fractional max pooling (Graham 2014) over (C, H, W) or (N, C, H, W): values and the
    flat index of each maximum, whatever ``return_indices`` says.

    Along each axis, window i spans ``[start_i, start_i + k)`` with ``start_i =
    int((i + u) * alpha) - int(u * alpha)``, ``alpha = (L - k) / (out - 1)``, and the last one
    ends the axis; u is one ``_random_samples`` draw per plane and axis, (N, C, 2) in the input's
    dtype ((W, H) order, as torch), drawn with ``rand`` when not given (torch's stream).

    Args:
        kernel_size: an int or a 2-tuple.
        output_size: an int or (H_out, W_out), or else
        output_ratio: a 2-tuple of fractions of the input size (truncated).
    """
    return _fractional_max_pool(
        "fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples
    )


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """3-D fractional max pooling over (C, D, H, W) or (N, C, D, H, W); ``_random_samples`` is
    (N, C, 3) in (D, H, W) order, ``output_ratio`` a number or a 3-tuple; see the 2-d one."""
    return _fractional_max_pool(
        "fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples
    )


def fractional_max_pool2d(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
):
    """``fractional_max_pool2d_with_indices``, the values alone unless ``return_indices``."""
    y, idx = fractional_max_pool2d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (y, idx) if return_indices else y


def fractional_max_pool3d(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
):
    """``fractional_max_pool3d_with_indices``, the values alone unless ``return_indices``."""
    y, idx = fractional_max_pool3d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (y, idx) if return_indices else y


# ----------------------------------------------------------------------------------------------
# Max unpooling
# ----------------------------------------------------------------------------------------------


def _unpool_size(op: str, spatial, kernel, stride, padding, output_size) -> tuple[int, ...]:
    """torch's ``_unpool_output_size``: the default, or a requested size within a stride of it."""
    n = len(kernel)
    default = tuple(
        shapes.max_unpool_output_size(L, k, s, p)
        for L, k, s, p in zip(spatial, kernel, stride, padding, strict=True)
    )
    if output_size is None:
        size = default
    else:
        requested = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size]
        if not all(shapes.is_int(v) for v in requested):
            raise TypeError(f"{op}(): output_size must be a sequence of ints, got {output_size!r}")
        if len(requested) == n + 2:
            requested = requested[2:]
        if len(requested) != n:
            raise ValueError(
                f"{op}: output_size should be a sequence containing {n} or {n + 2} "
                f"elements, but it has a length of '{len(requested)}'"
            )
        for d, (want, base, s) in enumerate(zip(requested, default, stride, strict=True)):
            if not base - s < want < base + s:
                raise ValueError(
                    f'{op}: invalid output_size "{tuple(requested)}" (dim {d} must '
                    f"be between {base - s} and {base + s}, exclusive: the default "
                    f"(L-1)*stride - 2*padding + kernel_size is {base})"
                )
        size = tuple(int(v) for v in requested)
    for d, v in enumerate(size):
        if v < 0:
            raise ValueError(
                f"{op}: output_size must contain non-negative spatial dimensions, "
                f"but got output_size[{d}]={v}"
            )
    return size


def _max_unpool(op: str, n: int, input, indices, kernel_size, stride, padding, output_size):
    x = check_tensor(op, "input", input)
    indices = check_tensor(op, "indices", indices)
    # torch computes the unpooled size in Python from ``_ntuple`` values (True/False count as
    # 1/0, only None, not an empty list, means "stride = kernel_size", nothing is expanded)
    # before its kernel checks the tensors.
    stride_arg, padding_arg = stride, padding
    kernel, stride, padding = (
        shapes.int_tuple(value, n, name, op, expand_one=False, bools=True)
        for name, value in (
            ("kernel_size", kernel_size),
            ("stride", shapes.default_stride(kernel_size, stride, empty=False)),
            ("padding", padding),
        )
    )
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}: input should be a {n + 1}d or {n + 2}d Tensor, but got a "
            f"tensor with {x.ndim} dimensions"
        )
    out = _unpool_size(op, x.shape[x.ndim - n :], kernel, stride, padding, output_size)
    if n == 3:
        # max_unpool3d alone hands stride and padding to its kernel, whose parser refuses a bool
        # (first in the tuple) and which wants a positive stride.
        given = shapes.default_stride(kernel_size, stride_arg, empty=False)
        for name, value in (("stride", given), ("padding", padding_arg)):
            value = value if isinstance(value, (tuple, list)) else (value,) * 3
            shapes.check_int_arg(value, 3, name, op)
        if any(v <= 0 for v in stride):
            raise RuntimeError(
                f"{op}: strides should be greater than zero, but got stride: {list(stride)}"
            )
    _check_dtype(op, x, "f")
    if indices.dtype != np.int64:
        raise RuntimeError(
            f"{op}: elements in indices should be type int64 but got: {indices.dtype}"
        )
    if indices.shape != x.shape:
        raise RuntimeError(
            f"{op}: expected shape of indices to be same as that of the input "
            f"tensor ({list(x.shape)}) but got indices tensor with shape: "
            f"{list(indices.shape)}"
        )
    plane = math.prod(out)
    if any(v == 0 for v in x.shape[x.ndim - n - 1 :]) and x.ndim == n + 2:
        raise RuntimeError(
            f"{op}: Expected input to have non-zero size for non-batch dimensions, but got "
            f"{list(x.shape)} (only the batch dimension may be empty)"
        )
    idx = indices._array
    # An empty output plane takes no values, so torch never reads the indices then.
    if idx.size and plane and (idx.min() < 0 or idx.max() >= plane):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(
            f"{op}: Found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, out))}; indices must lie in [0, {plane}))"
        )
    unbatched = x.ndim == n + 1
    if unbatched:
        x, indices = x.unsqueeze(0), indices.unsqueeze(0)
    if plane == 0:
        # No cell to write: an empty result that still reaches the input in the graph.
        flat = x.reshape(tuple(x.shape[:2]) + (-1,))[:, :, :0]  # (N, C, 0)
        return _squeeze(flat.reshape(tuple(x.shape[:2]) + out), unbatched)
    y = P.MaxUnpool.apply(x, indices, out=out)
    return _squeeze(y, unbatched)


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """Partial inverse of ``max_pool1d``: values written at their indices, zeros elsewhere."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """Partial inverse of ``max_pool2d``; default output ``(L-1)*stride - 2*padding + kernel``,
    or ``output_size`` (2 or 4 entries) within one stride of it."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """Partial inverse of ``max_pool3d``; see ``max_unpool2d``."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


# ----------------------------------------------------------------------------------------------
# Power-average pooling: a composite, differentiated by the chain rule
# ----------------------------------------------------------------------------------------------


def _lp_pool(op: str, n: int, input, norm_type, kernel_size, stride, ceil_mode):
    x = check_tensor(op, "input", input)
    max_pool = (max_pool1d, max_pool2d, max_pool3d)[n - 1]
    avg_pool = (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1]
    if n > 1:
        # torch unpacks ``kw, kh = _pair(kernel_size)`` first: a 1-tuple does not expand.
        kernel = shapes.int_tuple(
            kernel_size, n, "kernel_size", op, expand_one=False, length_error=ValueError
        )
    if norm_type == math.inf:
        return max_pool(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    check_number(op, "norm_type", norm_type)
    if n == 1:
        if not shapes.is_int(kernel_size):
            # torch multiplies by kernel_size itself in 1-D, so it takes a plain int only.
            raise TypeError(f"{op}(): kernel_size must be an int, not {type(kernel_size).__name__}")
        kernel = (int(kernel_size),)
    numel = math.prod(kernel)
    out = avg_pool(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    if norm_type == 0:
        # torch fails here too, computing 1.0 / norm_type (ZeroDivisionError)
        raise ValueError(
            f"{op}: norm_type must be non-zero (the result is the 1/norm_type-th "
            f"power of a sum), got norm_type={norm_type}"
        )
    # torch: (sign(out) * relu(|out|)) * numel, then ** (1/p). sign is piecewise constant (no
    # gradient; torch's sign of NaN is 0). At a zero window the next power's derivative is inf,
    # and relu's backward (a mask, not a product) turns that into 0; a NaN window passes NaN
    # back through relu and abs to every cell of the window, as in torch.
    sign = Tensor._wrap(np.where(np.isnan(out._array), 0, np.sign(out._array)).astype(out.dtype))
    return (sign * out.abs().relu()).mul(numel).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: int, stride=None, ceil_mode: bool = False
) -> Tensor:
    """1-D power-average pooling: ``(sum over the window of x**p) ** (1/p)``."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False
) -> Tensor:
    """2-D power-average pooling: ``(sum x**p) ** (1/p)``, computed as torch does it from
    ``avg_pool2d(x**p) * kernel numel`` (the sign is kept, so p=1 gives the plain sum)."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False
) -> Tensor:
    """3-D power-average pooling; see ``lp_pool2d``."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)
