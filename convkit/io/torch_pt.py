"""Reading PyTorch ``.pt`` files without torch and without running any code from the file.

``torch.save(obj, path)`` writes a zip archive::

    <name>/data.pkl            a pickle of ``obj`` in which every tensor is a call to
                               torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)
    <name>/data/<key>          the raw bytes of each storage, in the byte order below
    <name>/byteorder           "little" (missing in old files, which were little-endian)
    <name>/version, .format_version, .storage_alignment, .data/serialization_id

A pickle is a program: unpickling calls whatever callables it names, so a general Unpickler runs
arbitrary code from the file. ``load_torch`` uses an allow-listed Unpickler instead. Its
``find_class`` maps the handful of globals a saved state dict names (``collections.OrderedDict``,
the tensor and parameter rebuild functions, the storage classes, dtypes, ``torch.Size``,
``torch.device``) to stand-ins defined here, which check their arguments and only build data; every
other global is refused with a ``TorchFileError`` naming it. The stream is also scanned opcode by
opcode before it is unpickled, so malformed lengths and memo indices fail before any allocation.

Tensors come back as NumPy arrays (not convkit Tensors): a state dict is data, not part of a
computation, ``Module.load_state_dict`` accepts arrays, and ``convkit.from_numpy`` wraps one without
a copy. Views are copied out of their storage, so tensors that shared a storage in torch no longer
share memory. bfloat16 has no NumPy dtype and is widened (exactly) to float32 with a warning.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import pickletools
import warnings
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from ..errors import FileFormatError

__all__ = ["TorchFileError", "load_torch"]

# Default memory bound: every storage read and every array produced counts against it, and each
# size is checked before the allocation it would cause.
_MIN_BUDGET = 1 << 30
_BUDGET_PER_FILE_BYTE = 4
_MAX_DEPTH = 200
_MAX_DIMS = 64

_STATE_DICT_HINT = (
    "in PyTorch, save the weights with torch.save(model.state_dict(), path) and "
    "read that file instead"
)


class TorchFileError(FileFormatError):
    """A ``.pt`` file that ``load_torch`` will not read (malformed, unsupported or unsafe)."""


class _Frozen:
    """Base of every stand-in: no ``__dict__``, and pickle's BUILD opcode cannot set state on it
    (without this, BUILD on a shared stand-in would change it for every later file)."""

    __slots__ = ()

    def __setstate__(self, state):
        raise TorchFileError(f"data.pkl tries to set attributes on {self!r} (BUILD opcode)")


class _Dtype(_Frozen):
    """A torch dtype named in the pickle (``torch.float32``): its NumPy storage dtype."""

    __slots__ = ("name", "np_dtype")

    def __init__(self, name: str, np_dtype: str):
        self.name = name  # torch's name, e.g. "bfloat16"
        self.np_dtype = np_dtype  # how the raw bytes are read; bfloat16 is read as uint16

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_DTYPES = {
    name: _Dtype(name, npd)
    for name, npd in [
        ("float32", "f4"),
        ("float64", "f8"),
        ("float16", "f2"),
        ("bfloat16", "u2"),
        ("int64", "i8"),
        ("int32", "i4"),
        ("int16", "i2"),
        ("int8", "i1"),
        ("uint8", "u1"),
        ("uint16", "u2"),
        ("uint32", "u4"),
        ("uint64", "u8"),
        ("bool", "u1"),
        ("complex64", "c8"),
        ("complex128", "c16"),
    ]
}
# torch's aliases (torch.float is torch.float32, ...) pickle under their canonical names, but a
# hand-written file may use them.
for _alias, _name in [
    ("float", "float32"),
    ("double", "float64"),
    ("half", "float16"),
    ("long", "int64"),
    ("int", "int32"),
    ("short", "int16"),
    ("cfloat", "complex64"),
    ("cdouble", "complex128"),
]:
    _DTYPES[_alias] = _DTYPES[_name]


class _StorageType(_Frozen):
    """A storage class named in the pickle (``torch.FloatStorage``); ``dtype`` None if untyped."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: _Dtype | None):
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_STORAGE_TYPES = {
    name: _StorageType(name, _DTYPES[dt])
    for name, dt in [
        ("FloatStorage", "float32"),
        ("DoubleStorage", "float64"),
        ("HalfStorage", "float16"),
        ("BFloat16Storage", "bfloat16"),
        ("LongStorage", "int64"),
        ("IntStorage", "int32"),
        ("ShortStorage", "int16"),
        ("CharStorage", "int8"),
        ("ByteStorage", "uint8"),
        ("BoolStorage", "bool"),
        ("ComplexFloatStorage", "complex64"),
        ("ComplexDoubleStorage", "complex128"),
    ]
}
_UNTYPED = _StorageType("UntypedStorage", None)  # numel counts bytes


class _Storage(_Frozen):
    """One ``<name>/data/<key>`` record: raw bytes and the dtype the pickle declared for them."""

    __slots__ = ("key", "raw", "dtype", "location")

    def __repr__(self) -> str:
        return f"storage '{self.key}'"

    def __init__(self, key: str, raw: bytes, dtype: _Dtype | None, location: str = "cpu"):
        self.key = key
        self.raw = raw
        self.dtype = dtype
        self.location = location


class _TensorRef(_Frozen):
    """A rebuilt tensor inside the unpickled tree. Wrapping the array keeps pickle's BUILD opcode
    away from ``ndarray.__setstate__``; ``_to_python`` unwraps it. ``location`` is the device the
    storage was saved from ("cpu", "cuda:0", ...); ``parameter`` marks an ``nn.Parameter``."""

    __slots__ = ("array", "requires_grad", "parameter", "location")

    def __init__(
        self, array: np.ndarray, requires_grad: bool = False, location: str = "cpu"
    ) -> None:
        self.array = array
        self.requires_grad = requires_grad
        self.parameter = False
        self.location = location

    def __repr__(self) -> str:
        return "a tensor"


class _Callable(_Frozen):
    """An allow-listed function as the pickle sees it (a bare function or bound method would let
    BUILD write into its ``__dict__``)."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn):
        self.name = name
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.name


class _PickledOrderedDict(OrderedDict):
    """collections.OrderedDict as unpickled: BUILD may set only torch's ``_metadata``."""

    def __setstate__(self, state):
        if not isinstance(state, dict) or not set(state) <= {"_metadata"}:
            raise TorchFileError(
                f"data.pkl sets attributes {_short(state)} on an OrderedDict; "
                "only torch's '_metadata' is allowed"
            )
        self.__dict__.update(state)


def _short(obj, limit: int = 80) -> str:
    """A bounded description of a value from the file, for error messages."""
    if isinstance(obj, int) and obj.bit_length() > 64:
        return f"an int of {obj.bit_length()} bits"  # repr() refuses ints over 4300 digits
    text = f"a {type(obj).__name__}"
    if obj is None or isinstance(obj, (str, bytes, int, float, tuple, list, dict, _Frozen)):
        try:
            text = repr(obj)
        except (ValueError, RecursionError):  # a huge int or a deep structure inside
            pass
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_dims(what: str, dims) -> tuple:
    if (
        not isinstance(dims, tuple)
        or len(dims) > _MAX_DIMS
        or not all(type(d) is int and 0 <= d < 1 << 63 for d in dims)
    ):
        raise TorchFileError(
            f"tensor {what} must be a tuple of at most {_MAX_DIMS} ints in "
            f"[0, 2**63), got {_short(dims)}"
        )
    return dims


class _Reader:
    """State for one file: the zip, the record prefix, the byte order, the memory budget."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str, byteorder: str, budget: int, path: str):
        self.zf = zf
        self.prefix = prefix
        self.byteorder = byteorder
        self.budget = budget
        self.path = path
        self.raw: dict[str, bytes] = {}
        self.widened_bf16 = 0

    def charge(self, nbytes: int, what: str) -> None:
        if nbytes > self.budget:
            raise TorchFileError(
                f"{what} needs {nbytes} bytes, more than the {self.budget} bytes "
                "left of the memory bound (pass a larger max_bytes= to "
                "load_torch if the file is trusted to be this large)"
            )
        self.budget -= nbytes

    def record(self, name: str, size: int | None = None) -> bytes:
        """Read ``<prefix>/<name>``; when ``size`` is given it must be the record's exact size."""
        full = f"{self.prefix}/{name}"
        try:
            info = self.zf.getinfo(full)
        except KeyError:
            raise TorchFileError(
                f"record '{full}' named in data.pkl is not in the archive"
            ) from None
        if size is not None and info.file_size != size:
            raise TorchFileError(
                f"record '{full}' holds {info.file_size} bytes but data.pkl "
                f"declares {size} bytes for it"
            )
        self.charge(info.file_size, f"record '{full}'")
        try:
            with self.zf.open(info) as f:
                data = f.read(info.file_size)
                extra = f.read(1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise TorchFileError(f"record '{full}' cannot be read: {e}") from None
        if len(data) != info.file_size or extra:
            raise TorchFileError(
                f"record '{full}' is truncated or longer than its declared {info.file_size} bytes"
            )
        return data

    # ----- stand-ins the pickle may call ------------------------------------------------------
    def persistent_load(self, pid) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise TorchFileError(
                f"unsupported persistent id {_short(pid)} in data.pkl (expected "
                "('storage', StorageType, key, location, numel))"
            )
        _, stype, key, location, numel = pid
        if not isinstance(stype, _StorageType):
            raise TorchFileError(
                f"persistent id names {_short(stype)} where a storage class "
                "such as torch.FloatStorage belongs"
            )
        if not isinstance(key, str) or not key or "/" in key or not isinstance(location, str):
            raise TorchFileError(f"bad storage key {_short(key)} or location {_short(location)}")
        if type(numel) is not int or not 0 <= numel < 1 << 63:
            raise TorchFileError(
                f"storage '{key}' has size {_short(numel)}; expected an int in [0, 2**63)"
            )
        itemsize = np.dtype(stype.dtype.np_dtype).itemsize if stype.dtype else 1
        if key not in self.raw:
            self.raw[key] = self.record(f"data/{key}", numel * itemsize)
        elif len(self.raw[key]) != numel * itemsize:
            raise TorchFileError(f"storage '{key}' is declared with two different sizes")
        return _Storage(key, self.raw[key], stype.dtype, location)

    def rebuild_tensor_v2(self, *args) -> _TensorRef:
        if len(args) not in (6, 7):
            raise TorchFileError(f"_rebuild_tensor_v2 takes 6 or 7 arguments, got {len(args)}")
        storage = args[0]
        if not isinstance(storage, _Storage) or storage.dtype is None:
            raise TorchFileError(
                "_rebuild_tensor_v2's first argument must be a typed storage, "
                f"got {_short(storage)}"
            )
        offset, size, stride, requires_grad, hooks = args[1:6]
        metadata = args[6] if len(args) == 7 else None
        return self._tensor(
            storage, storage.dtype, offset, size, stride, requires_grad, hooks, metadata
        )

    def rebuild_tensor_v3(self, *args) -> _TensorRef:
        if len(args) not in (7, 8):
            raise TorchFileError(f"_rebuild_tensor_v3 takes 7 or 8 arguments, got {len(args)}")
        storage, dtype = args[0], args[6]
        if not isinstance(storage, _Storage):
            raise TorchFileError(
                f"_rebuild_tensor_v3's first argument must be a storage, got {_short(storage)}"
            )
        if not isinstance(dtype, _Dtype):
            raise TorchFileError(
                f"_rebuild_tensor_v3's dtype must be a torch dtype, got {_short(dtype)}"
            )
        offset, size, stride, requires_grad, hooks = args[1:6]
        metadata = args[7] if len(args) == 8 else None
        return self._tensor(storage, dtype, offset, size, stride, requires_grad, hooks, metadata)

    def _tensor(
        self, storage: _Storage, dtype: _Dtype, offset, size, stride, requires_grad, hooks, metadata
    ) -> _TensorRef:
        if type(offset) is not int or not 0 <= offset < 1 << 63:
            raise TorchFileError(
                f"tensor storage_offset must be an int in [0, 2**63), got {_short(offset)}"
            )
        size, stride = _check_dims("size", size), _check_dims("stride", stride)
        if len(size) != len(stride):
            raise TorchFileError(f"tensor size {size} and stride {stride} differ in length")
        if not isinstance(requires_grad, bool):
            raise TorchFileError(f"requires_grad must be a bool, got {_short(requires_grad)}")
        if not isinstance(hooks, dict) or hooks:
            raise TorchFileError(
                f"backward hooks must be an empty OrderedDict, got {_short(hooks)}"
            )
        if metadata is not None and (
            not isinstance(metadata, dict)
            or not all(k in ("conj", "neg") and isinstance(v, bool) for k, v in metadata.items())
        ):
            raise TorchFileError(
                f"unsupported tensor metadata {_short(metadata)} (only the "
                "'conj' and 'neg' flags are understood)"
            )
        np_dtype = np.dtype(dtype.np_dtype).newbyteorder("<" if self.byteorder == "little" else ">")
        itemsize = np_dtype.itemsize
        if len(storage.raw) % itemsize:
            raise TorchFileError(
                f"storage '{storage.key}' holds {len(storage.raw)} bytes, not a "
                f"multiple of the {itemsize}-byte torch.{dtype.name}"
            )
        numel_storage = len(storage.raw) // itemsize
        numel = math.prod(size)
        # The last element the view reads is offset + sum((n - 1) * s); it must lie in the storage.
        extent = (
            offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) + 1
            if numel
            else offset
        )
        if extent > numel_storage:
            raise TorchFileError(
                f"tensor of size {size}, stride {stride} at offset {offset} reaches element "
                f"{extent - 1} of storage '{storage.key}', which holds only {numel_storage} "
                f"torch.{dtype.name} elements"
            )
        out_dtype = {"bfloat16": np.dtype(np.float32), "bool": np.dtype(np.bool_)}.get(
            dtype.name, np_dtype.newbyteorder("=")
        )
        self.charge(numel * out_dtype.itemsize, f"tensor of size {size} ({dtype.name})")
        if numel == 0:
            try:
                return _TensorRef(np.zeros(size, dtype=out_dtype), requires_grad, storage.location)
            except ValueError:  # NumPy bounds the product of the other dimensions too
                raise TorchFileError(
                    f"empty tensor of size {size} is too large for NumPy"
                ) from None
        flat = np.frombuffer(storage.raw, dtype=np_dtype, count=numel_storage)
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=size, strides=tuple(s * itemsize for s in stride), writeable=False
        )
        array = np.array(view, dtype=np_dtype.newbyteorder("="), order="C", copy=True)
        if dtype.name == "bfloat16":
            # bfloat16 is the high half of a float32: shifting its bits up widens it exactly.
            array = (array.astype(np.uint32) << 16).view(np.float32)
            self.widened_bf16 += 1
        elif dtype.name == "bool":
            array = array != 0  # stored as one byte each; any non-zero byte reads as True
        if metadata and metadata.get("conj"):
            if array.dtype.kind != "c":
                raise TorchFileError(f"the conj flag is set on a torch.{dtype.name} tensor")
            array = np.conj(array)
        if metadata and metadata.get("neg"):
            array = -array
        return _TensorRef(array, requires_grad, storage.location)


def _rebuild_parameter(data, requires_grad, hooks):
    if not isinstance(data, _TensorRef):
        raise TorchFileError(f"_rebuild_parameter expects a tensor, got {_short(data)}")
    if not isinstance(requires_grad, bool) or not isinstance(hooks, dict) or hooks:
        raise TorchFileError("_rebuild_parameter expects (tensor, bool, empty OrderedDict)")
    param = _TensorRef(data.array, requires_grad, data.location)
    param.parameter = True
    return param


def _codecs_encode(text, encoding):
    # Protocol 2 stores bytes as _codecs.encode(text, 'latin1'): one character per byte.
    if not isinstance(text, str) or encoding != "latin1":
        raise TorchFileError(
            f"_codecs.encode is read only as (str, 'latin1'), got {_short(text)}, "
            f"{_short(encoding)}"
        )
    try:
        return text.encode("latin1")
    except UnicodeEncodeError:
        raise TorchFileError(
            "_codecs.encode: a character beyond latin-1 in a bytes value"
        ) from None


def _builtin_set(items=()):
    if not isinstance(items, (list, tuple)):
        raise TorchFileError(f"set() is read only from a list, got {_short(items)}")
    return set(_key(v) for v in items)


def _torch_size(dims=()) -> tuple:
    return _check_dims("torch.Size", tuple(dims) if isinstance(dims, (list, tuple)) else dims)


def _torch_device(kind, index=None) -> str:
    if not isinstance(kind, str) or not (index is None or type(index) is int):
        raise TorchFileError(f"torch.device({_short(kind)}, {_short(index)}) is malformed")
    return kind if index is None else f"{kind}:{index}"


class _SafeUnpickler(pickle.Unpickler):
    """Resolves only the allow-listed globals, to the stand-ins above; refuses every other one."""

    def __init__(self, file, reader: _Reader):
        super().__init__(file)
        self._reader = reader
        self._globals = {
            ("collections", "OrderedDict"): _PickledOrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): _Callable(
                "torch._utils._rebuild_tensor_v2", reader.rebuild_tensor_v2
            ),
            ("torch._utils", "_rebuild_tensor_v3"): _Callable(
                "torch._utils._rebuild_tensor_v3", reader.rebuild_tensor_v3
            ),
            ("torch._utils", "_rebuild_parameter"): _Callable(
                "torch._utils._rebuild_parameter", _rebuild_parameter
            ),
            ("torch", "Size"): _Callable("torch.Size", _torch_size),
            ("torch", "device"): _Callable("torch.device", _torch_device),
            ("_codecs", "encode"): _Callable("_codecs.encode", _codecs_encode),
            ("builtins", "set"): _Callable("builtins.set", _builtin_set),
            ("__builtin__", "set"): _Callable("builtins.set", _builtin_set),
            ("torch.storage", "UntypedStorage"): _UNTYPED,
            ("torch", "UntypedStorage"): _UNTYPED,
        }
        self._globals.update({("torch", n): s for n, s in _STORAGE_TYPES.items()})
        self._globals.update({("torch", n): d for n, d in _DTYPES.items()})

    def find_class(self, module: str, name: str):
        try:
            return self._globals[(module, name)]
        except (KeyError, TypeError):
            pass
        where = (
            f"{module}.{name}"
            if isinstance(module, str) and isinstance(name, str)
            else (repr((module, name)))
        )
        if isinstance(module, str) and (module == "__main__" or module.startswith("torch.nn.")):
            raise TorchFileError(
                f"the file holds a pickled model object ({where}), which can only be rebuilt by "
                f"running code named in the file; {_STATE_DICT_HINT}"
            )
        raise TorchFileError(
            f"refusing global '{where}' named in data.pkl: loading it would run code from the "
            "file. Only tensors, OrderedDicts and plain Python values are read; "
            f"{_STATE_DICT_HINT}"
        )

    def persistent_load(self, pid):
        return self._reader.persistent_load(pid)


# Opcodes a state dict never needs: extension registry lookups and out-of-band buffers.
_REFUSED_OPCODES = {"EXT1", "EXT2", "EXT4", "NEXT_BUFFER", "READONLY_BUFFER"}
_MEMO_OPCODES = {"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"}


def _prescan(data: bytes) -> None:
    """Walk the opcodes without executing any: reject malformed lengths and memo indices.

    The C unpickler allocates a BINBYTES8's declared length, and grows its memo to a PUT's index,
    before it looks at the data; checking here keeps a few hostile bytes from costing gigabytes.
    """
    try:
        ops = list(pickletools.genops(io.BytesIO(data)))
    except Exception as e:  # genops raises ValueError for every malformed opcode or argument
        raise TorchFileError(f"data.pkl is not a valid pickle: {e}") from None
    n_ops = len(ops)
    if not ops or ops[-1][0].name != "STOP":
        raise TorchFileError("data.pkl is not a valid pickle: it does not end with STOP")
    for op, arg, pos in ops:
        if op.name in _REFUSED_OPCODES:
            raise TorchFileError(
                f"data.pkl uses the {op.name} opcode at byte {pos}, which a "
                "saved state dict never contains"
            )
        if op.name in _MEMO_OPCODES and (type(arg) is not int or not 0 <= arg < n_ops):
            raise TorchFileError(
                f"data.pkl uses memo index {_short(arg)} at byte {pos}, beyond its {n_ops} opcodes"
            )


def _plain_tensor(ref: _TensorRef) -> np.ndarray:
    return ref.array


def _plain_dtype(dtype: _Dtype) -> str:
    return repr(dtype)


def _to_python(obj, memo: dict, path: set, depth: int, tensor=_plain_tensor, dtype=_plain_dtype):
    """Replace the stand-ins by plain values; refuse anything that is not data.

    ``tensor`` turns a rebuilt tensor into its value (a NumPy array by default) and ``dtype`` a
    torch dtype (its name by default); an object met twice gives the same value twice.
    """
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return obj
    if isinstance(obj, _Dtype):
        return dtype(obj)
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, _TensorRef):
        memo[key] = tensor(obj)
        return memo[key]
    if key in path:
        raise TorchFileError("data.pkl contains a container that contains itself")
    if depth > _MAX_DEPTH:
        raise TorchFileError(f"data.pkl nests containers more than {_MAX_DEPTH} deep")
    path.add(key)

    def conv(x):
        return _to_python(x, memo, path, depth + 1, tensor, dtype)

    out: Any
    if isinstance(obj, _PickledOrderedDict):
        out = OrderedDict((_key(k), conv(v)) for k, v in obj.items())
        if "_metadata" in obj.__dict__:
            out._metadata = conv(obj.__dict__["_metadata"])
    elif type(obj) is dict:
        out = {_key(k): conv(v) for k, v in obj.items()}
    elif type(obj) is list:
        out = [conv(v) for v in obj]
    elif type(obj) is tuple:
        out = tuple(conv(v) for v in obj)
    elif type(obj) in (set, frozenset):
        out = type(obj)(_key(v) for v in obj)
    elif type(obj) is bytearray:
        out = bytes(obj)
    else:
        what = repr(obj) if isinstance(obj, _StorageType) else type(obj).__name__
        raise TorchFileError(
            f"data.pkl holds a {what} object outside a tensor; only tensors, "
            "dicts, lists, tuples, numbers, strings and None are read"
        )
    path.discard(key)
    memo[key] = out
    return out


def _key(k):
    if k is None or isinstance(k, (bool, int, float, str, bytes)):
        return k
    if type(k) is tuple and all(x is None or isinstance(x, (bool, int, float, str)) for x in k):
        return k
    raise TorchFileError(
        f"data.pkl uses a {type(k).__name__} as a dict key or set member; "
        "only numbers, strings and tuples of them are read"
    )


def _find_prefix(zf: zipfile.ZipFile, path: str) -> str:
    names = zf.namelist()
    pkls = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
    if not pkls:
        raise TorchFileError(
            f"'{path}' is a zip archive without a '<name>/data.pkl' record, so "
            "it is not a file written by torch.save"
        )
    if len(pkls) > 1:
        raise TorchFileError(f"'{path}' has several data.pkl records ({', '.join(pkls)})")
    prefix = pkls[0][: -len("/data.pkl")]
    if f"{prefix}/constants.pkl" in names or any(n.startswith(f"{prefix}/code/") for n in names):
        raise TorchFileError(
            f"'{path}' is a TorchScript archive (torch.jit.save), which holds "
            f"code; {_STATE_DICT_HINT}"
        )
    return prefix


def old_torch_format(path: str, head: bytes) -> str | None:
    """What is wrong with a file in one of torch's pre-zip formats (from its first 512 bytes);
    None for any other file."""
    # Before torch 1.6 (and with _use_new_zipfile_serialization=False) torch.save wrote several
    # pickles back to back, starting with this magic number (0x1950a86a20f9469cfc6c as a LONG1).
    if head.startswith(b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"):
        return (
            f"'{path}' uses torch's legacy (pre-1.6) serialization, which convkit does not "
            "read; re-save it with a current torch: torch.save(torch.load(path), new_path)"
        )
    if len(head) > 262 and head[257:262] == b"ustar":
        return f"'{path}' uses torch's tar-based serialization (torch < 0.4), which is not read"
    return None


def _legacy_message(path: str, head: bytes) -> str:
    old = old_torch_format(path, head)
    if old is not None:
        return old
    if head.startswith(b"PK\x03\x04"):
        return f"'{path}' is a damaged zip archive (truncated or corrupt): its directory is missing"
    return f"'{path}' is not a zip archive, so it is not a file written by torch.save"


def load_torch(path: str | os.PathLike, *, max_bytes: int | None = None) -> Any:
    """Read a file written by ``torch.save`` (for example a ``state_dict()``) without torch.

    Returns the saved object with every tensor replaced by a NumPy array of the same shape and
    dtype (an ``OrderedDict`` of arrays for a state dict, with torch's ``_metadata`` attribute;
    nested dicts, lists, tuples, numbers, strings, bytes and None as they were; dtypes as strings
    such as ``"torch.float32"``). bfloat16 tensors are widened to float32, with a warning.
    Tensors saved from a GPU are read onto the CPU (``convkit.load`` follows torch instead).

    No code from the file is run: only the globals a saved state dict needs are resolved, each to
    a checking stand-in, and anything else (a pickled ``nn.Module``, ``os.system``, ...) raises
    ``TorchFileError`` naming it. So does a malformed, truncated or inconsistent file.
    ``max_bytes`` bounds the memory spent (storages read plus arrays made; default the larger of
    1 GiB and 4 times the file size); sizes are checked before anything is allocated.
    """
    return read_torch_archive(path, max_bytes=max_bytes)


def read_torch_archive(
    source: str | os.PathLike | bytes,
    name: str | None = None,
    *,
    max_bytes: int | None = None,
    tensor=_plain_tensor,
    dtype=_plain_dtype,
) -> Any:
    """``load_torch`` for a path or the file's bytes (``name`` labels them in messages), with
    ``tensor``/``dtype`` choosing what rebuilt tensors and dtypes become (see ``_to_python``)."""
    if isinstance(source, bytes):
        path, file_size, head = name or "<bytes>", len(source), source[:512]
        archive: Any = io.BytesIO(source)
    else:
        path = archive = os.fspath(source)
        if os.path.isdir(path):
            raise IsADirectoryError(f"'{path}' is a directory, not a file written by torch.save")
        try:
            file_size = os.path.getsize(path)
            with open(path, "rb") as f:
                head = f.read(512)
        except FileNotFoundError:
            raise FileNotFoundError(f"no such file: '{path}'") from None
    if max_bytes is None:
        max_bytes = max(_MIN_BUDGET, _BUDGET_PER_FILE_BYTE * file_size)
    if not zipfile.is_zipfile(archive):
        raise TorchFileError(_legacy_message(path, head))
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise TorchFileError(f"'{path}' is a corrupt zip archive: {e}") from None
    with zf:
        prefix = _find_prefix(zf, path)
        names = set(zf.namelist())
        reader = _Reader(zf, prefix, "little", max_bytes, path)
        if f"{prefix}/byteorder" in names:  # files from before torch 1.10 have none: little
            text = reader.record("byteorder")
            if text not in (b"little", b"big"):
                raise TorchFileError(
                    f"'{path}' has byteorder record {text[:20]!r}; expected 'little' or 'big'"
                )
            reader.byteorder = text.decode()
        data = reader.record("data.pkl")
        _prescan(data)
        try:
            obj = _SafeUnpickler(io.BytesIO(data), reader).load()
        except TorchFileError as e:
            raise TorchFileError(f"cannot read '{path}': {e}") from None
        except RecursionError:
            raise TorchFileError(f"cannot read '{path}': data.pkl nests too deeply") from None
        except Exception as e:  # malformed pickle: wrong argument types, stack underflow, ...
            raise TorchFileError(
                f"cannot read '{path}': data.pkl is malformed or builds "
                f"something other than data ({type(e).__name__}: {e})"
            ) from None
        try:
            result = _to_python(obj, {}, set(), 0, tensor, dtype)
        except TorchFileError as e:
            raise TorchFileError(f"cannot read '{path}': {e}") from None
    if reader.widened_bf16:
        warnings.warn(
            f"reading '{path}': {reader.widened_bf16} bfloat16 tensor(s) widened "
            "to float32 (NumPy has no bfloat16; the values are exact)",
            stacklevel=3,  # the caller of load_torch / convkit.load
        )
    return result
