"""``convkit.functional``: the same functions as ``convkit.nn.functional``."""

from .nn.functional import *  # noqa: F403
from .nn.functional import __all__  # noqa: F401
