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
    functions,
    io,
    jit,
    linalg,
    nn,
    optim,
    random,
    return_types,
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
from .functions import *
from .io import load, save
from .kernels.parallel import get_num_threads, set_num_threads
from .printing import set_printoptions
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
    layout,
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
    strided,
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


__all__ = [
    "Size",
    "Tensor",
    "accelerator",
    "arange",
    "as_tensor",
    "asarray",
    "autograd",
    "backends",
    "bool",
    "bool_",
    "cat",
    "channels_last",
    "channels_last_3d",
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
    "eye",
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
    "jit",
    "layout",
    "linalg",
    "linspace",
    "load",
    "long",
    "manual_seed",
    "maximum",
    "memory_format",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "preserve_format",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "random",
    "return_types",
    "save",
    "set_default_device",
    "set_default_dtype",
    "set_grad_enabled",
    "set_num_threads",
    "set_printoptions",
    "set_rng_state",
    "short",
    "stack",
    "strided",
    "summary",  # noqa: F405 - provided by the module __getattr__ (explain loads lazily)
    "tensor",
    "uint8",
    "where",
    "zeros",
    "zeros_like",
    *functions.__all__,
]
