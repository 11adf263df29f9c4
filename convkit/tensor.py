"""Tensor: an n-d NumPy array with reverse-mode autograd.

Operators and methods delegate to the primitives in ``ops.basic``; this file holds argument
checking, construction, devices and the torch-shaped surface, and no derivative.

In-place methods all go through one mechanism, ``Tensor._inplace(result)``: the out-of-place
op computes ``result`` (recording its node when gradients are wanted), then ``self`` takes
``result``'s values (written into its own memory, so views see them) and ``result``'s place in
the graph, and its version counter goes up. Views (``view``, basic indexing, ``t()``,
``permute``, ``expand``, ...) are NumPy views of their base and share its version counter; an
in-place write through a view of a tensor with a history gives the base a CopySlices node, as
torch does.
"""

from __future__ import annotations

import builtins
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from . import autograd
from .autograd import _mode, grad_fn, tensor_hooks, version_counter
from .devices import CPU, NO_ACCELERATOR, NO_CUDA, as_device, cuda_target, device, legacy, resolve
from .dtypes import (
    SCALAR_NAMES,
    as_dtype,
    bool_,
    category,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    result_dtype,
    scalar_name,
)
from .errors import DimensionError
from .ops import basic as B
from .ops import pointwise as P
from .printing import format_tensor

__all__ = ["Size", "Tensor", "result_dtype"]


class Size(tuple):
    """A tensor's shape: a tuple whose repr is ``convkit.Size([1, 1, 55, 55])``."""

    def __repr__(self):
        return f"convkit.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for v in self:
            n *= v
        return n


class memory_format:
    """torch's memory formats (``convkit.channels_last``, ...). convkit's arrays keep NumPy's
    layout; ``to(memory_format=...)`` checks the rank as torch does and keeps the values."""

    def __init__(self, name: str, rank: int | None = None):
        self.name, self.rank = name, rank

    def __repr__(self):
        return f"convkit.{self.name}"


class layout:
    """torch's memory layouts; convkit's tensors are all dense: ``convkit.strided``."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"convkit.{self.name}"


strided = layout("strided")

contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last", 4)
channels_last_3d = memory_format("channels_last_3d", 5)


def _check_memory_format(fmt, ndim: int) -> None:
    if fmt is None:
        return
    if not isinstance(fmt, memory_format):
        raise TypeError(f"memory_format must be a convkit memory format, got {fmt!r}")
    if fmt.rank is not None and ndim != fmt.rank:
        raise RuntimeError(f"required rank {fmt.rank} tensor to use {fmt.name} format")


# ----- converting user data ---------------------------------------------------------------------

_SUPPORTED_NUMPY = (
    "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
    "uint32, uint16, uint8, and bool"
)


def _scalar_ok(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, complex)


def _data_error(data, legacy: bool = False) -> Exception:
    """torch's error for data that is not a (nested) sequence of numbers of one shape.

    torch takes the sizes from the first element at each depth, then checks every element
    against them: a string where a number belongs is "invalid data type", a shorter or longer
    row "expected sequence of length ...", a number where a row belongs "not a sequence", and
    anything else "Could not infer dtype". The legacy constructor ``Tensor(data)`` words the
    last ones as "data must be a sequence" and "must be real number".
    """
    if isinstance(data, (str, bytes)):
        return TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if legacy and not isinstance(data, (list, tuple)):
        return TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    sizes: list[int] = []
    obj = data
    while isinstance(obj, (list, tuple, str, bytes)):
        if isinstance(obj, (str, bytes)):
            return ValueError(f"too many dimensions '{type(obj).__name__}'")
        sizes.append(len(obj))
        if not obj:
            break
        obj = obj[0]

    def walk(x, d):
        if d < len(sizes):
            if not isinstance(x, (list, tuple)):
                return TypeError("not a sequence")
            if len(x) != sizes[d]:
                return ValueError(
                    f"expected sequence of length {sizes[d]} at dim {d} (got {len(x)})"
                )
            for item in x:
                err = walk(item, d + 1)
                if err is not None:
                    return err
            return None
        if isinstance(x, Tensor):
            if x.numel() != 1:
                return ValueError("only one element tensors can be converted to Python scalars")
            return None
        if _scalar_ok(x):
            return None
        if legacy:
            return TypeError(f"must be real number, not {type(x).__name__}")
        if isinstance(x, (str, bytes)):
            return TypeError(f"new(): invalid data type '{type(x).__name__}'")
        if isinstance(x, complex):
            return TypeError("convkit has no complex dtype: complex numbers cannot be converted")
        return RuntimeError(f"Could not infer dtype of {type(x).__name__}")

    err = walk(data, 0)
    return err if err is not None else TypeError(f"could not convert {type(data).__name__}")


def _numpy_kind_check(arr: np.ndarray) -> None:
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise TypeError("convkit has no complex dtype: complex arrays cannot be converted")
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. The only "
            f"supported types are: {_SUPPORTED_NUMPY}."
        )


def _to_array(data, dtype=None, legacy: bool = False) -> np.ndarray:
    """Convert user data to an array with torch's default dtypes and torch's errors
    (``legacy``: worded as the ``Tensor(data)`` constructor words them)."""
    if isinstance(data, Tensor):
        arr = data._array
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)  # NumPy scalars keep their dtype, as torch.tensor(np.float64(1))
        _numpy_kind_check(arr)
    elif isinstance(data, (bool, np.bool_)):
        arr = np.asarray(data, dtype=bool_)
    elif isinstance(data, numbers.Integral):
        arr = np.asarray(data, dtype=int64)
    elif isinstance(data, numbers.Real):
        arr = np.asarray(data, dtype=get_default_dtype() if dtype is None else dtype)
    elif isinstance(data, (list, tuple)):
        if any(isinstance(x, Tensor) for x in data):
            if any(isinstance(x, Tensor) and x.numel() != 1 for x in data):
                raise _data_error(data, legacy)
            data = [x.item() if isinstance(x, Tensor) else x for x in data]
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError):
            raise _data_error(data, legacy) from None
        if arr.dtype.kind not in "biuf" or arr.dtype == object:
            raise _data_error(data, legacy)
        if dtype is None:
            # Python floats become float32 and ints int64 (torch's defaults).
            if arr.dtype.kind == "f":
                arr = arr.astype(get_default_dtype())
            elif arr.dtype.kind in "iu":
                arr = arr.astype(int64)
    else:
        raise _data_error(data, legacy)
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    return arr


# ----- small helpers ------------------------------------------------------------------------------

_scalar_name = scalar_name  # torch's ScalarType name of a dtype (dtypes.SCALAR_NAMES)


def _aliases(name: str, dim, keepdim, kwargs: dict, dim_default=None):
    """torch's keyword aliases: ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``."""
    if "axis" in kwargs:
        if dim is not dim_default:
            raise TypeError(f"{name}() got multiple values for argument 'dim'")
        dim = kwargs.pop("axis")
    if "keepdims" in kwargs:
        keepdim = kwargs.pop("keepdims")
    # NumPy's np.all(t) / np.sum(t) call t.all(axis=None, out=None): torch takes out=None too.
    if kwargs.get("out", 0) is None:
        del kwargs["out"]
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return dim, keepdim


_VIEW_WRITE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def _write(target: np.ndarray, values, index=None) -> None:
    """Write into ``target`` (an expanded view cannot be written, as in torch)."""
    try:
        if index is None:
            np.copyto(target, values, casting="unsafe")
        else:
            target[index] = values
    except ValueError as e:
        if not target.flags.writeable:
            raise RuntimeError(_VIEW_WRITE) from None
        raise RuntimeError(str(e)) from None


def _rebuild(cls, array, requires_grad, grad):
    t = cls._wrap(array)
    if requires_grad:
        t.requires_grad = True
    if grad is not None:
        t._grad = Tensor._wrap(grad)
    return t


_NO_TO = object()  # random_(from) means [0, from); random_(from, None) means [from, max]


if TYPE_CHECKING:

    class _BoundMethods(type):
        # convkit.functions binds most torch.* functions onto Tensor at import (one definition
        # serves torch.x and Tensor.x): the type checker sees them through this lookup.
        def __getattr__(cls, name: str) -> Any: ...
        def __setattr__(cls, name: str, value: Any) -> None: ...

else:
    _BoundMethods = type


class Tensor(metaclass=_BoundMethods):
    """An n-d array with reverse-mode autograd.

    ``Tensor(*sizes)`` makes a zero-filled float32 tensor of that shape (torch leaves it
    uninitialised; zeros keep convkit deterministic). ``Tensor(data)`` copies a list or array
    into a float32 tensor.

    The fields convkit's own code uses (autograd reads them directly):

    - ``_array``: the NumPy array of values; ``_requires_grad``; ``_grad`` (a Tensor or None);
    - ``_node``, ``_output_nr``: the graph node that made this tensor and which of its outputs
      it is (None for leaves);
    - ``_vc``: the version counter, a one-item list shared with views (None until needed);
    - ``_view``: ``(base, chain, version)`` for a view of ``base`` (None otherwise);
    - ``_accum``: a weak reference to the leaf's AccumulateGrad node; ``_hooks``: gradient hooks.
    """

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...  # the bound torch.* methods

    __slots__ = (
        "_array",
        "_requires_grad",
        "_grad",
        "_node",
        "_output_nr",
        "_vc",
        "_view",
        "_accum",
        "_hooks",
        "__weakref__",
    )
    __array_priority__ = 1000  # make ndarray + Tensor defer to Tensor.__radd__

    _array: np.ndarray
    _requires_grad: builtins.bool
    _grad: Tensor | None
    _node: autograd.Node | None
    _output_nr: builtins.int
    _vc: list[builtins.int] | None
    _view: tuple[Tensor, tuple, builtins.int] | None
    _accum: Any
    _hooks: autograd.TensorHooks | None

    def __init__(self, *args, requires_grad: builtins.bool = False, device=None):
        legacy(device)
        if len(args) == 1 and not isinstance(args[0], (numbers.Integral, Size)):
            # One argument that is not a size: data (torch.Tensor((1, 2)) is tensor([1., 2.])).
            data = _to_array(args[0], legacy=True).astype(get_default_dtype())
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            if not args:
                sizes = (0,)  # torch.Tensor() is an empty 1-d tensor
            if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in sizes):
                raise TypeError(f"Tensor(*sizes) takes ints, got {sizes!r}")
            if any(v < 0 for v in sizes):
                raise RuntimeError(f"Trying to create tensor with negative dimension: {sizes}")
            data = np.zeros(tuple(int(v) for v in sizes), dtype=get_default_dtype())
        self._setup(data, requires_grad)

    def _setup(self, array: np.ndarray, requires_grad: builtins.bool = False) -> None:
        """Initialise every field (for ``__init__`` of Tensor and its subclasses)."""
        self._array = array
        self._requires_grad = False
        self._grad = None
        self._node = None
        self._output_nr = 0
        self._vc = None
        self._view = None
        self._accum = None
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, array, requires_grad: builtins.bool = False) -> Tensor:
        """A tensor on ``array`` (no copy)."""
        t = object.__new__(cls)
        t._array = array if isinstance(array, np.ndarray) else np.asarray(array)
        t._requires_grad = requires_grad
        t._grad = None
        t._node = None
        t._output_nr = 0
        t._vc = None
        t._view = None
        t._accum = None
        t._hooks = None
        return t

    def __reduce_ex__(self, protocol):
        if self._node is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment; detach() it first"
            )
        grad = None if self._grad is None else self._grad._array
        return (_rebuild, (type(self), self._array, self._requires_grad, grad))

    # ----- autograd attributes ------------------------------------------------------------------
    @property
    def requires_grad(self) -> builtins.bool:
        if self._view is not None:
            grad_fn(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: builtins.bool) -> None:
        if self._node is not None:
            msg = "you can only change requires_grad flags of leaf variables."
            if not value:
                msg += (
                    " If you want to use a computed variable in a subgraph that doesn't require "
                    "differentiation use var_no_grad = var.detach()."
                )
            raise RuntimeError(msg)
        if value and self._array.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        self._requires_grad = bool(value)

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if isinstance(value, np.ndarray):
                value = Tensor._wrap(value)
            elif not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._array.shape != self._array.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def grad_fn(self):
        return grad_fn(self)

    @property
    def is_leaf(self) -> builtins.bool:
        return grad_fn(self) is None

    @property
    def output_nr(self) -> builtins.int:
        return self._output_nr

    @property
    def _version(self) -> builtins.int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    @property
    def _base(self) -> Tensor | None:
        return None if self._view is None else self._view[0]

    def _is_view(self) -> builtins.bool:
        return self._view is not None

    @property
    def retains_grad(self) -> builtins.bool:
        return self._hooks is not None and self._hooks.retains_grad

    _retains_grad = retains_grad

    @property
    def data(self) -> Tensor:
        """This tensor's values as a new leaf that shares memory and records no graph (its
        version counter is its own, as torch's ``.data``)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"data must be set to a Tensor, got {type(value).__name__} (wrap a NumPy "
                f"array with convkit.from_numpy)"
            )
        self._array = value._array
        self._view = None  # no longer a window on its old base's memory

    # ----- shape and type -----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def ndim(self) -> builtins.int:
        return self._array.ndim

    @property
    def device(self) -> device:
        return CPU

    is_cuda = False
    is_cpu = True
    is_mps = False
    is_meta = False

    def get_device(self) -> builtins.int:
        return -1

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor."
            )
        return self.transpose(-2, -1)

    def size(self, dim: builtins.int | None = None):
        if dim is None:
            return self.shape
        return self._array.shape[self._dim(dim)]

    def dim(self) -> builtins.int:
        return self._array.ndim

    ndimension = dim

    def numel(self) -> builtins.int:
        return int(self._array.size)

    nelement = numel

    def element_size(self) -> builtins.int:
        return int(self._array.itemsize)

    @property
    def itemsize(self) -> builtins.int:
        return int(self._array.itemsize)

    @property
    def nbytes(self) -> builtins.int:
        return int(self._array.nbytes)

    def stride(self, dim: builtins.int | None = None):
        """Steps in elements between neighbours along each dimension (0 along expanded ones)."""
        steps = tuple(s // self._array.itemsize for s in self._array.strides)
        return steps if dim is None else steps[self._dim(dim)]

    def data_ptr(self) -> builtins.int:
        """The address of the first element (stable while the tensor lives; views of one tensor
        differ by their offset)."""
        return int(self._array.__array_interface__["data"][0])

    def storage_offset(self) -> builtins.int:
        """The first element's offset, in elements, from the start of the memory it views."""
        root = self._array
        while isinstance(root.base, np.ndarray):
            root = root.base
        start = root.__array_interface__["data"][0]
        return (self.data_ptr() - start) // self._array.itemsize

    def dim_order(self) -> tuple[builtins.int, ...]:
        """The dimensions from outermost to innermost in memory (largest stride first)."""
        strides = self.stride()
        return tuple(sorted(range(self.ndim), key=lambda d: -strides[d]))

    @property
    def layout(self) -> layout:
        return strided

    is_sparse = False
    is_sparse_csr = False
    is_quantized = False
    is_nested = False
    is_mkldnn = False
    is_xla = False
    is_xpu = False
    is_vulkan = False
    is_ipu = False
    is_maia = False
    is_mtia = False

    def is_inference(self) -> builtins.bool:
        return False

    @property
    def real(self) -> Tensor:
        """The tensor itself (real dtypes only)."""
        return self

    @property
    def imag(self) -> Tensor:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def conj(self) -> Tensor:
        return self

    conj_physical = resolve_conj = resolve_neg = conj

    def is_conj(self) -> builtins.bool:
        return False

    is_neg = is_conj

    @property
    def mH(self) -> Tensor:
        return self.mT

    @property
    def H(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor."
            )
        return self.T

    def adjoint(self) -> Tensor:
        return self.mT

    def __reversed__(self) -> Tensor:
        """The tensor flipped along dim 0 (itself when 0-d), as torch's."""
        return self if self.ndim == 0 else self.flip(0)

    def apply_(self, callable) -> Tensor:
        """Replace each element by ``callable(element)`` (no gradient, as in torch)."""
        if self.requires_grad:
            raise RuntimeError("apply_ is only implemented on CPU tensors that don't require grad")
        flat = self._array.reshape(-1)
        for i, v in enumerate(flat.tolist()):
            flat[i] = callable(v)
        if flat.base is None or not np.shares_memory(flat, self._array):
            self._array[...] = flat.reshape(self._array.shape)
        version_counter(self)[0] += 1
        return self

    def map_(self, tensor: Tensor, callable) -> Tensor:
        """Replace each element x (with y of ``tensor``, broadcast) by ``callable(x, y)``."""
        if self.requires_grad:
            raise RuntimeError("map_ is only implemented on CPU tensors that don't require grad")
        other = np.broadcast_to(tensor._array, self._array.shape)
        out = np.array(
            [
                callable(a, b)
                for a, b in zip(
                    self._array.reshape(-1).tolist(), other.reshape(-1).tolist(), strict=True
                )
            ]
        )
        self._array[...] = out.reshape(self._array.shape)
        version_counter(self)[0] += 1
        return self

    def const_data_ptr(self) -> builtins.int:
        return self.data_ptr()

    def new_empty_strided(
        self, size, stride, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        """``new_empty(size)``: convkit's memory is NumPy's own layout, so only the strides'
        count is checked."""
        if len(tuple(stride)) != len(tuple(size)):
            raise RuntimeError(
                f"mismatch in length of strides and shape: {len(tuple(stride))} != "
                f"{len(tuple(size))}"
            )
        return self.new_empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)

    def map2_(self, x: Tensor, y: Tensor, fn) -> Tensor:
        """Replace each element a (with b of x, c of y, broadcast) by ``fn(a, b, c)``."""
        if self.requires_grad:
            raise RuntimeError("map2_ is only implemented on CPU tensors that don't require grad")
        bx = np.broadcast_to(x._array, self._array.shape).reshape(-1).tolist()
        by = np.broadcast_to(y._array, self._array.shape).reshape(-1).tolist()
        values = [
            fn(a, b, c) for a, b, c in zip(self._array.reshape(-1).tolist(), bx, by, strict=True)
        ]
        self._array[...] = np.asarray(values).reshape(self._array.shape)
        version_counter(self)[0] += 1
        return self

    def module_load(self, other: Tensor, assign: builtins.bool = False) -> Tensor:
        """What ``nn.Module.load_state_dict`` swaps in for this parameter or buffer: ``other``
        (detached when assigning)."""
        return other.detach() if assign else other

    def resize(self, *sizes) -> Tensor:
        """A resized copy (torch's deprecated non-in-place resize)."""
        import warnings

        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return self.detach().clone().resize_(*sizes)

    def resize_as(self, tensor: Tensor) -> Tensor:
        import warnings

        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        return self.detach().clone().resize_(tensor.shape)

    def __dlpack__(self, *args, **kwargs):
        return self._array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """NumPy ufuncs applied to a tensor return a tensor, as with torch."""
        return Tensor._wrap(np.asarray(array))

    def __deepcopy__(self, memo) -> Tensor:
        if id(self) in memo:
            return memo[id(self)]
        rebuilt, args = self.__reduce_ex__(2)
        out = rebuilt(*(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args))
        memo[id(self)] = out
        return out

    def __complex__(self) -> complex:
        return complex(self.item())

    def __lshift__(self, other):
        return self.bitwise_left_shift(other)

    def __rlshift__(self, other):
        return _as_operand(other, self).bitwise_left_shift(self)

    def __rshift__(self, other):
        return self.bitwise_right_shift(other)

    def __rrshift__(self, other):
        return _as_operand(other, self).bitwise_right_shift(self)

    def __ilshift__(self, other):
        return self._binary_inplace(self.__lshift__, other)

    def __irshift__(self, other):
        return self._binary_inplace(self.__rshift__, other)

    def sum_to_size(self, *size) -> Tensor:
        """Summed down to ``size``, which ``self`` must be expandable from."""
        shape = _size_args(size, None, "sum_to_size")
        try:
            ok = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"size {{{list(shape)}}} is not expandable to size {{{list(self.shape)}}}."
            )
        lead = self.ndim - len(shape)
        out = self.sum(tuple(range(lead))) if lead else self
        dims = tuple(i for i, n in enumerate(shape) if n == 1 and out.shape[i] != 1)
        return out.sum(dims, keepdim=True) if dims else out

    def new(self, *args) -> Tensor:
        """torch's legacy constructor: ``x.new(2, 3)`` (zeros of x's dtype) or ``x.new(data)``."""
        if len(args) == 1 and not isinstance(args[0], (numbers.Integral, Size, tuple)):
            return tensor(args[0], dtype=self.dtype)
        return empty(*args, dtype=self.dtype)

    def __len__(self) -> builtins.int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def is_floating_point(self) -> builtins.bool:
        return self.dtype.kind == "f"

    def is_contiguous(self, memory_format=None) -> builtins.bool:
        _check_memory_format(memory_format, self.ndim)
        return bool(self._array.flags.c_contiguous)

    def _dim(self, dim: builtins.int) -> builtins.int:
        n = max(self.ndim, 1)
        if not -n <= dim < n:
            raise DimensionError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                f", but got {dim})"
            )
        return dim % n

    # ----- conversion ---------------------------------------------------------------------------
    def numpy(self, force: builtins.bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use "
                "tensor.detach().numpy() instead."
            )
        return self._array.copy() if force else self._array

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self._array, dtype=dtype, copy=True)
        return self._array if dtype is None else self._array.astype(dtype, copy=False)

    def item(self):
        if self._array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._array.size} elements cannot be converted to Scalar"
            )
        return self._array.reshape(()).item()

    def tolist(self):
        return self._array.tolist()

    def __format__(self, spec: str) -> str:
        # torch formats a one-element 0-d tensor as its Python number, anything else as its repr.
        if self.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._array.reshape(()))

    def __index__(self):
        if self.dtype.kind not in "iu" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._array.reshape(()))

    def detach(self) -> Tensor:
        """The same values outside the graph; shares memory and the version counter."""
        t = Tensor._wrap(self._array)
        t._vc = version_counter(self)
        return t

    def detach_(self) -> Tensor:
        self._node = None
        self._requires_grad = False
        self._view = None
        return self

    def clone(self, memory_format=None) -> Tensor:
        _check_memory_format(memory_format, self.ndim)
        return B.Clone.apply(self)

    def contiguous(self, memory_format=None) -> Tensor:
        _check_memory_format(memory_format, self.ndim)
        return self if self._array.flags.c_contiguous else B.Clone.apply(self)

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self._node is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if self._node is None:
            self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in ``.grad`` after backward (a no-op on leaves)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = grad_fn(self)
        if node is None:
            return
        hooks = tensor_hooks(self)
        if not hooks.retains_grad:
            hooks.retains_grad = True
            autograd.retain(node, self)

    def register_hook(self, hook) -> autograd.RemovableHandle:
        """``hook(grad)`` runs when this tensor's gradient has been computed and may return a
        replacement; ``handle.remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = grad_fn(self)
        if node is None:
            return autograd.add_hook(tensor_hooks(self).pre, hook)
        return autograd.add_tensor_pre_hook(node, self._output_nr, hook)

    def register_post_accumulate_grad_hook(self, hook) -> autograd.RemovableHandle:
        """``hook(tensor)`` runs after the gradient was accumulated into this leaf's ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if grad_fn(self) is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        return autograd.add_hook(tensor_hooks(self).post_accumulate, hook)

    # ----- devices and dtypes -------------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device, dtype)``, ``to(other)``, each with ``non_blocking``,
        ``copy`` and ``memory_format``, as torch; a non-CPU device raises torch's error."""
        dev, dtype, copy, fmt = _parse_to(args, kwargs)
        if dev is not None:
            as_device(dev)
        _check_memory_format(fmt, self.ndim)
        target = self.dtype if dtype is None else np.dtype(as_dtype(dtype))
        if target == self.dtype:
            return B.Clone.apply(self) if copy else self
        if target.kind != "f":  # integer and bool tensors carry no gradient
            return Tensor._wrap(self._array.astype(target))
        return B.Cast.apply(self, target)

    def type(self, dtype=None, non_blocking: builtins.bool = False, **kwargs):
        """With no argument, torch's legacy type name (``'convkit.FloatTensor'``); with a dtype
        or such a name (``'torch.DoubleTensor'`` too), the tensor converted to it."""
        if dtype is None:
            return f"convkit.{_scalar_name(self.dtype)}Tensor"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            by_name = {f"{v[0]}Tensor": k for k, v in SCALAR_NAMES.items()}
            if name not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = np.dtype(by_name[name])
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self, memory_format=None) -> Tensor:
        return self.to(float32, memory_format=memory_format)

    def double(self, memory_format=None) -> Tensor:
        return self.to(float64, memory_format=memory_format)

    def half(self, memory_format=None) -> Tensor:
        return self.to(np.float16, memory_format=memory_format)

    def long(self, memory_format=None) -> Tensor:
        return self.to(int64, memory_format=memory_format)

    def int(self, memory_format=None) -> Tensor:
        return self.to(int32, memory_format=memory_format)

    def short(self, memory_format=None) -> Tensor:
        return self.to(np.int16, memory_format=memory_format)

    def char(self, memory_format=None) -> Tensor:
        return self.to(np.int8, memory_format=memory_format)

    def byte(self, memory_format=None) -> Tensor:
        return self.to(np.uint8, memory_format=memory_format)

    def bool(self, memory_format=None) -> Tensor:
        return self.to(bool_, memory_format=memory_format)

    def cpu(self, memory_format=None) -> Tensor:
        _check_memory_format(memory_format, self.ndim)
        return self

    def cuda(self, device=None, non_blocking: builtins.bool = False, memory_format=None) -> Tensor:
        """Raises what torch raises on a build without CUDA."""
        cuda_target(device)
        raise AssertionError(NO_CUDA)

    def pin_memory(self, device=None) -> Tensor:
        raise RuntimeError(NO_ACCELERATOR)

    def is_pinned(self, device=None) -> builtins.bool:
        return False

    def share_memory_(self) -> Tensor:
        return self

    def is_shared(self) -> builtins.bool:
        return False

    # ----- new tensors like this one ------------------------------------------------------------
    def new_tensor(
        self, data, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        return tensor(
            data,
            dtype=self.dtype if dtype is None else dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_zeros(
        self, *size, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        return zeros(
            *size,
            dtype=self.dtype if dtype is None else dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_ones(
        self, *size, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        return ones(
            *size,
            dtype=self.dtype if dtype is None else dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_empty(
        self, *size, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        return empty(
            *size,
            dtype=self.dtype if dtype is None else dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_full(
        self, size, fill_value, dtype=None, device=None, requires_grad: builtins.bool = False
    ) -> Tensor:
        return full(
            size,
            fill_value,
            dtype=self.dtype if dtype is None else dtype,
            device=device,
            requires_grad=requires_grad,
        )

    # ----- autograd -----------------------------------------------------------------------------
    def backward(
        self,
        gradient=None,
        retain_graph: builtins.bool | None = None,
        create_graph: builtins.bool = False,
        inputs=None,
    ) -> None:
        """Accumulate d(self)/d(leaf) . gradient into ``.grad`` of the leaves (torch's
        ``Tensor.backward``); ``gradient`` may be omitted for a one-element tensor."""
        autograd.backward(
            self,
            None if gradient is None else (gradient,),
            retain_graph,
            create_graph,
            inputs=inputs,
        )

    # ----- in place -----------------------------------------------------------------------------
    def _inplace(self, result: Tensor) -> Tensor:
        """Make ``self`` take ``result``'s values and its place in the graph; return ``self``.

        The one mechanism behind every in-place method: compute the out-of-place result, then
        ``x._inplace(result)``. It refuses a leaf that requires grad (or a view of one) while
        grad mode is on, as torch does; casts ``result`` to ``self``'s dtype (never up a
        category: an int tensor cannot take a float result); writes the values into ``self``'s
        memory (views see them); bumps the version counter shared with views; and, when
        gradients are recorded, gives ``self`` ``result``'s node (a view's base gets torch's
        CopySlices node). ``F.relu(x, inplace=True)`` is ``x._inplace(F.relu(x))``.
        """
        grad_on = _mode.grad_enabled
        view = self._view
        if grad_on:
            if self._requires_grad and self._node is None and view is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation."
                )
            if view is not None and view[0]._requires_grad and view[0]._node is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation."
                )
        if result._array.dtype != self._array.dtype:
            if category(result._array.dtype) > category(self._array.dtype):
                raise RuntimeError(
                    f"result type {_scalar_name(result.dtype)} can't be cast to the desired "
                    f"output type {_scalar_name(self.dtype)}"
                )
            if result._node is not None:
                result = B.Cast.apply(result, self._array.dtype)
        if result._array.shape != self._array.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(result.shape)}"
            )
        node = result._node
        if node is not None:
            autograd.protect_saved(node, self)
        _write(self._array, result._array)
        version_counter(self)[0] += 1
        if grad_on and (
            node is not None or self.requires_grad or (view is not None and view[0]._requires_grad)
        ):
            autograd.rebase(self, result)
        return self

    def _inplace_view(self, result: Tensor) -> Tensor:
        """In-place metadata ops (``t_``, ``unsqueeze_``, ...): ``self`` becomes ``result``, a
        view of its own memory with a new shape."""
        if _mode.grad_enabled and self._requires_grad and self._node is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        self._array = result._array
        version_counter(self)[0] += 1
        if result._node is not None:
            self._node, self._output_nr = result._node, result._output_nr
        if self._view is not None and result._view is not None:
            self._view = result._view
        return self

    def _binary_inplace(self, op, other, *args):
        result = op(other, *args)
        if result is NotImplemented:
            return NotImplemented
        return self._inplace(result)

    def __iadd__(self, other):
        return self._binary_inplace(self.__add__, other)

    def __isub__(self, other):
        return self._binary_inplace(self.__sub__, other)

    def __imul__(self, other):
        return self._binary_inplace(self.__mul__, other)

    def __itruediv__(self, other):
        return self._binary_inplace(self.__truediv__, other)

    def __ipow__(self, other):
        return self._binary_inplace(self.__pow__, other)

    def __ifloordiv__(self, other):
        return self._binary_inplace(self.__floordiv__, other)

    def __imod__(self, other):
        return self._binary_inplace(self.__mod__, other)

    def __iand__(self, other):
        return self._binary_inplace(self.__and__, other)

    def __ior__(self, other):
        return self._binary_inplace(self.__or__, other)

    def __ixor__(self, other):
        return self._binary_inplace(self.__xor__, other)

    def add_(self, other, alpha=1) -> Tensor:
        return self._inplace(self.add(other, alpha=alpha))

    def sub_(self, other, alpha=1) -> Tensor:
        return self._inplace(self.sub(other, alpha=alpha))

    subtract_ = sub_

    def mul_(self, other) -> Tensor:
        return self._inplace(self.mul(other))

    multiply_ = mul_

    def div_(self, other, rounding_mode=None) -> Tensor:
        return self._inplace(self.div(other, rounding_mode=rounding_mode))

    divide_ = div_
    true_divide_ = div_

    def pow_(self, exponent) -> Tensor:
        return self._inplace(self.pow(exponent))

    def zero_(self) -> Tensor:
        return self._inplace(B.Zero.apply(self))

    def fill_(self, value) -> Tensor:
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(
                    f"fill_ only supports 0-dimension value tensor but got tensor with "
                    f"{value.ndim} dimensions."
                )
            return self._inplace(B.Copy.apply(self, value.to(self.dtype)))
        return self._inplace(B.Fill.apply(self, value=value))

    def copy_(self, src, non_blocking: builtins.bool = False) -> Tensor:
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.asarray(src))
        check_broadcast(src.shape, self.shape)
        if np.broadcast_shapes(src.shape, self.shape) != self._array.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(src.shape, self.shape))}"
            )
        return self._inplace(B.Copy.apply(self, src))

    # ----- random fills: torch's draws in torch's order (see convkit.random) -------------------
    def _overwrite(self, fn, flat: np.ndarray) -> Tensor:
        """Write draws (flat, in the order torch's kernels fill memory) into self, in place."""
        from .random import in_memory_order

        values = in_memory_order(flat, self._array)
        if not _mode.grad_enabled:
            # Initialisation runs here (under no_grad): no node to record, and no second copy
            # of the draws (a 400 MB layer would hold three).
            return self._inplace(Tensor._wrap(values))
        return self._inplace(fn.apply(self, values=values))

    def uniform_(
        self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator=None, **bounds
    ) -> Tensor:
        """Fill with U[a, b) (torch's ``uniform_(from=0, to=1)``; ``from=``/``to=`` work too)."""
        from . import random as R

        a, b = R.named_bounds("uniform_", a, b, bounds)
        return self._overwrite(B.Uniform, R.uniform((self.numel(),), a, b, self.dtype, generator))

    def normal_(
        self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator=None
    ) -> Tensor:
        from . import random as R

        contiguous = bool(self._array.flags.c_contiguous)
        flat = R.normal((self.numel(),), mean, std, self.dtype, generator, contiguous)
        return self._overwrite(B.Normal, flat)

    def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
        """Fill with 1 with probability ``p`` (a float, or a Tensor broadcast to this shape)."""
        from . import random as R

        if isinstance(p, Tensor):
            probs = np.broadcast_to(p._array, self.shape)
            mask = R.bernoulli_tensor(np.ascontiguousarray(probs), generator).reshape(-1)
        else:
            mask = R.bernoulli_scalar((self.numel(),), p, generator)
        return self._overwrite(B.Bernoulli, mask)

    def bernoulli(self, p=None, *, generator=None) -> Tensor:
        """0/1 draws with this tensor's values as probabilities (or the float ``p``)."""
        return bernoulli(self, p, generator=generator)

    def random_(self, from_=None, to=_NO_TO, *, generator=None, **bounds) -> Tensor:
        """Integers: ``random_()`` in [0, 2**mantissa] (floats) or [0, max] (integers),
        ``random_(to)`` in [0, to), ``random_(from, to)`` in [from, to), ``random_(from, None)``
        in [from, max]; ``from=`` works as a keyword too."""
        from . import random as R

        if "from" in bounds:
            from_ = bounds.pop("from")
        if bounds:
            raise TypeError(f"random_() got unexpected keyword arguments {sorted(bounds)}")
        shape = (self.numel(),)
        if to is _NO_TO:
            if from_ is None:
                flat = R.random_default(shape, self.dtype, generator)
            else:  # random_(to)
                flat = R.random_from_to(shape, 0, from_, self.dtype, generator)
        elif to is None:
            flat = R.random_to_max(shape, 0 if from_ is None else from_, self.dtype, generator)
        else:
            flat = R.random_from_to(shape, 0 if from_ is None else from_, to, self.dtype, generator)
        return self._overwrite(B.Uniform, flat)

    def exponential_(self, lambd: builtins.float = 1.0, *, generator=None) -> Tensor:
        from . import random as R

        flat = R.exponential((self.numel(),), lambd, self.dtype, generator)
        return self._overwrite(B.Uniform, flat)

    def multinomial(
        self, num_samples: builtins.int, replacement: builtins.bool = False, *, generator=None
    ):
        return multinomial(self, num_samples, replacement, generator=generator)

    def t_(self) -> Tensor:
        return self._inplace_view(self.t())

    def transpose_(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        return self._inplace_view(self.transpose(dim0, dim1))

    def unsqueeze_(self, dim: builtins.int) -> Tensor:
        return self._inplace_view(self.unsqueeze(dim))

    def squeeze_(self, dim=None) -> Tensor:
        return self._inplace_view(self.squeeze(dim))

    def resize_(self, *sizes, memory_format=None) -> Tensor:
        """Give the tensor a new shape, keeping its values in flat order (new elements 0)."""
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        shape = _size_args(sizes, None, "resize_")
        n = int(np.prod(shape))
        flat = self._array.reshape(-1)
        if n == flat.size:
            self._array = (
                flat.reshape(shape) if flat.base is not None else self._array.reshape(shape)
            )
        else:
            new = np.zeros(n, dtype=self.dtype)
            k = min(n, flat.size)
            new[:k] = flat[:k]
            self._array = new.reshape(shape)
        version_counter(self)[0] += 1
        return self

    def resize_as_(self, other: Tensor) -> Tensor:
        return self.resize_(other.shape)

    def set_(self, source=None) -> Tensor:
        """Make this tensor use ``source``'s memory (none: an empty tensor)."""
        if _mode.grad_enabled and self._requires_grad and self._node is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        self._array = np.zeros(0, dtype=self.dtype) if source is None else source._array
        version_counter(self)[0] += 1
        return self

    # ----- arithmetic ---------------------------------------------------------------------------
    def _binary(self, fn, other, reverse=False):
        if isinstance(other, Tensor):
            a, b = self._array, other._array
            if a.dtype == b.dtype:
                if a.shape != b.shape:
                    check_broadcast(a.shape, b.shape)
                return fn.apply(other, self) if reverse else fn.apply(self, other)
            check_broadcast(a.shape, b.shape)
            dtype = result_dtype(self, other)
            x = self if a.dtype == dtype else self.to(dtype)
            y = other if b.dtype == dtype else other.to(dtype)
            return fn.apply(y, x) if reverse else fn.apply(x, y)
        if isinstance(other, np.ndarray):
            return self._binary(fn, Tensor._wrap(other), reverse)
        kind = type(other)
        if kind is not builtins.float and kind is not builtins.int and kind is not builtins.bool:
            # the exact Python types skip the abstract-class checks (0.5 us)
            if isinstance(other, np.generic):
                other = other.item()
            if not isinstance(other, numbers.Number) or isinstance(other, complex):
                return NotImplemented
        dtype = result_dtype(self, other)
        x = self if self._array.dtype == dtype else self.to(dtype)
        c = Tensor._wrap(np.asarray(other, dtype=dtype))
        if reverse and fn is B.Sub:
            return B.Rsub.apply(x, other=c._array)
        if reverse and fn in (B.Add, B.Mul):
            reverse = False  # commutative: keep the tensor first, as torch's grad_fn does
        return fn.apply(c, x) if reverse else fn.apply(x, c)

    def __add__(self, other):
        return self._binary(B.Add, other)

    def __radd__(self, other):
        return self._binary(B.Add, other, reverse=True)

    def __sub__(self, other):
        _check_sub(self, other)
        return self._binary(B.Sub, other)

    def __rsub__(self, other):
        _check_sub(self, other)
        return self._binary(B.Sub, other, reverse=True)

    def __mul__(self, other):
        return self._binary(B.Mul, other)

    def __rmul__(self, other):
        return self._binary(B.Mul, other, reverse=True)

    def __truediv__(self, other):
        t = (
            self
            if self.is_floating_point() or (isinstance(other, Tensor) and other.is_floating_point())
            else self.float()
        )
        return t._binary(B.Div, other)

    def __rtruediv__(self, other):
        t = self if self.is_floating_point() else self.float()
        return t._binary(B.Div, other, reverse=True)

    def __floordiv__(self, other):
        return self.floor_divide(other)

    def __rfloordiv__(self, other):
        return _as_operand(other, self).floor_divide(self)

    def __mod__(self, other):
        return self.remainder(other)

    def __rmod__(self, other):
        return _as_operand(other, self).remainder(self)

    def __pow__(self, other):
        if isinstance(other, (numbers.Number, np.generic)) and not isinstance(other, Tensor):
            dtype = result_dtype(self, other.item() if isinstance(other, np.generic) else other)
            return B.Pow.apply(self.to(dtype), exponent=np.asarray(other, dtype=dtype))
        return self._binary(B.PowTensor, other)

    def __rpow__(self, other):
        if isinstance(other, np.ndarray):
            return self._binary(B.PowTensor, other, reverse=True)
        if isinstance(other, np.generic):
            other = other.item()
        if not isinstance(other, numbers.Number):
            return NotImplemented
        dtype = result_dtype(self, other)
        return B.RPow.apply(self.to(dtype), base=np.asarray(other, dtype=dtype))

    def __neg__(self):
        return self.neg()

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            other = tensor(other)
        if self.ndim == 0 or other.ndim == 0:
            raise RuntimeError(
                "both arguments to matmul need to be at least 1D, but they are "
                f"{self.ndim}D and {other.ndim}D"
            )
        if self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied "
                f"({'x'.join(map(str, self.shape))} and "
                f"{'x'.join(map(str, other.shape))})"
            )
        if self.dtype != other.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {self.dtype} != {other.dtype}"
            )
        if self.ndim > 2 and other.ndim > 2:
            check_broadcast(self.shape[:-2], other.shape[:-2])
        return B.matmul_function(self.ndim, other.ndim).apply(self, other)

    def __rmatmul__(self, other):
        return tensor(other).__matmul__(self)

    def _compare(self, op, other):
        other = other._array if isinstance(other, Tensor) else other
        if isinstance(other, np.ndarray):
            check_broadcast(self.shape, other.shape)
        return Tensor._wrap(np.asarray(op(self._array, other)))

    def __eq__(self, other):
        return self._compare(np.equal, other)

    def __ne__(self, other):
        return self._compare(np.not_equal, other)

    def __lt__(self, other):
        return self._compare(np.less, other)

    def __le__(self, other):
        return self._compare(np.less_equal, other)

    def __gt__(self, other):
        return self._compare(np.greater, other)

    def __ge__(self, other):
        return self._compare(np.greater_equal, other)

    def __invert__(self):
        if self.dtype.kind not in "biu":
            raise TypeError(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
            )
        return Tensor._wrap(~self._array)

    def _bitwise(self, op, name, other):
        other_arr = other._array if isinstance(other, Tensor) else np.asarray(other)
        for arr in (self._array, other_arr):
            if arr.dtype.kind not in "biu":
                raise NotImplementedError(
                    f"\"{name}_cpu\" not implemented for '{_scalar_name(arr.dtype)}'"
                )
        if other_arr.ndim:
            check_broadcast(self.shape, other_arr.shape)
        return Tensor._wrap(np.asarray(op(self._array, other_arr)))

    def __and__(self, other):
        return self._bitwise(np.bitwise_and, "bitwise_and", other)

    __rand__ = __and__

    def __or__(self, other):
        return self._bitwise(np.bitwise_or, "bitwise_or", other)

    __ror__ = __or__

    def __xor__(self, other):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", other)

    __rxor__ = __xor__

    __hash__ = object.__hash__

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def add(self, other, alpha=1):
        _check_alpha(self, other, alpha)
        if alpha != 1:
            other = other * alpha
        return self + other

    def sub(self, other, alpha=1):
        _check_sub(self, other)
        _check_alpha(self, other, alpha)
        if alpha != 1:
            other = other * alpha
        return self - other

    subtract = sub

    def mul(self, other):
        return self * other

    multiply = mul

    def div(self, other, rounding_mode=None):
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self.floor_divide(other)
        if rounding_mode == "trunc":
            q = self / other
            return q.trunc().to(result_dtype(self, other)) if self.dtype.kind != "f" else q.trunc()
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )

    divide = div
    true_divide = div

    def pow(self, exponent):
        return self**exponent

    def matmul(self, other):
        return self @ other

    def mm(self, mat2):
        if self.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(
                "self must be a matrix" if self.ndim != 2 else "mat2 must be a matrix"
            )
        return self @ mat2

    # ----- shape --------------------------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        target = reshape_target(self.shape, tuple(int(s) for s in shape))
        fn = B.Reshape if self._array.flags.c_contiguous else B.ReshapeCopy
        return fn.apply(self, target)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        target = reshape_target(self.shape, tuple(int(s) for s in shape))
        out = B.Reshape.apply(self, target)
        if out._view is None and out.numel():
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            )
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1):
        s, e = self._dim(start_dim), self._dim(end_dim)
        if self.ndim == 0:
            return self.reshape(1)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if s == e:
            return self
        shape = self.shape[:s] + (int(np.prod(self.shape[s : e + 1])),) + self.shape[e + 1 :]
        return self.reshape(shape)

    def unflatten(self, dim: builtins.int, sizes):
        d = self._dim(dim)
        sizes = tuple(sizes)
        known = int(np.prod([s for s in sizes if s != -1]))
        if -1 in sizes:
            sizes = tuple(self.shape[d] // max(known, 1) if s == -1 else s for s in sizes)
        if int(np.prod(sizes)) != self.shape[d]:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                f"{dim} ({self.shape[d]}) in the input tensor"
            )
        return self.reshape(self.shape[:d] + sizes + self.shape[d + 1 :])

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        dims = tuple(self._dim(d) for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute(): dims {dims} are not a permutation of the {self.ndim} dimensions"
            )
        return B.Permute.apply(self, dims)

    def transpose(self, dim0: builtins.int, dim1: builtins.int):
        dims = list(range(self.ndim))
        a, b = self._dim(dim0), self._dim(dim1)
        dims[a], dims[b] = dims[b], dims[a]
        return B.Transpose.apply(self, tuple(dims))

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return B.T.apply(self, tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim: builtins.int | None = None, **kwargs):
        dim, _ = _aliases("unsqueeze", dim, None, kwargs)
        d = dim if dim >= 0 else dim + self.ndim + 1
        if not 0 <= d <= self.ndim:
            raise DimensionError(
                f"Dimension out of range (expected to be in range of "
                f"[{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        return B.Unsqueeze.apply(self, self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None, **kwargs):
        dim, _ = _aliases("squeeze", dim, None, kwargs)
        if dim is None:
            return B.Squeeze.apply(self, tuple(s for s in self.shape if s != 1))
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {self._dim(d) for d in dims}
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        return B.SqueezeDim.apply(self, shape)

    def expand(self, *sizes):
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand(convkit.FloatTensor{{{list(self.shape)}}}, size={list(sizes)}): the "
                f"number of sizes provided ({len(sizes)}) must be greater or equal to the number "
                f"of dimensions in the tensor ({self.ndim})"
            )
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        try:
            np.broadcast_shapes(self.shape, shape)
            ok = np.broadcast_shapes(self.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"The expanded size of the tensor ({list(shape)}) must match the "
                f"existing size ({list(self.shape)}) at non-singleton "
                f"dimensions"
            )
        return B.Expand.apply(self, shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        index = _as_view_index(_convert_index(index))
        try:
            self._array[index]
        except IndexError as e:
            raise DimensionError(str(e)) from None
        return B.getitem_function(index).apply(self, index)

    def __setitem__(self, index, value):
        index = _convert_index(index)
        if isinstance(value, Tensor):
            vt = value
        else:
            vt = Tensor._wrap(np.asarray(value))
            if vt.dtype.kind not in "biuf":
                raise TypeError(f"can't assign a {type(value).__name__} to a tensor")
        try:
            target = self._array[index].shape
        except IndexError as e:
            raise DimensionError(str(e)) from None
        try:
            np.broadcast_shapes(vt.shape, target)
            fits = np.broadcast_shapes(vt.shape, target) == target
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(vt.shape)} cannot "
                f"be broadcast to indexing result of shape {list(target)}"
            )
        graph = _mode.grad_enabled and (
            self.requires_grad
            or vt._requires_grad
            or (self._view is not None and self._view[0]._requires_grad)
        )
        if not graph:
            _write(self._array, vt._array, index)
            version_counter(self)[0] += 1
            return
        part = self[index]
        if part._view is not None:  # basic indexing: write through the view
            if self._requires_grad and self._node is None and self._view is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation."
                )
            part._inplace(B.Copy.apply(part, vt.to(self.dtype)))
            return
        self._inplace(B.IndexPut.apply(self, vt.to(self.dtype), index=index))

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __contains__(self, element):
        if isinstance(element, (Tensor, numbers.Number)):
            return bool((self == element).any())
        raise RuntimeError(
            "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(element)}."
        )

    # ----- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        """torch's text for the tensor (``convkit.set_printoptions`` changes it)."""
        node = grad_fn(self)
        if node is not None:
            suffix = f"grad_fn=<{node.name()}>"
        elif self._requires_grad:
            suffix = "requires_grad=True"
        else:
            suffix = None
        dtype = self._array.dtype
        default = dtype in (get_default_dtype(), int64, bool_)
        return format_tensor(self._array, default, f"convkit.{dtype}", suffix)

    __str__ = __repr__


autograd.register_tensor_type(Tensor)


def _parse_to(args: tuple, kwargs: dict):
    """Parse torch's ``to`` forms: (device=None, dtype=None, non_blocking, copy, *,
    memory_format), (dtype, non_blocking, copy, *, memory_format), (tensor, non_blocking,
    copy, *, memory_format). Returns (device, dtype, copy, memory_format)."""
    kw = dict(kwargs)
    fmt = kw.pop("memory_format", None)
    dev = dtype = None
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        dev, dtype = other.device, other.dtype
    elif rest and (
        isinstance(rest[0], (str, device))
        or (isinstance(rest[0], int) and not isinstance(rest[0], bool))
    ):
        dev = rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and rest[0] is None:
        rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
        if rest and isinstance(rest[0], (str, device)):
            raise TypeError(
                "to() received an invalid combination of arguments - got (dtype, "
                f"{type(rest[0]).__name__}), but expected one of:\n"
                " * (convkit.device device = None, convkit.dtype dtype = None, bool non_blocking "
                "= False, bool copy = False, *, convkit.memory_format memory_format = None)\n"
                " * (convkit.dtype dtype, bool non_blocking = False, bool copy = False, *, "
                "convkit.memory_format memory_format = None)\n"
                " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
                "convkit.memory_format memory_format = None)\n"
            )
    flags = {"non_blocking": False, "copy": False}
    for name, value in zip(("non_blocking", "copy"), rest, strict=False):
        flags[name] = value
    if len(rest) > 2:
        raise TypeError(f"to() takes at most 3 positional arguments after the target, got {args!r}")
    if "device" in kw:
        dev = kw.pop("device")
    if "dtype" in kw:
        dtype = kw.pop("dtype")
    for name in ("non_blocking", "copy"):
        if name in kw:
            flags[name] = kw.pop(name)
    if kw:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kw))}'")
    return dev, dtype, bool(flags["copy"]), fmt


def reshape_target(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve a -1 in ``target`` and check that the element counts agree."""
    numel = int(np.prod(shape))
    known = int(np.prod([v for v in target if v != -1]))
    bad = target.count(-1) > 1 or any(v < -1 for v in target)
    if not bad and -1 in target:
        bad = known == 0 or numel % known != 0
        if not bad:
            target = tuple(numel // known if v == -1 else v for v in target)
    elif not bad:
        bad = known != numel
    if bad:
        raise RuntimeError(f"shape '{list(target)}' is invalid for input of size {numel}")
    return target


def _convert_index(index):
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, tuple):
        return tuple(i._array if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [i._array if isinstance(i, Tensor) else i for i in index]
    return index


def _as_view_index(index):
    """``index`` with a trailing Ellipsis, so that NumPy returns a 0-d view, not a scalar copy,
    when every dimension is indexed by an integer (``x[0]`` of a 1-d tensor is a view in torch)."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is Ellipsis for p in parts):
        return index
    return (*parts, Ellipsis)


def _as_operand(value, like: Tensor) -> Tensor:
    """``value`` as a Tensor operand next to ``like`` (Python scalars keep torch's promotion)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    return Tensor._wrap(np.asarray(value, dtype=result_dtype(like, value)))


# ----- factories --------------------------------------------------------------------------------


def _size_args(size, kw_size, name: str = "size"):
    if kw_size is not None:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size):
        raise TypeError(f"sizes must be ints, got {size!r}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    return tuple(int(s) for s in size)


def _factory(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(
    data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """Make a tensor from nested lists, a NumPy array or a scalar (a copy).

    float64 stays float64 and float32 stays float32; Python floats become float32, ints int64.
    Strings, ragged lists and other objects raise torch's error.
    """
    resolve(device, creating=False)
    arr = np.array(_to_array(data, dtype), copy=True)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _numpy_kind_check(array)
    return Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    resolve(device, creating=False)
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        _numpy_kind_check(data)
        return Tensor._wrap(data)
    return tensor(data, dtype)


asarray = as_tensor


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    resolve(device)
    shape = _size_args(size, kwargs.pop("size", None), "zeros")
    _no_kwargs("zeros", kwargs)
    return _factory(np.zeros(shape, dtype=as_dtype(dtype) or get_default_dtype()), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    resolve(device)
    shape = _size_args(size, kwargs.pop("size", None), "ones")
    _no_kwargs("ones", kwargs)
    return _factory(np.ones(shape, dtype=as_dtype(dtype) or get_default_dtype()), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """Like torch.empty, but zero-filled so results never depend on stale memory."""
    resolve(device)
    shape = _size_args(size, kwargs.pop("size", None), "empty")
    kwargs.pop("memory_format", None)
    _no_kwargs("empty", kwargs)
    return _factory(np.zeros(shape, dtype=as_dtype(dtype) or get_default_dtype()), requires_grad)


def _no_kwargs(name: str, kwargs: dict) -> None:
    for k in ("layout", "pin_memory", "out"):
        if kwargs.get(k) not in (None, False):
            if k == "out":
                raise TypeError(f"{name}(): out= is not supported by convkit; assign the result")
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")


def full(
    size=None, fill_value=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    resolve(device)
    if size is None or fill_value is None:
        raise TypeError("full() missing required arguments 'size' and 'fill_value'")
    if isinstance(size, numbers.Integral):
        raise TypeError("full(): argument 'size' (position 1) must be tuple of ints, not int")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = as_dtype(dtype) or _to_array(fill_value).dtype
    return _factory(np.full(_size_args((size,), None), fill_value, dtype=dtype), requires_grad)


def _like(t: Tensor, dtype, device, requires_grad, memory_format, make):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor as input, got {type(t).__name__}")
    resolve(device)
    _check_memory_format(memory_format if memory_format is not preserve_format else None, t.ndim)
    return make(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def zeros_like(
    input: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _like(input, dtype, device, requires_grad, memory_format, zeros)


def ones_like(
    input: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _like(input, dtype, device, requires_grad, memory_format, ones)


def empty_like(
    input: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _like(input, dtype, device, requires_grad, memory_format, empty)


def full_like(
    input: Tensor,
    fill_value,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    return _like(
        input,
        dtype,
        device,
        requires_grad,
        memory_format,
        lambda shape, dtype, requires_grad: full(
            shape, fill_value, dtype=dtype, requires_grad=requires_grad
        ),
    )


def rand_like(
    input: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _like(input, dtype, device, requires_grad, memory_format, rand)


def randn_like(
    input: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _like(input, dtype, device, requires_grad, memory_format, randn)


def randint_like(
    input: Tensor,
    low=0,
    high=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    if high is None:
        low, high = 0, low
    return _like(
        input,
        dtype,
        device,
        requires_grad,
        memory_format,
        lambda shape, dtype, requires_grad: randint(
            low, high, shape, dtype=dtype, requires_grad=requires_grad
        ),
    )


def eye(
    n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    resolve(device)
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _factory(
        np.eye(n, n if m is None else m, dtype=as_dtype(dtype) or get_default_dtype()),
        requires_grad,
    )


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    resolve(device)
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    values = (start, end, step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = (
            int64 if all(isinstance(v, numbers.Integral) for v in values) else get_default_dtype()
        )
    return _factory(np.arange(start, end, step).astype(as_dtype(dtype)), requires_grad)


def linspace(
    start, end, steps: int, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, computed as torch computes
    them (see ``linspace_values``)."""
    resolve(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    out_dtype = as_dtype(dtype) or get_default_dtype()
    return _factory(linspace_values(start, end, steps, out_dtype), requires_grad)


def linspace_values(start, end, steps: int, dtype) -> np.ndarray:
    """torch's linspace: ``start + i*step`` for the first half and ``end - (steps-1-i)*step``
    for the second, so both ends are exact, each a fused multiply-add (one rounding, as
    torch's vectorised kernel), in the output's floating dtype (float64 for an integer
    output, from the truncated ends, then truncated: torch's integer rounding differs from this
    by one on some fractional steps). The fused operation is emulated in the next wider type."""
    work = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(float64)
    if steps <= 1:
        return np.full(steps, start, dtype=work).astype(dtype)
    wide = np.dtype(np.longdouble) if work == float64 else np.dtype(float64)
    if np.dtype(dtype).kind != "f":
        start, end = int(start), int(end)
    lo, hi = work.type(start), work.type(end)
    step = (hi - lo) / work.type(steps - 1)
    i = np.arange(steps)
    up: np.ndarray[Any, Any] = i.astype(wide)
    down: np.ndarray[Any, Any] = (steps - 1 - i).astype(wide)
    from_start = up * wide.type(step) + wide.type(lo)
    from_end = wide.type(hi) - down * wide.type(step)
    values = np.where(i < steps // 2, from_start, from_end).astype(work)
    return values.astype(dtype)


def _random_dtype(dtype) -> np.dtype:
    return as_dtype(dtype) or get_default_dtype()


def _random_size(name: str, size: tuple, kwargs: dict) -> tuple:
    kw_size = kwargs.pop("size", None)
    _no_kwargs(name, kwargs)
    if not size and kw_size is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    return _size_args(size, kw_size, name)


def rand(
    *size, generator=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """U[0, 1) draws, torch's numbers for the same seed (``generator=`` or the global one)."""
    from .random import uniform

    resolve(device)
    shape = _random_size("rand", size, kwargs)
    return _factory(uniform(shape, 0.0, 1.0, _random_dtype(dtype), generator), requires_grad)


def randn(
    *size, generator=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """N(0, 1) draws, torch's numbers for the same seed (``generator=`` or the global one)."""
    from .random import normal

    resolve(device)
    shape = _random_size("randn", size, kwargs)
    return _factory(normal(shape, 0.0, 1.0, _random_dtype(dtype), generator), requires_grad)


def randint(
    low=0,
    high=None,
    size=None,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    **kwargs,
) -> Tensor:
    """Integers in [low, high) as torch draws them: ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    from .random import random_from_to

    resolve(device)
    _no_kwargs("randint", kwargs)
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint() missing the required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if isinstance(size, numbers.Integral):
        raise TypeError("randint(): argument 'size' must be tuple of ints, not int")
    shape = _size_args((size,), None, "randint")
    array = random_from_to(shape, int(low), int(high), as_dtype(dtype) or int64, generator)
    return _factory(array, requires_grad)


def randperm(
    n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """A random permutation of 0 .. n-1, torch's for the same seed."""
    from .random import randperm as draw

    resolve(device)
    _no_kwargs("randperm", kwargs)
    dtype = as_dtype(dtype) or int64
    if dtype.kind == "f" and n > 2 ** (np.finfo(dtype).nmant + 1):
        raise RuntimeError(f"n cannot be greater than 2^{np.finfo(dtype).nmant + 1} for {dtype}")
    return _factory(draw(n, generator).astype(dtype), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """torch.normal: a Tensor mean and/or std give elementwise normals of the broadcast shape
    (standard normals drawn first, then ``* std + mean`` in the tensor's dtype); two floats need
    ``size``."""
    from .random import normal as draw

    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError("normal() with a float mean and std needs a size")
        array = draw(_size_args((size,), None), mean, std, _random_dtype(dtype), generator)
        return _factory(array, requires_grad)
    if std_t and np.any(std._array < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = np.broadcast_shapes(*(t.shape for t in (mean, std) if isinstance(t, Tensor)))
    out_dtype = result_dtype(*(t for t in (mean, std) if isinstance(t, Tensor)))
    if mean_t and not std_t:
        out = Tensor._wrap(draw(shape, 0.0, std, out_dtype, generator))
        return _factory((out + mean)._array, requires_grad)
    out = Tensor._wrap(draw(shape, 0.0, 1.0, out_dtype, generator))
    return _factory((out * std + mean)._array, requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws in ``input``'s dtype, True with probability ``input`` (or the float ``p``)."""
    out = zeros(input.shape, dtype=input.dtype)
    return out.bernoulli_(input if p is None else p, generator=generator)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None):
    """Indices drawn from the rows of ``input`` (weights), torch's draws for the same seed."""
    from .random import multinomial as draw

    return Tensor._wrap(draw(input._array, num_samples, replacement, generator))


def cat(tensors, dim: int = 0, **kwargs) -> Tensor:
    dim, _ = _aliases("cat", dim, None, kwargs, dim_default=0)
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    dtype = result_dtype(*tensors)
    d = tensors[0]._dim(dim)
    first = tensors[0].shape
    for i, t in enumerate(tensors[1:], start=1):
        if t.ndim != len(first) or any(
            a != b for j, (a, b) in enumerate(zip(first, t.shape, strict=True)) if j != d
        ):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}: tensor 0 "
                f"has shape {list(first)}, tensor {i} has shape {list(t.shape)}"
            )
    return B.Cat.apply(*(t.to(dtype) for t in tensors), axis=d)


concat = cat
concatenate = cat


def stack(tensors, dim: int = 0, **kwargs) -> Tensor:
    dim, _ = _aliases("stack", dim, None, kwargs, dim_default=0)
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], start=1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(t.shape)} at entry {i}"
            )
    n = tensors[0].ndim + 1
    if not -n <= dim < n:
        raise DimensionError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    dtype = result_dtype(*tensors)
    return B.Stack.apply(*(t.to(dtype) for t in tensors), axis=dim % n)


def where(condition, input=None, other=None) -> Any:
    """``input`` where ``condition``, else ``other`` (all broadcast; numbers promote as
    torch's scalars do); ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype.kind != "b" and (input is not None or other is not None):
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{_scalar_name(cond.dtype)}"
        )
    if input is None and other is None:
        return tuple(Tensor._wrap(i.astype(int64)) for i in np.nonzero(cond))
    a = input if isinstance(input, Tensor) else tensor(input)
    b = other if isinstance(other, Tensor) else tensor(other)
    check_broadcast(cond.shape, a.shape, b.shape)
    dtype = result_dtype(a, b)
    return B.Where.apply(a.to(dtype), b.to(dtype), cond=cond.astype(bool))


def _pair_extremum(name: str, fn, input, other) -> Tensor:
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad, pos = ("input", 1) if not isinstance(input, Tensor) else ("other", 2)
        value = input if pos == 1 else other
        raise TypeError(
            f"{name}(): argument '{bad}' (position {pos}) must be Tensor, not "
            f"{type(value).__name__}"
        )
    check_broadcast(input.shape, other.shape)
    dtype = result_dtype(input, other)
    a, b = input.to(dtype), other.to(dtype)
    if dtype.kind != "f":
        return Tensor._wrap(np.asarray(fn._op(a._array, b._array)))
    return fn.apply(a, b)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise max; NaN in either operand wins, ties share the gradient, as in torch."""
    return _pair_extremum("maximum", P.Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise min; NaN in either operand wins, ties share the gradient, as in torch."""
    return _pair_extremum("minimum", P.Minimum, input, other)


def check_broadcast(*shape_list) -> tuple[int, ...]:
    """The broadcast shape, or torch's RuntimeError naming the dimension that disagrees."""
    try:
        return np.broadcast_shapes(*shape_list)
    except ValueError:
        pass
    n = max(len(s) for s in shape_list)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shape_list]
    for d in range(n):
        sizes = {p[d] for p in padded} - {1}
        if len(sizes) > 1:
            a, b = sorted(sizes)[:2]
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                f"at non-singleton dimension {d}: shapes "
                f"{', '.join(str(list(s)) for s in shape_list)} do not broadcast"
            )
    raise RuntimeError(f"shapes {shape_list} do not broadcast")  # pragma: no cover


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def _check_sub(input: Tensor, other: Any) -> None:
    """torch's sub_check: no subtraction with a bool operand (a bool tensor or a Python bool),
    checked before promotion (``bool - 1`` would otherwise become int64 arithmetic)."""
    other_bool = (
        other._array.dtype == np.bool_ if isinstance(other, Tensor) else isinstance(other, bool)
    )
    if input._array.dtype == np.bool_ and other_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if input._array.dtype == np.bool_ or other_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _check_alpha(input: Tensor, other: Any, alpha: Any) -> None:
    """torch's rule for add/sub's ``alpha``: no float alpha for an integral result, no bool
    alpha but for a bool result."""
    kind = result_dtype(input, other).kind
    if kind in "iub" and isinstance(alpha, float | np.floating):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    if kind != "b" and isinstance(alpha, bool | np.bool_):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
