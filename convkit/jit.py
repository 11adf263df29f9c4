"""torch.jit, for code that scripts or traces a model on its way to running it.

convkit has no TorchScript compiler. ``script`` and ``trace`` return the module or function
unchanged, so calling the result computes exactly what torch's scripted module computes (a
TorchScript module runs the same operations); the decorators and queries model code uses
(``ignore``, ``unused``, ``export``, ``is_scripting``, ``annotate``, ...) behave as they do in
eager torch. Saving or loading TorchScript archives (``save``, ``load``, ``freeze``) raises
NotImplementedError: write a state dict with ``convkit.save`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

__all__ = [
    "Final",
    "annotate",
    "export",
    "freeze",
    "ignore",
    "interface",
    "is_scripting",
    "is_tracing",
    "load",
    "save",
    "script",
    "trace",
    "unused",
]

F = TypeVar("F", bound=Callable[..., Any])

_NO_TORCHSCRIPT = (
    "convkit has no TorchScript: {what} is not supported. script() and trace() return the "
    "model unchanged (it runs eagerly); save its weights with convkit.save(model.state_dict(), "
    "path) instead."
)


def script(
    obj: Any,
    optimize: Any = None,
    _frames_up: int = 0,
    _rcb: Any = None,
    example_inputs: Any = None,
) -> Any:
    """The module or function itself (eager execution computes what TorchScript would)."""
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """The module or function itself; ``example_inputs`` are not run."""
    return func


def trace_module(mod: Any, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """A decorator that leaves the function as is (used bare or as ``ignore(drop=True)``)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: F) -> F:
    return fn


def export(fn: F) -> F:
    return fn


def interface(obj: Any) -> Any:
    return obj


def is_scripting() -> bool:
    """False: code always runs eagerly."""
    return False


def is_tracing() -> bool:
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value`` (TorchScript's type hint has no effect in eager code)."""
    return the_value


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    raise NotImplementedError(_NO_TORCHSCRIPT.format(what="jit.save"))


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    raise NotImplementedError(_NO_TORCHSCRIPT.format(what="jit.load"))


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Any:
    raise NotImplementedError(_NO_TORCHSCRIPT.format(what="jit.freeze"))
