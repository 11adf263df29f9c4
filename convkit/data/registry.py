"""``--data`` specs for the training job: ``digits``, ``mnist:DIR``, ``fashion-mnist:DIR``,
``cifar10:DIR``, ``folder:DIR``.

``load_dataset(spec)`` returns ``(train, test, info)`` with ``info = {"input_shape": (C, H, W),
"num_classes": K, "classes": [...], "spec": spec}``.
"""

from __future__ import annotations

import os

import numpy as np

from ._io import DatasetError
from .cifar import CIFAR10
from .dataset import Subset
from .digits import Digits, stratified_split
from .folder import ImageFolder
from .mnist import MNIST, FashionMNIST

SPECS = ("digits", "mnist:DIR", "fashion-mnist:DIR", "cifar10:DIR", "folder:DIR")


def _folder(root: str):
    """``root/train`` and ``root/test`` when both exist; else one folder split 80/20 per class
    (every fifth image of each class is a test image: deterministic, no random numbers)."""
    train_dir, test_dir = os.path.join(root, "train"), os.path.join(root, "test")
    if os.path.isdir(train_dir) and os.path.isdir(test_dir):
        train, test = ImageFolder(train_dir), ImageFolder(test_dir)
        if train.classes != test.classes:
            raise DatasetError(
                f"{root}: train/ has classes {train.classes} but test/ has {test.classes}"
            )
        return train, test, train.classes
    full = ImageFolder(root)
    is_test = stratified_split(np.asarray(full.targets), 0.2)
    return (
        Subset(full, np.flatnonzero(~is_test).tolist()),
        Subset(full, np.flatnonzero(is_test).tolist()),
        full.classes,
    )


def load_dataset(spec: str):
    """Parse a ``--data`` spec and load its train and test sets from local files."""
    name, _, root = spec.partition(":")
    name = name.lower()
    if name == "digits" and not root:
        train, test = Digits(train=True), Digits(train=False)
        classes = list(Digits.classes)
    elif name in ("mnist", "fashion-mnist", "cifar10", "folder") and root:
        root = os.path.expanduser(root)
        if name == "folder":
            train, test, classes = _folder(root)
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
    image, _ = train[0]
    info = {
        "input_shape": list(image.shape),
        "num_classes": len(classes),
        "classes": classes,
        "spec": spec,
    }
    return train, test, info
