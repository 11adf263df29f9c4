"""``convkit.accelerator``: torch.accelerator as torch 2.13 has it with no accelerator.

``is_available()`` is False, ``current_accelerator()`` None and ``device_count()`` 0; every
function that needs a device raises torch's ``RuntimeError: Cannot access accelerator device
when none is available.``
"""

from __future__ import annotations

import warnings
from typing import Any

from .devices import NO_ACCELERATOR, device


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    return None


def device_count() -> int:
    return 0


def _none_available(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(NO_ACCELERATOR)


current_device_index = set_device_index = synchronize = current_stream = set_stream = (
    _none_available
)
empty_cache = empty_host_cache = memory_stats = memory_allocated = max_memory_allocated = (
    _none_available
)
memory_reserved = max_memory_reserved = reset_peak_memory_stats = _none_available
reset_accumulated_memory_stats = get_memory_info = get_device_capability = _none_available


def current_device_idx() -> int:
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device: Any) -> None:
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


class device_index:
    """``with device_index(i):`` selects accelerator ``i``; ``None`` selects nothing."""

    def __init__(self, device: int | None) -> None:
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None:
            raise RuntimeError(NO_ACCELERATOR)

    def __exit__(self, *exc: object) -> None:
        pass


__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "current_stream",
    "device_count",
    "device_index",
    "empty_cache",
    "is_available",
    "max_memory_allocated",
    "memory_allocated",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]
