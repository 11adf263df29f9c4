"""``convkit.nn.functional``: torch-signature functions composed from the ops.

Arguments are normalised here, at the public boundary, into canonical tuples; the ops and kernels
below never branch on "int or tuple". Each area lives in its own file; this file only gathers them.
"""

# Keep the area modules under private names first: the star imports below rebind ``linear``
# to the function F.linear, as torch's namespace has it.
from . import activation as _activation
from . import conv as _conv
from . import dropout as _dropout
from . import linear as _linear
from . import loss as _loss
from . import normalization as _normalization
from . import padding as _padding
from . import pooling as _pooling
from . import sparse as _sparse
from . import upsampling as _upsampling
from . import vision as _vision
from .activation import *
from .conv import *
from .dropout import *
from .linear import *
from .loss import *
from .normalization import *
from .padding import *
from .pooling import *
from .sparse import *
from .upsampling import *
from .vision import *

__all__ = sorted(
    set(
        _activation.__all__
        + _conv.__all__
        + _dropout.__all__
        + _linear.__all__
        + _loss.__all__
        + _normalization.__all__
        + _padding.__all__
        + _pooling.__all__
        + _sparse.__all__
        + _upsampling.__all__
        + _vision.__all__
    )
)
