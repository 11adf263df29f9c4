"""Linear-algebra primitives beyond the matrix products of ``ops.basic``: cross, einsum and
cdist.

Each Function's backward sits right under its forward and uses only what forward saved.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .reduction import VectorNorm


class Cross(Function):
    """The cross product of 3-vectors along ``axis``; d(a x b) = da x b + a x db, so the
    adjoints are ``b x g`` for a and ``g x a`` for b."""

    grad_fn_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.save_for_backward(a, b)
        ctx.axis = axis
        return np.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ax = ctx.axis
        ga = np.cross(b, g, axis=ax) if ctx.needs_input_grad[0] else None
        gb = np.cross(g, a, axis=ax) if ctx.needs_input_grad[1] else None
        return ga, gb


# ----- einsum -----------------------------------------------------------------------------------


def einsum_labels(equation: str, ndims: list[int]) -> tuple[list[list[str]], list[str]]:
    """The labels of each operand and of the output, as token lists ('...' one token); without
    '->' the output is '...' (if any operand has it) then the labels used once, sorted."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = [_tokens(part) for part in lhs.split(",")]
    if arrow:
        output = _tokens(rhs)
    else:
        letters = [t for labels in inputs for t in labels if t != "..."]
        once = sorted({t for t in letters if letters.count(t) == 1})
        output = (["..."] if any("..." in labels for labels in inputs) else []) + once
    return inputs, output


def _tokens(labels: str) -> list[str]:
    out: list[str] = []
    rest = labels
    while rest:
        if rest.startswith("..."):
            out.append("...")
            rest = rest[3:]
        else:
            out.append(rest[0])
            rest = rest[1:]
    return out


class Einsum(Function):
    """``np.einsum`` of any number of operands. The adjoint for operand i is the einsum of the
    output gradient with the other operands into operand i's labels; a label only operand i
    has is broadcast (a ones operand carries it), and a repeated label (a diagonal) is written
    through einsum's writable diagonal view."""

    grad_fn_name = "EinsumBackward0"

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.save_for_backward(*arrays)
        ctx.inputs, ctx.output = inputs, output
        eq = ",".join("".join(t) for t in inputs) + "->" + "".join(output)
        return np.asarray(np.einsum(eq, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        grads = []
        for i, (labels, arr) in enumerate(zip(ctx.inputs, arrays, strict=True)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            terms = [ctx.output] + [lab for j, lab in enumerate(ctx.inputs) if j != i]
            operands = [g] + [a for j, a in enumerate(arrays) if j != i]
            unique = list(dict.fromkeys(labels))
            present = {t for term in terms for t in term}
            missing = [t for t in unique if t not in present]
            if missing:
                sizes = _label_sizes(labels, arr.shape)
                ones_shape: list[int] = []
                for t in missing:
                    ones_shape += list(sizes[t]) if t == "..." else [sizes[t]]
                terms.append(missing)
                operands.append(np.ones(ones_shape, dtype=g.dtype))
            eq = ",".join("".join(t) for t in terms) + "->" + "".join(unique)
            gu = np.einsum(eq, *operands, optimize=len(operands) > 2)
            if len(unique) == len(labels):
                grads.append(gu)
                continue
            out = np.zeros(arr.shape, dtype=g.dtype)
            np.einsum("".join(labels) + "->" + "".join(unique), out)[...] = gu
            grads.append(out)
        return tuple(grads)


def _label_sizes(labels: list[str], shape: tuple[int, ...]) -> dict:
    """Each label's size in an operand of ``shape`` ('...' maps to a tuple of sizes)."""
    n_ell = len(shape) - (len(labels) - ("..." in labels))
    sizes: dict = {}
    pos = 0
    for t in labels:
        if t == "...":
            sizes[t] = shape[pos : pos + n_ell]
            pos += n_ell
        else:
            sizes[t] = shape[pos]
            pos += 1
    return sizes


# ----- cdist ------------------------------------------------------------------------------------


class Cdist(Function):
    """The p-norm distance between every row of ``x1`` (..., P, M) and of ``x2`` (..., R, M):
    the vector norm of the pairwise differences (..., P, R, M) over the last axis."""

    grad_fn_name = "CdistBackward0"

    @staticmethod
    def forward(ctx, x1, x2, p):
        diff = x1[..., :, None, :] - x2[..., None, :, :]  # (..., P, R, M)
        return VectorNorm.forward(ctx, diff, ord=p, axis=-1)

    @staticmethod
    def backward(ctx, g):
        gd = VectorNorm.backward(ctx, g)  # (..., P, R, M)
        g1 = gd.sum(-2) if ctx.needs_input_grad[0] else None
        g2 = -gd.sum(-3) if ctx.needs_input_grad[1] else None
        return g1, g2
