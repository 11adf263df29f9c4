"""The image datasets' common base; Dataset, TensorDataset and Subset are convkit.utils.data's
(torch.utils.data's), re-exported here."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tensor import Tensor
from ..utils.data import Dataset, Subset, TensorDataset

__all__ = ["Dataset", "Subset", "TensorDataset", "ImageArrayDataset", "apply_transforms"]


def apply_transforms(dataset, image: Any, label: Any) -> tuple[Any, Any]:
    """A sample after the dataset's optional ``transform`` and ``target_transform``."""
    if dataset.transform is not None:
        image = dataset.transform(image)
    if dataset.target_transform is not None:
        label = dataset.target_transform(label)
    return image, label


class ImageArrayDataset(Dataset[tuple[Any, Any]]):
    """Images held in memory as one integer array, served as float Tensors scaled to [0, 1].

    ``data`` is ``(N, C, H, W)`` (unscaled integers, e.g. uint8 0..255), ``targets`` is int64
    ``(N,)`` and ``scale`` the value that maps to 1.0. Sample i is ``(image, label)``: image the
    float32 ``(C, H, W)`` Tensor ``data[i] / scale`` passed through ``transform`` when given,
    label the Python int ``targets[i]`` passed through ``target_transform`` when given.
    """

    classes: tuple[str, ...] | list[str] = ()  # subclasses name their classes

    def __init__(
        self,
        data: np.ndarray,
        targets: np.ndarray,
        scale: float,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        self.data = data
        self.targets = targets
        self.scale = scale
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = Tensor._wrap(self.data[index].astype(np.float32) / np.float32(self.scale))
        return apply_transforms(self, image, int(self.targets[index]))

    def __len__(self) -> int:
        return len(self.targets)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self)} images of shape "
            f"{tuple(self.data.shape[1:])}, {len(self.classes) or 'unnamed'} classes)"
        )
