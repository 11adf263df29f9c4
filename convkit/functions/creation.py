"""Tensor factories beyond those of ``convkit.tensor`` (zeros, ones, full, eye, arange,
linspace, the random ones): logspace, range, scalar_tensor, empty_strided, frombuffer."""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from ..devices import resolve
from ..dtypes import as_dtype, get_default_dtype
from ..tensor import Tensor, _factory, _numpy_kind_check, _size_args, linspace_values

__all__ = ["empty_strided", "frombuffer", "logspace", "range", "scalar_tensor"]


def logspace(
    start: Any,
    end: Any,
    steps: builtins.int,
    base: builtins.float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    resolve(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    out = as_dtype(dtype) or get_default_dtype()
    work = out if out.kind == "f" else np.dtype(np.float64)
    exponents = linspace_values(start, end, steps, work)
    return _factory(np.power(work.type(base), exponents).astype(out), requires_grad)


def range(  # noqa: A001 - torch.range (deprecated in torch, kept for old code)
    start: Any = 0,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` inclusive (torch's deprecated ``range``; default dtype
    floating)."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior "
        "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
        "values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    resolve(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    n = builtins.int(np.floor((end - start) / step)) + 1
    if n < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    out = as_dtype(dtype) or get_default_dtype()
    values = start + np.arange(n, dtype=np.float64) * step
    return _factory(values.astype(out), requires_grad)


def scalar_tensor(
    s: Any, *, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False, **kw: Any
) -> Tensor:
    """A 0-d tensor holding ``s`` (default floating dtype)."""
    resolve(device)
    out = as_dtype(dtype) or get_default_dtype()
    return _factory(np.asarray(s, dtype=out), requires_grad)


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """A zero-filled tensor of ``size`` (convkit's memory is always NumPy's own layout, so the
    strides are checked for length and otherwise not used)."""
    resolve(device)
    shape = _size_args((tuple(size),), None, "empty_strided")
    if len(tuple(stride)) != len(shape):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(tuple(stride))} != {len(shape)}"
        )
    return _factory(np.zeros(shape, dtype=as_dtype(dtype) or get_default_dtype()), requires_grad)


def frombuffer(
    buffer: Any,
    *,
    dtype: Any,
    count: builtins.int = -1,
    offset: builtins.int = 0,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A 1-d tensor sharing memory with an object that exposes the buffer protocol."""
    arr = np.frombuffer(buffer, dtype=as_dtype(dtype), count=count, offset=offset)
    _numpy_kind_check(arr)
    return _factory(arr, requires_grad)
