"""``convkit.cuda``: torch.cuda as torch 2.13 behaves on a build without CUDA.

convkit computes on the CPU only, so ``is_available()`` is False and ``device_count()`` 0.
Every function is torch's on that build, checked one by one: the ones torch answers without a
GPU (seeding, memory counters, ``empty_cache``) return what torch returns; the ones that need a
device raise torch's ``AssertionError: Torch not compiled with CUDA enabled``. Code written as
``device = 'cuda' if torch.cuda.is_available() else 'cpu'`` therefore runs unchanged.
"""

from __future__ import annotations

from typing import Any

from .devices import NO_CUDA


def _no_cuda(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(NO_CUDA)


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def is_tf32_supported() -> bool:
    return False


def _is_compiled() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeds nothing (there is no CUDA generator); torch accepts and ignores it the same way."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    int(seed)


def seed() -> None:
    pass


def seed_all() -> None:
    pass


def empty_cache() -> None:
    pass


def get_rng_state_all() -> list[Any]:
    return []


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    pass


def set_rng_state_all(new_states: Any) -> None:
    pass


def get_arch_list() -> list[str]:
    return []


def get_gencode_flags() -> str:
    return ""


def _zero(device: Any = None) -> int:
    return 0


memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _zero
memory_cached = max_memory_cached = _zero


def memory_stats(device: Any = None) -> dict[str, Any]:
    return {}


def set_device(device: Any) -> None:
    # torch without CUDA fails here with an AttributeError from its C extension; convkit raises
    # the error every other device function gives.
    if isinstance(device, int) and device < 0:
        return
    raise AssertionError(NO_CUDA)


synchronize = current_device = get_device_name = get_device_capability = _no_cuda
get_device_properties = init = initial_seed = get_rng_state = ipc_collect = _no_cuda
current_stream = default_stream = mem_get_info = set_per_process_memory_fraction = _no_cuda
current_blas_handle = set_sync_debug_mode = _no_cuda


class Stream:
    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Tried to instantiate dummy base class Event")


class device:
    """``with cuda.device(i):`` switches the current CUDA device; without CUDA, entering it
    raises as torch's does."""

    def __init__(self, device: Any) -> None:
        self.idx = device

    def __enter__(self) -> None:
        raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc: object) -> None:
        pass


class device_of(device):
    """The CUDA device of a tensor; a CPU tensor selects none, so this does nothing."""

    def __init__(self, obj: Any) -> None:
        super().__init__(-1)

    def __enter__(self) -> None:
        pass


__all__ = [
    "Event",
    "Stream",
    "current_device",
    "device",
    "device_count",
    "device_of",
    "empty_cache",
    "get_device_name",
    "get_rng_state_all",
    "init",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "seed",
    "seed_all",
    "set_device",
    "set_rng_state",
    "set_rng_state_all",
    "synchronize",
]
