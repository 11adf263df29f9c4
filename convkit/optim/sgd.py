"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .optimizer import Optimizer, _check_flags, _check_lr, _value


class SGD(Optimizer):
    """torch.optim.SGD. With g the gradient (negated when ``maximize``), at each step:

    ``g += weight_decay * p``; with momentum, ``b = g`` on the first step, then
    ``b = momentum * b + (1 - dampening) * g``, and ``g = g + momentum * b`` (nesterov) or
    ``g = b``; finally ``p -= lr * g``. Parameters whose ``grad`` is None are skipped.
    The state of each parameter is ``{"momentum_buffer": Tensor}`` when momentum is non-zero.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float | Tensor = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_flags(differentiable, fused, foreach)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SGD update of every parameter that has a gradient; returns the closure's loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = _value(group["lr"]), group["momentum"], group["dampening"]
        weight_decay = _value(group["weight_decay"])
        for p, grad in self._grads(group, "SGD"):
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = pw.add(grad, p._array, weight_decay)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._wrap(np.array(grad, copy=True))
                    state["momentum_buffer"] = buf
                else:
                    pw.add_(pw.mul_(buf._array, momentum), grad, 1 - dampening)
                if group["nesterov"]:
                    grad = pw.add(grad, buf._array, momentum)
                else:
                    grad = buf._array
            pw.add_(p._array, grad, -lr)
