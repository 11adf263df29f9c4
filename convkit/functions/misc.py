"""Global switches torch code sets and convkit accepts: compile (a no-op), deterministic
algorithms (convkit's are always deterministic), float32 matmul precision, warn-always and the
anomaly-mode flags."""

from __future__ import annotations

import builtins
import warnings
from typing import Any

__all__ = [
    "are_deterministic_algorithms_enabled",
    "compile",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_warn_always_enabled",
    "set_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "set_warn_always",
    "use_deterministic_algorithms",
]

_state: dict[str, Any] = {
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "warn_always": False,
}


def compile(  # noqa: A001 - torch.compile
    model: Any = None,
    *,
    fullgraph: builtins.bool = False,
    dynamic: Any = None,
    backend: Any = "inductor",
    mode: Any = None,
    options: Any = None,
    disable: builtins.bool = False,
) -> Any:
    """Returns ``model`` (a module or function) unchanged: convkit runs eagerly and has no
    compiler, and an uncompiled model computes the same numbers. As a decorator with arguments
    (``@torch.compile(mode=...)``) it returns a decorator that does the same."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile(): expected a module or function, got {type(model).__name__}")
    return model


def use_deterministic_algorithms(mode: builtins.bool, *, warn_only: builtins.bool = False) -> None:
    """Accepted and recorded: every convkit kernel is deterministic already."""
    if not isinstance(mode, builtins.bool):
        raise TypeError(
            "_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
            f"{type(mode).__name__}"
        )
    _state["deterministic"], _state["warn_only"] = mode, builtins.bool(warn_only)


def are_deterministic_algorithms_enabled() -> builtins.bool:
    return builtins.bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> builtins.bool:
    return builtins.bool(_state["warn_only"])


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: Any) -> None:
    """0/'default', 1/'warn', 2/'error', as torch; the same switch as
    ``use_deterministic_algorithms``."""
    level = _DEBUG_MODES.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if level not in (0, 1, 2):
        raise RuntimeError(
            "invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
            f"{debug_mode}"
        )
    use_deterministic_algorithms(level != 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> builtins.int:
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted ('highest', 'high', 'medium'): convkit's float32 products always use full
    float32 precision, which is 'highest'."""
    if precision not in ("highest", "high", "medium"):  # torch warns and changes nothing
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return str(_state["matmul_precision"])


def set_warn_always(b: builtins.bool) -> None:
    _state["warn_always"] = builtins.bool(b)


def is_warn_always_enabled() -> builtins.bool:
    return builtins.bool(_state["warn_always"])
