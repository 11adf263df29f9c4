"""convkit: convolutional neural networks in NumPy, computed exactly as PyTorch computes them.

``import convkit as torch`` runs code written for torch. This file is the public surface only.
"""

from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import (
    Size,
    Tensor,
    allclose,
    arange,
    as_tensor,
    bool_,
    cat,
    double,
    empty,
    float,
    float16,
    float32,
    float64,
    from_numpy,
    full,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    is_tensor,
    long,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    stack,
    tensor,
    uint8,
    where,
    zeros,
    zeros_like,
)
from . import nn  # noqa: E402  (nn needs the names above)
from . import functional  # noqa: E402
from . import io  # noqa: E402
from . import data, optim  # noqa: E402
from .explain import summary  # noqa: E402
from .io import load, save  # noqa: E402

bool = bool_  # noqa: A001 - torch.bool

__version__ = "0.1.0"


def exp(t):
    return t.exp()


def log(t):
    return t.log()


def sqrt(t):
    return t.sqrt()


def abs(t):  # noqa: A001
    return t.abs()


def relu(t):
    return t.relu()


def sigmoid(t):
    return t.sigmoid()


def tanh(t):
    return t.tanh()


def sum(t, dim=None, keepdim=False):  # noqa: A001
    return t.sum(dim, keepdim)


def mean(t, dim=None, keepdim=False):
    return t.mean(dim, keepdim)


def max(t, dim=None, keepdim=False):  # noqa: A001
    return t.max(dim, keepdim)


def min(t, dim=None, keepdim=False):  # noqa: A001
    return t.min(dim, keepdim)


def argmax(t, dim=None, keepdim=False):
    return t.argmax(dim, keepdim)


def flatten(t, start_dim=0, end_dim=-1):
    return t.flatten(start_dim, end_dim)


def reshape(t, shape):
    return t.reshape(shape)


def matmul(a, b):
    return a @ b


def clamp(t, min=None, max=None):  # noqa: A002
    return t.clamp(min, max)


def transpose(t, dim0, dim1):
    return t.transpose(dim0, dim1)


def permute(t, dims):
    return t.permute(dims)


def unsqueeze(t, dim):
    return t.unsqueeze(dim)


def squeeze(t, dim=None):
    return t.squeeze(dim)


def softmax(t, dim):
    return nn.functional.softmax(t, dim)


def log_softmax(t, dim):
    return nn.functional.log_softmax(t, dim)
