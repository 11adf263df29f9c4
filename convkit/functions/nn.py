"""The neural-network functions torch also exposes as ``torch.*`` (``torch.conv2d``,
``torch.max_pool2d``, ``torch.softmax``, ...): the ``convkit.nn.functional`` functions whose
positional signature is the same in both places, so one implementation serves both.

torch.* forms whose signature differs from the functional one (``torch.batch_norm`` takes its
arguments in another order, the losses an integer reduction code) are not aliased: see the
coverage table (tools/tensor_coverage.py).
"""

from __future__ import annotations

import builtins
from typing import Any

from ..autograd import _mode
from ..nn import functional as F
from ..tensor import Tensor
from ._bind import check_tensor, method

# torch.X(input, ...) == F.X(input, ...) positionally for each of these; a name the functional
# module does not have (yet) is simply not exported.
_SAME_SIGNATURE = (
    "adaptive_avg_pool1d",
    "avg_pool1d",
    "bilinear",
    "celu",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_similarity",
    "hardshrink",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "rrelu",
    "selu",
    "threshold",
)

__all__ = ["adaptive_max_pool1d", "log_softmax", "softmax"]
for _name in _SAME_SIGNATURE:
    if hasattr(F, _name):
        globals()[_name] = getattr(F, _name)
        __all__.append(_name)


@method
def softmax(input: Tensor, dim: builtins.int, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return F.softmax(input, dim, dtype=dtype)


@method
def log_softmax(input: Tensor, dim: builtins.int, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed without forming softmax."""
    return F.log_softmax(input, dim, dtype=dtype)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:
    """(values, indices) of adaptive max pooling (torch.* always returns both)."""
    check_tensor("adaptive_max_pool1d", input)
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# torch's Tensor methods of the same functions.
for _name in ("hardshrink", "prelu"):
    if hasattr(F, _name):
        setattr(Tensor, _name, getattr(F, _name))


# ----- torch.* forms whose arguments differ from the functional ones ----------------------------


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: builtins.bool,
    momentum: builtins.float,
    eps: builtins.float,
    cudnn_enabled: builtins.bool = True,
) -> Tensor:
    """torch.batch_norm's argument order (weight and bias before the running statistics)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def constant_pad_nd(input: Tensor, pad: Any, value: Any = 0) -> Tensor:
    """``F.pad(input, pad, 'constant', value)``."""
    return F.pad(input, pad, "constant", value)


def convolution(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: builtins.bool,
    output_padding: Any,
    groups: builtins.int,
) -> Tensor:
    """The one convolution entry point: conv{1,2,3}d or conv_transpose{1,2,3}d by the
    weight's rank and ``transposed``."""
    n = weight.ndim - 2
    if n not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D weight, got {weight.ndim}-D")
    if transposed:
        fn = getattr(F, f"conv_transpose{n}d")
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return getattr(F, f"conv{n}d")(input, weight, bias, stride, padding, dilation, groups)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: builtins.bool = False,
) -> tuple[Tensor, Tensor]:
    """(values, indices) of ``max_pool1d``."""
    return F.max_pool1d(
        input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True
    )


def _native_p(name: str, p: Any) -> None:
    """The ATen dropouts' check of ``p``: a RuntimeError (F.dropout's own is a ValueError)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: builtins.float, train: builtins.bool) -> Tensor:
    """torch.dropout: ``F.dropout`` with ATen's error for ``p``."""
    _native_p("dropout", p)
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: builtins.float, train: builtins.bool) -> Tensor:
    """In-place ``dropout``."""
    _native_p("dropout_", p)
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: builtins.float, train: builtins.bool) -> Tensor:
    _native_p("alpha_dropout", p)
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: builtins.float, train: builtins.bool) -> Tensor:
    _native_p("feature_alpha_dropout", p)
    return F.feature_alpha_dropout(input, p, train)


def group_norm(
    input: Tensor,
    num_groups: builtins.int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: builtins.float = 1e-5,
    cudnn_enabled: builtins.bool = True,
) -> Tensor:
    """torch.group_norm: ``F.group_norm`` with ATen's trailing ``cudnn_enabled`` (unused)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: builtins.float = 1e-5,
    cudnn_enable: builtins.bool = True,
) -> Tensor:
    """torch.layer_norm: ``F.layer_norm`` with ATen's trailing ``cudnn_enable`` (unused)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


_REDUCTION = {0: "none", 1: "mean", 2: "sum"}


def _reduction(code: Any) -> str:
    if code not in _REDUCTION:
        raise RuntimeError(f"{code} is not a valid value for reduction")
    return _REDUCTION[code]


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: builtins.int = 1,
) -> Tensor:
    """The ATen form: ``reduction`` is 0 (none), 1 (mean) or 2 (sum)."""
    if pos_weight is not None and pos_weight.requires_grad and _mode.grad_enabled:
        raise RuntimeError(
            "The function 'binary_cross_entropy_with_logits' is not differentiable with respect "
            "to argument 'pos_weight'. This input cannot have requires_grad True."
        )
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight
    )


__all__ += ["batch_norm", "constant_pad_nd", "convolution", "dropout_", "max_pool1d_with_indices"]
__all__ += ["dropout", "alpha_dropout", "feature_alpha_dropout", "group_norm", "layer_norm"]
if hasattr(F, "binary_cross_entropy_with_logits"):
    __all__.append("binary_cross_entropy_with_logits")
