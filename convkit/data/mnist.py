"""MNIST and Fashion-MNIST from their IDX files in a local folder (never downloaded).

IDX format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the number of
dimensions d, then d big-endian uint32 sizes, then the values in row-major order, big-endian.
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._io import DatasetError, find_file, read_bytes
from .dataset import ImageArrayDataset

# IDX type code -> big-endian NumPy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """The array stored in IDX bytes, with every size checked against the header."""
    if len(raw) < 4:
        raise DatasetError(f"{name}: {len(raw)} bytes is too short for an IDX header (4 bytes)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in IDX_DTYPES:
        raise DatasetError(
            f"{name}: bad magic number 0x{raw[:4].hex()}: an IDX file starts with "
            f"two zero bytes and a type code in "
            f"{{{', '.join(hex(c) for c in IDX_DTYPES)}}}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(
            f"{name}: truncated header: {ndim} dimensions need {header} bytes, found {len(raw)}"
        )
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_DTYPES[code]
    expected = header + math.prod(dims) * dtype.itemsize  # Python ints: no overflow
    if len(raw) != expected:
        if ndim == 3:
            what = f"image data for {dims[0]} {dims[1]}x{dims[2]} images"
        elif ndim == 1:
            what = f"label data for {dims[0]} labels"
        else:
            what = f"data for an array of shape {list(dims)}"
        raise DatasetError(f"{name}: expected {expected} bytes of {what}, found {len(raw)}")
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw, or gzip-compressed when the name ends in ``.gz``)."""
    path = Path(path)
    return parse_idx(read_bytes(path), path.name)


class MNIST(ImageArrayDataset):
    """MNIST digits from ``root``: 60,000 training or 10,000 test 28x28 grayscale images.

    The files are looked for in ``root`` and in ``root/MNIST/raw`` (torchvision's layout), raw
    or gzip-compressed: ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``. Samples are ``(image, label)``: a
    float32 ``(1, 28, 28)`` Tensor with values in [0, 1] (``transform`` applied to it when
    given) and an int. ``data`` holds the uint8 ``(N, 1, 28, 28)`` images, ``targets`` the
    int64 labels.
    """

    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        prefix = "train" if train else "t10k"
        subdirs = (f"{type(self).__name__}/raw",)
        image_path = find_file(
            root, [f"{prefix}-images-idx3-ubyte", f"{prefix}-images-idx3-ubyte.gz"], subdirs
        )
        label_path = find_file(
            root, [f"{prefix}-labels-idx1-ubyte", f"{prefix}-labels-idx1-ubyte.gz"], subdirs
        )
        images, labels = read_idx(image_path), read_idx(label_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DatasetError(
                f"{image_path.name}: expected uint8 images of 3 dimensions "
                f"(count, height, width), found {images.dtype} of shape "
                f"{list(images.shape)}"
            )
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise DatasetError(
                f"{label_path.name}: expected a uint8 vector of labels, found "
                f"{labels.dtype} of shape {list(labels.shape)}"
            )
        if len(images) != len(labels):
            raise DatasetError(
                f"{image_path.name} holds {len(images)} images but "
                f"{label_path.name} holds {len(labels)} labels"
            )
        if len(labels) and labels.max() >= len(self.classes):
            raise DatasetError(
                f"{label_path.name}: labels must lie in 0..{len(self.classes) - 1},"
                f" found {labels.max()}"
            )
        super().__init__(
            images[:, None], labels.astype(np.int64), 255, transform, target_transform
        )  # data (N, 1, H, W)
        self.root = Path(root)
        self.train = train


class FashionMNIST(MNIST):
    """Fashion-MNIST: the same files and format as MNIST (looked for in ``root`` and
    ``root/FashionMNIST/raw``), 10 clothing classes."""

    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
