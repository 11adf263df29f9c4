"""RAdam: Adam with the variance of the adaptive learning rate rectified."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_betas, _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class RAdam(Optimizer):
    """torch.optim.RAdam. m and v as in Adam; with ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``: while ``rho_t <= 5`` the step is
    ``p -= lr * m / (1 - beta1**t)``; after, it is scaled by the adaptive rate
    ``sqrt(1 - beta2**t) / (sqrt(v) + eps)`` and the rectification
    ``sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.
    Weight decay is added to g, or applied as ``p *= 1 - lr * weight_decay`` when decoupled.
    State: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
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
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
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
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = _value(group["lr"]), group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, grad in self._grads(group, "RAdam"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
            param = p._array
            dt = param.dtype
            if group["maximize"]:
                grad = -grad
            step_t = state["step"]._array
            step_t += 1
            step = float(step_t)
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    pw.mul_(param, 1 - lr * weight_decay)
                else:
                    grad = pw.add(grad, param, weight_decay)
            exp_avg = pw.lerp_(state["exp_avg"]._array, grad, 1 - beta1)
            exp_avg_sq = pw.addcmul_(
                pw.mul_(state["exp_avg_sq"]._array, beta2), grad, grad, 1 - beta2
            )
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            corrected = exp_avg / pw.scalar(bias_correction1, dt)
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            update = corrected * pw.scalar(lr, dt)
            if rho_t > 5.0:
                rect = (
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5
                sq_sqrt = np.sqrt(exp_avg_sq)
                sq_sqrt += pw.scalar(eps, dt)
                update *= pw.rdiv(bias_correction2**0.5, sq_sqrt)
                update *= pw.scalar(rect, dt)
            param -= update
