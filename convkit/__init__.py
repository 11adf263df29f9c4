"""convkit: convolutional neural networks in NumPy, computed exactly as PyTorch computes them.

``import convkit as torch`` runs code written for torch. This file is the public surface only.
"""

from . import (
    accelerator,
    autograd,
    backends,
    cuda,
    data,
    distributed,
    functional,
    io,
    nn,
    optim,
    random,
    utils,
)
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .devices import device, get_default_device, set_default_device
from .dtypes import (
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .io import load, save
from .kernels.parallel import get_num_threads, set_num_threads
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .tensor import (
    Size,
    Tensor,
    allclose,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    cat,
    channels_last,
    channels_last_3d,
    concat,
    concatenate,
    contiguous_format,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    maximum,
    memory_format,
    minimum,
    multinomial,
    normal,
    ones,
    ones_like,
    preserve_format,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

# torch's dtype aliases. They shadow builtins in this namespace only, as they do in torch's;
# inside convkit, float and bool keep their Python meaning.
bool = bool_
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``convkit.summary`` lives in convkit.explain, which is imported on first use only:
    # ``import convkit`` stays light (no Pillow, no explainer tables).
    if name == "summary":
        from .explain import summary

        return summary
    raise AttributeError(f"module 'convkit' has no attribute '{name}'")


def exp(t):
    return t.exp()


def log(t):
    return t.log()


def sqrt(t):
    return t.sqrt()


def abs(t):
    return t.abs()


def relu(t):
    return t.relu()


def sigmoid(t):
    return t.sigmoid()


def tanh(t):
    return t.tanh()


def sum(t, dim=None, keepdim=False):
    return t.sum(dim, keepdim)


def mean(t, dim=None, keepdim=False):
    return t.mean(dim, keepdim)


def max(t, dim=None, keepdim=False):
    return t.max(dim, keepdim)


def min(t, dim=None, keepdim=False):
    return t.min(dim, keepdim)


def argmax(t, dim=None, keepdim=False):
    return t.argmax(dim, keepdim)


def flatten(t, start_dim=0, end_dim=-1):
    return t.flatten(start_dim, end_dim)


def reshape(t, shape):
    return t.reshape(shape)


def matmul(a, b):
    return a @ b


def clamp(t, min=None, max=None):
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


__all__ = [
    "abs",
    "accelerator",
    "allclose",
    "arange",
    "argmax",
    "as_tensor",
    "asarray",
    "autograd",
    "backends",
    "bool",
    "bool_",
    "cat",
    "channels_last",
    "channels_last_3d",
    "clamp",
    "concat",
    "concatenate",
    "contiguous_format",
    "cuda",
    "data",
    "device",
    "distributed",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "functional",
    "get_default_device",
    "get_default_dtype",
    "get_num_threads",
    "Generator",
    "bernoulli",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "multinomial",
    "normal",
    "seed",
    "utils",
    "half",
    "inference_mode",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "io",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "memory_format",
    "min",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "preserve_format",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "random",
    "relu",
    "reshape",
    "save",
    "set_default_device",
    "set_default_dtype",
    "set_grad_enabled",
    "set_num_threads",
    "set_rng_state",
    "sigmoid",
    "short",
    "Size",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "sum",
    "summary",
    "tanh",
    "Tensor",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "where",
    "zeros",
    "zeros_like",
]
