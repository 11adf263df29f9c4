"""Files: safetensors checkpoints (``save``/``load``) and PyTorch ``.pt`` state dicts read without
torch and without running code from the file (``load_torch``)."""

from .files import atomic_write, load, save
from .torch_pt import TorchFileError, load_torch

__all__ = ["TorchFileError", "atomic_write", "load", "load_torch", "save"]
