"""``convkit.backends.fast``: the switch of convkit[fast]'s optional numba kernels.

convkit's own backend (torch has none by this name; it follows ``torch.backends.mkldnn``, whose
``enabled`` flag turns oneDNN's kernels off). With numba installed (``pip install
"convkit[fast]"``), depthwise convolution and max pooling with indices
(``return_indices=True``) run as compiled loops (``convkit/kernels/fast.py``); the NumPy
kernels stay the reference.

    import convkit
    convkit.backends.fast.is_available()    # numba is installed
    convkit.backends.fast.enabled = False   # NumPy kernels from here on
    with convkit.backends.fast.flags(enabled=False):
        ...                                 # NumPy kernels inside the block

``CONVKIT_FAST=0`` in the environment starts a process with the fast path off.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator

from ..kernels import fast as _fast


def is_available() -> bool:
    """Whether numba is installed, so that the fast kernels can run."""
    return _fast.is_available()


@contextlib.contextmanager
def flags(enabled: bool = False) -> Iterator[None]:
    """Set ``enabled`` inside a ``with`` block and restore it after, as torch's ``flags``."""
    old = _fast.is_enabled()
    _fast.set_enabled(enabled)
    try:
        yield
    finally:
        _fast.set_enabled(old)


class _FastModule(types.ModuleType):
    """This module, with ``enabled`` read from and written to the kernels' switch."""

    @property
    def enabled(self) -> bool:
        """Whether the fast kernels run where numba is installed (True unless switched off)."""
        return _fast.is_enabled()

    @enabled.setter
    def enabled(self, value: bool) -> None:
        _fast.set_enabled(value)


sys.modules[__name__].__class__ = _FastModule

__all__ = ["enabled", "flags", "is_available"]  # noqa: F822 - enabled is _FastModule's property
