"""Checks shared by the functional ops: batch dimension, dtypes, argument types."""

from __future__ import annotations

from ...tensor import Tensor


def check_tensor(op: str, name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def batched(op: str, x: Tensor, n: int) -> tuple[Tensor, bool]:
    """Accept (C, *spatial) or (N, C, *spatial); return the batched view and whether it was added.

    torch treats an (n+1)-d input to an n-d op as one unbatched sample.
    """
    if x.ndim == n + 2:
        return x, False
    if x.ndim == n + 1:
        return x.unsqueeze(0), True
    raise RuntimeError(
        f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but "
        f"got input of size: {list(x.shape)}"
    )


def unbatched(y: Tensor, was_unbatched: bool) -> Tensor:
    return y.squeeze(0) if was_unbatched else y
