"""Adam and AdamW (decoupled weight decay), with AMSGrad."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, lerp_, scalar
from .sgd import _check_kernel_flags


class Adam(Optimizer):
    """torch.optim.Adam. With g the gradient (negated when ``maximize``) and t the step count:

    weight decay: ``p *= 1 - lr * weight_decay`` if ``decoupled_weight_decay`` (AdamW) else
    ``g += weight_decay * p``; then ``m = lerp(m, g, 1 - beta1)``,
    ``v = beta2 * v + (1 - beta2) * g * g``, with AMSGrad ``v_max = max(v_max, v)`` used in
    place of v, and ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.
    State per parameter: ``step`` (a float32 scalar Tensor, as torch keeps it), ``exp_avg``,
    ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        _check_kernel_flags(differentiable)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            if p.grad is None:
                continue
            dt = p._array.dtype
            state = self.state[p]
            if len(state) == 0:
                state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._array))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._array))
                if amsgrad:
                    state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._array))
            grad = -p.grad._array if group["maximize"] else p.grad._array
            exp_avg, exp_avg_sq = state["exp_avg"]._array, state["exp_avg_sq"]._array
            step_t = state["step"]._array
            step_t += 1
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p._array *= scalar(1 - lr * weight_decay, dt)
                else:
                    grad = grad + scalar(weight_decay, dt) * p._array
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= scalar(beta2, dt)
            exp_avg_sq += scalar(1 - beta2, dt) * grad * grad
            # torch reads the step back as a Python float: the corrections are in double.
            step = float(step_t)
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            step_size = lr / bias_correction1
            if amsgrad:
                max_sq = state["max_exp_avg_sq"]._array
                np.maximum(max_sq, exp_avg_sq, out=max_sq)
                second = max_sq
            else:
                second = exp_avg_sq
            denom = np.sqrt(second) / scalar(bias_correction2_sqrt, dt) + scalar(eps, dt)
            p._array += scalar(-step_size, dt) * (exp_avg / denom)


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def _after_load(self) -> None:
        # A state_dict saved by Adam must not switch AdamW back to coupled decay.
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
