"""Any nested structure of dicts, lists, tuples, numbers, strings and arrays in one safetensors
file.

Arrays (Tensors or NumPy) become the file's tensors, named by their path (``model/conv1.weight``);
everything else becomes JSON in the header entry ``convkit.checkpoint``, with
``{"__tensor__": name}`` where an array stood. Containers keep their kind: ``{"__dict__": pairs}``
(pairs, so int, float, bool, None and tuple keys survive JSON), ``{"__odict__": pairs}`` for an
``OrderedDict``, ``{"__tuple__": items}``, ``{"__bytes__": hex}``, ``{"__dtype__": "float32"}``
and ``{"__float__": "nan"}`` (JSON has no NaN or infinity); a list is a JSON list. Nothing in the
file is ever executed on load, and the layout read back is checked node by node.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..tensor import Tensor

LAYOUT_KEY = "convkit.checkpoint"
_MAX_DEPTH = 200
_DTYPE_NAMES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8"}
_DTYPE_NAMES |= {"uint16", "uint32", "uint64", "bool", "complex64", "complex128"}
_MARKERS = (
    "__tensor__",
    "__dict__",
    "__odict__",
    "__tuple__",
    "__bytes__",
    "__float__",
    "__dtype__",
)


def is_flat_state_dict(obj: object) -> bool:
    """A dict of str -> Tensor/array: written as a plain safetensors file any tool can read."""
    return (
        isinstance(obj, dict)
        and bool(obj)
        and all(isinstance(k, str) and isinstance(v, (Tensor, np.ndarray)) for k, v in obj.items())
    )


def flatten(obj: Any) -> tuple[str, dict[str, Any]]:
    """(layout JSON, name -> array) for ``obj``; TypeError for a value that cannot be stored."""
    arrays: dict[str, Any] = {}
    layout = _encode(obj, "", arrays, set())
    return json.dumps(layout), arrays


def _name(path: str, arrays: dict) -> str:
    name = path.lstrip("/") or "tensor"
    unique, n = name, 1
    while unique in arrays:  # a key containing "/" can collide with a nested path
        n += 1
        unique = f"{name}#{n}"
    return unique


def _encode(obj: Any, path: str, arrays: dict, active: set) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        name = _name(path, arrays)
        arrays[name] = obj
        return {"__tensor__": name}
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, np.generic):
        return _encode(obj.item(), path, arrays, active)
    if isinstance(obj, (bytes, bytearray)):
        return {"__bytes__": bytes(obj).hex()}
    if isinstance(obj, np.dtype):
        return {"__dtype__": obj.newbyteorder("=").name}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"save(): the container at '{path or '/'}' contains itself")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                pairs = [
                    [_key(k, path), _encode(v, f"{path}/{k}", arrays, active)]
                    for k, v in obj.items()
                ]
                return {"__odict__" if isinstance(obj, OrderedDict) else "__dict__": pairs}
            items = [_encode(v, f"{path}/{i}", arrays, active) for i, v in enumerate(obj)]
            return {"__tuple__": items} if isinstance(obj, tuple) else items
        finally:
            active.discard(id(obj))
    raise TypeError(
        f"save(): cannot store a {type(obj).__name__} at '{path or '/'}' (storable: Tensors, "
        "NumPy arrays, dicts, lists, tuples, str, bytes, int, float, bool, None, dtypes)"
    )


def _key(k: Any, path: str) -> Any:
    if k is None or isinstance(k, (bool, int, str)):
        return k
    if isinstance(k, float) and math.isfinite(k):
        return k
    if isinstance(k, tuple):
        return {"__tuple__": [_key(v, path) for v in k]}
    raise TypeError(
        f"save(): dict keys under '{path or '/'}' must be str, int, float, bool, None or "
        f"tuples of them, got {k!r}"
    )


def unflatten(layout_text: str, tensors: dict[str, Tensor], where: str) -> Any:
    """Rebuild what ``flatten`` stored; ``FileFormatError`` naming the fault for a bad layout."""
    try:
        layout = json.loads(layout_text)
    except ValueError as e:
        raise FileFormatError(f"'{where}': the '{LAYOUT_KEY}' entry is not JSON ({e})") from None
    return _Decoder(tensors, where).decode(layout, "", 0)


class _Decoder:
    def __init__(self, tensors: dict[str, Tensor], where: str) -> None:
        self.tensors = tensors
        self.where = where

    def fail(self, path: str, message: str) -> FileFormatError:
        return FileFormatError(
            f"'{self.where}': corrupt layout at '{path or '/'}' in '{LAYOUT_KEY}': {message}"
        )

    def decode(self, node: Any, path: str, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise self.fail(path, f"nested more than {_MAX_DEPTH} deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, f"{path}/{i}", depth + 1) for i, v in enumerate(node)]
        if not isinstance(node, dict) or len(node) != 1:
            raise self.fail(path, f"expected a value or one marker object, got {_short(node)}")
        ((marker, value),) = node.items()
        if marker == "__tensor__":
            # Files from convkit 0.1.0 name a tensor "/model/x" in the layout and "model/x" in
            # the file.
            if isinstance(value, str) and value not in self.tensors and value[1:] in self.tensors:
                value = value[1:]
            if not isinstance(value, str) or value not in self.tensors:
                raise self.fail(path, f"names tensor {_short(value)}, which the file lacks")
            return self.tensors[value]
        if marker in ("__dict__", "__odict__"):
            if not isinstance(value, list) or not all(
                isinstance(p, list) and len(p) == 2 for p in value
            ):
                raise self.fail(path, f"{marker} must be a list of [key, value] pairs")
            out: dict = OrderedDict() if marker == "__odict__" else {}
            for k, v in value:
                key = self.key(k, path)
                out[key] = self.decode(v, f"{path}/{key}", depth + 1)
            return out
        if marker == "__tuple__":
            if not isinstance(value, list):
                raise self.fail(path, "__tuple__ must hold a list")
            return tuple(self.decode(v, f"{path}/{i}", depth + 1) for i, v in enumerate(value))
        if marker == "__bytes__":
            try:
                return bytes.fromhex(value)
            except (TypeError, ValueError):
                raise self.fail(path, "__bytes__ must hold a hex string") from None
        if marker == "__float__" and value in ("nan", "inf", "-inf"):
            return float(value)
        if marker == "__dtype__" and value in _DTYPE_NAMES:
            return np.dtype(value)
        raise self.fail(path, f"unknown marker {_short(marker)} (known: {', '.join(_MARKERS)})")

    def key(self, k: Any, path: str) -> Any:
        if k is None or isinstance(k, (bool, int, float, str)):
            return k
        if isinstance(k, dict) and set(k) == {"__tuple__"} and isinstance(k["__tuple__"], list):
            return tuple(self.key(v, path) for v in k["__tuple__"])
        raise self.fail(path, f"a dict key must be a JSON scalar or a tuple, got {_short(k)}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
