"""``convkit.save`` and ``convkit.load``: anything ``torch.save`` takes, in torch's format or in
safetensors, read back without running code from the file.

Where ``save`` writes is decided by the destination:

- a path ending in ``.safetensors``: a safetensors file. A flat dict of name -> Tensor is written
  as a plain state dict any safetensors reader understands; any other structure (nested dicts,
  lists, tuples, numbers, strings, None: a training checkpoint, an optimiser state) keeps its
  tensors as the file's tensors and its layout as JSON in the header (``tree.py``).
- any other path (``.pt``, ``.pth``, ``.bin``, no suffix) or a binary file object: torch's own
  zip archive (``torch_save.py``), which ``torch.load(f, weights_only=True)`` reads.

``load`` decides by the file's content, not its name: a zip archive is read as torch's format
(``torch_pt.py``: an allow-listed unpickler that only builds data), anything else as safetensors.
Tensors come back as convkit Tensors (``nn.Parameter`` where torch saved a Parameter, with its
``requires_grad``). ``map_location`` and ``weights_only`` are accepted as torch accepts them; as on
a torch build without CUDA, a tensor saved from a GPU needs ``map_location="cpu"``.
``weights_only=False`` is accepted too, but convkit never runs code from a file: a file that needs
it (a pickled ``nn.Module``) is refused either way.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import IO, Any, Callable

import numpy as np

from ..tensor import Tensor
from .files import atomic_write, load_safetensors, save_safetensors
from .torch_pt import TorchFileError, old_torch_format, read_torch_archive
from .torch_save import archive_name, write_torch_zip
from .tree import LAYOUT_KEY, flatten, is_flat_state_dict, unflatten

SAFETENSORS_SUFFIX = ".safetensors"
_CUDA_ERROR = (
    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
    "If you are running on a CPU-only machine, please use torch.load with "
    "map_location=torch.device('cpu') to map your storages to the CPU."
)
_PICKLE_LOAD_ARGS = ("encoding", "errors", "fix_imports")


def save(
    obj: Any,
    f: str | os.PathLike | IO[bytes],
    pickle_module: Any = pickle,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
    *,
    metadata: dict[str, object] | None = None,
) -> None:
    """Save ``obj`` (Tensors, state dicts, optimiser states, nested dicts/lists/tuples of them,
    numbers, strings, bytes, None) as ``torch.save`` does.

    A path ending in ``.safetensors`` gets a safetensors file (``metadata``: extra str -> str
    header entries, safetensors only); any other path or a binary file object gets torch's zip
    format. Paths are written atomically (a temporary file renamed over the target).
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError("save(): convkit writes the pickle itself; pickle_module must be pickle")
    if type(pickle_protocol) is not int or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(
            f"save(): pickle_protocol must be an int from 2 to {pickle.HIGHEST_PROTOCOL}, "
            f"got {pickle_protocol!r}"
        )
    if not _use_new_zipfile_serialization:
        raise ValueError(
            "save(): convkit writes only torch's zip format (_use_new_zipfile_serialization=True)"
        )
    del _disable_byteorder_record  # the byteorder record is always written; torch reads both
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).lower().endswith(SAFETENSORS_SUFFIX):
        if is_flat_state_dict(obj):
            save_safetensors(obj, f, metadata)
            return
        layout, arrays = flatten(obj)
        meta = dict(metadata or {})
        if LAYOUT_KEY in meta:
            raise ValueError(f"save(): metadata key '{LAYOUT_KEY}' is reserved")
        meta[LAYOUT_KEY] = layout
        save_safetensors(arrays, f, meta)
        return
    if metadata is not None:
        raise ValueError("save(): metadata= applies to .safetensors files only")
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(f) as out:
            write_torch_zip(obj, out, archive_name(f), pickle_protocol)
        return
    if not hasattr(f, "write"):
        raise TypeError(f"save(): f must be a path or a binary file object, got {type(f).__name__}")
    buffer = io.BytesIO()  # zip needs to seek; the caller's stream may not
    write_torch_zip(obj, buffer, "archive", pickle_protocol)
    f.write(buffer.getvalue())


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what ``save`` (or ``torch.save``, or any safetensors writer) wrote.

    Raises ``FileFormatError`` (``TorchFileError`` for torch archives) naming the file and the
    fault for a corrupt, foreign or unsafe file; ``FileNotFoundError`` / ``IsADirectoryError`` for
    a path that is not a file.
    """
    for key in pickle_load_args:
        if key not in _PICKLE_LOAD_ARGS:
            raise TypeError(f"load() got an unexpected keyword argument '{key}'")
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    target = _location_mapper(map_location)
    if isinstance(f, (str, os.PathLike)):
        where = os.fspath(f)
        if os.path.isdir(where):
            raise IsADirectoryError(f"'{where}' is a directory, not a file to load")
        if not os.path.exists(where):
            raise FileNotFoundError(f"no such file: '{where}'")
        with open(where, "rb") as stream:
            head = stream.read(512)
        source: str | bytes = where
    elif hasattr(f, "read"):
        source = f.read()
        if not isinstance(source, bytes):
            raise TypeError("load(): the file object must be opened in binary mode")
        where, head = "<file object>", source[:512]
    else:
        raise TypeError(f"load(): f must be a path or a binary file object, got {type(f)!r}")

    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return read_torch_archive(
            source, where, tensor=lambda ref: _tensor(ref, target), dtype=_dtype
        )
    old = old_torch_format(where, head)
    if old is not None:
        raise TorchFileError(old)
    tensors, meta = load_safetensors(source, where, foreign=_foreign_message(where, head))
    if LAYOUT_KEY in meta:
        return unflatten(meta[LAYOUT_KEY], tensors, where)
    return tensors


def _foreign_message(where: str, head: bytes) -> str | None:
    """For a file not named .safetensors: what to say when it is not safetensors either."""
    if where.lower().endswith(SAFETENSORS_SUFFIX):
        return None
    return (
        f"'{where}' is neither a torch.save archive nor a safetensors file (it starts with "
        f"{head[:16]!r})"
    )


# ----------------------------------------------------------------------------------------------
# What the file's tensors and dtypes become
# ----------------------------------------------------------------------------------------------


def _location_mapper(map_location: Any) -> Callable[[str], str]:
    """A function from a storage's saved location to where torch would put it."""
    if map_location is None:
        return lambda loc: loc
    if isinstance(map_location, dict):
        table = {str(k): _device_name(v) for k, v in map_location.items()}
        return lambda loc: table.get(loc, loc)
    if callable(map_location):
        marker = object()

        def call(loc: str) -> str:
            result = map_location(marker, loc)
            if result is None:
                return loc
            if result is marker:
                return "cpu"
            raise TypeError(
                "map_location: a function must return the storage it was given (or None); "
                "convkit keeps every tensor on the CPU"
            )

        return call
    device = _device_name(map_location)
    return lambda loc: device


def _device_name(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "type"):  # a torch-style device object
        return str(value)
    raise TypeError(
        f"map_location should be a str, a device, a dict or a function, got {type(value).__name__}"
    )


def _tensor(ref: Any, target: Callable[[str], str]) -> Tensor:
    if ref.array.dtype.kind == "c":
        raise TorchFileError(
            f"the file holds a {ref.array.dtype} tensor, and convkit has no complex dtype "
            "(convkit.io.load_torch reads it as a NumPy array)"
        )
    device = target(ref.location)
    if device.startswith("cuda"):
        raise RuntimeError(_CUDA_ERROR)
    if device.split(":")[0] != "cpu":
        raise RuntimeError(f"convkit holds tensors on the CPU only; cannot load onto '{device}'")
    if ref.parameter:
        from ..nn.parameter import Parameter

        return Parameter(Tensor._wrap(ref.array), requires_grad=ref.requires_grad)
    t = Tensor._wrap(ref.array)
    if ref.requires_grad:
        t.requires_grad_(True)
    return t


def _dtype(torch_dtype: Any) -> Any:
    try:
        return np.dtype(torch_dtype.name)
    except TypeError:
        return repr(torch_dtype)  # bfloat16: NumPy has no such dtype
