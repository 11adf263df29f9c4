"""``convkit.backends.cudnn``: cuDNN's flags, which torch keeps (and ignores) without cuDNN."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

enabled = True
benchmark = False
benchmark_limit: int | None = None
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version() -> int | None:
    return None


def is_acceptable(tensor: Any) -> bool:
    return False


@contextlib.contextmanager
def flags(
    enabled: bool = False,
    benchmark: bool = False,
    benchmark_limit: int = 10,
    deterministic: bool = False,
    allow_tf32: bool = True,
) -> Iterator[None]:
    """Set the flags inside a ``with`` block and restore them after, as torch's ``flags``."""
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    new = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    here = globals()
    old = tuple(here[n] for n in names)
    here.update(zip(names, new, strict=True))
    try:
        yield
    finally:
        here.update(zip(names, old, strict=True))


__all__ = [
    "allow_tf32",
    "benchmark",
    "deterministic",
    "enabled",
    "flags",
    "is_available",
    "version",
]
