"""convkit.data's DataLoader is convkit.utils.data's (torch.utils.data's), re-exported here."""

from ..utils.data import DataLoader, default_collate, default_convert

__all__ = ["DataLoader", "default_collate", "default_convert"]
