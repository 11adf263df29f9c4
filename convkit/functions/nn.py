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

from ..nn import functional as F
from ..tensor import Tensor
from ._bind import check_tensor, method

# torch.X(input, ...) == F.X(input, ...) positionally for each of these; a name the functional
# module does not have (yet) is simply not exported.
_SAME_SIGNATURE = (
    "adaptive_avg_pool1d",
    "alpha_dropout",
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
    "dropout",
    "feature_alpha_dropout",
    "group_norm",
    "hardshrink",
    "layer_norm",
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
