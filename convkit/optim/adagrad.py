"""Adagrad, with learning-rate decay and an initial accumulator value."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value


class Adagrad(Optimizer):
    """torch.optim.Adagrad. At step t, with g the gradient (negated when ``maximize``, plus
    ``weight_decay * p``): ``s += g * g`` and ``p -= lr / (1 + (t - 1) * lr_decay) * g /
    (sqrt(s) + eps)``. State: ``step`` and ``sum`` (starting at ``initial_accumulator_value``),
    made for every parameter when the optimiser is built, as torch does.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        _check_flags(differentiable, fused, foreach)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = _scalar_state(0.0)
        value = self.defaults["initial_accumulator_value"]
        state["sum"] = Tensor._wrap(np.full_like(p._array, value))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = _value(group["lr"]), group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, grad in self._grads(group, "Adagrad"):
            state = self.state[p]
            if len(state) == 0:
                self._init_state(p)
            param = p._array
            step_t = state["step"]._array
            step_t += 1
            step = float(step_t)
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = pw.add(grad, param, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = pw.addcmul_(state["sum"]._array, grad, grad)
            std = np.sqrt(state_sum)
            std += pw.scalar(eps, param.dtype)
            pw.addcdiv_(param, grad, std, -clr)
