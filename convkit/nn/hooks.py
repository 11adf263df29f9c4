"""Module hooks: removable handles, and the module boundary that full backward hooks watch.

A full backward hook sees the gradients with respect to a module's positional inputs and its
outputs together (torch's ``BackwardHook``). The engine hands one gradient per tensor to one node,
so the boundary is built from two identity Functions per side:

    tensors --_Gather--> token --_Scatter[i]--> tensor i as seen on the other side

``_Scatter[i]`` returns tensor i's own array (no copy) and, in backward, parks the gradient it
received. The token's only consumers are the ``_Scatter`` nodes, so ``_Gather.backward`` runs after
every one of them: it then holds all the side's gradients at once, calls the hooks and returns the
(possibly replaced) gradients to the original tensors. The engine is not involved.
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor

__all__ = ["RemovableHandle", "BackwardHook"]


class RemovableHandle:
    """A registered hook's handle: ``handle.remove()`` unregisters it; also a context manager
    that removes the hook on exit (torch's ``torch.utils.hooks.RemovableHandle``)."""

    _ids = itertools.count()

    def __init__(self, hooks_dict: OrderedDict, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        extras = extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_TOKEN = np.float64


class _Side:
    """One side of a module boundary (inputs or outputs): the gradients its tensors received."""

    def __init__(self, count: int, on_grads: Callable[[list], tuple]) -> None:
        self.grads: list = [None] * count
        self.on_grads = on_grads


class _Gather(Function):
    """Identity boundary, part 1: the side's tensors in, a scalar token out."""

    @staticmethod
    def forward(ctx, *arrays, side: _Side):
        ctx.side = side
        return np.zeros((), _TOKEN)

    @staticmethod
    def backward(ctx, g):
        side = ctx.side
        grads, side.grads = side.grads, [None] * len(side.grads)
        return side.on_grads(grads)


class _Scatter(Function):
    """Identity boundary, part 2: the token in, tensor ``index`` of the side out (its own array)."""

    @staticmethod
    def forward(ctx, token, *, side: _Side, index: int, array: np.ndarray):
        ctx.side, ctx.index = side, index
        return array

    @staticmethod
    def backward(ctx, g):
        ctx.side.grads[ctx.index] = g
        return np.zeros((), _TOKEN)


def _as_array(value, like: Tensor) -> np.ndarray | None:
    if value is None:
        return None
    array = value._array if isinstance(value, Tensor) else np.asarray(value)
    return array.astype(like.dtype, copy=False)


def _check_sequence(value, who: str, what: str) -> None:
    if not isinstance(value, (tuple, list)):
        raise RuntimeError(
            f"{who} must return None or a tuple of {what} (one entry per tensor, None allowed), "
            f"got {type(value).__name__}"
        )


class BackwardHook:
    """The boundary of one module call: built around its inputs before ``forward`` and around its
    outputs after, it calls the backward pre-hooks with ``grad_output`` and the full backward hooks
    with ``(grad_input, grad_output)`` (torch's firing rules and return-value checks)."""

    def __init__(self, module, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = 0
        self.input_index: list[int] | None = None
        self.n_outputs = 0
        self.output_index: list[int] | None = None

    # ----- building the boundary ----------------------------------------------------------------
    @staticmethod
    def _wrap(args: tuple, on_grads: Callable) -> tuple[tuple, list[int] | None, list[Tensor]]:
        """Route the Tensors in ``args`` that require grad through ``_Gather``/``_Scatter``.

        Returns the new args, the positions of all Tensors (None when no boundary was built:
        nothing requires grad or grad mode is off) and the original Tensors.
        """
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in index]
        live = [k for k, t in enumerate(tensors) if t.requires_grad]
        if not live or not is_grad_enabled():
            return args, None, tensors
        side = _Side(len(live), on_grads)
        token = _Gather.apply(*(tensors[k] for k in live), side=side)
        out = list(args)
        for slot, k in enumerate(live):
            out[index[k]] = _Scatter.apply(token, side=side, index=slot, array=tensors[k]._array)
        return tuple(out), index, tensors

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        holder: list[list[Tensor]] = []

        def on_grads(grads: list) -> tuple:
            return self._input_grads(grads, holder[0])

        out, self.input_index, tensors = self._wrap(args, on_grads)
        holder.append(tensors)
        return out

    def setup_output_hook(self, result: Any) -> Any:
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        self.n_outputs = len(outputs)
        holder: list[list[Tensor]] = []

        def on_grads(grads: list) -> tuple:
            return self._output_grads(grads, holder[0])

        out, self.output_index, tensors = self._wrap(outputs, on_grads)
        holder.append(tensors)
        return out[0] if single else out

    # ----- backward ----------------------------------------------------------------------------
    def _pack(self, index: list[int], values: list, size: int) -> tuple:
        packed: list = [None] * size
        for i, v in zip(index, values, strict=True):
            packed[i] = v
        return tuple(packed)

    def _output_grads(self, grads: list, tensors: list[Tensor]) -> tuple:
        """grad_output arrived (one entry per output that requires grad): pre-hooks, then the full
        hooks too when no input requires grad. Returns the gradients the outputs pass on."""
        assert self.output_index is not None
        it = iter(grads)
        per_tensor = []
        for t in tensors:
            g = next(it) if t.requires_grad else None
            per_tensor.append(None if g is None else Tensor._wrap(g))
        self.grad_outputs = self._pack(self.output_index, per_tensor, self.n_outputs)
        for hook in self.user_pre_hooks:
            replaced = hook(self.module, self.grad_outputs)
            if replaced is None:
                continue
            _check_sequence(replaced, "Backward pre hook", "grad_output")
            if len(replaced) != len(self.grad_outputs):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {len(replaced)}, but expected {len(self.grad_outputs)}"
                )
            self.grad_outputs = replaced
        grad_outputs = self.grad_outputs
        if self.input_index is None:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients.",
                stacklevel=2,
            )
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
            self.grad_outputs = None
        back = [grad_outputs[i] for i in self.output_index]
        return tuple(_as_array(g, t) for g, t in zip(back, tensors, strict=True) if t.requires_grad)

    def _input_grads(self, grads: list, tensors: list[Tensor]) -> tuple:
        """grad_input arrived: call the full hooks; returns the gradients the inputs receive."""
        assert self.input_index is not None
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the outputs.
            return tuple(grads)
        it = iter(grads)
        per_tensor = []
        for t in tensors:
            g = next(it) if t.requires_grad else None
            # As torch: a Tensor input that got no gradient shows zeros of its shape.
            per_tensor.append(Tensor._wrap(np.zeros(t.shape, t.dtype) if g is None else g))
        res = self._pack(self.input_index, per_tensor, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            _check_sequence(out, "Backward hook", "grad_input")
            if len(out) != len(res):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        back = [res[i] for i in self.input_index]
        return tuple(_as_array(g, t) for g, t in zip(back, tensors, strict=True) if t.requires_grad)
