"""Files: ``save``/``load`` of anything ``torch.save`` takes (torch's zip format or safetensors),
PyTorch ``.pt`` files read without torch and without running code from them (``load_torch``), and
atomic, checksummed writes."""

from .files import atomic_write, load_safetensors, save_safetensors
from .serialization import load, save
from .torch_pt import TorchFileError, load_torch

__all__ = [
    "TorchFileError",
    "atomic_write",
    "load",
    "load_safetensors",
    "load_torch",
    "save",
    "save_safetensors",
]
