"""Saving and loading tensors in the safetensors format, never leaving a half-written file.

safetensors stores raw little-endian arrays behind a JSON header and runs no code on load, so a
file from anywhere is safe to open. Writes go to a temporary file in the same folder, are flushed
to disk, then renamed over the target: a crash at any moment leaves either the old file or the new
one, never a torn one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import OrderedDict
from typing import Iterator, Mapping

import numpy as np

from ..tensor import Tensor

_ORDER_KEY = "convkit.keys"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _as_array(key: str, value) -> np.ndarray:
    # np.ascontiguousarray would turn a 0-d array into shape (1,); require() keeps the shape.
    if isinstance(value, Tensor):
        return np.require(value._array, requirements="C")
    if isinstance(value, np.ndarray):
        return np.require(value, requirements="C")
    if isinstance(value, (int, float, bool, np.generic)):
        return np.asarray(value)
    raise TypeError(
        f"save(): value for key '{key}' must be a Tensor or NumPy array, got {type(value).__name__}"
    )


def save(
    state_dict: Mapping[str, object],
    path: str | os.PathLike,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write a mapping of names to Tensors/arrays as a safetensors file, atomically.

    Every dtype is kept as it is (float16/32/64, ints, bool). ``metadata`` is a str->str mapping
    stored in the header.
    """
    from safetensors.numpy import save as st_save

    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save() expects a dict of name -> Tensor, got {type(state_dict).__name__}")
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"save(): keys must be strings, got {key!r}")
        arrays[key] = _as_array(key, value)
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    if _ORDER_KEY in meta:
        raise ValueError(f"save(): metadata key '{_ORDER_KEY}' is reserved")
    # safetensors orders tensors by its own rule; remember the caller's order.
    meta[_ORDER_KEY] = json.dumps(list(arrays))
    data = st_save(dict(arrays), metadata=meta)
    with atomic_write(path) as f:
        f.write(data)


def load_with_metadata(path: str | os.PathLike) -> tuple["OrderedDict[str, Tensor]", dict]:
    """Read a safetensors file: (name -> Tensor in the saved order, metadata without ours)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no such checkpoint file: '{path}'") from None
    try:
        arrays = st_load(raw)
        meta = _read_metadata(raw)
    except (SafetensorError, ValueError, OSError) as e:
        raise RuntimeError(f"'{path}' is not a readable safetensors file: {e}") from None
    order = json.loads(meta.pop(_ORDER_KEY, "[]"))
    keys = [k for k in order if k in arrays] + [k for k in arrays if k not in order]
    return OrderedDict((k, Tensor._wrap(np.array(arrays[k]))) for k in keys), meta


def load(path: str | os.PathLike) -> "OrderedDict[str, Tensor]":
    """Read a safetensors file into an ordered dict of name -> Tensor (no code is ever run)."""
    return load_with_metadata(path)[0]


def _read_metadata(raw: bytes) -> dict:
    """The header's ``__metadata__`` (the 8-byte little-endian length, then JSON)."""
    if len(raw) < 8:
        raise ValueError("file is shorter than the 8-byte header length")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8:
        raise ValueError(f"header length {n} exceeds the file size {len(raw)}")
    header = json.loads(raw[8 : 8 + n])
    return dict(header.get("__metadata__", {}) or {})
