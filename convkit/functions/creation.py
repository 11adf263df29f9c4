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
    s: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
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
    """A zero-filled tensor of ``size`` laid out with ``stride`` (in elements) in a buffer just
    large enough, as torch's."""
    resolve(device)
    shape = _size_args((tuple(size),), None, "empty_strided")
    if len(tuple(stride)) != len(shape):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(tuple(stride))} != {len(shape)}"
        )
    dt = np.dtype(as_dtype(dtype) or get_default_dtype())
    steps = tuple(builtins.int(s) for s in stride)
    extent = 1 + builtins.sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
    buffer = np.zeros(extent if all(shape) else 0, dtype=dt)
    arr = np.lib.stride_tricks.as_strided(buffer, shape, tuple(s * dt.itemsize for s in steps))
    return _factory(arr, requires_grad)


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


# ----- window functions -------------------------------------------------------------------------


def _window(
    name: str,
    n: builtins.int,
    periodic: builtins.bool,
    dtype: Any,
    requires_grad: bool,
    values: Any,
) -> Tensor:
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    out = as_dtype(dtype) or get_default_dtype()
    if out.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {out}")
    if n == 0:
        return _factory(np.zeros(0, dtype=out), requires_grad)
    if n == 1:
        return _factory(np.ones(1, dtype=out), requires_grad)
    # A periodic window of n is the symmetric window of n + 1 without its last point.
    m = n + 1 if periodic else n
    k = np.arange(n, dtype=np.float64)
    return _factory(np.asarray(values(k, m), dtype=np.float64).astype(out), requires_grad)


def hann_window(
    window_length: builtins.int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """0.5 - 0.5 cos(2 pi k / (M - 1))."""
    return _window(
        "hann_window",
        window_length,
        periodic,
        dtype,
        requires_grad,
        lambda k, m: 0.5 - 0.5 * np.cos(2 * np.pi * k / (m - 1)),
    )


def hamming_window(
    window_length: builtins.int,
    periodic: builtins.bool = True,
    alpha: builtins.float = 0.54,
    beta: builtins.float = 0.46,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """alpha - beta cos(2 pi k / (M - 1))."""
    return _window(
        "hamming_window",
        window_length,
        periodic,
        dtype,
        requires_grad,
        lambda k, m: alpha - beta * np.cos(2 * np.pi * k / (m - 1)),
    )


def blackman_window(
    window_length: builtins.int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """0.42 - 0.5 cos(2 pi k / (M - 1)) + 0.08 cos(4 pi k / (M - 1))."""
    return _window(
        "blackman_window",
        window_length,
        periodic,
        dtype,
        requires_grad,
        lambda k, m: (
            0.42 - 0.5 * np.cos(2 * np.pi * k / (m - 1)) + 0.08 * np.cos(4 * np.pi * k / (m - 1))
        ),
    )


def bartlett_window(
    window_length: builtins.int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """The triangle 1 - |2k / (M - 1) - 1|."""
    return _window(
        "bartlett_window",
        window_length,
        periodic,
        dtype,
        requires_grad,
        lambda k, m: 1 - np.abs(2 * k / (m - 1) - 1),
    )


def kaiser_window(
    window_length: builtins.int,
    periodic: builtins.bool = True,
    beta: builtins.float = 12.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    **kw: Any,
) -> Tensor:
    """I0(beta sqrt(1 - (2k / (M - 1) - 1)^2)) / I0(beta)."""
    return _window(
        "kaiser_window",
        window_length,
        periodic,
        dtype,
        requires_grad,
        lambda k, m: (
            np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (m - 1) - 1) ** 2, 0, None))) / np.i0(beta)
        ),
    )


# ----- exchange with other libraries ------------------------------------------------------------


class _Capsule:
    """A bare DLPack capsule seen through the protocol NumPy reads."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[builtins.int, builtins.int]:
        return (1, 0)  # kDLCPU


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any object that implements DLPack (a NumPy array, a torch
    tensor on the CPU, ...)."""
    if type(ext_tensor).__name__ == "PyCapsule":  # a capsule from to_dlpack: a CPU tensor
        ext_tensor = _Capsule(ext_tensor)
    arr = np.from_dlpack(ext_tensor)
    _numpy_kind_check(arr)
    return Tensor._wrap(arr)


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of the tensor's memory (a versioned one: it carries the read-only flag,
    so that an importer, convkit's or torch's, may write through it)."""
    return tensor._array.__dlpack__(max_version=(1, 0))


def from_file(
    filename: str, shared: Any = None, size: builtins.int = 0, *, dtype: Any = None, **kw: Any
) -> Tensor:
    """``size`` elements of ``dtype`` read from a raw binary file (a memory map when shared)."""
    dt = as_dtype(dtype) or get_default_dtype()
    if shared:
        arr: np.ndarray[Any, Any] = np.memmap(filename, dtype=dt, mode="r+", shape=(size,))
    else:
        arr = np.fromfile(filename, dtype=dt, count=size)
        if arr.size < size:
            raise RuntimeError(
                f"unexpected EOF, expected {size} elements but got {arr.size} from {filename}"
            )
    return Tensor._wrap(np.asarray(arr))


__all__ += [
    "bartlett_window",
    "blackman_window",
    "from_dlpack",
    "from_file",
    "hamming_window",
    "hann_window",
    "kaiser_window",
    "to_dlpack",
]
