"""Dataset, TensorDataset and Subset: the map-style dataset protocol of torch.utils.data."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor


class Dataset:
    """A map-style dataset: ``dataset[i]`` gives sample i and ``len(dataset)`` the count."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not implement __len__")


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given Tensors (or arrays): ``(t0[i], t1[i], ...)``."""

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        wrapped = []
        for t in tensors:
            if not isinstance(t, Tensor):
                t = Tensor._wrap(np.asarray(t))
            if t.dim() == 0:
                raise ValueError(
                    "TensorDataset tensors need a first (sample) dimension, got a 0-d tensor"
                )
            wrapped.append(t)
        sizes = [t.shape[0] for t in wrapped]
        if len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tuple(wrapped)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def apply_transforms(dataset, image: Any, label: Any) -> tuple[Any, Any]:
    """A sample after the dataset's optional ``transform`` and ``target_transform``."""
    if dataset.transform is not None:
        image = dataset.transform(image)
    if dataset.target_transform is not None:
        label = dataset.target_transform(label)
    return image, label


class ImageArrayDataset(Dataset):
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
