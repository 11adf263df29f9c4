"""``convkit.nn.functional``: torch-signature functions composed from the ops.

Arguments are normalised here, at the public boundary, into canonical tuples; the ops and kernels
below never branch on "int or tuple". Each area lives in its own file; this file only gathers them.
"""
from .activation import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from . import activation, conv, linear, loss, normalization, padding, pooling

__all__ = sorted(set(activation.__all__ + conv.__all__ + linear.__all__ + loss.__all__
                     + normalization.__all__ + padding.__all__ + pooling.__all__))
