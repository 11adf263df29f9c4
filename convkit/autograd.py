"""Reverse-mode automatic differentiation: Function, the backward engine, grad mode.

A ``Function`` subclass computes on NumPy arrays (``forward``) and gives the vector-Jacobian
product (``backward``) right below it. ``Function.apply`` unwraps Tensors, runs ``forward`` and,
when gradients are wanted, records a node that points at the inputs. ``backward`` walks the nodes
in reverse topological order. Broadcasting is undone here, once, for every op (``unbroadcast``),
and every gradient is cast to its input's dtype so a float32 graph stays float32.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode(contextlib.ContextDecorator):
    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self.prev)
        return False


class no_grad(_GradMode):
    """Context manager (and decorator) in which operations record no graph."""

    mode = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns graph recording back on."""

    mode = True


class Context:
    """What ``forward`` leaves for ``backward``."""

    __slots__ = ("needs_input_grad", "saved_tensors", "__dict__")

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays


class Node:
    """A recorded application of a Function: the graph edge from an output to its inputs."""

    __slots__ = ("fn", "ctx", "parents", "freed")

    def __init__(self, fn, ctx, parents):
        self.fn = fn
        self.ctx = ctx
        self.parents = parents  # one entry per positional input: a Tensor or None
        self.freed = False

    def name(self) -> str:
        return f"<{self.fn.__name__}Backward>"


class Function:
    """Base class of differentiable primitives.

    ``forward(ctx, *args, **kwargs)`` receives NumPy arrays in place of Tensors and returns an
    array, or a tuple whose first item is the differentiable output and whose other items are
    auxiliary arrays (e.g. pooling indices) that carry no gradient. ``backward(ctx, grad)`` returns
    one gradient (or None) per positional input of ``forward``.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from .tensor import Tensor

        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = any(needs) and is_grad_enabled()
        ctx = Context(needs if record else (False,) * len(args))
        raw = [a._array if isinstance(a, Tensor) else a for a in args]
        # IEEE results (inf, NaN) without NumPy's RuntimeWarnings, as torch computes them.
        with np.errstate(all="ignore"):
            out = cls.forward(ctx, *raw, **kwargs)
        aux = ()
        if isinstance(out, tuple):
            out, *aux = out
        result = Tensor._wrap(out)
        if record:
            result.requires_grad = True
            result._node = Node(cls, ctx, tuple(a if isinstance(a, Tensor) else None for a in args))
        if aux:
            return (result, *(Tensor._wrap(a) for a in aux))
        return result


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root) -> list:
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t._node is not None:
            for p in t._node.parents:
                if p is not None and p.requires_grad and id(p) not in seen:
                    stack.append((p, False))
    return order


def backward(root, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) . grad into ``.grad`` of every leaf that requires grad."""
    with np.errstate(all="ignore"):  # as in forward: IEEE results, no NumPy warnings
        _run_backward(root, grad, retain_graph)


def _run_backward(root, grad: np.ndarray, retain_graph: bool) -> None:
    from .tensor import Tensor

    order = _topological_order(root)
    grads = {id(root): grad}
    handed: set[int] = set()  # arrays already given to a leaf's .grad in this pass
    for t in reversed(order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        node = t._node
        if node is None:
            if t.grad is None:
                t.grad = Tensor._wrap(_own(g, t.dtype, grad, handed))
            else:
                t.grad = Tensor._wrap(t.grad._array + g)
            continue
        if t._retains_grad:
            t.grad = Tensor._wrap(g.copy()) if t.grad is None else Tensor._wrap(t.grad._array + g)
        if node.freed and node.ctx.saved_tensors is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        with no_grad():
            in_grads = node.fn.backward(node.ctx, g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if len(in_grads) < len(node.parents):
            in_grads = in_grads + (None,) * (len(node.parents) - len(in_grads))
        if not retain_graph:
            node.freed = True
            # Free what forward saved, as torch does; ops that saved nothing stay re-runnable.
            if node.ctx.saved_tensors or node.ctx.__dict__:
                node.ctx.saved_tensors = None
                node.ctx.__dict__.clear()
        for parent, pg in zip(node.parents, in_grads, strict=True):
            if parent is None or pg is None or not parent.requires_grad:
                continue
            pg = unbroadcast(np.asarray(pg), parent.shape).astype(parent.dtype, copy=False)
            key = id(parent)
            if key in grads:
                grads[key] = grads[key] + pg
            else:
                grads[key] = pg


def _own(g: np.ndarray, dtype, root: np.ndarray, handed: set[int]) -> np.ndarray:
    """An array a leaf may keep as its ``.grad``: ``g`` itself when nothing else can reach it,
    else a copy.

    Copying every leaf gradient cost 6 ms of a 38 ms max-pool step on a (8, 64, 112, 112) input.
    ``g`` is safe to keep when it owns its memory (not a view of, or broadcast from, an array an
    op or the caller still holds), is writeable, is not the caller's own gradient, and has not
    already been given to another leaf (Add returns one array for both of its inputs). Backward
    functions never write into the gradient they receive, so sharing with a pending non-leaf
    gradient is harmless.
    """
    if (
        g is not root
        and id(g) not in handed
        and g.dtype == dtype
        and g.flags.owndata
        and g.flags.writeable
        and g.flags.c_contiguous
    ):
        handed.add(id(g))
        return g
    return np.array(g, dtype=dtype, copy=True)
