"""The torch.* functions, each also bound as the Tensor method of the same name where torch
has one (see ``_bind``). Grouped as torch's documentation groups them; ``convkit`` re-exports
every name in the submodules' ``__all__``.
"""

from . import pointwise
from .pointwise import *  # noqa: F403 - the submodule's __all__ is the public list

__all__ = [*pointwise.__all__]
