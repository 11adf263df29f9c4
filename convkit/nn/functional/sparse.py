"""``one_hot``: class indices to one-hot rows (torch lists it with the sparse functions)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ._utils import check_int, check_tensor

__all__ = ["one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index;
    ``num_classes=-1`` takes the largest index + 1."""
    check_tensor("one_hot", "tensor", tensor)
    num_classes = check_int("one_hot", "num_classes", num_classes)
    if tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    t = tensor._array
    if t.size == 0 and num_classes <= 0:
        # torch's empty-input branch refuses every num_classes <= 0, not only -1
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if num_classes == -1:
        num_classes = int(t.max()) + 1
    if t.size and int(t.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if t.size and int(t.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(t.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor._wrap(out)
