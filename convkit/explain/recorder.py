"""One recorder for what a model's layers see: forward hooks on the chosen modules for one run.

``convkit summary`` records every leaf layer's input and output shapes; ``convkit featuremaps``
records the outputs of the convolution, pooling and activation layers. Both use ``Recorder``:
the hooks are registered on entry and removed on exit, also when the forward raises, so the
model is left exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..nn import Module
from ..tensor import Tensor

__all__ = ["Call", "Recorder", "is_leaf"]


@dataclass
class Call:
    """One call of a recorded module: its dotted name (``type`` name for the root), how many times
    it had been called before in this run plus one, its positional inputs and its output."""

    name: str
    module: Module
    count: int
    inputs: tuple
    output: Any

    @property
    def label(self) -> str:
        """The name, with ``(call 2)`` etc. for a module that runs more than once."""
        return self.name if self.count == 1 else f"{self.name} (call {self.count})"


def is_leaf(module: Module) -> bool:
    return next(module.children(), None) is None


def _snapshot(value):
    """A copy of the arrays in ``value`` (a Tensor or a tuple/list of them), taken at hook time so
    an in-place operation later in the forward cannot change what was recorded."""
    if isinstance(value, Tensor):
        return np.array(value._array)
    if isinstance(value, (tuple, list)):
        return type(value)(_snapshot(v) for v in value)
    return value


class Recorder:
    """``with Recorder(model, select) as rec: model(x)``; then ``rec.calls`` in execution order.

    Args:
        model: the network; every module of ``model.named_modules()`` that ``select`` accepts
            gets a forward hook.
        select: which modules to record (default: the leaves, modules without children).
        copy: keep NumPy copies of the outputs instead of the Tensors themselves.
    """

    def __init__(
        self, model: Module, select: Callable[[Module], bool] = is_leaf, copy: bool = False
    ) -> None:
        self.model = model
        self.select = select
        self.copy = copy
        self.calls: list[Call] = []
        self._handles: list = []

    def __enter__(self) -> Recorder:
        counts: dict[int, int] = {}
        for name, module in self.model.named_modules():
            if not self.select(module):
                continue
            label = name or type(module).__name__

            def hook(m, args, output, name=label):
                counts[id(m)] = counts.get(id(m), 0) + 1
                kept = _snapshot(output) if self.copy else output
                self.calls.append(Call(name, m, counts[id(m)], tuple(args), kept))

            self._handles.append(module.register_forward_hook(hook))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
