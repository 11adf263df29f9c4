"""Checks shared by the functional ops: batch dimension, dtypes, argument types."""
from __future__ import annotations

import numpy as np

from ...tensor import Tensor


def check_tensor(op: str, name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def check_floating(op: str, name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point {name}, got dtype {t.dtype} "
                           f"(convert it with .float())")


def check_same_dtype(op: str, **tensors: Tensor | None) -> None:
    """torch requires input, weight and bias of one dtype (no silent promotion in conv/linear)."""
    named = [(k, t) for k, t in tensors.items() if t is not None]
    dtypes = {t.dtype for _, t in named}
    if len(dtypes) > 1:
        desc = ", ".join(f"{k} is {t.dtype}" for k, t in named)
        raise RuntimeError(f"{op}: input, weight and bias must have the same dtype, but {desc}")


def batched(op: str, x: Tensor, n: int) -> tuple[Tensor, bool]:
    """Accept (C, *spatial) or (N, C, *spatial); return the batched view and whether it was added.

    torch treats an (n+1)-d input to an n-d op as one unbatched sample.
    """
    if x.ndim == n + 2:
        return x, False
    if x.ndim == n + 1:
        return x.unsqueeze(0), True
    raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but "
                       f"got input of size: {list(x.shape)}")


def unbatched(y: Tensor, was_unbatched: bool) -> Tensor:
    return y.squeeze(0) if was_unbatched else y


def as_numpy_dtype(t: Tensor) -> np.dtype:
    return t.dtype
