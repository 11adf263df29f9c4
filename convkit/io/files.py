"""safetensors files with a checksum, and writes that never leave a half-written file behind.

safetensors stores raw little-endian arrays behind a JSON header and runs no code on load, so a
file from anywhere is safe to open. convkit adds two metadata entries to every file it writes:

- ``convkit.keys``: the caller's order of the tensors (the format sorts them by its own rule);
- ``convkit.sha256``: a SHA-256 over every tensor (name, dtype, shape, bytes, in that order) and
  every other metadata entry. Loading recomputes it, so a flipped byte in the data area or the
  header is an error instead of a silently different network. A file without it (written by
  another program) loads unchecked.

Writes go to a temporary file in the same folder (``.<name>.<pid>-<random>.tmp``), are flushed to
disk, then renamed over the target: a crash at any moment leaves either the old file or the new
one, never a torn one. A temporary left by a process that was killed (``kill -9``) is removed by
the next write to the same target.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from typing import IO, Iterator, Mapping

import numpy as np

from ..errors import FileFormatError
from ..tensor import Tensor

ORDER_KEY = "convkit.keys"
CHECKSUM_KEY = "convkit.sha256"
RESERVED_KEYS = (ORDER_KEY, CHECKSUM_KEY)

_TMP_SUFFIX = ".tmp"
_writing: set[str] = set()  # temporaries this process is writing now (never orphans)


# ----------------------------------------------------------------------------------------------
# Atomic writes
# ----------------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists and sends nothing
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number no process has: keep its file
    return True


def remove_orphaned_temporaries(path: str | os.PathLike) -> list[str]:
    """Delete the temporaries of ``path`` whose writing process no longer runs; their names.

    Only files named as ``atomic_write`` names them, with the pid of a dead process (or of this
    process, when it is not writing them now), are touched. POSIX only: elsewhere a pid cannot be
    checked safely, and nothing is removed.
    """
    if os.name != "posix":
        return []
    path = os.path.abspath(os.fspath(path))
    folder, prefix = os.path.dirname(path), "." + os.path.basename(path) + "."
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) : -len(_TMP_SUFFIX)].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if entry.path in _writing or (pid != os.getpid() and _pid_alive(pid)):
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            os.unlink(entry.path)
            removed.append(entry.path)
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory; give a file name to write")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_orphaned_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.{os.getpid()}-", suffix=_TMP_SUFFIX, dir=folder
    )
    _writing.add(tmp)
    try:
        # mkstemp makes the file private (0600); the target gets what open() would give it.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        _writing.discard(tmp)


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def read_file(path: str | os.PathLike, what: str = "file") -> bytes:
    """The bytes of ``path``, with one clear error for a missing file or a directory."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory, not a {what}")
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no such {what}: '{path}'") from None


# ----------------------------------------------------------------------------------------------
# safetensors
# ----------------------------------------------------------------------------------------------


def as_array(key: str, value: object) -> np.ndarray:
    """A C-contiguous little-endian array of a Tensor, an array or a Python/NumPy number."""
    # np.ascontiguousarray would turn a 0-d array into shape (1,); require() keeps the shape.
    if isinstance(value, Tensor):
        array = np.require(value._array, requirements="C")
    elif isinstance(value, np.ndarray):
        array = np.require(value, requirements="C")
    elif isinstance(value, (int, float, bool, np.generic)):
        array = np.asarray(value)
    else:
        raise TypeError(
            f"save(): value for key '{key}' must be a Tensor or NumPy array, "
            f"got {type(value).__name__}"
        )
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return array


def checksum(arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> str:
    """SHA-256 (hex) over the metadata (but the checksum itself) and every tensor, in order."""
    h = hashlib.sha256()
    for key in sorted(metadata):
        if key != CHECKSUM_KEY:
            h.update(json.dumps([key, metadata[key]]).encode())
    for name, array in arrays.items():
        h.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        h.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)
    return h.hexdigest()


def save_safetensors(
    tensors: Mapping[str, object],
    path: str | os.PathLike,
    metadata: Mapping[str, object] | None = None,
) -> None:
    """Write a mapping of names to Tensors/arrays as a safetensors file, atomically.

    Every dtype is kept as it is (float16/32/64, ints, bool). ``metadata`` is a str -> str mapping
    stored in the header (values are converted with ``str``); the ``convkit.*`` keys are reserved.
    """
    from safetensors.numpy import save as st_save

    if not isinstance(tensors, Mapping):
        raise TypeError(f"save() expects a dict of name -> Tensor, got {type(tensors).__name__}")
    arrays: OrderedDict[str, np.ndarray] = OrderedDict()
    for key, value in tensors.items():
        if not isinstance(key, str):
            raise TypeError(f"save(): keys must be strings, got {key!r}")
        arrays[key] = as_array(key, value)
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    for key in RESERVED_KEYS:
        if key in meta:
            raise ValueError(f"save(): metadata key '{key}' is reserved")
    meta[ORDER_KEY] = json.dumps(list(arrays))
    meta[CHECKSUM_KEY] = checksum(arrays, meta)
    data = st_save(dict(arrays), metadata=meta)
    with atomic_write(path) as f:
        f.write(data)


def load_safetensors(
    source: str | os.PathLike | bytes, name: str | None = None, foreign: str | None = None
) -> tuple[OrderedDict[str, Tensor], dict[str, str]]:
    """Read a safetensors file (a path, or its bytes with ``name`` for messages).

    Returns (name -> Tensor in the saved order, the metadata without convkit's order and checksum
    entries). Raises ``FileFormatError`` for a file that is not safetensors (with the message
    ``foreign`` when given), has malformed convkit metadata, or fails its checksum.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    if isinstance(source, bytes):
        raw, where = source, name or "<bytes>"
    else:
        raw, where = read_file(source, "safetensors file"), os.fspath(source)
    try:
        stored = _read_metadata(raw)
        arrays = st_load(raw)
    except (SafetensorError, ValueError, OSError, UnicodeDecodeError) as e:
        raise FileFormatError(
            foreign or f"'{where}' is not a readable safetensors file: {e}"
        ) from None
    meta = dict(stored)
    ordered = OrderedDict(
        (k, arrays[k]) for k in _key_order(meta.pop(ORDER_KEY, None), arrays, where)
    )
    recorded = meta.pop(CHECKSUM_KEY, None)
    if recorded is not None:
        computed = checksum(ordered, stored)
        if computed != recorded:
            raise FileFormatError(
                f"'{where}' is corrupt: its SHA-256 checksum does not match (recorded "
                f"{recorded[:12]}..., computed {computed[:12]}...); the file changed after "
                "convkit wrote it (a damaged disk or an incomplete copy)"
            )
    return OrderedDict((k, Tensor._wrap(np.array(a))) for k, a in ordered.items()), meta


def _key_order(text: object, arrays: Mapping[str, np.ndarray], where: str) -> list[str]:
    if text is None:
        return list(arrays)
    try:
        order = json.loads(text) if isinstance(text, str) else None
    except (TypeError, ValueError):
        order = None
    if not isinstance(order, list) or not all(isinstance(k, str) for k in order):
        raise FileFormatError(
            f"'{where}': metadata '{ORDER_KEY}' must be a JSON list of tensor names, "
            f"got {str(text)[:60]!r}"
        )
    if len(set(order)) != len(order) or set(order) != set(arrays):
        raise FileFormatError(
            f"'{where}': metadata '{ORDER_KEY}' lists {len(order)} tensor name(s) but the "
            f"file holds {len(arrays)} different ones"
        )
    return order


def _read_metadata(raw: bytes) -> dict[str, str]:
    """The header's ``__metadata__`` (the 8-byte little-endian length, then JSON)."""
    if len(raw) < 8:
        raise ValueError("the file is shorter than the 8-byte header length")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8:
        raise ValueError(f"header length {n} exceeds the file size {len(raw)}")
    header = json.loads(raw[8 : 8 + n])
    if not isinstance(header, dict):
        raise ValueError(f"the header is a JSON {type(header).__name__}, not an object")
    meta = header.get("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
    ):
        raise ValueError("the header's __metadata__ must map strings to strings")
    return dict(meta)
