"""The torch.* functions, each also bound as the Tensor method of the same name where torch
has one (see ``_bind``). Grouped as torch's documentation groups them; ``convkit`` re-exports
every name in the submodules' ``__all__``.
"""

from . import indexing, pointwise, reductions, shape
from .indexing import *  # noqa: F403 - the submodules' __all__ are the public lists
from .pointwise import *  # noqa: F403
from .reductions import *  # noqa: F403
from .shape import *  # noqa: F403

__all__ = [*indexing.__all__, *pointwise.__all__, *reductions.__all__, *shape.__all__]
