"""How a torch.* function also becomes a Tensor method.

torch's Tensor methods are its functions with the tensor first (``x.cumsum(1)`` is
``torch.cumsum(x, 1)``), so each is written once, with torch's function signature, and
``@method`` makes it the method of that name too. The function form checks that its first
argument is a Tensor, as torch's does; the method needs no check. ``inplace`` adds the
``_``-suffixed form (``x.cumsum_(1)``), which writes the out-of-place result back through
``Tensor._inplace`` (version counter, views, the graph).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ..tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])


def check_tensor(name: str, value: Any, argument: str = "input", position: int = 1) -> None:
    """torch's TypeError for a non-Tensor where a Tensor argument belongs."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{argument}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


def method(fn: F) -> F:
    """Make ``fn`` (torch's signature, the tensor first) the Tensor method of its name, and
    return its function form."""
    setattr(Tensor, fn.__name__, fn)
    return as_function(fn)


def method_as(*names: str) -> Callable[[F], F]:
    """``@method`` under other names as well (torch's aliases: ``clip`` for ``clamp``)."""

    def register(fn: F) -> F:
        for name in names:
            setattr(Tensor, name, fn)
        return method(fn)

    return register


def as_function(fn: F) -> F:
    """The torch.* form of a method: the same call, with torch's check of the first argument."""
    name = fn.__name__

    @functools.wraps(fn)
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        check_tensor(name, input)
        return fn(input, *args, **kwargs)

    return function  # type: ignore[return-value]


def inplace(fn: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    """Add ``Tensor.<name>_``, the in-place form of ``fn``, and return its function form
    (``torch.sigmoid_(x)``)."""
    op_name = (name or fn.__name__) + "_"

    def op_(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(fn(self, *args, **kwargs))

    op_.__name__ = op_.__qualname__ = op_name
    op_.__doc__ = f"In-place form of ``{fn.__name__}``: writes the result into ``self``."
    setattr(Tensor, op_name, op_)
    return as_function(op_)
