"""The torch.* functions, each also bound as the Tensor method of the same name where torch
has one (see ``_bind``). Grouped as torch's documentation groups them; ``convkit`` re-exports
every name in the submodules' ``__all__``.
"""

from . import creation, indexing, linalg, misc, nn, pointwise, reductions, shape, sorting, types
from .creation import *
from .indexing import *
from .linalg import *
from .misc import *
from .nn import *
from .pointwise import *
from .reductions import *
from .shape import *
from .sorting import *
from .types import *

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
