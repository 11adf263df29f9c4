"""Muon: momentum SGD whose update is orthogonalised by a Newton-Schulz iteration (2-D params).

torch runs the iteration in bfloat16. NumPy has no bfloat16, so the values are kept in float32
arrays rounded to bfloat16 after every operation, as torch rounds them: each product is summed
exactly (in float64) and rounded once, as torch's bfloat16 matmul and addmm, which accumulate in
float32 and round once, give for all but results within float32 rounding of a bfloat16 tie.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor
from . import _pointwise as pw
from .optimizer import Optimizer, _value

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.775
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bfloat16(x: Any) -> np.ndarray:
    """``x`` rounded to bfloat16 (8 significant bits, ties to even), held in float32."""
    mantissa, exponent = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.rint(mantissa * 256.0) / 256.0, exponent).astype(np.float32)


def _zeropower_via_newtonschulz(
    grad: np.ndarray, ns_coefficients: tuple[float, float, float], ns_steps: int, eps: float
) -> np.ndarray:
    """An approximately orthogonal matrix with grad's singular vectors (Jordan et al., 2024):
    ``X = G / |G|``, then ``ns_steps`` times ``X = a X + (b A + c A @ A) @ X`` with ``A = X X^T``,
    on the wide orientation of G, in bfloat16."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (float(np.float32(v)) for v in ns_coefficients)
    x = _bfloat16(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _bfloat16(np.sqrt(np.sum(np.square(x, dtype=np.float64))))
    x = _bfloat16(x / max(norm, _bfloat16(eps)))
    for _ in range(ns_steps):
        x64 = x.astype(np.float64)
        gram = _bfloat16(x64 @ x64.T)  # (m, m)
        gram64 = gram.astype(np.float64)
        gram_update = _bfloat16(b * gram64 + c * (gram64 @ gram64))
        x = _bfloat16(a * x64 + gram_update.astype(np.float64) @ x64)
    return x.T if tall else x


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape: tuple[int, ...]) -> float:
    """The rate scaled for the matrix's shape (A rows, B columns): ``original`` multiplies by
    ``sqrt(max(1, A / B))``, ``match_rms_adamw`` by ``0.2 sqrt(max(A, B))``."""
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """torch.optim.Muon, for 2-D parameters only. ``b = lerp(b, g, 1 - momentum)``; the update is
    ``lerp(g, b, momentum)`` (nesterov) or ``b``, orthogonalised (in bfloat16); then
    ``p *= 1 - lr * weight_decay`` and ``p -= adjusted_lr * update``. State: ``momentum_buffer``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
        eps: float = EPS,
        ns_steps: int = DEFAULT_NS_STEPS,
        adjust_lr_fn: str | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _value(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": ns_coefficients,
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter with "
                        f"size: {p.size()}"
                    )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Muon update of every parameter that has a gradient."""
        return self._step_groups(closure)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, weight_decay, momentum = _value(group["lr"]), group["weight_decay"], group["momentum"]
        for p, grad in self._grads(group, "Muon"):
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor._wrap(np.zeros_like(grad))
            if grad.ndim != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            buf = pw.lerp_(state["momentum_buffer"]._array, grad, 1 - momentum)
            update = (
                pw.lerp_(np.array(grad, copy=True), buf, momentum) if group["nesterov"] else buf
            )
            ortho = _zeropower_via_newtonschulz(
                update, group["ns_coefficients"], group["ns_steps"], group["eps"]
            )
            adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], p._array.shape)
            pw.mul_(p._array, 1 - lr * weight_decay)
            pw.add_(p._array, ortho.astype(p._array.dtype), -adjusted_lr)
