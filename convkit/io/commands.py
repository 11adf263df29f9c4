"""``convkit convert``: a PyTorch ``.pt`` state dict to a safetensors file.

The file is read with ``load_torch`` (no code from it is run) and written with ``convkit.io.save``
(atomically). A nested top level, such as a training checkpoint
``{"model": state_dict, "optimizer": {...}, "epoch": 3}``, is flattened with dotted keys
(``model.conv1.weight``, ``optimizer.state.0.exp_avg``; list items by index) and values that are
not tensors (``epoch``, learning rates) are left out and listed. ``--key model`` converts just that
part, with keys as the model's own ``state_dict()`` has them, which is what ``load_state_dict``
needs.
"""

from __future__ import annotations

import argparse
import os

from ..commandline import Command


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the .pt file (torch's zip format)")
    p.add_argument("target", help="the .safetensors file to write")
    p.add_argument(
        "--key",
        default=None,
        help="convert only this entry of a nested checkpoint (dotted path, e.g. "
        "'model' or 'state_dict')",
    )


def flatten_tensors(obj, prefix: str = "") -> tuple[dict, list[str]]:
    """(dotted key -> array for every array in nested dicts/lists, keys of the non-array leaves)."""
    import numpy as np

    arrays: dict = {}
    skipped: list[str] = []

    def walk(node, key: str) -> None:
        if isinstance(node, np.ndarray):
            if key in arrays:
                raise ValueError(f"two tensors flatten to the same key '{key}'")
            arrays[key] = node
        elif isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    raise ValueError(
                        f"cannot name a tensor after the key {k!r} under "
                        f"'{key or '<top level>'}' (keys must be strings or ints)"
                    )
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f"{key}.{i}" if key else str(i))
        else:
            skipped.append(key or "<top level>")

    walk(obj, prefix)
    return arrays, skipped


def _select(obj, key: str):
    node = obj
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            have = (
                ", ".join(repr(k) for k in node) if isinstance(node, dict) else type(node).__name__
            )
            raise ValueError(f"--key '{key}': no entry '{part}' (available: {have})")
    return node


def convert(
    source: str | os.PathLike, target: str | os.PathLike, key: str | None = None
) -> tuple[int, list[str], list[str]]:
    """Convert ``source`` (.pt) to ``target`` (.safetensors).

    Returns (tensors written, keys of the non-tensor values left out, top-level entries that are
    dicts holding tensors: candidates for ``key``).
    """
    from .files import save_safetensors
    from .torch_pt import load_torch

    if os.path.exists(source) and os.path.exists(target) and os.path.samefile(source, target):
        raise ValueError(f"source and target are the same file: '{os.fspath(source)}'")
    obj = load_torch(source)
    if key is not None:
        obj = _select(obj, key)
    if not isinstance(obj, dict):
        raise ValueError(
            f"'{os.fspath(source)}' holds a {type(obj).__name__}, not a dict of "
            "tensors (a state dict)"
        )
    arrays, skipped = flatten_tensors(obj)
    if not arrays:
        raise ValueError(
            f"'{os.fspath(source)}' holds no tensors" + (f" under --key '{key}'" if key else "")
        )
    nested = [str(k) for k, v in obj.items() if isinstance(v, dict) and flatten_tensors(v)[0]]
    save_safetensors(arrays, target)
    return len(arrays), skipped, nested


def _convert(args: argparse.Namespace) -> int:
    n, skipped, nested = convert(args.source, args.target, key=args.key)
    print(f"wrote {n} tensors to {args.target}")
    if skipped:
        shown = ", ".join(skipped[:10]) + (
            f", ... ({len(skipped)} in all)" if len(skipped) > 10 else ""
        )
        print(f"left out {len(skipped)} non-tensor value(s): {shown}")
    if nested:
        print(
            f"note: nested entries were flattened with dotted keys; --key {nested[0]} converts "
            f"that entry alone with its own keys (entries holding tensors: "
            f"{', '.join(nested)})"
        )
    return 0


COMMANDS = (
    Command(
        "convert",
        "convert a PyTorch .pt state dict to .safetensors (runs no code from it)",
        _convert,
        _arguments,
        description="Read a file written by torch.save(model.state_dict(), path) without torch "
        "and without running code from it, and write its tensors as safetensors. "
        "Nested dicts are flattened with dotted keys; non-tensor values are left out.",
    ),
)
