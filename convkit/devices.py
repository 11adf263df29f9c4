"""Devices, as torch 2.13 has them on a build without CUDA.

convkit computes on the CPU only. ``device`` parses and compares device names exactly as
``torch.device`` does (``device('cuda:1')`` is a valid object), and ``check`` raises what torch
raises when a tensor is put on a device it was not built for: ``AssertionError: Torch not
compiled with CUDA enabled`` for CUDA, ``RuntimeError: Cannot access accelerator device when
none is available.`` for a bare device index. The text is torch's own, so code written for
torch that looks for it keeps working.
"""

from __future__ import annotations

import re
import threading
from typing import Any

# torch's device types, in the order its parser lists them.
_TYPES = (
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
)
_DEVICE_STRING = re.compile(r"([a-z]+)(?::(0|[1-9][0-9]*))?")

NO_CUDA = "Torch not compiled with CUDA enabled"
NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """A device name: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``.

    ``type`` and ``index`` (None when not given) as in torch; equal devices hash alike; a device
    is not equal to its string. As a ``with`` block it makes the factories default to it (a
    non-CPU device then makes them raise, as in torch without that backend).
    """

    __slots__ = ("_type", "_index", "_prev")
    _type: str
    _index: int | None
    _prev: device | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - torch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            # torch reads a bare integer as an accelerator index; convkit has none.
            raise RuntimeError(NO_ACCELERATOR)
        if not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({builtin_type(type).__name__}), but expected one of:\n"
                " * (torch.device device)\n * (str type, int index = -1)\n"
            )
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(
                f"device(): argument 'index' (position 2) must be int, not "
                f"{builtin_type(index).__name__}"
            )
        name = type
        match = _DEVICE_STRING.fullmatch(name)
        kind = re.match(r"[a-zA-Z]*", name)
        head = kind.group(0) if kind else ""
        if head not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {name}"
            )
        if match is None:
            raise RuntimeError(f"Invalid device string: '{name}'")
        parsed = None if match.group(2) is None else int(match.group(2))
        if parsed is not None and index is not None:
            raise RuntimeError(
                "type (string) must not include an index because index was passed explicitly: "
                f"{name}"
            )
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._type = match.group(1)
        self._index = parsed if index is None else index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (str(self),))

    def __enter__(self) -> device:
        self._prev = _state.default
        _state.default = self
        return self

    def __exit__(self, *exc: object) -> None:
        _state.default = self._prev


builtin_type = type


class _DefaultDevice(threading.local):
    default: device | None = None


_state = _DefaultDevice()
CPU = device("cpu")


def as_device(d: Any, creating: bool = False) -> device:
    """``d`` (a device, a string or an int) as a device, raising torch's error for a device that
    convkit cannot hold tensors on (``creating``: a factory making a tensor there)."""
    dev = d if isinstance(d, device) else device(d)
    check(dev, creating)
    return dev


_DISPATCH_KEYS = {"vulkan": "Vulkan", "privateuseone": "PrivateUse1", "mkldnn": "MkldnnCPU"}


def check(dev: device, creating: bool = False) -> None:
    """Raise what torch 2.13 (CPU build) raises when a tensor is put on ``dev``: moved there
    (``.to``, ``tensor(..., device=)``), or made there by a factory (``zeros(..., device=)``)."""
    t = dev.type
    if t == "cpu":
        return
    if t == "cuda":
        raise AssertionError(NO_CUDA)
    if t == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    if t == "meta":
        raise NotImplementedError(
            "convkit has no meta tensors: every tensor holds its values on the CPU"
        )
    if creating:
        raise NotImplementedError(
            f"Could not run 'aten::empty.memory_format' with arguments from the "
            f"'{_DISPATCH_KEYS.get(t, t.upper())}' backend: convkit computes on the CPU only."
        )
    raise RuntimeError(f"PyTorch is not linked with support for {t} devices")


def cuda_target(d: Any) -> None:
    """Check the ``device`` argument of ``.cuda()`` as torch does before it finds no CUDA."""
    if d is None:
        return
    if isinstance(d, int) and not isinstance(d, bool):
        raise RuntimeError(NO_ACCELERATOR)
    if (d if isinstance(d, device) else device(d)).type != "cuda":
        raise RuntimeError("Invalid device, must be cuda device")


def resolve(d: Any, creating: bool = True) -> device:
    """The device a factory makes its tensor on: ``d``, else the default device; checked
    (``creating`` False: the factory copies existing data there, as ``tensor()`` does)."""
    if d is None:
        d = _state.default
        if d is None:
            return CPU
    return as_device(d, creating)


def legacy(d: Any) -> None:
    """The ``Tensor(..., device=)`` constructor's check: a CPU device, as torch requires."""
    if d is None:
        return
    dev = d if isinstance(d, device) else device(d)
    if dev.type != "cpu":
        raise RuntimeError(
            f"legacy constructor expects device type: cpu but device type: {dev.type} was passed"
        )


def get_default_device() -> device:
    """The device factories use when none is given (``torch.get_default_device``)."""
    d = _state.default
    if d is None:
        return CPU
    check(d, creating=True)
    return d


def set_default_device(d: Any) -> None:
    """Make factories default to ``d`` (None: the CPU), as ``torch.set_default_device``; a
    non-CPU device makes them raise torch's error."""
    _state.default = None if d is None else (d if isinstance(d, device) else device(d))


__all__ = ["device", "get_default_device", "set_default_device"]
