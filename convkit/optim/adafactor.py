"""Adafactor: second moments factored into row and column statistics (Shazeer and Stern, 2018)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .optimizer import Optimizer, _scalar_state, _value


def _norm(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=axis is not None))


class Adafactor(Optimizer):
    """torch.optim.Adafactor, as torch implements it (its use of ``lr`` and ``eps1`` differs from
    the paper; see torch's note). At step t, with g the gradient (negated when ``maximize``):
    ``beta = t**beta2_decay``, ``rho = min(lr, 1/sqrt(t))``,
    ``alpha = max(eps2, RMS(p)) * rho``; ``p *= 1 - lr * weight_decay``; for a matrix the row and
    column means of g*g are averaged into ``row_var`` and ``col_var`` (lerp with weight beta) and
    ``V = row_var @ col_var / max(mean(row_var), eps1)``, for a vector ``variance`` averages g*g;
    ``u = g / sqrt(max(V, eps1**2))`` and ``p -= alpha / max(1, RMS(u) / d) * u``.
    ``eps1`` None means the parameter dtype's machine epsilon.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _value(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adafactor update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, beta2_decay, d = _value(group["lr"]), group["beta2_decay"], group["d"]
        weight_decay = group["weight_decay"]
        eps1, eps2 = group["eps"]
        for p, grad in self._grads(group, "Adafactor"):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                if grad.ndim > 1:
                    state["row_var"] = Tensor._wrap(np.zeros(grad.shape[:-1] + (1,), grad.dtype))
                    state["col_var"] = Tensor._wrap(
                        np.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], grad.dtype)
                    )
                else:
                    state["variance"] = Tensor._wrap(np.zeros_like(grad))
            param = p._array
            dt = param.dtype
            if group["maximize"]:
                grad = -grad
            if eps1 is None:
                # As in torch, the first parameter's dtype decides for the rest of the group.
                eps1 = float(np.finfo(dt).eps)
            step_t = state["step"]._array
            step_t += 1
            step = float(step_t)
            one_minus_beta2_t = step**beta2_decay
            rho_t = min(lr, 1 / (step**0.5))
            alpha = max(eps2, float(_norm(param)) / (param.size**0.5)) * rho_t
            if weight_decay != 0:
                pw.mul_(param, 1 - lr * weight_decay)
            if grad.ndim > 1:
                row_var, col_var = state["row_var"]._array, state["col_var"]._array
                row_mean = np.square(_norm(grad, -1)) / pw.scalar(grad.shape[-1], dt)
                pw.lerp_(row_var, row_mean, one_minus_beta2_t)
                col_mean = np.square(_norm(grad, -2)) / pw.scalar(grad.shape[-2], dt)
                pw.lerp_(col_var, col_mean, one_minus_beta2_t)
                var_estimate = row_var @ col_var  # (..., m, 1) @ (..., 1, n): an outer product
                row_var_mean = np.mean(row_var, axis=-2, keepdims=True)
                var_estimate /= np.maximum(row_var_mean, pw.scalar(eps1, dt))
            else:
                variance = state["variance"]._array
                pw.lerp_(variance, grad * grad, one_minus_beta2_t)
                var_estimate = variance.copy()
            np.maximum(var_estimate, pw.scalar(eps1 * eps1, dt), out=var_estimate)
            update = pw.scalar(1, dt) / np.sqrt(var_estimate)
            update *= grad
            denom = max(1.0, float(_norm(update)) / ((update.size**0.5) * d))
            pw.add_(param, update, -alpha / denom)
