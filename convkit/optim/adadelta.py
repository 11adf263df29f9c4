"""Adadelta."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class Adadelta(Optimizer):
    """torch.optim.Adadelta. With g the gradient (negated when ``maximize``, plus
    ``weight_decay * p``): ``v = rho * v + (1 - rho) * g * g``,
    ``delta = sqrt(u + eps) / sqrt(v + eps) * g``, ``u = rho * u + (1 - rho) * delta**2`` and
    ``p -= lr * delta``. State: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
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
        """One Adadelta update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = _value(group["lr"]), group["rho"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, grad in self._grads(group, "Adadelta"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _zeros_like(p)
                state["acc_delta"] = _zeros_like(p)
            param = p._array
            eps_t = pw.scalar(eps, param.dtype)
            state["step"]._array += 1
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = pw.add(grad, param, weight_decay)
            square_avg = pw.addcmul_(pw.mul_(state["square_avg"]._array, rho), grad, grad, 1 - rho)
            acc_delta = state["acc_delta"]._array
            std = np.sqrt(square_avg + eps_t)
            delta = np.sqrt(acc_delta + eps_t)
            delta /= std
            delta *= grad
            pw.addcmul_(pw.mul_(acc_delta, rho), delta, delta, 1 - rho)
            pw.add_(param, delta, -lr)
