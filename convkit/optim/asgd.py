"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from . import _pointwise as pw
from .adam import _check_nonnegative
from .optimizer import Optimizer, _check_flags, _check_lr, _scalar_state, _value, _zeros_like


class ASGD(Optimizer):
    """torch.optim.ASGD. With g the gradient (negated when ``maximize``, plus
    ``weight_decay * p``) and eta the current rate: ``p *= 1 - lambd * eta``, ``p -= eta * g``;
    the average is ``ax = p`` while ``mu == 1``, then ``ax += (p - ax) * mu``; after step t,
    ``eta = lr / (1 + lambd * lr * t)**alpha`` and ``mu = 1 / max(1, t - t0)``.
    State: ``step``, ``eta``, ``mu`` (scalar Tensors, so eta and mu are rounded to float32 as
    in torch) and ``ax``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
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
        """One ASGD update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lambd, alpha = _value(group["lr"]), group["lambd"], group["alpha"]
        t0, weight_decay = group["t0"], group["weight_decay"]
        default = get_default_dtype()
        for p, grad in self._grads(group, "ASGD"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["eta"] = _scalar_state(lr)
                state["mu"] = _scalar_state(1.0)
                state["ax"] = _zeros_like(p)
            param, ax = p._array, state["ax"]._array
            if group["maximize"]:
                grad = -grad
            step_t, eta, mu = state["step"]._array, state["eta"]._array, state["mu"]._array
            step_t += 1
            if weight_decay != 0:
                grad = pw.add(grad, param, weight_decay)
            eta_value = float(eta)
            pw.mul_(param, 1 - lambd * eta_value)
            pw.add_(param, grad, -eta_value)
            if float(mu) != 1:
                # A 0-d float32 mu multiplies a float64 parameter exactly (torch's promotion).
                ax += (param - ax) * mu.astype(param.dtype)
            else:
                ax[...] = param
            step = float(step_t)
            # torch makes each new value a tensor of the default dtype before copying it in, so
            # it is rounded to float32 even where eta and mu are float64 (loaded state).
            eta[...] = default.type(lr / ((1 + lambd * lr * step) ** alpha))
            mu[...] = default.type(1 / max(1, step - t0))
