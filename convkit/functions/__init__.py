"""The torch.* functions, each also bound as the Tensor method of the same name where torch
has one (see ``_bind``). Grouped as torch's documentation groups them; ``convkit`` re-exports
every name in the submodules' ``__all__``.
"""

from . import creation, indexing, linalg, misc, nn, pointwise, reductions, shape, sorting, types
from .creation import *  # noqa: F403 - the submodules' __all__ are the public lists
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .misc import *  # noqa: F403
from .nn import *  # noqa: F403
from .pointwise import *  # noqa: F403
from .reductions import *  # noqa: F403
from .shape import *  # noqa: F403
from .sorting import *  # noqa: F403
from .types import *  # noqa: F403

__all__ = [
    *creation.__all__,
    *indexing.__all__,
    *linalg.__all__,
    *misc.__all__,
    *nn.__all__,
    *pointwise.__all__,
    *reductions.__all__,
    *shape.__all__,
    *sorting.__all__,
    *types.__all__,
]
