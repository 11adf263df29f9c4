"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_betas, _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class NAdam(Optimizer):
    """torch.optim.NAdam. At step t: ``mu_t = beta1 * (1 - 0.96**(t * momentum_decay) / 2)``,
    ``mu_product *= mu_t``; m and v as in Adam; with ``denom = sqrt(v / (1 - beta2**t)) + eps``,
    ``p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom`` and
    ``p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom``. Weight decay is added to
    g, or with ``decoupled_weight_decay`` applied as ``p *= 1 - lr * weight_decay`` (NAdamW).
    State: ``step``, ``mu_product`` (scalar Tensors in torch's scalar dtype, so the product is
    rounded to float32 each step as in torch), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
        _check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
        _check_flags(differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = _value(group["lr"]), group["betas"], group["eps"]
        weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
        for p, grad in self._grads(group, "NAdam"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["mu_product"] = _scalar_state(1.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
            param = p._array
            if group["maximize"]:
                grad = -grad
            step_t, mu_product = state["step"]._array, state["mu_product"]._array
            step_t += 1
            step = float(step_t)
            bias_correction2 = 1 - beta2**step
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    pw.mul_(param, 1 - lr * weight_decay)
                else:
                    grad = pw.add(grad, param, weight_decay)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            pw.mul_(mu_product, mu)
            exp_avg = pw.lerp_(state["exp_avg"]._array, grad, 1 - beta1)
            exp_avg_sq = pw.addcmul_(
                pw.mul_(state["exp_avg_sq"]._array, beta2), grad, grad, 1 - beta2
            )
            denom = np.sqrt(exp_avg_sq / pw.scalar(bias_correction2, param.dtype))
            mu_product_value = float(mu_product)
            mu_product_next = mu_product_value * mu_next
            denom += pw.scalar(eps, param.dtype)
            pw.addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product_value))
            pw.addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
