"""Training checkpoints: any nested structure of dicts, lists, numbers, strings and arrays in one
safetensors file.

Arrays (Tensors or NumPy) become the file's tensors, named by their path (``model/conv1.weight``);
everything else becomes JSON in the header, with ``{"__tensor__": name}`` where an array stood.
Nothing in the file is ever executed on load, and writes are atomic (see ``files.save``).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor
from .files import load_with_metadata, save

_TREE_KEY = "convkit.checkpoint"


def _flatten(obj, path: str, arrays: dict):
    if isinstance(obj, (Tensor, np.ndarray)):
        arrays[path] = obj
        return {"__tensor__": path}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        keys = list(obj)
        if not all(isinstance(k, (str, int)) for k in keys):
            raise TypeError(f"checkpoint: keys under '{path}' must be str or int, got {keys!r}")
        # JSON objects have string keys; remember which ones were ints (optimizer state indices).
        return {"__dict__": [[k, _flatten(v, f"{path}/{k}", arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [_flatten(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"checkpoint: cannot store {type(obj).__name__} at '{path}'")


def _unflatten(node, tensors):
    if isinstance(node, dict):
        if "__tensor__" in node:
            return tensors[node["__tensor__"]]
        return OrderedDict((k, _unflatten(v, tensors)) for k, v in node["__dict__"])
    if isinstance(node, list):
        return [_unflatten(v, tensors) for v in node]
    return node


def save_checkpoint(tree: dict, path: str | os.PathLike) -> None:
    """Write a nested dict of arrays and plain values to ``path`` atomically."""
    arrays: dict = {}
    layout = _flatten(tree, "", arrays)
    save(
        {k.lstrip("/"): v for k, v in arrays.items()},
        path,
        metadata={_TREE_KEY: json.dumps(layout)},
    )


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read what ``save_checkpoint`` wrote (Tensors where arrays were)."""
    tensors, meta = load_with_metadata(path)
    if _TREE_KEY not in meta:
        raise RuntimeError(
            f"'{os.fspath(path)}' is a safetensors file but not a convkit "
            f"training checkpoint (no '{_TREE_KEY}' header entry)"
        )
    tensors = {"/" + k: v for k, v in tensors.items()}
    try:
        return _unflatten(json.loads(meta[_TREE_KEY]), tensors)
    except (KeyError, ValueError, TypeError) as e:
        raise RuntimeError(f"'{os.fspath(path)}': corrupt checkpoint layout ({e})") from None
