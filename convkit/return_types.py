"""torch.return_types: the named tuples that max(dim), sort, topk, ... return.

Each is a tuple (unpacks as ``values, indices = x.max(1)``) with named fields, whose repr is
torch's, one field a line: ``convkit.return_types.max(\\nvalues=tensor(...),\\nindices=...)``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any


def _return_type(name: str, fields: tuple[str, ...]) -> type:
    base = namedtuple(name, fields)  # type: ignore[misc]

    def __repr__(self: Any) -> str:
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"convkit.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})
    cls.__module__ = "convkit.return_types"
    cls.n_fields = len(fields)  # type: ignore[attr-defined]
    return cls


_VALUES_INDICES = ("values", "indices")
max = _return_type("max", _VALUES_INDICES)  # noqa: A001 - torch.return_types.max
min = _return_type("min", _VALUES_INDICES)  # noqa: A001 - torch.return_types.min
sort = _return_type("sort", _VALUES_INDICES)
topk = _return_type("topk", _VALUES_INDICES)
kthvalue = _return_type("kthvalue", _VALUES_INDICES)
median = _return_type("median", _VALUES_INDICES)
nanmedian = _return_type("nanmedian", _VALUES_INDICES)
mode = _return_type("mode", _VALUES_INDICES)
cummax = _return_type("cummax", _VALUES_INDICES)
cummin = _return_type("cummin", _VALUES_INDICES)
aminmax = _return_type("aminmax", ("min", "max"))
histogram = _return_type("histogram", ("hist", "bin_edges"))
frexp = _return_type("frexp", ("mantissa", "exponent"))

__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "frexp",
    "histogram",
    "kthvalue",
    "max",
    "median",
    "min",
    "mode",
    "nanmedian",
    "sort",
    "topk",
]
