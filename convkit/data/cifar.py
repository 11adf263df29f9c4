"""CIFAR-10 from its "python version" batches in a local folder (never downloaded).

Each batch file is a pickled dict: ``b"data"`` a uint8 NumPy array (10000, 3072) holding the
red, green and blue 32x32 planes of each image in turn, ``b"labels"`` a list of ints 0..9 (plus
``b"batch_label"`` and ``b"filenames"``). Unpickling a file with a general Unpickler runs any code
the file names, so the batches are read with ``SafeUnpickler``, which resolves only the few
NumPy functions that rebuild an array and refuses every other global.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import struct
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._io import DatasetError, find_file, read_bytes
from .dataset import ImageArrayDataset

# NumPy >= 2 moved numpy.core to numpy._core; pickles may name either. Imported by name
# because the other spelling does not exist in the installed NumPy.
_CORE = "numpy._core" if hasattr(np, "_core") else "numpy.core"
_multiarray: Any = importlib.import_module(f"{_CORE}.multiarray")
_numeric: Any = importlib.import_module(f"{_CORE}.numeric")


def _latin1_encode(text: Any, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` restricted to what Python 3 writes for bytes in pickle protocols 0-2."""
    if not isinstance(text, str) or encoding != "latin1":
        raise ForbiddenGlobal(
            f"refusing _codecs.encode({type(text).__name__}, {encoding!r}): "
            f"only (str, 'latin1') rebuilds bytes"
        )
    return text.encode("latin1")


# The globals an ndarray's pickle names (protocols 0-5, NumPy 1.x and 2.x), and the bytes
# constructor of protocols 0-2: nothing else.
_ALLOWED_GLOBALS = {
    ("_codecs", "encode"): _latin1_encode,
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class ForbiddenGlobal(pickle.UnpicklingError):
    """A pickle named a global that ``SafeUnpickler`` does not allow."""


class SafeUnpickler(pickle.Unpickler):
    """An Unpickler that builds only dicts, lists, tuples, strings, bytes, numbers and NumPy
    arrays: ``find_class`` returns the allow-listed NumPy reconstruction functions and raises
    ``pickle.UnpicklingError`` for any other global, so no code named by the file runs."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobal(
                f"refusing to load global '{module}.{name}': only NumPy array reconstruction "
                f"is allowed in a dataset file"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise ForbiddenGlobal("refusing a persistent id: not allowed in a dataset file")


def safe_load(raw: bytes, name: str) -> Any:
    """Unpickle ``raw`` with ``SafeUnpickler`` (bytes strings kept as bytes, as CIFAR needs)."""
    try:
        return SafeUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except ForbiddenGlobal as e:
        raise DatasetError(f"{name}: unsafe pickle: {e}") from None
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
        struct.error,
        MemoryError,
    ) as e:
        raise DatasetError(
            f"{name}: truncated or corrupt pickle ({type(e).__name__}: {e})"
        ) from None


def _field(batch: dict, key: str) -> Any:
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    raise KeyError(key)


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file as (uint8 images ``(N, 3, 32, 32)``, int64 labels ``(N,)``)."""
    path = Path(path)
    batch = safe_load(read_bytes(path), path.name)
    if not isinstance(batch, dict):
        raise DatasetError(f"{path.name}: expected a pickled dict, found {type(batch).__name__}")
    try:
        data, labels = _field(batch, "data"), _field(batch, "labels")
    except KeyError as e:
        raise DatasetError(
            f"{path.name}: the batch dict has no {e.args[0]!r} entry (keys: "
            f"{sorted(map(repr, batch))})"
        ) from None
    if not (
        isinstance(data, np.ndarray)
        and data.dtype == np.uint8
        and data.ndim == 2
        and data.shape[1] == 3 * 32 * 32
    ):
        found = (
            f"{data.dtype} array of shape {list(data.shape)}"
            if isinstance(data, np.ndarray)
            else type(data).__name__
        )
        raise DatasetError(
            f"{path.name}: 'data' must be a uint8 array of shape (N, 3072), found a {found}"
        )
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError):
        raise DatasetError(f"{path.name}: 'labels' must be a list of ints") from None
    if labels.shape != (len(data),):
        raise DatasetError(
            f"{path.name}: {len(data)} images but 'labels' has shape {list(labels.shape)}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(
            f"{path.name}: labels must lie in 0..9, found {labels.min()}..{labels.max()}"
        )
    return data.reshape(-1, 3, 32, 32), labels  # (N, 3, 32, 32)


class CIFAR10(ImageArrayDataset):
    """CIFAR-10 from ``root``: 50,000 training (``data_batch_1`` .. ``data_batch_5``) or 10,000
    test (``test_batch``) 32x32 RGB images, looked for in ``root`` and in
    ``root/cifar-10-batches-py`` (the archive's folder).

    Samples are ``(image, label)``: a float32 ``(3, 32, 32)`` Tensor with values in [0, 1]
    (``transform`` applied when given) and an int. ``data`` holds the uint8 ``(N, 3, 32, 32)``
    images (channels first, unlike torchvision's ``(N, 32, 32, 3)``), ``targets`` the labels.
    """

    classes = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    train_files = [f"data_batch_{i}" for i in range(1, 6)]
    test_files = ["test_batch"]

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        names = self.train_files if train else self.test_files
        parts = [
            read_cifar_batch(find_file(root, [name], ("cifar-10-batches-py",))) for name in names
        ]
        data = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(data, labels, 255, transform, target_transform)
        self.root = Path(root)
        self.train = train
