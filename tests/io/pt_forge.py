"""Building ``.pt`` files by hand for the reader's tests: real torch symbols, arbitrary arguments.

``pickle`` writes a global by its module and name, so reducing to
``torch._utils._rebuild_tensor_v2`` with made-up arguments gives the exact bytes a hostile or
broken file would hold. Nothing here is ever unpickled by these helpers.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict

import torch


class Storage:
    """A persistent-id placeholder: ('storage', cls, key, 'cpu', numel) in the pickle."""

    def __init__(self, key="0", numel=4, cls=None, location="cpu"):
        self.pid = ("storage", cls if cls is not None else torch.FloatStorage, key, location, numel)


class Rebuild:
    """Pickles as a call ``fn(*args)``; args may hold Storage placeholders and other Rebuilds."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def tensor(storage, offset=0, size=(4,), stride=(1,), requires_grad=False, hooks=None, *extra):
    return Rebuild(
        torch._utils._rebuild_tensor_v2,
        storage,
        offset,
        size,
        stride,
        requires_grad,
        OrderedDict() if hooks is None else hooks,
        *extra,
    )


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Storage) else None


def dumps(obj, protocol: int = 2) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def write_pt(
    path,
    pkl: bytes | None,
    storages: dict | None = None,
    byteorder: bytes | None = b"little",
    name: str = "archive",
    extra: dict | None = None,
    compression=zipfile.ZIP_STORED,
) -> None:
    """A zip laid out as torch.save lays it out (``<name>/data.pkl``, ``<name>/data/<key>``...)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        if pkl is not None:
            zf.writestr(f"{name}/data.pkl", pkl)
        zf.writestr(f"{name}/.format_version", b"1")
        if byteorder is not None:
            zf.writestr(f"{name}/byteorder", byteorder)
        for key, raw in (storages or {}).items():
            zf.writestr(f"{name}/data/{key}", raw)
        for rec, raw in (extra or {}).items():
            zf.writestr(f"{name}/{rec}", raw)
        zf.writestr(f"{name}/version", b"3\n")


def replace_pickle(src, dst, pkl: bytes) -> None:
    """Copy a real torch file, swapping its data.pkl for ``pkl``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = pkl if info.filename.endswith("/data.pkl") else zin.read(info)
            zout.writestr(info.filename, data)
