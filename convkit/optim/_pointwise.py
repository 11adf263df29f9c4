"""The in-place pointwise arithmetic of torch's optimisers, rounded as torch's CPU kernels round it.

torch's CPU kernels cast a Python scalar to the tensor's dtype before using it and evaluate
``add(x, alpha=)``, ``addcmul`` and ``lerp`` with one fused multiply-add (``vec::fmadd`` in the
vectorised loop, and the compiler contracts the scalar tail loop the same way), while
``addcdiv`` rounds after each operation: ``self + (value * t1) / t2``. A Python scalar divided by
a tensor is ``t.reciprocal() * scalar`` (``Tensor.__rtruediv__``). Checked against torch 2.13 on
AVX2 and element by element in tests/optim/test_pointwise.py.

NumPy has no fused multiply-add. For float32 (and float16) arrays it is computed in float64: the
product of two float32 numbers is exact in float64, so only the final rounding of ``a*b + c`` can
differ from a true fma (a double rounding, which needs the float64 sum to land on a float32 tie:
about one element in 2**29). float64 arrays are computed with two roundings; the difference from
torch is then at most one unit in the last place per operation.

The functions ending in ``_`` write into their first argument, which may also be an operand. The
fused multiply-add works block by block, so a float32 update of a large parameter needs float64
scratch space for one block only.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np

Operand = Union[np.ndarray, np.generic, float]

# Elements per block of float64 scratch (512 KiB): big enough that NumPy's per-call overhead is
# small, small enough to stay in cache.
_BLOCK = 1 << 16


def scalar(value: Any, dtype: np.dtype) -> np.generic:
    """``value`` rounded to ``dtype`` as torch rounds a Python scalar it applies to a tensor."""
    return dtype.type(value)


def _wide(dtype: np.dtype) -> bool:
    """True where NumPy has no wider float type to fuse in (float64 and up)."""
    return dtype.itemsize >= 8


def _flat(x: Operand) -> Operand:
    """An array operand as a flat view; a scalar as a float64 scalar."""
    return np.ravel(x) if isinstance(x, np.ndarray) and x.ndim > 0 else np.float64(x)


def _part(x: Operand, part: slice) -> Operand:
    return x[part] if isinstance(x, np.ndarray) else x


def fma_(out: np.ndarray, a: Operand, b: Operand, c: Operand) -> np.ndarray:
    """``out = a * b + c`` with a single rounding (torch's ``vec::fmadd``); array operands have
    ``out``'s shape."""
    if _wide(out.dtype):
        np.add(np.multiply(a, b), c, out=out)
        return out
    if out.size <= _BLOCK or not out.flags.c_contiguous:
        out[...] = np.multiply(a, b, dtype=np.float64) + c
        return out
    flat_out, fa, fb, fc = out.reshape(-1), _flat(a), _flat(b), _flat(c)
    buf = np.empty(_BLOCK, np.float64)
    for start in range(0, out.size, _BLOCK):
        stop = min(start + _BLOCK, out.size)
        part, t = slice(start, stop), buf[: stop - start]
        np.multiply(_part(fa, part), _part(fb, part), out=t, dtype=np.float64)
        np.add(t, _part(fc, part), out=t)
        flat_out[part] = t
    return out


def add_(out: np.ndarray, other: Operand, alpha: float = 1.0) -> np.ndarray:
    """``out.add_(other, alpha=alpha)``."""
    if alpha == 1:
        np.add(out, other, out=out)
        return out
    return fma_(out, other, scalar(alpha, out.dtype), out)


def add(x: np.ndarray, other: Operand, alpha: float = 1.0) -> np.ndarray:
    """``x.add(other, alpha=alpha)``: a new array."""
    return add_(np.array(x, copy=True), other, alpha)


def mul_(out: np.ndarray, value: float) -> np.ndarray:
    """``out.mul_(value)`` for a Python scalar."""
    np.multiply(out, scalar(value, out.dtype), out=out)
    return out


def addcmul_(out: np.ndarray, t1: Operand, t2: Operand, value: float = 1.0) -> np.ndarray:
    """``out.addcmul_(t1, t2, value=value)``: ``fma(value * t1, t2, out)``."""
    if value == 1:
        return fma_(out, t1, t2, out)
    return fma_(out, np.multiply(scalar(value, out.dtype), t1), t2, out)


def addcdiv_(out: np.ndarray, t1: Operand, t2: Operand, value: float = 1.0) -> np.ndarray:
    """``out.addcdiv_(t1, t2, value=value)``: ``out + (value * t1) / t2``, rounded each step."""
    if value == 1:
        np.add(out, np.divide(t1, t2), out=out)
    else:
        np.add(out, np.divide(np.multiply(scalar(value, out.dtype), t1), t2), out=out)
    return out


def lerp_(start: np.ndarray, end: Operand, weight: float) -> np.ndarray:
    """``start.lerp_(end, weight)`` for a scalar weight.

    torch switches formulas at |weight| = 0.5 so that the result is exact at both ends:
    ``fma(w, end - start, start)`` below, ``fma(w - 1, end - start, end)`` from 0.5 up.
    """
    w = float(scalar(weight, start.dtype))  # exact: the rounded weight as a Python float
    diff = np.subtract(end, start)
    if abs(w) < 0.5:
        return fma_(start, w, diff, start)
    return fma_(start, scalar(w - 1, start.dtype), diff, end)


def rdiv(value: float, x: np.ndarray) -> np.ndarray:
    """``value / x`` for a Python scalar and a tensor: torch computes ``x.reciprocal() * value``."""
    return np.multiply(np.divide(scalar(1, x.dtype), x), scalar(value, x.dtype))
