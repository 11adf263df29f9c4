"""``convkit.functional``: the same functions as ``convkit.nn.functional``."""

from .nn.functional import *
from .nn.functional import __all__  # noqa: F401 - re-exported: the same public list
