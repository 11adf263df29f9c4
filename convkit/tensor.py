"""Tensor: an n-d NumPy array with reverse-mode autograd.

Operators and methods delegate to the primitives in ``ops.basic``; this file holds type
promotion, construction and the torch-shaped surface, and no derivative.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from . import autograd
from .dtypes import as_dtype, bool_, float32, float64, get_default_dtype, int32, int64, result_dtype
from .errors import DimensionError
from .ops import basic as B

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


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


def _to_array(data, dtype=None) -> np.ndarray:
    """Convert user data to an array with torch's default dtypes."""
    if isinstance(data, Tensor):
        arr = data._array
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)  # NumPy scalars keep their dtype, as torch.tensor(np.float64(1))
    elif isinstance(data, (bool, np.bool_)):
        arr = np.asarray(data, dtype=bool_)
    elif isinstance(data, numbers.Integral):
        arr = np.asarray(data, dtype=int64)
    elif isinstance(data, numbers.Real):
        arr = np.asarray(data, dtype=get_default_dtype() if dtype is None else dtype)
    elif isinstance(data, (list, tuple)):
        arr = np.asarray(
            [x.item() if isinstance(x, Tensor) else x for x in data]
            if any(isinstance(x, Tensor) for x in data)
            else data
        )
        if dtype is None:
            # Python floats become float32 and ints int64 (torch's defaults).
            if arr.dtype.kind == "f":
                arr = arr.astype(get_default_dtype())
            elif arr.dtype.kind in "iu":
                arr = arr.astype(int64)
            elif arr.dtype.kind not in "b":
                raise TypeError(
                    f"could not convert {type(data).__name__} to a tensor: the "
                    f"values must be numbers, got dtype {arr.dtype}"
                )
    else:
        try:
            arr = np.asarray(data)
        except Exception as e:  # pragma: no cover - defensive
            raise TypeError(f"could not convert {type(data).__name__} to a tensor") from e
        if arr.dtype == object:
            raise TypeError(f"could not convert {type(data).__name__} to a tensor")
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    return arr


_NO_TO = object()  # random_(from) means [0, from); random_(from, None) means [from, max]


class Tensor:
    """An n-d array with reverse-mode autograd.

    ``Tensor(*sizes)`` makes a zero-filled float32 tensor of that shape (torch leaves it
    uninitialised; zeros keep convkit deterministic). ``Tensor(data)`` copies a list or array
    into a float32 tensor.
    """

    # ``_array`` is the NumPy array holding the values; convkit's own code reads it directly.
    # The public ``.data`` is, as in torch, a Tensor sharing that memory outside the graph.
    __slots__ = ("_array", "requires_grad", "grad", "_node", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # make ndarray + Tensor defer to Tensor.__radd__

    def __init__(self, *args, requires_grad: bool = False):
        if (
            len(args) == 1
            and isinstance(args[0], (list, tuple, np.ndarray, Tensor))
            and not (
                isinstance(args[0], tuple) and all(isinstance(v, numbers.Integral) for v in args[0])
            )
        ):
            data = _to_array(args[0]).astype(get_default_dtype())
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in sizes):
                raise TypeError(f"Tensor(*sizes) takes ints, got {sizes!r}")
            if any(v < 0 for v in sizes):
                raise RuntimeError(f"Trying to create tensor with negative dimension: {sizes}")
            data = np.zeros(tuple(int(v) for v in sizes), dtype=get_default_dtype())
        self._array = data
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None
        self._retains_grad = False

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> "Tensor":
        t = object.__new__(cls)
        t._array = array if isinstance(array, np.ndarray) else np.asarray(array)
        t.requires_grad = requires_grad
        t.grad = None
        t._node = None
        t._retains_grad = False
        return t

    # ----- attributes -------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if name == "grad" and value is not None and not isinstance(value, Tensor):
            if isinstance(value, np.ndarray):
                value = Tensor._wrap(value)
            else:
                raise TypeError(
                    f"assigned grad must be a Tensor or None, got {type(value).__name__}"
                )
        object.__setattr__(self, name, value)

    @property
    def data(self) -> "Tensor":
        """This tensor's values as a new leaf that shares memory and records no graph."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"data must be set to a Tensor, got {type(value).__name__} (wrap a NumPy "
                f"array with convkit.from_numpy)"
            )
        self._array = value._array

    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None):
        if dim is None:
            return self.shape
        return self._array.shape[self._dim(dim)]

    def dim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return int(self._array.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def _dim(self, dim: int) -> int:
        n = max(self.ndim, 1)
        if not -n <= dim < n:
            raise DimensionError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                f", but got {dim})"
            )
        return dim % n

    # ----- conversion -------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use "
                "tensor.detach().numpy() instead."
            )
        return self._array

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

    def detach(self) -> "Tensor":
        return Tensor._wrap(self._array)

    def clone(self) -> "Tensor":
        return (
            B.Add.apply(self, np.zeros((), dtype=self.dtype))
            if self.requires_grad
            else Tensor._wrap(self._array.copy())
        )

    def contiguous(self) -> "Tensor":
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        self._retains_grad = True

    def to(self, dtype=None, *args, **kwargs) -> "Tensor":
        if isinstance(dtype, str) and dtype == "cpu":
            dtype = kwargs.get("dtype", args[0] if args else None)
        if dtype is None:
            return self
        dtype = as_dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":  # integer and bool tensors carry no gradient
            return Tensor._wrap(self._array.astype(dtype))
        return B.Cast.apply(self, dtype)

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.to(dtype)

    def float(self) -> "Tensor":
        return self.to(float32)

    def double(self) -> "Tensor":
        return self.to(float64)

    def long(self) -> "Tensor":
        return self.to(int64)

    def int(self) -> "Tensor":
        return self.to(int32)

    def bool(self) -> "Tensor":
        return self.to(bool_)

    def cpu(self) -> "Tensor":
        return self

    # ----- autograd ---------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if gradient is None:
            if self._array.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs "
                    f"(this tensor has shape {list(self.shape)}); pass "
                    "gradient= of the same shape"
                )
            grad = np.ones(self.shape, dtype=self.dtype)
        else:
            grad = np.asarray(gradient._array if isinstance(gradient, Tensor) else gradient)
            if grad.shape != self._array.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output has a shape of "
                    f"{Size(grad.shape)} and output has a shape of {self.shape}"
                )
            grad = grad.astype(self.dtype, copy=False)
        autograd.backward(self, grad, retain_graph=retain_graph)

    # ----- in-place (for optimisers, init and user code under no_grad) -----------------------
    def _check_inplace(self):
        if self.requires_grad and self.is_leaf and autograd.is_grad_enabled():
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )

    def _set(self, value) -> "Tensor":
        self._check_inplace()
        value = value._array if isinstance(value, Tensor) else value
        np.copyto(
            self._array, np.broadcast_to(np.asarray(value), self._array.shape), casting="unsafe"
        )
        return self

    def copy_(self, src) -> "Tensor":
        src = src._array if isinstance(src, Tensor) else np.asarray(src)
        if np.broadcast_shapes(src.shape, self._array.shape) != self._array.shape:
            raise RuntimeError(
                f"copy_: the source of shape {list(src.shape)} cannot be broadcast "
                f"to the destination of shape {list(self.shape)}"
            )
        return self._set(src)

    def zero_(self) -> "Tensor":
        return self._set(0)

    def fill_(self, value) -> "Tensor":
        return self._set(value)

    def add_(self, other, alpha=1) -> "Tensor":
        other = other._array if isinstance(other, Tensor) else other
        return self._set(self._array + other * alpha if alpha != 1 else self._array + other)

    def sub_(self, other, alpha=1) -> "Tensor":
        return self.add_(other, alpha=-alpha)

    def mul_(self, other) -> "Tensor":
        other = other._array if isinstance(other, Tensor) else other
        return self._set(self._array * other)

    def div_(self, other) -> "Tensor":
        other = other._array if isinstance(other, Tensor) else other
        return self._set(self._array / other)

    def clamp_(self, min=None, max=None) -> "Tensor":
        return self._set(np.clip(self._array, min, max))

    # ----- random fills: torch's draws in torch's order (see convkit.random) -------------------
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None, **bounds) -> "Tensor":
        """Fill with U[a, b) (torch's ``uniform_(from=0, to=1)``; ``from=``/``to=`` work too)."""
        from . import random as R

        a, b = R.named_bounds("uniform_", a, b, bounds)
        flat = R.uniform((self.numel(),), a, b, self.dtype, generator)
        return self._set(R.in_memory_order(flat, self._array))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> "Tensor":
        from . import random as R

        contiguous = bool(self._array.flags.c_contiguous)
        flat = R.normal((self.numel(),), mean, std, self.dtype, generator, contiguous)
        return self._set(R.in_memory_order(flat, self._array))

    def bernoulli_(self, p=0.5, *, generator=None) -> "Tensor":
        """Fill with 1 with probability ``p`` (a float, or a Tensor broadcast to this shape)."""
        from . import random as R

        if isinstance(p, Tensor):
            probs = np.broadcast_to(p._array, self.shape)
            mask = R.bernoulli_tensor(np.ascontiguousarray(probs), generator).reshape(-1)
        else:
            mask = R.bernoulli_scalar((self.numel(),), p, generator)
        return self._set(R.in_memory_order(mask, self._array))

    def bernoulli(self, p=None, *, generator=None) -> "Tensor":
        """0/1 draws with this tensor's values as probabilities (or the float ``p``)."""
        return bernoulli(self, p, generator=generator)

    def random_(self, from_=None, to=_NO_TO, *, generator=None, **bounds) -> "Tensor":
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
        return self._set(R.in_memory_order(flat, self._array))

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> "Tensor":
        from . import random as R

        flat = R.exponential((self.numel(),), lambd, self.dtype, generator)
        return self._set(R.in_memory_order(flat, self._array))

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)

    # ----- arithmetic ---------------------------------------------------------------------------
    def _binary(self, fn, other, reverse=False):
        if isinstance(other, np.ndarray):
            other = Tensor._wrap(other)
        if not isinstance(other, (Tensor, numbers.Number, np.generic)):
            return NotImplemented
        if isinstance(other, np.generic):
            other = other.item()
        if isinstance(other, Tensor):
            check_broadcast(self.shape, other.shape)
        dtype = result_dtype(self, other)
        a = self.to(dtype)
        b = other.to(dtype) if isinstance(other, Tensor) else np.asarray(other, dtype=dtype)
        return fn.apply(b, a) if reverse else fn.apply(a, b)

    def __add__(self, other):
        return self._binary(B.Add, other)

    def __radd__(self, other):
        return self._binary(B.Add, other, reverse=True)

    def __sub__(self, other):
        return self._binary(B.Sub, other)

    def __rsub__(self, other):
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

    def __pow__(self, other):
        return self._binary(B.Pow, other)

    def __rpow__(self, other):
        return self._binary(B.Pow, other, reverse=True)

    def __neg__(self):
        return B.Neg.apply(self)

    def __pos__(self):
        return self

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
        return B.MatMul.apply(self, other)

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
        return Tensor._wrap(~self._array)

    def __and__(self, other):
        return self._compare(np.logical_and, other)

    def __or__(self, other):
        return self._compare(np.logical_or, other)

    __hash__ = object.__hash__

    def eq(self, other):
        return self == other

    def add(self, other, alpha=1):
        return self + other * alpha if alpha != 1 else self + other

    def sub(self, other, alpha=1):
        return self - other * alpha if alpha != 1 else self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self**exponent

    def matmul(self, other):
        return self @ other

    def exp(self):
        return B.Exp.apply(self._floating())

    def log(self):
        return B.Log.apply(self._floating())

    def sqrt(self):
        return self._floating() ** 0.5

    def abs(self):
        return B.Abs.apply(self)

    def sigmoid(self):
        return B.Sigmoid.apply(self._floating())

    def tanh(self):
        return B.Tanh.apply(self._floating())

    def relu(self):
        return B.Relu.apply(self)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("At least one of 'min' or 'max' must not be None")
        return B.Clamp.apply(self, min, max)

    clip = clamp

    def _floating(self) -> "Tensor":
        return self if self.is_floating_point() else self.float()

    # ----- reductions -------------------------------------------------------------------------
    def _axes(self, dim):
        if dim is None:
            return None
        if isinstance(dim, (tuple, list)):
            return tuple(self._dim(d) for d in dim)
        return self._dim(dim)

    def sum(self, dim=None, keepdim: bool = False, dtype=None):
        t = self if dtype is None else self.to(dtype)
        if t.dtype.kind in "biu" and dtype is None:
            t = t.to(int64)
        return B.Sum.apply(t, self._axes(dim), keepdim)

    def mean(self, dim=None, keepdim: bool = False, dtype=None):
        t = self if dtype is None else self.to(dtype)
        if not t.is_floating_point():
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be "
                f"either a floating point or complex dtype. Got: {t.dtype}"
            )
        axes = self._axes(dim)
        if axes is None:
            count = t._array.size
        else:
            count = 1
            for a in axes if isinstance(axes, tuple) else (axes,):
                count *= t._array.shape[a]
        return t.sum(dim, keepdim) / count

    def var(self, dim=None, unbiased: bool = True, keepdim: bool = False, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        mu = self.mean(dim, keepdim=True)
        sq = ((self - mu) ** 2).sum(dim, keepdim=keepdim)
        n = self.numel() if dim is None else self.numel() // sq.numel()
        return sq / max(n - correction, 0)

    def std(self, dim=None, unbiased: bool = True, keepdim: bool = False):
        return self.var(dim, unbiased, keepdim) ** 0.5

    def max(self, dim=None, keepdim: bool = False):
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        if dim is None:
            if self._array.size == 0:
                raise RuntimeError(
                    "max(): Expected reduction dim to be specified for "
                    "input.numel() == 0. Specify the reduction dim with the "
                    "'dim' argument."
                )
            return B.Max.apply(self, None)[0]
        d = self._dim(dim)
        if self.ndim and self.shape[d] == 0:
            raise DimensionError(f"max(): Expected reduction dim {d} to have non-zero size.")
        values, indices = B.Max.apply(self, d, keepdim)
        return MaxResult(values, indices)

    def min(self, dim=None, keepdim: bool = False):
        if self.dtype.kind in "ub":
            # Negation does not order unsigned or bool values; they carry no gradient anyway.
            if dim is None:
                return Tensor._wrap(np.asarray(self._array.min()))
            d = self._dim(dim)
            idx = np.argmin(self._array, axis=d, keepdims=keepdim).astype(int64)
            return MinResult(
                Tensor._wrap(np.min(self._array, axis=d, keepdims=keepdim)), Tensor._wrap(idx)
            )
        result = (-self).max(dim, keepdim)
        if isinstance(result, MaxResult):
            return MinResult(-result.values, result.indices)
        return -result

    def _check_arg_reduction(self, name: str) -> None:
        if self.dtype.kind == "b":
            raise RuntimeError(f"{name}(): does not support bool input (convert it with .long())")

    def argmax(self, dim=None, keepdim: bool = False):
        self._check_arg_reduction("argmax")
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmax(self._array), dtype=int64))
        idx = np.argmax(self._array, axis=self._dim(dim), keepdims=keepdim)
        return Tensor._wrap(idx.astype(int64))

    def argmin(self, dim=None, keepdim: bool = False):
        self._check_arg_reduction("argmin")
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmin(self._array), dtype=int64))
        idx = np.argmin(self._array, axis=self._dim(dim), keepdims=keepdim)
        return Tensor._wrap(idx.astype(int64))

    def all(self):
        return Tensor._wrap(np.asarray(self._array.all()))

    def any(self):
        return Tensor._wrap(np.asarray(self._array.any()))

    # ----- shape --------------------------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return B.Reshape.apply(self, reshape_target(self.shape, tuple(int(s) for s in shape)))

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        if self.ndim == 0:
            return self.reshape(1)
        s, e = self._dim(start_dim), self._dim(end_dim)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape[:s] + (int(np.prod(self.shape[s : e + 1])),) + self.shape[e + 1 :]
        return self.reshape(shape)

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        dims = tuple(self._dim(d) for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute(): dims {dims} are not a permutation of the {self.ndim} dimensions"
            )
        return B.Permute.apply(self, dims)

    def transpose(self, dim0: int, dim1: int):
        dims = list(range(self.ndim))
        a, b = self._dim(dim0), self._dim(dim1)
        dims[a], dims[b] = dims[b], dims[a]
        return B.Permute.apply(self, tuple(dims))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self.T if self.ndim == 2 else self

    def unsqueeze(self, dim: int):
        d = dim if dim >= 0 else dim + self.ndim + 1
        if not 0 <= d <= self.ndim:
            raise DimensionError(
                f"Dimension out of range (expected to be in range of "
                f"[{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        d = self._dim(dim)
        if self.shape[d] != 1:
            return self
        return self.reshape(self.shape[:d] + self.shape[d + 1 :])

    def expand(self, *sizes):
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        try:
            np.broadcast_shapes(self.shape, shape)
        except ValueError:
            raise RuntimeError(
                f"The expanded size of the tensor ({list(shape)}) must match the "
                f"existing size ({list(self.shape)}) at non-singleton "
                f"dimensions"
            ) from None
        return B.Expand.apply(self, shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        index = _convert_index(index)
        try:
            self._array[index]
        except IndexError as e:
            raise DimensionError(str(e)) from None
        return B.GetItem.apply(self, index)

    def __setitem__(self, index, value):
        self._check_inplace()
        index = _convert_index(index)
        value = value._array if isinstance(value, Tensor) else np.asarray(value)
        target = self._array[index].shape
        try:
            np.broadcast_shapes(value.shape, target)
        except ValueError:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(value.shape)} cannot "
                f"be broadcast to indexing result of shape {list(target)}"
            ) from None
        self._array[index] = value

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # ----- printing -----------------------------------------------------------------------------
    def __repr__(self):
        data = self._array
        # torch prints whole floats as "1." and others with 4 fixed decimals.
        whole = data.dtype.kind == "f" and bool(np.all(np.mod(data[np.isfinite(data)], 1) == 0))
        body = np.array2string(
            data,
            separator=", ",
            prefix="tensor(",
            precision=4,
            floatmode="maxprec" if whole else "fixed",
        )
        extra = ""
        if self.dtype not in (float32, int64, bool_):
            extra += f", dtype=convkit.{self.dtype}"
        if self._node is not None:
            extra += f", grad_fn={self._node.name()}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"


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
    return index


# ----- factories --------------------------------------------------------------------------------


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from nested lists, a NumPy array or a scalar (a copy).

    float64 stays float64 and float32 stays float32; Python floats become float32, ints int64.
    """
    arr = np.array(_to_array(data, dtype), copy=True)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


def as_tensor(data, dtype=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        return Tensor._wrap(data)
    return tensor(data, dtype)


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    if not all(isinstance(s, numbers.Integral) for s in size):
        raise TypeError(f"sizes must be ints, got {size!r}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    return tuple(int(s) for s in size)


def _factory(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _factory(
        np.zeros(_size_args(size), dtype=as_dtype(dtype) or get_default_dtype()), requires_grad
    )


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _factory(
        np.ones(_size_args(size), dtype=as_dtype(dtype) or get_default_dtype()), requires_grad
    )


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    dtype = as_dtype(dtype) or _to_array(fill_value).dtype
    return _factory(np.full(_size_args((size,)), fill_value, dtype=dtype), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Like torch.empty, but zero-filled so results never depend on stale memory."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype=None) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype)


def ones_like(t: Tensor, dtype=None) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype)


def arange(start, end=None, step=1, dtype=None) -> Tensor:
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    if dtype is None:
        dtype = (
            int64 if all(isinstance(v, numbers.Integral) for v in values) else get_default_dtype()
        )
    return Tensor._wrap(np.arange(start, end, step).astype(as_dtype(dtype)))


def _random_dtype(dtype) -> np.dtype:
    return as_dtype(dtype) or get_default_dtype()


def _random_size(name: str, size: tuple) -> tuple:
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    return _size_args(size)


def rand(*size, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """U[0, 1) draws, torch's numbers for the same seed (``generator=`` or the global one)."""
    from .random import uniform

    array = uniform(_random_size("rand", size), 0.0, 1.0, _random_dtype(dtype), generator)
    return _factory(array, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) draws, torch's numbers for the same seed (``generator=`` or the global one)."""
    from .random import normal

    array = normal(_random_size("randn", size), 0.0, 1.0, _random_dtype(dtype), generator)
    return _factory(array, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Integers in [low, high) as torch draws them: ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    from .random import random_from_to

    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint() missing the required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    shape = _size_args((size,))
    array = random_from_to(shape, int(low), int(high), as_dtype(dtype) or int64, generator)
    return _factory(array, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1, torch's for the same seed."""
    from .random import randperm as draw

    dtype = as_dtype(dtype) or int64
    if dtype.kind == "f" and n > 2 ** (np.finfo(dtype).nmant + 1):
        raise RuntimeError(f"n cannot be greater than 2^{np.finfo(dtype).nmant + 1} for {dtype}")
    return _factory(draw(n, generator).astype(dtype), requires_grad)


def rand_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, requires_grad=False) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """torch.normal: a Tensor mean and/or std give elementwise normals of the broadcast shape
    (standard normals drawn first, then ``* std + mean`` in the tensor's dtype); two floats need
    ``size``."""
    from .random import normal as draw

    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError("normal() with a float mean and std needs a size")
        array = draw(_size_args((size,)), mean, std, _random_dtype(dtype), generator)
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


def cat(tensors, dim: int = 0) -> Tensor:
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


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    return cat([t.unsqueeze(dim) for t in tensors], dim=dim)


def where(condition, input, other) -> Tensor:
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    a = input if isinstance(input, Tensor) else tensor(input)
    b = other if isinstance(other, Tensor) else tensor(other)
    check_broadcast(cond.shape, a.shape, b.shape)
    dtype = result_dtype(a, b)
    return B.Where.apply(cond.astype(bool), a.to(dtype), b.to(dtype))


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise max; NaN in either operand wins, as in torch."""
    return where(
        np.isnan(a._array) | (a._array >= b._array)
        if a.is_floating_point()
        else a._array >= b._array,
        a,
        b,
    )


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise min; NaN in either operand wins, as in torch."""
    return where(
        np.isnan(a._array) | (a._array <= b._array)
        if a.is_floating_point()
        else a._array <= b._array,
        a,
        b,
    )


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


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False) -> bool:
    return bool(
        np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)
