"""batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, normalize, rms_norm."""

from __future__ import annotations

import math

import numpy as np

from ...errors import DimensionError, ZeroCountError
from ...ops.nn import BatchNorm
from ...ops.norm import VectorNorm
from ...tensor import Tensor
from ._utils import check_bool, check_int, check_number, check_tensor, norm_input, scalar_name

__all__ = ["batch_norm"]


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) of (N, C, *) with the batch statistics (training,
    biased variance; the running statistics are updated in place, the variance unbiased) or the
    running statistics (evaluation), then scale by ``weight`` and shift by ``bias``."""
    op = "batch_norm"
    check_tensor(op, "input", input)
    # torch's Python checks first (on the truth of ``training``), then its kernel's types.
    if training:
        shape = tuple(input.shape)
        per_channel = (shape[0] if shape else 1) * math.prod(shape[2:])
        if per_channel == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{input.shape}"
            )
    eps = check_number(op, "eps", eps)
    if training and eps <= 0.0:
        raise ValueError(
            f"batch_norm eps must be positive during training, but got {eps} (it is added to "
            f"the variance before the square root)"
        )
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    """torch's kernel-side batch_norm: argument types, dtypes and sizes, then the op (no checks
    of eps: torch's instance_norm calls this part directly and computes with any eps)."""
    op = "batch_norm"
    eps = check_number(op, "eps", eps)
    check_bool(op, "training", training)
    momentum = check_number(op, "momentum", momentum)
    check_batch_norm_args(input, running_mean, running_var, weight, bias, training)
    return BatchNorm.apply(
        input,
        weight,
        bias,
        running_mean=None if running_mean is None else running_mean._array,
        running_var=None if running_var is None else running_var._array,
        training=bool(training),
        momentum=momentum,
        eps=eps,
    )


def check_batch_norm_args(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool = True,
) -> None:
    """batch_norm's tensor checks (SyncBatchNorm's too): a floating input of at least two
    dimensions, one element per channel in each statistic and parameter, in the input's dtype,
    and both running statistics in evaluation mode."""
    check_tensor("batch_norm", "input", input)
    if input.dtype.kind != "f":
        raise NotImplementedError(
            f"\"batch_norm\" not implemented for '{input.dtype}': the input must be floating point"
        )
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is None:
            continue
        check_tensor("batch_norm", name, t)
        if t.numel() != channels:
            raise RuntimeError(
                f"{name} should contain {channels} elements not {t.numel()} "
                f"(one per channel, dimension 1 of input {list(input.shape)})"
            )
        if t.dtype != input.dtype:
            raise RuntimeError(
                f"mixed dtype (CPU): expect parameter to have scalar type of "
                f"{input.dtype}, but {name} is {t.dtype}"
            )
    if not training and (running_mean is None or running_var is None):
        missing = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{missing} must be defined in evaluation mode")
    if input.ndim < 2:
        raise DimensionError(
            f"Dimension out of range (expected to be in range of [-1, 0], but got "
            f"1): batch_norm needs an input of at least 2 dimensions (N, C, *), "
            f"got input of size {list(input.shape)}"
        )


# ----- layer, group, instance and local response normalisation --------------------------------

__all__ += [
    "layer_norm",
    "group_norm",
    "instance_norm",
    "local_response_norm",
    "normalize",
    "rms_norm",
]


def _standardise(rows: Tensor, eps: float) -> Tensor:
    """(1, M, K) -> each of the M rows minus its mean, over its biased std (eps inside the root).

    BatchNorm's primitive over (1, M, K) normalises exactly these rows, with its fused backward.
    """
    return BatchNorm.apply(rows, None, None, training=True, momentum=0.0, eps=float(eps))


def _prod(values) -> int:
    n = 1
    for v in values:
        n *= int(v)
    return n


def _normalized_shape(op: str, normalized_shape) -> tuple[int, ...]:
    """torch's functional form takes a sequence of ints only (the modules accept an int), of at
    least one entry."""
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{type(normalized_shape).__name__}"
        )
    shape = tuple(check_int(op, "normalized_shape", s) for s in normalized_shape)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    return shape


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions (biased variance), then
    ``* weight + bias`` elementwise."""
    check_tensor("layer_norm", "input", input)
    shape = _normalized_shape("layer_norm", normalized_shape)
    n = len(shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor("layer_norm", name, t)
            if tuple(t.shape) != shape:
                raise RuntimeError(
                    f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                    f"shape {list(t.shape)} and normalized_shape = {list(shape)}"
                )
    if input.ndim < n or tuple(input.shape[input.ndim - n :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}"
        )
    if input.dtype.kind != "f":
        raise RuntimeError(f"\"LayerNormKernelImpl\" not implemented for '{input.dtype}'")
    lead = tuple(input.shape[: input.ndim - n])
    rows = input.reshape(1, _prod(lead), _prod(shape))  # (1, M, K)
    out = _standardise(rows, eps).reshape(input.shape)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _group_batch(input: Tensor, num_groups: float) -> None:
    """torch's ``_verify_batch_size`` of the ``(N*C // G, G, *spatial)`` view."""
    n, c = input.shape[0], input.shape[1]
    if n * c // num_groups * _prod(input.shape[2:]) == 1:
        size = [n * c // num_groups, num_groups] + list(input.shape[2:])
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}"
        )


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each of ``num_groups`` channel groups of every sample over its channels and
    positions, then scale and shift per channel."""
    check_tensor("group_norm", "input", input)
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    n, c = input.shape[0], input.shape[1]
    # torch's python side first checks the batch of the (N*C/G, G, *spatial) view, with any
    # number (a float or bool num_groups too, which its parser refuses only after), then the kernel
    # checks the groups. Its division by num_groups=0 raises Python's ZeroDivisionError there;
    # convkit's ZeroCountError is that class and a RuntimeError.
    if isinstance(num_groups, (float, bool)) and num_groups != 0:
        _group_batch(input, num_groups)
    check_int("group_norm", "num_groups", num_groups)
    if num_groups == 0:
        raise ZeroCountError(
            f"Expected num groups to be greater than 0, got 0 (group_norm divides the "
            f"{list(input.shape)} input's N*C by num_groups)"
        )
    _group_batch(input, num_groups)
    spatial = _prod(input.shape[2:])
    if num_groups < 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor("group_norm", name, t)
            if t.ndim != 1 or t.numel() != c:
                raise RuntimeError(
                    f"Expected {name} to be a vector of size equal to the number of channels in "
                    f"input, but got {name} of shape {list(t.shape)} and input of shape "
                    f"{list(input.shape)}"
                )
    if input.dtype.kind != "f":
        raise RuntimeError(f"\"GroupNormKernelImpl\" not implemented for '{input.dtype}'")
    rows = input.reshape(1, n * num_groups, c // num_groups * spatial)  # (1, N*G, C/G*L)
    out = _standardise(rows, eps).reshape(input.shape)
    per_channel = (c,) + (1,) * (input.ndim - 2)  # (C, 1, ...)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


def _repeat(t: Tensor | None, times: int) -> Tensor | None:
    """(C,) -> (times*C,), ``t`` repeated, with the gradient summed back."""
    if t is None:
        return None
    return t.reshape(1, -1).expand(times, t.shape[0]).reshape(-1)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise every channel of every sample of (N, C, *) over its positions.

    As torch does, this is batch_norm over the (1, N*C, *) view with the per-channel arguments
    repeated N times; the running statistics become the mean over the batch of the N updates.
    """
    check_tensor("instance_norm", "input", input)
    if input.ndim < 2:
        raise DimensionError(
            f"instance_norm needs an input of at least 2 dimensions (N, C, *), got input of "
            f"size {list(input.shape)}"
        )
    if use_input_stats and _prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size "
            f"{list(input.shape)}"
        )
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false"
        )
    n, c = input.shape[0], input.shape[1]
    rm, rv = _repeat(running_mean, n), _repeat(running_var, n)
    if rm is not None:
        rm = Tensor._wrap(np.array(rm._array))  # batch_norm updates these copies in place
    if rv is not None:
        rv = Tensor._wrap(np.array(rv._array))
    rows = input.reshape((1, n * c) + tuple(input.shape[2:]))  # (1, N*C, *)
    out = _batch_norm(
        rows, rm, rv, _repeat(weight, n), _repeat(bias, n), use_input_stats, momentum, eps
    )
    # the statistics become the mean of the N per-sample updates: NaN for an empty batch, as
    # torch (which fails instead when a weight is given: see the fuzzer's KNOWN list)
    for running, updated in ((running_mean, rm), (running_var, rv)):
        if use_input_stats and running is not None and updated is not None:
            running._array[...] = updated._array.reshape(n, c).mean(axis=0) if n else np.nan
    return out.reshape(input.shape)


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """``x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta`` (AlexNet's LRN);
    the window is zero-padded, ``size // 2`` channels before and ``(size - 1) // 2`` after."""
    from .padding import pad
    from .pooling import avg_pool2d, avg_pool3d

    check_tensor("local_response_norm", "input", input)
    dim = input.ndim
    if dim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality                          input (got {dim} "
            f"dimensions)"
        )
    if input.numel() == 0:
        return input
    sq = input * input
    before, after = size // 2, (size - 1) // 2
    if dim == 3:
        div = pad(sq.unsqueeze(1), (0, 0, before, after))  # (N, 1, C + size - 1, L)
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = sq.reshape(sizes[0], 1, sizes[1], sizes[2], -1)  # (N, 1, C, H, rest)
        div = pad(div, (0, 0, 0, 0, before, after))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (div * alpha + k) ** beta


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``."""
    check_tensor("normalize", "input", input)
    norm_input("linalg.vector_norm", input, None)  # torch's input.norm checks the dtype first
    if out is not None:
        raise TypeError("normalize(): out= is not supported by convkit; assign the result")
    axis = input._dim(dim)
    if input.ndim == 0:  # a 0-d input is its own 1-entry vector
        norm = VectorNorm.apply(input.reshape(1), float(p), (0,), True).reshape(())
    else:
        norm = VectorNorm.apply(input, float(p), (axis,), True)
    return input / norm.clamp(min=eps)


def rms_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dimensions;
    eps defaults to the dtype's machine epsilon."""
    check_tensor("rms_norm", "input", input)
    shape = _normalized_shape("rms_norm", normalized_shape)
    n = len(shape)
    # torch's order: the weight's shape, then the input's rank (a ValueError), then its shape
    if weight is not None:
        check_tensor("rms_norm", "weight", weight)
        if tuple(weight.shape) != shape:
            raise RuntimeError(
                f"Expected weight to be of same shape as normalized_shape, but got weight of "
                f"shape {list(weight.shape)} and normalized_shape = {list(shape)}"
            )
    if input.ndim < n:
        raise ValueError(f"Input tensor must have at least {n} dimensions, but got {input.ndim}")
    if tuple(input.shape[input.ndim - n :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*"
            f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}"
        )
    if input.dtype.kind != "f":
        raise NotImplementedError(
            f"\"rms_norm\" not implemented for '{scalar_name(input.dtype)}' (rms_norm needs a "
            f"floating-point input)"
        )
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - n, input.ndim))
    out = input * ((input * input).mean(axes, keepdim=True) + eps) ** -0.5
    if weight is not None:
        out = out * weight
    return out
