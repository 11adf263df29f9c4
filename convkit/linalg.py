"""torch.linalg: the norms CNN code uses (vector_norm, matrix_norm, norm), cross, multi_dot,
matmul, and svdvals (used by the spectral and nuclear norms)."""

from __future__ import annotations

from typing import Any

from .functions.linalg import _cross, chain_matmul, matrix_norm, vector_norm
from .functions.linalg import linalg_norm as norm
from .ops import reduction as R
from .tensor import Tensor

__all__ = ["cross", "matmul", "matrix_norm", "multi_dot", "norm", "svdvals", "vector_norm"]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (default the last)."""
    return _cross(input, other, dim)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other``."""
    return input @ other


def multi_dot(tensors: Any) -> Tensor:
    """The product of a list of matrices (1-d first/last operands as row/column vectors)."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    if first:
        ts[0] = ts[0].unsqueeze(0)
    if last:
        ts[-1] = ts[-1].unsqueeze(-1)
    out = chain_matmul(*ts)
    if first:
        out = out.squeeze(0)
    if last:
        out = out.squeeze(-1)
    return out


def svdvals(A: Tensor) -> Tensor:
    """The singular values of the matrices in the last two dims, largest first."""
    return R.Svdvals.apply(A if A.dtype.kind == "f" else A.float())
