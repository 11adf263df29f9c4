"""Indexing by index tensors and masks: gather/scatter (and scatter_add, scatter_reduce),
index_select/index_add/index_copy/index_fill/index_put, take/take_along_dim,
masked_fill/masked_select/masked_scatter, where, nonzero/argwhere, and their in-place forms.

Indices are checked first and raise torch's errors (class and words); integer indices may be
int64 or int32 (and negative where torch allows it).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..dtypes import bool_, int64
from ..ops import basic as B
from ..ops import indexing as I
from ..tensor import (
    Tensor,
    _convert_index,
    _scalar_name,
    check_broadcast,
    full,
    where,
)
from ._bind import check_tensor, inplace, method

__all__ = [
    "argwhere",
    "gather",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "index_put_",
    "index_select",
    "masked_fill",
    "masked_scatter",
    "masked_select",
    "nonzero",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take",
    "take_along_dim",
    "where",
]


def _index_array(index: Any, op: str, allow_int32: builtins.bool = True) -> np.ndarray:
    """An index tensor's array as int64 (torch's error for other dtypes)."""
    check_tensor(op, index, "index", 3)
    idx = index._array
    if idx.dtype != np.int64:
        if idx.dtype == np.int32 and allow_int32:
            return idx.astype(np.int64)
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    return idx


def _dim_index(op: str, t: Tensor, d: builtins.int, index: Any) -> np.ndarray:
    """A 0-d or 1-d index along dimension ``d`` of ``t``, as a 1-d int64 array, in range."""
    check_tensor(op, index, "index", 3)
    idx = index._array
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    idx = idx.reshape(-1).astype(np.int64)
    n = t.shape[d] if t.ndim else 1
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(
            f"index {builtins.int(bad[0])} is out of bounds for dimension {d} with size {n}"
        )
    return idx % builtins.max(n, 1)


def _check_scatter_shapes(op: str, t: Tensor, d: builtins.int, idx: np.ndarray, src: Any) -> None:
    if idx.ndim != t.ndim and not (idx.ndim <= 1 and t.ndim <= 1):
        raise RuntimeError(
            "Index tensor must have the same number of dimensions as "
            f"{'input' if op == 'gather' else 'self'} tensor"
        )
    for i in range(idx.ndim):
        if i != d and idx.shape[i] > (t.shape[i] if t.ndim else 1):
            raise RuntimeError(
                f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                f"smaller than self {list(t.shape)} apart from dimension {d}"
            )
        if src is not None and idx.shape[i] > (src.shape[i] if src.ndim else 1):
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be smaller than self {list(t.shape)} "
                f"apart from dimension {d} and to be smaller size than src {list(src.shape)}"
            )
    n = t.shape[d] if t.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        bad = builtins.int(idx.max() if idx.max() >= n else idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


def _scalar_value(value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "Expected a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        return value.item()
    return value


# ----- gather and scatter -----------------------------------------------------------------------


@method
def gather(
    input: Tensor, dim: builtins.int, index: Tensor, *, sparse_grad: builtins.bool = False
) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (and so on for other dims)."""
    d = input._dim(dim)
    idx = _index_array(index, "gather")
    _check_scatter_shapes("gather", input, d, idx, None)
    return B.Gather.apply(input, axis=d, index=idx)


@method
def take_along_dim(input: Tensor, indices: Tensor, dim: builtins.int | None = None) -> Tensor:
    """``gather`` with ``indices`` broadcast against ``input`` (the flattened input when
    ``dim`` is None)."""
    check_tensor("take_along_dim", indices, "indices", 2)
    if indices.dtype.kind not in "iu":
        raise RuntimeError(
            "torch.take_along_dim(): dtype of indices should be Long but got "
            f"{_scalar_name(indices.dtype)}"
        )
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = input._dim(dim)
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    shape_in, shape_idx = list(input.shape), list(indices.shape)
    shape_in[d] = shape_idx[d] = 1
    common = list(check_broadcast(tuple(shape_in), tuple(shape_idx)))
    want_in = common.copy()
    want_in[d] = input.shape[d]
    want_idx = common.copy()
    want_idx[d] = indices.shape[d]
    return gather(input.expand(*want_in), d, indices.expand(*want_idx))


def _scatter_src(op: str, input: Tensor, d: builtins.int, idx: np.ndarray, src: Tensor) -> None:
    check_tensor(op, src, "src", 4)
    _check_scatter_shapes(op, input, d, idx, src)
    if src.dtype != input.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")


@method
def scatter(
    input: Tensor,
    dim: builtins.int,
    index: Tensor,
    src: Any = None,
    value: Any = None,
    *,
    reduce: str | None = None,
) -> Tensor:
    """``input`` with ``src[i][j]`` (or ``value``) written at ``index[i][j]`` along ``dim``;
    ``reduce='add'``/``'multiply'`` combines instead of writing (the legacy form)."""
    d = input._dim(dim)
    idx = _index_array(index, "scatter")
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if src is not None and value is not None:
        raise TypeError("scatter() got both 'src' and 'value'")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    if not isinstance(src, Tensor):
        fill = _scalar_value(src if value is None else value)
        _check_scatter_shapes("scatter", input, d, idx, None)
        if reduce is None:
            return B.ScatterValue.apply(input, axis=d, index=idx, value=fill)
        src = full(idx.shape, fill, dtype=input.dtype)
    _scatter_src("scatter", input, d, idx, src)
    if reduce == "add":
        return B.ScatterAdd.apply(input, src, axis=d, index=idx)
    if reduce == "multiply":
        return I.ScatterMultiply.apply(input, src, axis=d, index=idx)
    return B.Scatter.apply(input, src, axis=d, index=idx)


@method
def scatter_add(input: Tensor, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` with ``src[i][j]`` added at ``index[i][j]`` along ``dim``."""
    d = input._dim(dim)
    idx = _index_array(index, "scatter_add")
    _scatter_src("scatter_add", input, d, idx, src)
    return B.ScatterAdd.apply(input, src, axis=d, index=idx)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin", "max", "min")
# torch's scatter_reduce also takes 'max' and 'min' (its message lists only the a- names)
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}


@method
def scatter_reduce(
    input: Tensor,
    dim: builtins.int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: builtins.bool = True,
) -> Tensor:
    """``input`` with the ``src`` values reduced (sum, prod, mean, amax, amin) into the
    positions ``index`` names along ``dim``, with or without input's own values."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    d = input._dim(dim)
    idx = _index_array(index, "scatter_reduce")
    _scatter_src("scatter_reduce", input, d, idx, src)
    if input.dtype.kind != "f":
        out = I.ScatterReduce.forward(
            _NoSave(), input._array, src._array, d, idx, reduce, include_self
        )
        return Tensor._wrap(out)
    return I.ScatterReduce.apply(
        input, src, axis=d, index=idx, reduce=reduce, include_self=builtins.bool(include_self)
    )


class _NoSave:
    """A context for running a primitive's forward on arrays that need no graph."""

    def save_for_backward(self, *items: Any) -> None:
        pass


# ----- along one dimension ----------------------------------------------------------------------


@method
def index_select(input: Tensor, dim: builtins.int, index: Tensor) -> Tensor:
    """The slices at ``index`` along ``dim``."""
    check_tensor("index_select", index, "index", 3)
    idx = index._array
    if idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._dim(dim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    bad = idx[(idx >= n) | (idx < 0)]
    if bad.size:
        raise IndexError("index out of range in self")
    if input.ndim == 0:
        return input.reshape(1).index_select(0, index).reshape(idx.shape)
    return I.IndexSelect.apply(input, axis=d, index=idx.reshape(-1).astype(np.int64))


def _check_source(op: str, input: Tensor, d: builtins.int, idx: np.ndarray, source: Tensor) -> None:
    check_tensor(op, source, "source", 4)
    if source.dtype != input.dtype:
        if op == "index_add_":
            raise RuntimeError(
                f"index_add_(): self ({_scalar_name(input.dtype)}) and source "
                f"({_scalar_name(source.dtype)}) must have the same scalar type"
            )
        raise RuntimeError(
            f"{op}(): self and source expected to have the same dtype, but got (self) "
            f"{_scalar_name(input.dtype)} and (source) {_scalar_name(source.dtype)}"
        )
    expect = list(input.shape)
    if input.ndim:
        expect[d] = idx.size
    if list(source.shape) != expect and not (source.ndim == 0 and idx.size == 1):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )


@method
def index_add(
    input: Tensor, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
) -> Tensor:
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats add up)."""
    d = input._dim(dim)
    idx = _dim_index("index_add_", input, d, index)
    _check_source("index_add_", input, d, idx, source)
    if input.ndim == 0:
        return input + alpha * source.reshape(())
    return I.IndexAdd.apply(input, source, axis=d, index=idx, alpha=alpha)


@method
def index_copy(input: Tensor, dim: builtins.int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    d = input._dim(dim)
    idx = _dim_index("index_copy_", input, d, index)
    _check_source("index_copy_", input, d, idx, source)
    if input.ndim == 0:
        return source.reshape(()).clone()
    return I.IndexCopy.apply(input, source, axis=d, index=idx)


@method
def index_fill(input: Tensor, dim: builtins.int, index: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` at ``index`` along ``dim``."""
    d = input._dim(dim)
    idx = _dim_index("index_fill_", input, d, index)
    return B.IndexFill.apply(input, axis=d, index=idx, value=_scalar_value(value))


@method
def index_put(
    input: Tensor, indices: Any, values: Tensor, accumulate: builtins.bool = False
) -> Tensor:
    """``input[indices] = values`` (``+=`` with ``accumulate``, where repeats add up) as a new
    tensor; ``indices`` is a tuple of index tensors, one per leading dimension."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            "index_put(): argument 'indices' (position 2) must be tuple of Tensors, not "
            f"{type(indices).__name__}"
        )
    check_tensor("index_put", values, "values", 3)
    if values.dtype != input.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_scalar_name(input.dtype)} for the destination and "
            f"{_scalar_name(values.dtype)} for the source."
        )
    index = _convert_index(tuple(indices))
    try:
        target = input._array[index].shape
    except IndexError as e:
        raise IndexError(str(e)) from None
    check_broadcast(values.shape, target)
    if accumulate:
        return I.IndexPutAccumulate.apply(input, values, index=index)
    return B.IndexPut.apply(input, values, index=index)


def index_put_(
    input: Tensor, indices: Any, values: Tensor, accumulate: builtins.bool = False
) -> Tensor:
    """In-place ``index_put``."""
    check_tensor("index_put_", input)
    return input.index_put_(indices, values, accumulate)


@method
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements at flat (row-major) positions ``index``; negative positions count from the
    end. The result has index's shape."""
    check_tensor("take", index, "index", 2)
    idx = index._array
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {_scalar_name(idx.dtype)}"
        )
    n = input.numel()
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {builtins.int(bad.reshape(-1)[0])} on a tensor "
            f"of {n} elements."
        )
    return I.Take.apply(input, index=idx % builtins.max(n, 1))


# ----- masks ------------------------------------------------------------------------------------


def _bool_mask(op: str, mask: Any) -> np.ndarray:
    check_tensor(op, mask, "mask", 2)
    if mask.dtype != bool_:
        raise RuntimeError(
            f"{op} only supports boolean masks, but got mask with dtype "
            f"{_MASK_NAMES.get(str(mask.dtype), str(mask.dtype))}"
        )
    return mask._array


_MASK_NAMES = {"int64": "long int", "int32": "int", "uint8": "unsigned char", "float32": "float"}


@method
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` (broadcast), else ``input``."""
    m = _bool_mask("masked_fill_", mask)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    shape = check_broadcast(input.shape, m.shape)
    src = input.expand(*shape) if tuple(shape) != input._array.shape else input
    if isinstance(value, Tensor) and value.requires_grad:  # the value takes a gradient too
        return where(Tensor._wrap(m), value.to(input.dtype), src)
    return B.MaskedFill.apply(src, mask=m, value=_scalar_value(value))


def _masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill``: the mask must broadcast to ``self``'s shape."""
    m = _bool_mask("masked_fill_", mask)
    if tuple(check_broadcast(self.shape, m.shape)) != self._array.shape:
        raise RuntimeError(
            f"The expanded size of the tensor ({self.shape[-1] if self.ndim else 1}) must match "
            f"the existing size ({m.shape[-1]}) at non-singleton dimension {self.ndim - 1}"
        )
    return self._inplace(masked_fill(self, mask, value))


_masked_fill_.__name__ = _masked_fill_.__qualname__ = "masked_fill_"
Tensor.masked_fill_ = _masked_fill_


@method
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (both broadcast), as a 1-d tensor in row-major order."""
    check_tensor("masked_select", mask, "mask", 2)
    if mask.dtype != bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    check_broadcast(input.shape, mask.shape)
    return I.MaskedSelect.apply(input, mask=mask._array)


@method
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the elements of ``source``, in order, written where ``mask``."""
    check_tensor("masked_scatter", mask, "mask", 2)
    check_tensor("masked_scatter", source, "source", 3)
    if mask.dtype != bool_:
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{_MASK_NAMES.get(str(mask.dtype), str(mask.dtype))}"
        )
    if source.dtype != input.dtype:
        raise RuntimeError(
            "masked_scatter_: expected self and source to have same dtypes but got "
            f"{_scalar_name(input.dtype)} and {_scalar_name(source.dtype)}"
        )
    shape = check_broadcast(input.shape, mask.shape)
    m = np.broadcast_to(mask._array, shape)
    if builtins.int(m.sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    src = input.expand(*shape) if tuple(shape) != input._array.shape else input
    return I.MaskedScatter.apply(src, source, mask=m)


# ----- where and nonzero ------------------------------------------------------------------------


def _tensor_where(self: Tensor, condition: Tensor, y: Any) -> Tensor:
    """``where(condition, self, y)``."""
    return where(condition, self, y)


_tensor_where.__name__ = _tensor_where.__qualname__ = "where"
Tensor.where = _tensor_where


@method
def nonzero(input: Tensor, *, as_tuple: builtins.bool = False) -> Any:
    """The coordinates of the nonzero elements: an (N, ndim) int64 tensor, or with
    ``as_tuple`` one 1-d tensor per dimension (a 0-d input counts as 1-d)."""
    a = input._array
    coords = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
    if as_tuple:
        return tuple(Tensor._wrap(c.astype(int64)) for c in coords)
    if a.ndim == 0:
        return Tensor._wrap(np.zeros((builtins.int(bool(a)), 0), dtype=int64))
    return Tensor._wrap(np.stack(coords, axis=1).astype(int64).reshape(-1, a.ndim))


@method
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the (N, ndim) coordinates of the nonzero elements."""
    return nonzero(input)


# ----- in-place forms ---------------------------------------------------------------------------

for _fn in (
    Tensor.scatter,
    Tensor.scatter_add,
    Tensor.scatter_reduce,
    Tensor.index_add,
    Tensor.index_copy,
    Tensor.index_fill,
    Tensor.index_put,
    Tensor.masked_scatter,
):
    inplace(_fn)
del _fn


# ----- flat put, index_reduce, nonzero_static ---------------------------------------------------


@method
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: builtins.bool = False) -> Tensor:
    """``input`` with ``source``'s elements written (or added) at flat positions ``index``."""
    check_tensor("put", index, "index", 2)
    check_tensor("put", source, "source", 3)
    if index.numel() != source.numel():
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    n = input.numel()
    idx = index._array.reshape(-1).astype(np.int64)
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {builtins.int(bad[0])} on a tensor of {n} "
            "elements."
        )
    flat = input.reshape(-1)
    out = index_put(flat, (Tensor._wrap(idx % builtins.max(n, 1)),), source.reshape(-1), accumulate)
    return out.reshape(input.shape)


@method
def index_reduce(
    input: Tensor,
    dim: builtins.int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: builtins.bool = True,
) -> Tensor:
    """``input`` with the slices of ``source`` reduced (prod, mean, amax, amin) into the
    slices ``index`` names along ``dim``: scatter_reduce with the index spread over the
    slices."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    d = input._dim(dim)
    idx = _dim_index("index_reduce_", input, d, index)
    _check_source("index_reduce_", input, d, idx, source)
    shape = [1] * source.ndim
    shape[d] = idx.size
    spread = np.broadcast_to(idx.reshape(shape), source.shape)
    return scatter_reduce(
        input,
        d,
        Tensor._wrap(np.ascontiguousarray(spread)),
        source,
        reduce,
        include_self=include_self,
    )


def nonzero_static(input: Tensor, *, size: builtins.int, fill_value: builtins.int = -1) -> Tensor:
    """``nonzero`` cut or padded (with ``fill_value``) to exactly ``size`` rows."""
    check_tensor("nonzero_static", input)
    coords = nonzero(input)._array
    ndim = builtins.max(input.ndim, 1) if input.ndim else 0
    out = np.full((size, coords.shape[1] if coords.ndim == 2 else ndim), fill_value, dtype=int64)
    k = builtins.min(size, coords.shape[0])
    out[:k] = coords[:k]
    return Tensor._wrap(out)


Tensor.nonzero_static = lambda self, *, size, fill_value=-1: nonzero_static(
    self, size=size, fill_value=fill_value
)
inplace(Tensor.put)
inplace(Tensor.index_reduce)
__all__ += ["index_reduce", "nonzero_static", "put"]
