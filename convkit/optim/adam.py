"""Adam and AdamW (decoupled weight decay), with AMSGrad."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


def _check_betas(betas: tuple[float, float]) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonnegative(**values: float) -> None:
    """torch's messages: ``Invalid epsilon value: -1`` and ``Invalid <name> value: -1``."""
    for name, value in values.items():
        if not 0.0 <= value:
            label = "epsilon" if name == "eps" else name
            raise ValueError(f"Invalid {label} value: {value}")


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
        lr: float | Tensor = 1e-3,
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
        _check_lr(lr)
        _check_nonnegative(eps=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay)
        if not (
            (isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))
        ):
            raise ValueError("betas must be either both floats or both Tensors")
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
        _check_flags(differentiable, fused, foreach)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every parameter that has a gradient; returns the closure's loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = _value(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (_value(b) for b in group["betas"])
        amsgrad = group["amsgrad"]
        for p, grad in self._grads(group, "Adam"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_like(p)
            if group["maximize"]:
                grad = -grad
            param, exp_avg, exp_avg_sq = (
                p._array,
                state["exp_avg"]._array,
                state["exp_avg_sq"]._array,
            )
            step_t = state["step"]._array
            step_t += 1
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    pw.mul_(param, 1 - lr * weight_decay)
                else:
                    grad = pw.add(grad, param, weight_decay)
            pw.lerp_(exp_avg, grad, 1 - beta1)
            pw.addcmul_(pw.mul_(exp_avg_sq, beta2), grad, grad, 1 - beta2)
            # torch reads the step back as a Python float: the corrections are in double.
            step = float(step_t)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            if amsgrad:
                max_sq = state["max_exp_avg_sq"]._array
                np.maximum(max_sq, exp_avg_sq, out=max_sq)
                second = max_sq
            else:
                second = exp_avg_sq
            denom = np.sqrt(second) / pw.scalar(bias_correction2_sqrt, param.dtype)
            denom += pw.scalar(eps, param.dtype)
            pw.addcdiv_(param, exp_avg, denom, -step_size)


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
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

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A state_dict saved by Adam must not switch AdamW back to coupled decay.
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
