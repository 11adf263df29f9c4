"""``batch_norm`` with torch's checks."""

from __future__ import annotations

import numbers

from ...errors import DimensionError
from ...ops.nn import BatchNorm
from ...tensor import Tensor
from ._utils import check_tensor

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
    check_batch_norm_args(input, running_mean, running_var, weight, bias, momentum)
    channels = input.shape[1]
    if training:
        count = input.numel() // channels if channels else 0
        if count == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input "
                f"size {input.shape}"
            )
    elif running_mean is None or running_var is None:
        missing = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{missing} must be defined in evaluation mode")
    return BatchNorm.apply(
        input,
        weight,
        bias,
        running_mean=None if running_mean is None else running_mean._array,
        running_var=None if running_var is None else running_var._array,
        training=bool(training),
        momentum=float(momentum),
        eps=float(eps),
    )


def check_batch_norm_args(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    momentum: float,
) -> None:
    """batch_norm's argument checks (SyncBatchNorm's too): a floating input of at least two
    dimensions, one element per channel in each statistic and parameter, in the input's dtype."""
    check_tensor("batch_norm", "input", input)
    if not isinstance(momentum, numbers.Real):
        raise TypeError(
            f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}"
        )
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
    if input.ndim < 2:
        raise DimensionError(
            f"Dimension out of range (expected to be in range of [-1, 0], but got "
            f"1): batch_norm needs an input of at least 2 dimensions (N, C, *), "
            f"got input of size {list(input.shape)}"
        )
