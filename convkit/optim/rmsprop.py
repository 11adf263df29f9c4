"""RMSprop, optionally centred and with momentum."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class RMSprop(Optimizer):
    """torch.optim.RMSprop. With g the gradient (negated when ``maximize``, plus
    ``weight_decay * p``): ``v = alpha * v + (1 - alpha) * g * g``; centred, ``m = lerp(m, g,
    1 - alpha)`` and the denominator is ``sqrt(v - m * m) + eps``, else ``sqrt(v) + eps``; with
    momentum ``b = momentum * b + g / denom`` and ``p -= lr * b``, else ``p -= lr * g / denom``.
    State: ``step``, ``square_avg``, and ``momentum_buffer`` / ``grad_avg`` when used.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
        _check_flags(differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = _value(group["lr"]), group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        for p, grad in self._grads(group, "RMSprop"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = _zeros_like(p)
            param = p._array
            if group["maximize"]:
                grad = -grad
            state["step"]._array += 1
            if weight_decay != 0:
                grad = pw.add(grad, param, weight_decay)
            square_avg = pw.addcmul_(
                pw.mul_(state["square_avg"]._array, alpha), grad, grad, 1 - alpha
            )
            if group["centered"]:
                grad_avg = pw.lerp_(state["grad_avg"]._array, grad, 1 - alpha)
                avg = pw.addcmul_(np.array(square_avg, copy=True), grad_avg, grad_avg, -1)
                np.sqrt(avg, out=avg)
            else:
                avg = np.sqrt(square_avg)
            avg += pw.scalar(eps, param.dtype)
            if momentum > 0:
                buf = pw.addcdiv_(pw.mul_(state["momentum_buffer"]._array, momentum), grad, avg)
                pw.add_(param, buf, -lr)
            else:
                pw.addcdiv_(param, grad, avg, -lr)
