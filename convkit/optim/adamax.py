"""Adamax: Adam with the infinity norm."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_betas, _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class Adamax(Optimizer):
    """torch.optim.Adamax. With g the gradient (negated when ``maximize``, plus
    ``weight_decay * p``) and t the step count: ``m = lerp(m, g, 1 - beta1)``,
    ``u = max(beta2 * u, |g| + eps)`` and ``p -= lr / (1 - beta1**t) * m / u``.
    State: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(eps=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
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
        """One Adamax update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = _value(group["lr"]), group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, grad in self._grads(group, "Adamax"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_inf"] = _zeros_like(p)
            param = p._array
            if group["maximize"]:
                grad = -grad
            step_t = state["step"]._array
            step_t += 1
            if weight_decay != 0:
                grad = pw.add(grad, param, weight_decay)
            exp_avg = pw.lerp_(state["exp_avg"]._array, grad, 1 - beta1)
            exp_inf = pw.mul_(state["exp_inf"]._array, beta2)
            norm = np.abs(grad)
            norm += pw.scalar(eps, param.dtype)
            np.maximum(exp_inf, norm, out=exp_inf)
            clr = lr / (1 - beta1 ** float(step_t))
            pw.addcdiv_(param, exp_avg, exp_inf, -clr)
