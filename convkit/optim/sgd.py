"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum."""

from __future__ import annotations

from typing import Any, Iterable

from ..tensor import Tensor
from .optimizer import Optimizer, scalar


def _check_kernel_flags(differentiable: bool) -> None:
    # foreach/fused only choose among torch kernels that compute the same update; convkit has
    # one. A differentiable step (autograd through the update) is a different feature.
    if differentiable:
        raise NotImplementedError("convkit optimizers do not support differentiable=True")


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
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
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
        _check_kernel_flags(differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        for p in group["params"]:
            if p.grad is None:
                continue
            dt = p._array.dtype
            grad = -p.grad._array if group["maximize"] else p.grad._array
            if weight_decay != 0:
                grad = grad + scalar(weight_decay, dt) * p._array
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._wrap(grad.astype(dt, copy=True))
                    state["momentum_buffer"] = buf
                else:
                    buf._array *= scalar(momentum, dt)
                    buf._array += scalar(1 - dampening, dt) * grad
                grad = grad + scalar(momentum, dt) * buf._array if nesterov else buf._array
            p._array += scalar(-lr, dt) * grad
