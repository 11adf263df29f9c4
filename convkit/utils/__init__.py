"""torch.utils for convkit: ``convkit.utils.data`` (datasets, samplers, DataLoader)."""

from . import data

__all__ = ["data"]
