"""Padding modules: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2
and 3 dimensions, each a thin wrapper over ``F.pad``.

``padding`` is an int (the same on every side) or a tuple in F.pad's order, (left, right, top,
bottom, front, back); torch keeps a given tuple as it is and lets F.pad judge it at the first call.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _padding(padding, n: int) -> tuple[int, ...]:
    """An int repeated 2n times; a sequence kept as a tuple (torch's ``_ntuple(2n)``)."""
    if isinstance(padding, (tuple, list)):
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    _n = 0
    _mode = ""

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``."""

    _n = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Mirror the last dimension about its edge samples (pad < size)."""

    _n = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Mirror the last two dimensions about their edge samples (pad < size)."""

    _n = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Mirror the last three dimensions about their edge samples (pad < size)."""

    _n = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Repeat the edge samples of the last dimension."""

    _n = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Repeat the edge samples of the last two dimensions."""

    _n = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Repeat the edge samples of the last three dimensions."""

    _n = 3


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        n = self._n
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap the last dimension around (pad <= size)."""

    _n = 1


class CircularPad2d(_CircularPadNd):
    """Wrap the last two dimensions around (pad <= size)."""

    _n = 2


class CircularPad3d(_CircularPadNd):
    """Wrap the last three dimensions around (pad <= size)."""

    _n = 3
