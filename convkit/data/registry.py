"""``--data`` specs for the training job: ``digits``, ``mnist:DIR``, ``fashion-mnist:DIR``,
``cifar10:DIR``, ``folder:DIR``.

``load_dataset(spec, image_size, channels)`` returns ``(train, test, info)`` with ``info =
{"input_shape": [C, H, W], "num_classes": K, "classes": [...], "spec": spec, "source_shape":
[C, H, W] of the files, "notes": [what was done to fit them]}``. Images are resized (bilinear) to
``image_size`` and converted to ``channels`` when given. A folder of images of several sizes, or of
grey and colour images, gets one size (the most common) and one channel count (3 if any image is
in colour) unless told otherwise, and ``notes`` says so.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sized
from typing import Any, cast

import numpy as np

from ._io import DatasetError
from .cifar import CIFAR10
from .dataset import Dataset, ImageArrayDataset, Subset
from .digits import Digits, stratified_split
from .folder import ImageFolder, image_header
from .imageops import convert_channels, resize_bilinear
from .mnist import MNIST, FashionMNIST

SPECS = ("digits", "mnist:DIR", "fashion-mnist:DIR", "cifar10:DIR", "folder:DIR")


def dataset_targets(dataset: Dataset) -> np.ndarray:
    """Every sample's label, read from ``targets`` where the dataset keeps them."""
    if isinstance(dataset, Subset):
        return dataset_targets(dataset.dataset)[np.asarray(dataset.indices, dtype=np.int64)]
    targets = getattr(dataset, "targets", None)
    if targets is not None:
        return np.asarray(targets)
    return np.asarray([int(dataset[i][1]) for i in range(len(cast(Sized, dataset)))])


def _scan(folders: list[ImageFolder]) -> tuple[Counter, bool]:
    sizes: Counter = Counter()
    all_grey = True
    for folder in folders:
        for path, _ in folder.samples:
            size, grey = image_header(path)
            sizes[size] += 1
            all_grey = all_grey and grey
    return sizes, all_grey


def _folder(root: str, image_size, channels, notes: list[str]):
    """``root/train`` and ``root/test`` when both exist; else one folder split 80/20 per class
    (every fifth image of each class is a test image: deterministic, no random numbers)."""
    train_dir, test_dir = os.path.join(root, "train"), os.path.join(root, "test")
    if os.path.isdir(train_dir) and os.path.isdir(test_dir):
        train, test = ImageFolder(train_dir), ImageFolder(test_dir)
        if train.classes != test.classes:
            raise DatasetError(
                f"{root}: train/ has classes {train.classes} but test/ has {test.classes}"
            )
        folders = [train, test]
    else:
        train = test = ImageFolder(root)
        folders = [train]
    sizes, all_grey = _scan(folders)
    (common, count), total = sizes.most_common(1)[0], sum(sizes.values())
    if image_size is None and len(sizes) > 1:
        notes.append(
            f"the images have {len(sizes)} different sizes; {total - count} of {total} are "
            f"resized to {common[0]}x{common[1]}, the most common (choose with --image-size)"
        )
    chosen_channels = channels or (1 if all_grey else 3)
    for folder in folders:
        folder.size = tuple(image_size) if image_size else common
        folder.grayscale = chosen_channels == 1
    source = [1 if all_grey else 3, common[0], common[1]]
    if len(folders) == 2:
        return train, test, train.classes, source
    is_test = stratified_split(np.asarray(train.targets), 0.2)
    return (
        Subset(train, np.flatnonzero(~is_test).tolist()),
        Subset(train, np.flatnonzero(is_test).tolist()),
        train.classes,
        source,
    )


def _fit(dataset: Any, image_size, channels) -> Any:
    """An in-memory dataset with its images resized and their channels converted, as needed."""
    if not isinstance(dataset, ImageArrayDataset):
        return dataset
    _, c, h, w = dataset.data.shape
    size = tuple(image_size) if image_size else (h, w)
    if size == (h, w) and (channels is None or channels == c):
        return dataset
    images = dataset.data.astype(np.float32) / np.float32(dataset.scale)  # (N, C, H, W) in [0, 1]
    images = resize_bilinear(convert_channels(images, channels or c), size)  # (N, C', h, w)
    fitted = ImageArrayDataset(
        images, dataset.targets, 1.0, dataset.transform, dataset.target_transform
    )
    fitted.classes = dataset.classes
    return fitted


def load_dataset(
    spec: str,
    image_size: tuple[int, int] | None = None,
    channels: int | None = None,
) -> tuple[Any, Any, dict[str, Any]]:
    """Parse a ``--data`` spec and load its train and test sets from local files."""
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    name, _, root = spec.partition(":")
    name = name.lower()
    notes: list[str] = []
    source: list[int] | None = None
    train: Any
    test: Any
    if name == "digits" and not root:
        train, test = Digits(train=True), Digits(train=False)
        classes = list(Digits.classes)
    elif name in ("mnist", "fashion-mnist", "cifar10", "folder") and root:
        root = os.path.expanduser(root)
        if name == "folder":
            train, test, classes, source = _folder(root, image_size, channels, notes)
        else:
            cls = {"mnist": MNIST, "fashion-mnist": FashionMNIST, "cifar10": CIFAR10}[name]
            train, test = cls(root, train=True), cls(root, train=False)
            classes = list(cls.classes) or [str(i) for i in range(10)]
    else:
        raise ValueError(
            f"--data '{spec}' is not understood: use one of {', '.join(SPECS)} "
            f"(DIR is a local folder; convkit never downloads)"
        )
    if len(train) == 0 or len(test) == 0:
        raise DatasetError(f"--data '{spec}': the train or test set is empty")
    if source is None:
        source = list(train.data.shape[1:])
        train, test = _fit(train, image_size, channels), _fit(test, image_size, channels)
    image, _ = train[0]
    shape = list(image.shape)
    if shape != source:
        notes.insert(
            0,
            f"images of shape {tuple(source)} are made {tuple(shape)} (bilinear resize"
            + (", channels converted)" if shape[0] != source[0] else ")"),
        )
    info = {
        "input_shape": shape,
        "num_classes": len(classes),
        "classes": classes,
        "spec": spec,
        "source_shape": source,
        "notes": notes,
    }
    return train, test, info
