"""The UCI handwritten digits (8x8, 1,797 images, 10 classes), shipped inside convkit.

The file ``files/digits.csv.gz`` is scikit-learn's copy of the dataset, kept byte for byte: one
row per image, 64 pixel counts (0..16, row-major) then the label. Source: E. Alpaydin and
C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository,
CC BY 4.0 (see ``files/DIGITS-LICENSE.txt``).
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._io import DatasetError, read_bytes
from .dataset import ImageArrayDataset

DIGITS_FILE = Path(__file__).with_name("files") / "digits.csv.gz"
N_DIGITS = 1797


def _parse_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    text = read_bytes(path)
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as e:
        raise DatasetError(f"{path.name}: not a table of integers ({e})") from None
    if table.shape[1] != 65:
        raise DatasetError(
            f"{path.name}: expected 65 columns (64 pixels and a label), found {table.shape[1]}"
        )
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16:
        raise DatasetError(
            f"{path.name}: pixel counts must lie in 0..16, found {pixels.min()}..{pixels.max()}"
        )
    if labels.min() < 0 or labels.max() > 9:
        raise DatasetError(
            f"{path.name}: labels must lie in 0..9, found {labels.min()}..{labels.max()}"
        )
    images = pixels.astype(np.uint8).reshape(-1, 8, 8)  # (N, 8, 8)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[np.ndarray, np.ndarray]:
    images, labels = _parse_digits(DIGITS_FILE)
    if len(labels) != N_DIGITS:
        raise DatasetError(f"{DIGITS_FILE.name}: expected {N_DIGITS} rows, found {len(labels)}")
    return images, labels


def load_digits(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as ``(images, labels)``: uint8 ``(1797, 8, 8)`` with values 0..16 and
    int64 ``(1797,)`` with values 0..9, in file order (read-only arrays, parsed once).

    ``path`` reads another file in the same format instead of the shipped one (not cached).
    """
    return _shipped() if path is None else _parse_digits(Path(path))


def stratified_split(labels: np.ndarray, test_fraction: float) -> np.ndarray:
    """A boolean mask marking the test samples: the same fraction of every class, evenly spaced.

    Within each class, taken in file order, sample j (counting from 0) is a test sample when
    ``floor((j + 1) * f) > floor(j * f)``: for f = 0.2 that is every fifth one (j = 4, 9, ...),
    so each class gives ``floor(n_class * f)`` test samples. No random numbers are involved:
    the split is the same on every machine and NumPy version.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"split (the test fraction) must lie strictly between 0 and 1, got {test_fraction}"
        )
    mask = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        j = np.arange(len(where))
        mask[where] = np.floor((j + 1) * test_fraction) > np.floor(j * test_fraction)
    return mask


class Digits(ImageArrayDataset):
    """The shipped 8x8 digits as a dataset of ``(image, label)`` samples.

    Args:
        train: the training part (True) or the test part (False).
        split: the fraction of each class that goes to the test part (default 0.2: 1,442
            training and 355 test images); see ``stratified_split`` for the deterministic rule.
        transform: applied to the float32 ``(1, 8, 8)`` image Tensor (pixel counts / 16).
        target_transform: applied to the int label.
    """

    classes = [str(d) for d in range(10)]

    def __init__(
        self,
        train: bool = True,
        split: float = 0.2,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        images, labels = load_digits()
        keep = ~stratified_split(labels, split) if train else stratified_split(labels, split)
        super().__init__(
            images[keep][:, None],
            labels[keep],
            16,
            transform,  # (N, 1, 8, 8)
            target_transform,
        )
        self.train = train
        self.split = split
