"""Files: safetensors checkpoints (``save``/``load``)."""
from .files import atomic_write, load, save

__all__ = ["atomic_write", "load", "save"]
