"""Writing PyTorch's own ``.pt`` format without torch: the archive ``torch.save`` writes.

The layout (torch 2.x, ``_use_new_zipfile_serialization=True``) is the one ``torch_pt.py``
documents: a zip archive whose ``<name>/data.pkl`` is a protocol-2 pickle of the object in which
every tensor is ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict())`` and every storage a persistent id ``('storage', torch.FloatStorage, key, 'cpu',
numel)`` whose bytes are the record ``<name>/data/<key>``. Records are stored uncompressed and,
as torch aligns them, each one's data starts at a multiple of 64 bytes (padding in an "FB" extra
field), so ``torch.load(..., mmap=True)`` can map them.

The pickle is written opcode by opcode here rather than by ``pickle.Pickler``, which would need
torch's own classes at hand to name its functions (convkit never imports torch). Only the
globals torch's ``weights_only=True`` loader allows
are ever written: ``collections.OrderedDict``, the rebuild functions, storage classes, dtypes,
``torch.Size`` and ``_codecs.encode`` (how protocol 2 stores bytes), so what convkit writes loads
in torch with ``weights_only=True``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from ..tensor import Size, Tensor

_ALIGNMENT = 64

# NumPy dtype -> (torch dtype name, legacy storage class or None). A dtype without a legacy
# storage class is written as torch writes it: an UntypedStorage and _rebuild_tensor_v3.
_TORCH_DTYPES: dict[np.dtype, tuple[str, str | None]] = {
    np.dtype(np.float32): ("float32", "FloatStorage"),
    np.dtype(np.float64): ("float64", "DoubleStorage"),
    np.dtype(np.float16): ("float16", "HalfStorage"),
    np.dtype(np.int64): ("int64", "LongStorage"),
    np.dtype(np.int32): ("int32", "IntStorage"),
    np.dtype(np.int16): ("int16", "ShortStorage"),
    np.dtype(np.int8): ("int8", "CharStorage"),
    np.dtype(np.uint8): ("uint8", "ByteStorage"),
    np.dtype(np.bool_): ("bool", "BoolStorage"),
    np.dtype(np.complex64): ("complex64", "ComplexFloatStorage"),
    np.dtype(np.complex128): ("complex128", "ComplexDoubleStorage"),
    np.dtype(np.uint16): ("uint16", None),
    np.dtype(np.uint32): ("uint32", None),
    np.dtype(np.uint64): ("uint64", None),
}


def torch_dtype_name(dtype: np.dtype) -> str:
    """torch's name for a NumPy dtype (``float32``); TypeError for one torch lacks."""
    key = np.dtype(dtype).newbyteorder("=")
    if key not in _TORCH_DTYPES:
        raise TypeError(f"save(): torch has no dtype for NumPy's {key} arrays")
    return _TORCH_DTYPES[key][0]


class _Pickler:
    """Emits the protocol-2 opcodes of a torch checkpoint; collects the storages it refers to."""

    def __init__(self, protocol: int) -> None:
        self.out = bytearray(b"\x80" + bytes([protocol]))  # PROTO
        self.memo: dict[int, int] = {}
        self.alive: list[Any] = []  # keeps memoised objects alive, so their ids stay unique
        self.storages: list[tuple[str, bytes]] = []

    # ----- opcodes ------------------------------------------------------------------------------
    def put(self, obj: Any) -> None:
        index = len(self.memo)
        self.memo[id(obj)] = index
        self.alive.append(obj)
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def get(self, obj: Any) -> bool:
        index = self.memo.get(id(obj))
        if index is None:
            return False
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)
        return True

    def glob(self, module: str, name: str) -> None:
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    def int_(self, value: int) -> None:
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)
        elif -(2**31) <= value < 2**31:
            self.out += b"J" + struct.pack("<i", value)
        else:
            data = pickle.encode_long(value)
            if len(data) < 256:
                self.out += b"\x8a" + bytes([len(data)]) + data  # LONG1
            else:
                self.out += b"\x8b" + struct.pack("<i", len(data)) + data  # LONG4

    def str_(self, value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(data)) + data

    def tuple_(self, items: tuple | list, path: str) -> None:
        if len(items) == 0:
            self.out += b")"
            return
        if len(items) <= 3:
            for i, v in enumerate(items):
                self.save(v, f"{path}/{i}")
            self.out += {1: b"\x85", 2: b"\x86", 3: b"\x87"}[len(items)]
            return
        self.out += b"("
        for i, v in enumerate(items):
            self.save(v, f"{path}/{i}")
        self.out += b"t"

    def empty_ordered_dict(self) -> None:
        self.glob("collections", "OrderedDict")
        self.out += b")R"  # OrderedDict()

    # ----- values -------------------------------------------------------------------------------
    def save(self, obj: Any, path: str = "") -> None:
        if obj is None:
            self.out += b"N"
        elif obj is True or obj is False:
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, int) and not isinstance(obj, bool):
            self.int_(int(obj))
        elif isinstance(obj, float):
            self.out += b"G" + struct.pack(">d", obj)
        elif isinstance(obj, str):
            self.str_(obj)
        elif isinstance(obj, np.generic):
            self.save(obj.item(), path)
        elif isinstance(obj, np.dtype):
            self.glob("torch", torch_dtype_name(obj))
        elif isinstance(obj, (bytes, bytearray)):
            # Protocol 2 has no bytes opcode: pickle (and so torch) writes _codecs.encode(text,
            # 'latin1'), where each byte is one latin-1 character.
            self.glob("_codecs", "encode")
            self.str_(bytes(obj).decode("latin1"))
            self.str_("latin1")
            self.out += b"\x86R"
        elif self.get(obj):
            pass  # the same container or tensor again: a reference, as pickle writes it
        elif isinstance(obj, (Tensor, np.ndarray)):
            self.tensor(obj, path)
        elif isinstance(obj, Size):
            self.glob("torch", "Size")
            self.tuple_((tuple(obj),), path)
            self.out += b"R"
        elif isinstance(obj, tuple):
            self.tuple_(obj, path)
        elif isinstance(obj, list):
            self.out += b"]"
            self.put(obj)
            self.batched(obj, path)
        elif isinstance(obj, dict):
            if isinstance(obj, OrderedDict):
                self.empty_ordered_dict()
            else:
                self.out += b"}"
            self.put(obj)
            self.batched(list(obj.items()), path, pairs=True)
        else:
            raise TypeError(
                f"save(): cannot store a {type(obj).__name__} at '{path or '/'}' in a .pt file "
                "(storable: Tensors, NumPy arrays, dicts, lists, tuples, str, bytes, int, float, "
                "bool, None, dtypes)"
            )

    def batched(self, items: list, path: str, pairs: bool = False) -> None:
        for start in range(0, len(items), 1000):  # pickle's batch size for APPENDS/SETITEMS
            self.out += b"("
            for item in items[start : start + 1000]:
                if pairs:
                    key, value = item
                    self.save(key, path)
                    self.save(value, f"{path}/{key}")
                else:
                    self.save(item, f"{path}/{start}")
            self.out += b"u" if pairs else b"e"

    def tensor(self, obj: Tensor | np.ndarray, path: str) -> None:
        from ..nn.parameter import Parameter

        array = obj._array if isinstance(obj, Tensor) else obj
        parameter = isinstance(obj, Parameter)
        requires_grad = bool(getattr(obj, "requires_grad", False))
        name, storage_class = _TORCH_DTYPES.get(array.dtype.newbyteorder("="), (None, None))
        if name is None:
            raise TypeError(
                f"save(): the tensor at '{path or '/'}' has dtype {array.dtype}, which torch lacks"
            )
        data = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")  # keeps 0-d
        key = str(len(self.storages))
        self.storages.append((key, data.reshape(-1).view(np.uint8).tobytes()))
        if parameter:
            self.glob("torch._utils", "_rebuild_parameter")
        self.glob("torch._utils", "_rebuild_tensor_v2" if storage_class else "_rebuild_tensor_v3")
        self.out += b"("
        # The storage's persistent id; numel counts elements (bytes for an UntypedStorage).
        self.out += b"("
        self.str_("storage")
        if storage_class:
            self.glob("torch", storage_class)
        else:
            self.glob("torch.storage", "UntypedStorage")
        self.str_(key)
        self.str_("cpu")
        self.int_(data.size if storage_class else data.nbytes)
        self.out += b"tQ"  # TUPLE, BINPERSID
        self.int_(0)
        self.tuple_(tuple(int(n) for n in data.shape), path)
        self.tuple_(_contiguous_strides(data.shape), path)
        self.save(requires_grad and not parameter)
        self.empty_ordered_dict()  # backward hooks
        if not storage_class:
            self.glob("torch", name)
        self.out += b"tR"  # TUPLE, REDUCE
        if parameter:
            self.save(requires_grad)
            self.empty_ordered_dict()
            self.out += b"\x87R"  # _rebuild_parameter(tensor, requires_grad, OrderedDict())
        self.put(obj)


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """torch's strides of a contiguous tensor, in elements (a size-0 dim counts as 1)."""
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))


def _padding_extra(offset: int, name: str, file_size: int) -> bytes:
    """An "FB" extra field that puts the record's data at a multiple of ``_ALIGNMENT``."""
    # The local header is 30 bytes + name + extra (+ 20 bytes of zip64 sizes for large records,
    # which zipfile adds when size * 1.05 exceeds its limit); the FB field's own header is 4.
    zip64 = 20 if file_size * 1.05 > zipfile.ZIP64_LIMIT else 0
    start = offset + 30 + len(name.encode()) + zip64 + 4
    pad = -start % _ALIGNMENT
    return b"FB" + struct.pack("<H", pad) + b"\0" * pad


def write_torch_zip(obj: Any, f: IO[bytes], archive: str = "archive", protocol: int = 2) -> None:
    """Write ``obj`` to the seekable binary file ``f`` as ``torch.save(obj, f)`` would."""
    pickler = _Pickler(protocol)
    pickler.save(obj)
    pickler.out += b"."  # STOP
    pickled = bytes(pickler.out)
    records = [
        ("data.pkl", pickled),
        (".format_version", b"1"),
        (".storage_alignment", str(_ALIGNMENT).encode()),
        ("byteorder", b"little"),
        *((f"data/{key}", data) for key, data in pickler.storages),
        ("version", b"3\n"),
        # torch records a random id; a digest of the pickle keeps identical saves identical.
        (".data/serialization_id", str(int(hashlib.sha1(pickled).hexdigest(), 16))[:40].encode()),
    ]
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in records:
            info = zipfile.ZipInfo(f"{archive}/{name}")
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _padding_extra(f.tell(), info.filename, len(data))
            zf.writestr(info, data)


def archive_name(path: str | os.PathLike) -> str:
    """The record prefix torch uses for a file: its name without the extension."""
    stem = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    return stem if stem and "/" not in stem else "archive"
