"""Products and norms: mm/bmm/mv/dot/vdot/inner/outer/addr, the scaled products (addmm, addmv,
addbmm, baddbmm), cross, einsum, tensordot, kron, chain_matmul, and the norms (norm, dist,
cdist, and torch.linalg's vector_norm/matrix_norm/norm, re-exported by ``convkit.linalg``).

Both operands of a product must have the same dtype, as in torch (no promotion).
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import result_dtype
from ..nn.functional._utils import norm_input
from ..ops import basic as B
from ..ops import linalg as L
from ..ops import reduction as R
from ..tensor import Tensor, _scalar_name, check_broadcast, where
from ._bind import as_function, check_tensor, inplace, method, method_as
from .reductions import amax, amin, axes
from .reductions import sum as sum_

__all__ = [
    "renorm",
    "addbmm",
    "addmm",
    "addmv",
    "addmv_",
    "addr",
    "baddbmm",
    "bmm",
    "cdist",
    "chain_matmul",
    "cross",
    "dist",
    "dot",
    "einsum",
    "ger",
    "inner",
    "kron",
    "matmul",
    "mm",
    "mv",
    "norm",
    "outer",
    "tensordot",
    "vdot",
]

matmul = as_function(Tensor.matmul)

_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        names = (_C_NAMES.get(str(t.dtype), str(t.dtype)) for t in (a, b))
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: " + " != ".join(names)
        )


@method
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The matrix product of two matrices."""
    check_tensor("mm", mat2, "mat2", 2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    _same_dtype(input, mat2)
    return B.Mm.apply(input, mat2)


def _check_batches(name1: str, a: Tensor, name2: str, b: Tensor) -> None:
    for name, t in ((name1, a), (name2, b)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of {name2} tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected scalar type {_scalar_name(a.dtype)} but found {_scalar_name(b.dtype)}"
        )


@method
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """The batch of matrix products of (b, n, m) and (b, m, p) tensors."""
    check_tensor("bmm", mat2, "mat2", 2)
    _check_batches("batch1", input, "batch2", mat2)
    return B.MatMul.apply(input, mat2)


def _check_mv(input: Tensor, vec: Tensor, bias_shape: Any = None) -> None:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {1 if bias_shape is None else len(bias_shape)}"
            f", {input.ndim}, {vec.ndim}"
        )
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})"
        )
    _same_dtype(input, vec)


@method
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix and a vector."""
    check_tensor("mv", vec, "vec", 2)
    _check_mv(input, vec)
    return B.Mv.apply(input, vec)


def _check_vectors(name: str, a: Tensor, b: Tensor) -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{name} : expected both vectors to have same dtype, but found "
            f"{_scalar_name(a.dtype)} and {_scalar_name(b.dtype)}"
        )


@method
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-d tensors."""
    check_tensor("dot", tensor, "tensor", 2)
    _check_vectors("dot", input, tensor)
    return B.Dot.apply(input, tensor)


@method
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``dot`` with the first vector conjugated (the same for real tensors)."""
    check_tensor("vdot", other, "other", 2)
    _check_vectors("vdot", input, other)
    return B.Vdot.apply(input, other)


@method
def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum of products over the last dimension of both (numbers multiply)."""
    check_tensor("inner", other, "other", 2)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, dims=([-1], [-1]))


@method_as("ger")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-d tensors: ``input[i] * vec2[j]``."""
    check_tensor("outer", vec2, "vec2", 2)
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"outer: Expected 1-D argument self, but got {input.ndim}-D"
            if input.ndim != 1
            else f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D"
        )
    return input.reshape(-1, 1) * vec2


ger = outer


def _scaled(name: str, fn: Any, input: Tensor, a: Tensor, b: Tensor, beta: Any, alpha: Any):
    dtype = result_dtype(input, a, b)
    for t in (a, b):
        if t.dtype != input.dtype and input.ndim:
            _same_dtype(input, t)
    return fn.apply(input.to(dtype), a, b, beta=beta, alpha=alpha)


@method
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * mat1 @ mat2`` (input broadcast; ignored when beta is 0)."""
    mm(mat1, mat2)  # torch's checks; the product itself is done once below
    check_broadcast(input.shape, (mat1.shape[0], mat2.shape[1]))
    return _scaled("addmm", B.Addmm, input, mat1, mat2, beta, alpha)


@method
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * mat @ vec``."""
    _check_mv(mat, vec, input.shape)
    check_broadcast(input.shape, (mat.shape[0],))
    return _scaled("addmv", B.Addmv, input, mat, vec, beta, alpha)


@method
def baddbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    """``beta * input + alpha * batch1 @ batch2`` (a batch of products)."""
    _check_batches("batch1", batch1, "batch2", batch2)
    check_broadcast(input.shape, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return _scaled("baddbmm", B.Baddbmm, input, batch1, batch2, beta, alpha)


@method
def addbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    _check_batches("batch1", batch1, "batch2", batch2)
    check_broadcast(input.shape, (batch1.shape[1], batch2.shape[2]))
    return _scaled("addbmm", B.Addbmm, input, batch1, batch2, beta, alpha)


@method
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    prod = outer(vec1, vec2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod.expand(*check_broadcast(input.shape, prod.shape)).clone()
    return (input if beta == 1 else input * beta) + prod


for _name in ("addmm", "addmv", "addbmm", "baddbmm", "addr"):
    inplace(getattr(Tensor, _name))
addmv_ = as_function(Tensor.addmv_)


@method
def cross(input: Tensor, other: Tensor, dim: builtins.int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
    check_tensor("cross", other, "other", 2)
    shape = check_broadcast(input.shape, other.shape)
    if dim is None:
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError("no dimension of size 3 in input")
        dim = dims[0]
    return _cross(input, other, dim)


def _cross(input: Tensor, other: Tensor, dim: builtins.int) -> Tensor:
    shape = check_broadcast(input.shape, other.shape)
    d = Tensor._wrap(np.zeros(shape))._dim(dim)
    if (
        input.shape[d - len(shape) + input.ndim] != 3
        or other.shape[d - len(shape) + other.ndim] != 3
    ):
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{input.shape[dim]} and {other.shape[dim]}"
        )
    dtype = result_dtype(input, other)
    a, b = input.to(dtype).expand(*shape), other.to(dtype).expand(*shape)
    return L.Cross.apply(a, b, axis=d)


# ----- einsum, tensordot, kron ------------------------------------------------------------------


def _sublist_equation(args: tuple) -> tuple[str, list[Tensor]]:
    """torch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as an equation."""

    def letters(sub: Sequence[Any]) -> str:
        return "".join(
            "..." if s is Ellipsis else chr(ord("a") + s) if s < 26 else chr(ord("A") + s - 26)
            for s in sub
        )

    operands = list(args[0::2])
    subs = list(args[1::2])
    out = None
    if len(operands) > len(subs):
        out = operands.pop()
    eq = ",".join(letters(s) for s in subs)
    if out is not None:
        eq += "->" + letters(out)
    return eq, operands


def einsum(*args: Any) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` (operands also as one list, or in
    torch's sublist form); repeated subscripts take diagonals, missing ones are summed."""
    if args and isinstance(args[0], str):
        equation = args[0]
        operands = (
            list(args[1])
            if len(args) == 2 and isinstance(args[1], (list, tuple))
            else list(args[1:])
        )
    else:
        equation, operands = _sublist_equation(args)
    for i, op in enumerate(operands):
        check_tensor("einsum", op, "operands", i + 2)
    inputs, output = L.einsum_labels(equation, [op.ndim for op in operands])
    if len(inputs) != len(operands):
        raise ValueError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(inputs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    sizes: dict[str, builtins.int] = {}
    for labels, op in zip(inputs, operands, strict=True):
        explicit = [t for t in labels if t != "..."]
        if len(explicit) > op.ndim or ("..." not in labels and len(explicit) != op.ndim):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(explicit)}) does not "
                f"match the number of dimensions ({op.ndim}) for operand "
                f"{operands.index(op)}{'' if '...' in labels else ' and no ellipsis was given'}"
            )
        n_ell = op.ndim - len(explicit)
        pos = 0
        for t in labels:
            if t == "...":
                pos += n_ell
                continue
            size = op.shape[pos]
            pos += 1
            seen = sizes.get(t)
            if seen is not None and size != seen and 1 not in (size, seen):
                raise RuntimeError(
                    f"einsum(): subscript {t} has size {size} for operand "
                    f"{operands.index(op)} which does not broadcast with previously seen size "
                    f"{seen}"
                )
            sizes[t] = builtins.max(size, seen or 0)
    for t in output:
        if t != "..." and t not in sizes:
            raise RuntimeError(
                f"einsum(): output subscript {t} does not appear in the equation for any input "
                "operand"
            )
    dtype = result_dtype(*operands)
    ops = [op.to(dtype) for op in operands]
    if dtype.kind != "f":
        eq = ",".join("".join(t) for t in inputs) + "->" + "".join(output)
        return Tensor._wrap(np.asarray(np.einsum(eq, *(o._array for o in ops))))
    return L.Einsum.apply(*ops, inputs=inputs, output=output)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Any = None) -> Tensor:
    """The sum of products over the last ``dims`` dims of a and the first of b (or over the
    dims listed in a pair of lists)."""
    check_tensor("tensordot", a, "a", 1)
    check_tensor("tensordot", b, "b", 2)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        n = int(dims)
        da = list(range(a.ndim - n, a.ndim))
        db = list(range(n))
    else:
        da, db = (list(d) if isinstance(d, (list, tuple)) else [d] for d in dims)
    da = [a._dim(d) for d in da]
    db = [b._dim(d) for d in db]
    for x, y in zip(da, db, strict=True):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[x]} in dim "
                f"{x} and second has size {b.shape[y]} in dim {y}"
            )
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [i for i in range(b.ndim) if i not in db]
    k = math.prod(a.shape[i] for i in da)
    left = a.permute(*free_a, *da).reshape(-1, k)  # (free_a..., k)
    right = b.permute(*db, *free_b).reshape(k, -1)  # (k, free_b...)
    out_shape = [a.shape[i] for i in free_a] + [b.shape[i] for i in free_b]
    return mm(left, right).reshape(out_shape)


@method
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of input times the whole of other, in blocks."""
    check_tensor("kron", other, "other", 2)
    n = builtins.max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    wide_a = a.reshape(*(x for s in a.shape for x in (s, 1)))  # (a0, 1, a1, 1, ...)
    wide_b = b.reshape(*(x for s in b.shape for x in (1, s)))  # (1, b0, 1, b1, ...)
    return (wide_a * wide_b).reshape(*(x * y for x, y in zip(a.shape, b.shape, strict=True)))


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of the matrices, left to right."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out


# ----- norms ------------------------------------------------------------------------------------


def vector_norm(
    x: Tensor, ord: Any = 2, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (default all); ord inf/-inf: max/min |x|; 0: the
    number of nonzeros."""
    check_tensor("linalg_vector_norm", x, "input", 1)
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}"
        )
    x = norm_input("linalg.vector_norm", x, dtype)
    ax = None if dim is None or (isinstance(dim, (list, tuple)) and not dim) else axes(x, dim)
    if x.numel() == 0 and ord < 0:
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    return R.VectorNorm.apply(x, ord=builtins.float(ord), axis=ax, keepdims=builtins.bool(keepdim))


_MATRIX_ORDS = ("fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2)


def matrix_norm(
    A: Tensor,
    ord: Any = "fro",
    dim: Sequence[builtins.int] = (-2, -1),
    keepdim: builtins.bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """A matrix norm over the two ``dim``: 'fro' (Frobenius), 'nuc' (sum of singular values),
    2/-2 (largest/smallest singular value), 1/-1 (max/min column sum of |A|), inf/-inf
    (max/min row sum)."""
    check_tensor("linalg_matrix_norm", A, "A", 1)
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    A = norm_input("linalg.matrix_norm", A, dtype)
    d0, d1 = (A._dim(d) for d in dim)
    if ord == "fro":
        return R.VectorNorm.apply(A, ord=2.0, axis=(d0, d1), keepdims=builtins.bool(keepdim))
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = R.Svdvals.apply(moved)
        out = sum_(s, -1) if ord == "nuc" else (amax if ord == 2 else amin)(s, -1)
        if keepdim:
            out = out.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return out
    # 1/-1: the extreme column sum (sum over rows d0, then over columns d1); inf: rows.
    sum_dim, ext_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = sum_(A.abs(), sum_dim, keepdim=keepdim)
    if not keepdim and ext_dim > sum_dim:
        ext_dim -= 1
    return (amax if ord > 0 else amin)(sums, ext_dim, keepdim=keepdim)


def linalg_norm(
    A: Tensor,
    ord: Any = None,
    dim: Any = None,
    keepdim: builtins.bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.norm: the vector 2-norm of everything by default; ``ord`` with a 1-d or 2-d
    input (or with ``dim``) picks a vector or matrix norm."""
    check_tensor("linalg_norm", A, "A", 1)
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(
        "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
        f"{A.ndim}D."
    )


@method
def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: builtins.bool = False,
    dtype: Any = None,
) -> Tensor:
    """torch.norm (kept for old code): p a number (vector norm over ``dim`` or all), 'fro' (the
    2-norm over ``dim`` or all) or 'nuc' (over two dims)."""
    if p == "nuc":
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported p {p!r}")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


@method
def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast)."""
    check_tensor("dist", other, "other", 2)
    diff = input - other
    x = norm_input("linalg.vector_norm", diff, None)
    return R.Dist.apply(x, ord=builtins.float(p), axis=None, keepdims=False)


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: builtins.float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The p-norm distances between each row of x1 (..., P, M) and each row of x2 (..., R, M).

    For p = 2 torch computes ``sqrt(|x1|^2 - 2 x1.x2 + |x2|^2)`` with one matrix product when
    P > 25 or R > 25 (or always with ``'use_mm_for_euclid_dist'``), which is faster and rounds
    differently; convkit takes the same route in the same cases.
    """
    check_tensor("cdist", x1, "x1", 1)
    check_tensor("cdist", x2, "x2", 2)
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
            f"{(x1 if x1.ndim < 2 else x2).ndim}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype.kind != "f" or x2.dtype.kind != "f":
        raise RuntimeError(
            f"cdist only supports floating-point dtypes, X1 got: {_scalar_name(x1.dtype)}"
        )
    modes = (
        "use_mm_for_euclid_dist_if_necessary",
        "use_mm_for_euclid_dist",
        "donot_use_mm_for_euclid_dist",
    )
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    batch = tuple(check_broadcast(x1.shape[:-2], x2.shape[:-2]))
    a = x1.expand(*batch, *x1.shape[-2:])
    b = x2.expand(*batch, *x2.shape[-2:])
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == modes[0] and (a.shape[-2] > 25 or b.shape[-2] > 25))
    )
    if use_mm:
        return _euclidean_by_mm(a, b)
    return L.Cdist.apply(a, b, p=builtins.float(p))


def _euclidean_by_mm(x1: Tensor, x2: Tensor) -> Tensor:
    """torch's matrix-product route: [-2 x1, |x1|^2, 1] . [x2, 1, |x2|^2]^T, clamped at 1e-30
    before the square root."""
    from ..tensor import cat, ones_like

    n1 = x1.pow(2).sum(-1, keepdim=True)  # (..., P, 1)
    n2 = x2.pow(2).sum(-1, keepdim=True)  # (..., R, 1)
    left = cat([x1 * -2, n1, ones_like(n1)], -1)  # (..., P, M+2)
    right = cat([x2, ones_like(n2), n2], -1)  # (..., R, M+2)
    return left.matmul(right.transpose(-2, -1)).clamp_min(1e-30).sqrt()


def frobenius_norm(input: Tensor, dim: Any, keepdim: builtins.bool = False) -> Tensor:
    """The 2-norm over ``dim`` (torch keeps it for old code; it warns as torch does)."""
    import warnings

    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    return vector_norm(input, 2, dim, keepdim)


def nuclear_norm(input: Tensor, dim: Any = (-2, -1), keepdim: builtins.bool = False) -> Tensor:
    """The sum of singular values over two dims (torch keeps it for old code; it warns)."""
    import warnings

    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, builtins.bool):
        dim, keepdim = (-2, -1), dim
    return matrix_norm(input, "nuc", dim, keepdim)


__all__ += ["frobenius_norm", "nuclear_norm"]


@method
def renorm(input: Tensor, p: Any, dim: builtins.int, maxnorm: Any) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to it (by
    ``maxnorm / (norm + 1e-7)``, torch's factor)."""
    if input.dtype.kind != "f":
        raise RuntimeError("renorm: input needs to be a floating point or complex tensor")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = input._dim(dim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norms = vector_norm(input, p, others, keepdim=True)
    over = Tensor._wrap(norms._array > maxnorm)
    factor = where(over, maxnorm / (norms + 1e-7), Tensor._wrap(np.ones((), input.dtype)))
    return input * factor


inplace(Tensor.renorm)
