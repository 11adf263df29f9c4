"""Rprop: resilient backpropagation, a step size per element driven by the gradient's sign."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class Rprop(Optimizer):
    """torch.optim.Rprop. Where the gradient keeps its sign from the previous step the element's
    step size grows by ``etaplus``, where it flips it shrinks by ``etaminus`` (and that element's
    gradient counts as 0 for this step), clamped to ``step_sizes``; then
    ``p -= sign(g) * step_size``. State: ``step``, ``prev`` (the gradient used), ``step_size``
    (starting at lr).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)
        _check_flags(differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Rprop update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p, grad in self._grads(group, "Rprop"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["prev"] = _zeros_like(p)
                state["step_size"] = Tensor._wrap(np.full_like(grad, _value(group["lr"])))
            param, prev, step_size = p._array, state["prev"]._array, state["step_size"]._array
            dt = param.dtype
            if group["maximize"]:
                grad = -grad
            state["step"]._array += 1
            sign = np.sign(grad * prev)
            positive, negative, zero = sign > 0, sign < 0, sign == 0
            sign[positive] = pw.scalar(etaplus, dt)
            sign[negative] = pw.scalar(etaminus, dt)
            sign[zero] = 1
            step_size *= sign
            np.clip(
                step_size, pw.scalar(step_size_min, dt), pw.scalar(step_size_max, dt), out=step_size
            )
            grad = np.array(grad, copy=True)
            grad[sign == pw.scalar(etaminus, dt)] = 0
            param -= np.sign(grad) * step_size
            prev[...] = grad
