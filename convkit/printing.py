"""A tensor's text as torch prints it, and ``set_printoptions``.

The rules (torch's ``_tensor_str``, reproduced from its behaviour):

- Floating tensors: the statistics are taken over the nonzero finite values (of the summarised
  data when the tensor is summarised). If all of them are whole numbers ("int mode") they
  print as ``1.``; otherwise with ``precision`` decimals. Scientific notation is used when the
  largest / smallest absolute value exceeds 1000, the largest exceeds 1e8, or (not in int mode)
  the smallest is below 1e-4; ``sci_mode`` forces it on or off. Every element is right-aligned
  to the widest one.
- A tensor of more than ``threshold`` elements is summarised: only ``edgeitems`` entries at
  each end of every dimension are shown, with ``...`` between.
- A row holds as many elements as fit in ``linewidth`` after the indentation; rows of a matrix
  are separated by ``,\\n``, and blocks of higher dimensions by one more newline per dimension.
- Suffixes (``dtype=``, ``size=``, ``grad_fn=``, ``requires_grad=True``) follow the values and
  start a new line when they would not fit in ``linewidth``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

__all__ = ["PrintOptions", "format_tensor", "get_printoptions", "set_printoptions"]


@dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()

_PROFILES = {
    "default": PrintOptions(4, 1000, 3, 80),
    "short": PrintOptions(2, 1000, 2, 80),
    "full": PrintOptions(4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors print (torch.set_printoptions): ``profile`` ('default', 'short',
    'full') resets the first four; each given option then overrides. ``sci_mode`` None lets
    the values choose."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        base = _PROFILES[profile]
        PRINT_OPTS.precision, PRINT_OPTS.threshold = base.precision, base.threshold
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = base.edgeitems, base.linewidth
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options as a dict (torch._tensor_str.get_printoptions)."""
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


class _Formatter:
    """How every element of one tensor prints (one width, one mode, for all of them)."""

    def __init__(self, data: Array) -> None:
        self.floating = data.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        if not self.floating:
            for value in data.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
        else:
            flat = data.reshape(-1).astype(np.float64)
            vals = flat[np.isfinite(flat) & (flat != 0)]
            if vals.size:
                absv = np.abs(vals)
                lo, hi = float(absv.min()), float(absv.max())
                self.int_mode = bool(np.all(vals == np.ceil(vals)))
                # a forced sci_mode also decides the format the width is measured in
                auto = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
                self.sci_mode = auto if PRINT_OPTS.sci_mode is None else PRINT_OPTS.sci_mode
                if self.sci_mode:
                    fmt, extra = f"{{:.{p}e}}", 0
                elif self.int_mode:
                    fmt, extra = "{:.0f}", 1
                else:
                    fmt, extra = f"{{:.{p}f}}", 0
                for value in vals.tolist():
                    self.max_width = max(self.max_width, len(fmt.format(value)) + extra)

    def width(self) -> int:
        return self.max_width

    def format(self, value: Any) -> str:
        p = PRINT_OPTS.precision
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(data: Array) -> Array:
    """The entries that a summarised print shows: ``edgeitems`` at each end of every dim."""
    edge = PRINT_OPTS.edgeitems
    if data.ndim == 0:
        return data
    if edge == 0:
        return data[(slice(0, 0),) * data.ndim]
    if data.shape[0] > 2 * edge:
        keep = list(range(edge)) + list(range(data.shape[0] - edge, data.shape[0]))
    else:
        keep = list(range(data.shape[0]))
    if data.ndim == 1:
        return data[keep]
    return np.stack([_summarized(data[i]) for i in keep])


def _vector(data: Array, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.width() + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    values = data.tolist()
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = [fmt.format(v) for v in values[:edge]] + [" ..."]
        items += [fmt.format(v) for v in values[-edge:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _body(data: Array, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    n = data.shape[0]
    if summarize and n > 2 * edge:
        slices = [_body(data[i], indent + 1, summarize, fmt) for i in range(edge)]
        slices += ["..."]
        slices += [_body(data[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        slices = [_body(data[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def format_values(data: Array, indent: int) -> str:
    """The bracketed values of a non-empty array, as torch prints them at ``indent``."""
    summarize = data.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(data) if summarize else data)
    return _body(data, indent, summarize, fmt)


def format_tensor(
    data: Array,
    default_dtype: bool,
    dtype_name: str,
    autograd_suffix: str | None,
    prefix: str = "tensor(",
) -> str:
    """``tensor(...)`` for ``data``: ``default_dtype`` says whether the dtype goes unnamed
    (the default floating dtype, int64 and bool); ``autograd_suffix`` is ``grad_fn=<...>`` or
    ``requires_grad=True`` or None."""
    indent = len(prefix)
    suffixes = []
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append("size=" + str(tuple(data.shape)))
        if dtype_name and not (default_dtype and data.dtype.kind == "f"):
            suffixes.append("dtype=" + dtype_name)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(data.shape)))
        if not default_dtype:
            suffixes.append("dtype=" + dtype_name)
        body = format_values(data, indent)
    if autograd_suffix is not None:
        suffixes.append(autograd_suffix)
    text = prefix + body
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
