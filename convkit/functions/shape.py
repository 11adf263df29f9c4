"""Joining, splitting and rearranging: cat and its stacks, split/chunk/tensor_split/unbind,
narrow/select, movedim, flip/roll/rot90, repeat/tile/repeat_interleave, broadcasting,
tril/triu, the diagonals, trace, meshgrid, unfold, and the function forms of the view methods
(reshape, permute, transpose, squeeze, ...).

Pieces of split, chunk, tensor_split and unbind, and the results of narrow, select, movedim,
diagonal, broadcast_to and unfold are views that share memory (and the version counter) with
their input, as in torch.
"""

from __future__ import annotations

import builtins
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import as_dtype, int64
from ..errors import DimensionError
from ..ops import basic as B
from ..ops import indexing as I
from ..ops import shape as S
from ..tensor import Size, Tensor, cat, check_broadcast, stack, tensor
from ._bind import as_function, check_tensor, inplace, method, method_as

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "broadcast_to",
    "cartesian_prod",
    "chunk",
    "column_stack",
    "diag",
    "diag_embed",
    "diagflat",
    "diagonal",
    "dsplit",
    "dstack",
    "flatten",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "meshgrid",
    "movedim",
    "moveaxis",
    "narrow",
    "narrow_copy",
    "permute",
    "ravel",
    "repeat_interleave",
    "reshape",
    "roll",
    "rot90",
    "row_stack",
    "select",
    "split",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "tensor_split",
    "tile",
    "trace",
    "transpose",
    "tril",
    "tril_indices",
    "triu",
    "triu_indices",
    "unbind",
    "unflatten",
    "unsqueeze",
    "vsplit",
    "vstack",
]


def _int(value: Any) -> builtins.int:
    """A Python int from an int or a one-element integer tensor."""
    if isinstance(value, Tensor):
        return builtins.int(value.item())
    return builtins.int(value)


def _dims_arg(dims: tuple) -> tuple:
    """Varargs or one sequence: ``flip(0, 1)`` and ``flip((0, 1))`` alike."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, Size)):
        return tuple(dims[0])
    return dims


def _unique_dims(t: Tensor, dims: Sequence[builtins.int]) -> tuple[builtins.int, ...]:
    out = tuple(t._dim(d) for d in dims)
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out


# ----- the view methods as functions ------------------------------------------------------------


def reshape(input: Tensor, shape: Sequence[builtins.int]) -> Tensor:
    """``input.reshape(shape)``: a view when the memory allows, else a copy."""
    check_tensor("reshape", input)
    return input.reshape(shape)


def permute(input: Tensor, dims: Sequence[builtins.int]) -> Tensor:
    check_tensor("permute", input)
    return input.permute(dims)


transpose = as_function(Tensor.transpose)
swapaxes = swapdims = transpose
t = as_function(Tensor.t)
flatten = as_function(Tensor.flatten)
unflatten = as_function(Tensor.unflatten)
squeeze = as_function(Tensor.squeeze)
unsqueeze = as_function(Tensor.unsqueeze)
inplace(Tensor.transpose, "swapaxes")
inplace(Tensor.transpose, "swapdims")
Tensor.swapaxes_ = Tensor.swapdims_ = Tensor.transpose_


@method
def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor (a view when the memory is contiguous)."""
    return input.reshape(-1)


# ----- joining ----------------------------------------------------------------------------------


def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    return [x if isinstance(x, Tensor) else tensor(x) for x in tensors]


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (0-d becomes shape (1,))."""
    return _atleast(tensors, lambda x: x.reshape(1) if x.ndim == 0 else x)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(
        tensors,
        lambda x: x.reshape(1, 1) if x.ndim == 0 else (x.unsqueeze(0) if x.ndim == 1 else x),
    )


def atleast_3d(*tensors: Any) -> Any:
    """At least 3 dimensions: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""

    def lift(x: Tensor) -> Tensor:
        if x.ndim == 0:
            return x.reshape(1, 1, 1)
        if x.ndim == 1:
            return x.unsqueeze(0).unsqueeze(-1)
        return x.unsqueeze(-1) if x.ndim == 2 else x

    return _atleast(tensors, lift)


def _atleast(tensors: tuple, lift: Any) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(lift(x) for x in tensors[0])
    if len(tensors) == 1:
        return lift(tensors[0])
    return tuple(lift(x) for x in tensors)


def hstack(tensors: Any) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors)."""
    ts = atleast_1d(_tensor_list("hstack", tensors))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """Concatenate along dim 0 after making every tensor at least 2-d."""
    return cat(atleast_2d(_tensor_list("vstack", tensors)), 0)


row_stack = vstack


def dstack(tensors: Any) -> Tensor:
    """Concatenate along dim 2 after making every tensor at least 3-d."""
    return cat(atleast_3d(_tensor_list("dstack", tensors)), 2)


def column_stack(tensors: Any) -> Tensor:
    """1-d (and 0-d) tensors as columns, then concatenated along dim 1."""
    ts = _tensor_list("column_stack", tensors)
    return cat([x.reshape(x.numel(), 1) if x.ndim <= 1 else x for x in ts], 1)


# ----- splitting (views) ------------------------------------------------------------------------


def _pieces(t: Tensor, d: builtins.int, bounds: list[builtins.int], fn: Any) -> tuple[Tensor, ...]:
    """The slices ``[bounds[i], bounds[i+1])`` of ``t`` along ``d``, as views made by ``fn``."""
    lead = (slice(None),) * d
    return tuple(
        fn.apply(t, (*lead, slice(lo, hi), Ellipsis))
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    )


@method
def split(tensor: Tensor, split_size_or_sections: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the sizes in a
    list (which must add up to the dimension)."""
    d = tensor._dim(dim)
    n = tensor.shape[d] if tensor.ndim else 1
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n or builtins.any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}"
            )
        return _pieces(tensor, d, [0, *np.cumsum(sizes).tolist()], S.SplitWithSizesPiece)
    size = _int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        return (tensor,)
    bounds = list(range(0, n, size)) + [n]
    if n == 0:
        bounds = [0, 0]
    return _pieces(tensor, d, bounds, S.SplitPiece)


Tensor.split_with_sizes = lambda self, split_sizes, dim=0: split(self, list(split_sizes), dim)


@method
def chunk(input: Tensor, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of size ceil(n / chunks) along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._dim(dim)
    n = input.shape[d]
    return split(input, math.ceil(n / chunks), d)


@method
def tensor_split(
    input: Tensor, indices_or_sections: Any, dim: builtins.int = 0
) -> tuple[Tensor, ...]:
    """``sections`` nearly equal pieces (the first n % sections one longer), or the pieces
    between the given indices (clipped to the dimension)."""
    d = input._dim(dim)
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor) and ios.ndim == 0:
        ios = builtins.int(ios.item())
    if isinstance(ios, numbers.Integral):
        sections = builtins.int(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        big, rest = divmod(n, sections)
        sizes = [big + 1] * rest + [big] * (sections - rest)
        bounds = [0, *np.cumsum(sizes).tolist()]
    else:
        idx = ios.tolist() if isinstance(ios, Tensor) else [_int(i) for i in ios]
        bounds = [0, *(min(max(i if i >= 0 else i + n, 0), n) for i in idx), n]
        bounds = [bounds[0]] + [max(b, a) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return _pieces(input, d, bounds, B.GetItem)


def _split_sections(name: str, input: Tensor, d: builtins.int, ios: Any) -> tuple[Tensor, ...]:
    if isinstance(ios, numbers.Integral):
        n = input.shape[d]
        if ios == 0 or n % ios:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {d}, but the size of the "
                f"dimension {n} is not divisible by the split_size {ios}!"
            )
    return tensor_split(input, ios, d)


@method
def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 1 (dim 0 for 1-d); sections must divide the size."""
    if input.ndim == 0:
        raise RuntimeError(
            "torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 "
            "dimensions!"
        )
    return _split_sections("hsplit", input, 0 if input.ndim == 1 else 1, indices_or_sections)


@method
def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 0 of a tensor of at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError(
            "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    return _split_sections("vsplit", input, 0, indices_or_sections)


@method
def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 2 of a tensor of at least 3 dimensions."""
    if input.ndim < 3:
        raise RuntimeError(
            "torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    return _split_sections("dsplit", input, 2, indices_or_sections)


@method
def unbind(input: Tensor, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, each without that dimension (views)."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = input._dim(dim)
    lead = (slice(None),) * d
    return tuple(S.UnbindPiece.apply(input, (*lead, i, Ellipsis)) for i in range(input.shape[d]))


@method
def narrow(input: Tensor, dim: builtins.int, start: Any, length: builtins.int) -> Tensor:
    """The view of ``length`` elements from ``start`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = input._dim(dim)
    n = input.shape[d]
    start = _int(start)
    if not -n <= start <= n:
        raise DimensionError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return B.GetItem.apply(input, (*(slice(None),) * d, slice(start, start + length), Ellipsis))


@method
def narrow_copy(input: Tensor, dim: builtins.int, start: Any, length: builtins.int) -> Tensor:
    """``narrow`` as a new tensor."""
    return narrow(input, dim, start, length).clone()


@method
def select(input: Tensor, dim: builtins.int, index: Any) -> Tensor:
    """The view at ``index`` along ``dim``, without that dimension."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = input._dim(dim)
    i, n = _int(index), input.shape[d]
    if not -n <= i < n:
        raise DimensionError(
            f"select(): index {i} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    return B.Select.apply(input, (*(slice(None),) * d, i % n, Ellipsis))


@method_as("moveaxis")
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """The dims in ``source`` moved to ``destination``; the others keep their order."""
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    s = tuple(input._dim(x) for x in src)
    dd = tuple(input._dim(x) for x in dst)
    for name, dims, given in (("source", s, src), ("destination", dd, dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    order = [-1] * input.ndim
    for a, b in zip(s, dd, strict=True):
        order[b] = a
    rest = iter(i for i in range(input.ndim) if i not in s)
    order = [next(rest) if o == -1 else o for o in order]
    return B.Permute.apply(input, tuple(order))


moveaxis = movedim


# ----- rearranging (copies) ---------------------------------------------------------------------


def _flip(self: Tensor, *dims: Any) -> Tensor:
    """The order of the elements reversed along ``dims`` (a copy, as in torch)."""
    d = _unique_dims(self, _dims_arg(dims))
    return S.Flip.apply(self, axes=d)


setattr(Tensor, "flip", _flip)  # noqa: B010 - bound at run time; the method takes dims as varargs (x.flip(0, 1)); torch.flip a sequence


def flip(input: Tensor, dims: Sequence[builtins.int]) -> Tensor:
    """The order of the elements reversed along ``dims`` (a copy, as in torch)."""
    check_tensor("flip", input)
    if not isinstance(dims, tuple | list):
        raise TypeError(
            f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}"
        )
    return _flip(input, *dims)


@method
def fliplr(input: Tensor) -> Tensor:
    """Reversed along dim 1."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _flip(input, 1)


@method
def flipud(input: Tensor) -> Tensor:
    """Reversed along dim 0."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _flip(input, 0)


def _ints(value: Any) -> tuple[builtins.int, ...]:
    if isinstance(value, (list, tuple, Size)):
        return tuple(_int(v) for v in value)
    return (_int(value),)


@method
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted cyclically along ``dims`` (the flattened tensor when None)."""
    sh = _ints(shifts)
    if dims is None or (isinstance(dims, (list, tuple)) and not dims):
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        return S.Roll.apply(input, shifts=sh[0], axes=None)
    ds = tuple(input._dim(d) for d in _ints(dims))
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    return S.Roll.apply(input, shifts=sh, axes=ds)


@method
def rot90(input: Tensor, k: builtins.int = 1, dims: Sequence[builtins.int] = (0, 1)) -> Tensor:
    """Rotated by 90 degrees k times, from the first towards the second of ``dims``."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = input._dim(dims[0]), input._dim(dims[1])
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    return S.Rot90.apply(input, k=builtins.int(k) % 4, axes=(d0, d1))


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    """The tensor tiled ``sizes`` times along each dimension (leading new dimensions too)."""
    reps = tuple(_int(s) for s in _dims_arg(sizes))
    if len(reps) < self.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    if builtins.any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(reps)}")
    return S.Repeat.apply(self, repeats=reps)


_repeat.__name__ = _repeat.__qualname__ = "repeat"
Tensor.repeat = _repeat


@method
def tile(input: Tensor, dims: Any) -> Tensor:
    """``repeat`` with missing leading repeats taken as 1."""
    reps = _ints(dims)
    reps = (1,) * (input.ndim - len(reps)) + reps
    return _repeat(input, *reps)


@method
def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: Any = None, *, output_size: Any = None
) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or a count per element along ``dim``)
    next to itself; the flattened tensor when ``dim`` is None. ``repeat_interleave(counts)``
    alone repeats each index i counts[i] times."""
    if repeats is None:
        counts = input._array.astype(np.int64)
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if np.any(counts < 0):
            raise RuntimeError("repeats can not be negative")
        return Tensor._wrap(np.repeat(np.arange(counts.size, dtype=int64), counts))
    t = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else t._dim(dim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1 or isinstance(repeats, (list, tuple)):
        counts = repeats._array if isinstance(repeats, Tensor) else np.asarray(repeats)
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if counts.size != t.shape[d]:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {counts.size} and input.size({d}) = {t.shape[d]}"
            )
        if np.any(counts < 0):
            raise RuntimeError("repeats can not be negative")
        index = np.repeat(np.arange(t.shape[d], dtype=int64), counts.astype(np.int64))
        return I.IndexSelect.apply(t, axis=d, index=index)
    r = _int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    # torch: unsqueeze, expand, copy, view (so the result is a ViewBackward0 of a copy)
    wide = t.unsqueeze(d + 1)
    shape = list(wide.shape)
    shape[d + 1] = r
    merged = list(t.shape)
    merged[d] *= r
    return wide.expand(*shape).contiguous().view(*merged)


def _repeat_interleave(
    self: Tensor, repeats: Any, dim: Any = None, *, output_size: Any = None
) -> Tensor:
    return repeat_interleave(self, repeats, dim, output_size=output_size)


# the method needs ``repeats``; only torch.repeat_interleave(counts) goes without
setattr(Tensor, "repeat_interleave", _repeat_interleave)  # noqa: B010 - bound at run time


# ----- broadcasting -----------------------------------------------------------------------------


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape the given shapes broadcast to (torch's error when they do not)."""
    norm = [(builtins.int(s),) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    return Size(check_broadcast(*norm)) if norm else Size(())


@method
def broadcast_to(input: Tensor, size: Sequence[builtins.int]) -> Tensor:
    """``input.expand(size)``."""
    return input.expand(*size)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Every tensor expanded (a view) to the common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, x in enumerate(tensors):
        check_tensor("broadcast_tensors", x, "tensors", i + 1)
    shape = check_broadcast(*(x.shape for x in tensors))
    return tuple(x.expand(*shape) for x in tensors)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d (or 0-d) tensors: with ``indexing='ij'`` output i varies along
    dim i; with ``'xy'`` the first two dims are swapped (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for i, x in enumerate(tensors):
        check_tensor("meshgrid", x, "tensors", i + 1)
        if x.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x}"
            )
    if len({x.dtype for x in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = [x.reshape(-1) for x in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(x.shape[0] for x in ts)
    n = len(ts)
    grids = [
        x.reshape(*([1] * i + [-1] + [1] * (n - i - 1))).expand(*shape) for i, x in enumerate(ts)
    ]
    if swap:  # built with the first two inputs swapped: the grids of (y, x) become (x, y)'s
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of the elements of 1-d tensors, one per row."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


# ----- triangles and diagonals ------------------------------------------------------------------


def _check_matrix(name: str, input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@method
def tril(input: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """The lower triangle (on and below ``diagonal``) of the last two dims; zeros above."""
    _check_matrix("tril", input)
    return S.Tril.apply(input, diagonal=builtins.int(diagonal))


@method
def triu(input: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """The upper triangle (on and above ``diagonal``) of the last two dims; zeros below."""
    _check_matrix("triu", input)
    return S.Triu.apply(input, diagonal=builtins.int(diagonal))


inplace(Tensor.tril)
inplace(Tensor.triu)


def _tri_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int, upper: bool, dtype: Any
):
    mask = (
        np.triu(np.ones((row, col), dtype=bool), offset)
        if upper
        else np.tril(np.ones((row, col), dtype=bool), offset)
    )
    rows, cols = np.nonzero(mask)
    return Tensor._wrap(np.stack([rows, cols]).astype(as_dtype(dtype) or int64).reshape(2, -1))


def tril_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int = 0, *, dtype: Any = None, **kw: Any
) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a row x col matrix, row by row."""
    return _tri_indices(row, col, offset, False, dtype)


def triu_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int = 0, *, dtype: Any = None, **kw: Any
) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a row x col matrix, row by row."""
    return _tri_indices(row, col, offset, True, dtype)


@method
def diagonal(
    input: Tensor, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
) -> Tensor:
    """The view of the diagonal ``offset`` over ``dim1`` and ``dim2`` (moved to the end)."""
    a, b = input._dim(dim1), input._dim(dim2)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.Diagonal.apply(input, offset=builtins.int(offset), axis1=a, axis2=b)


@method
def diag_embed(
    input: Tensor, offset: builtins.int = 0, dim1: builtins.int = -2, dim2: builtins.int = -1
) -> Tensor:
    """The last dim of ``input`` placed on diagonal ``offset`` of two new dims ``dim1``,
    ``dim2`` of the output (zeros elsewhere)."""
    n = input.ndim + 1
    a, b = Tensor._wrap(np.zeros((1,) * n))._dim(dim1), Tensor._wrap(np.zeros((1,) * n))._dim(dim2)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.DiagEmbed.apply(input, offset=builtins.int(offset), axis1=a, axis2=b)


class _DiagCopy(S.Diagonal):
    """torch.diag of a matrix: its diagonal as a new tensor."""

    grad_fn_name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx, a, offset, axis1, axis2):
        return S.Diagonal.forward(ctx, a, offset, axis1, axis2).copy()


@method
def diag(input: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """A 1-d tensor: the square matrix with it on diagonal ``diagonal``; a matrix: that
    diagonal as a 1-d tensor."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return _DiagCopy.apply(input, offset=builtins.int(diagonal), axis1=0, axis2=1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@method
def diagflat(input: Tensor, offset: builtins.int = 0) -> Tensor:
    """The flattened input on diagonal ``offset`` of a square matrix."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


@method
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (int64 for integers)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype.kind != "f":
        return Tensor._wrap(np.asarray(np.trace(input._array), dtype=int64))
    return S.Trace.apply(input)


def _unfold(
    self: Tensor, dimension: builtins.int, size: builtins.int, step: builtins.int
) -> Tensor:
    """Windows of ``size`` every ``step`` along ``dimension`` (a new last dim holds each
    window): a view."""
    d = self._dim(dimension) if self.ndim else 0
    n = self.shape[d] if self.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return S.Unfold.apply(self, axis=d, size=builtins.int(size), step=builtins.int(step))


_unfold.__name__ = _unfold.__qualname__ = "unfold"
Tensor.unfold = _unfold


# ----- more joining and rearranging -------------------------------------------------------------

Tensor.unsafe_chunk = Tensor.chunk
Tensor.unsafe_split = Tensor.split
Tensor.unsafe_split_with_sizes = Tensor.split_with_sizes
unsafe_chunk = chunk
unsafe_split = split


def unsafe_split_with_sizes(
    input: Tensor, split_sizes: Sequence[builtins.int], dim: builtins.int = 0
):
    check_tensor("unsafe_split_with_sizes", input)
    return split(input, list(split_sizes), dim)


split_with_sizes = unsafe_split_with_sizes


def _scatter_into(input: Tensor, src: Tensor, view: Any, what: str) -> Tensor:
    """A copy of ``input`` with ``src`` written through ``view(copy)`` (the gradient flows to
    both through the copy's in-place write); ``src`` must have the view's shape exactly."""
    out = input.clone()
    target = view(out)
    if tuple(src.shape) != tuple(target.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the {what} of self. src size = "
            f"{list(src.shape)}, {what} size = {list(target.shape)}"
        )
    target.copy_(src)
    return out


@method
def select_scatter(input: Tensor, src: Tensor, dim: builtins.int, index: builtins.int) -> Tensor:
    """``input`` with ``src`` written at ``index`` along ``dim``."""
    return _scatter_into(input, src, lambda t: select(t, dim, index), "slice")


@method
def slice_scatter(
    input: Tensor,
    src: Tensor,
    dim: builtins.int = 0,
    start: builtins.int | None = None,
    end: builtins.int | None = None,
    step: builtins.int = 1,
) -> Tensor:
    """``input`` with ``src`` written into the slice ``start:end:step`` of ``dim``."""
    d = input._dim(dim)
    return _scatter_into(
        input, src, lambda t: t[(slice(None),) * d + (slice(start, end, step),)], "slice"
    )


@method
def diagonal_scatter(
    input: Tensor,
    src: Tensor,
    offset: builtins.int = 0,
    dim1: builtins.int = 0,
    dim2: builtins.int = 1,
) -> Tensor:
    """``input`` with ``src`` written on its diagonal."""
    return _scatter_into(input, src, lambda t: diagonal(t, offset, dim1, dim2), "slice")


@method
def as_strided(
    input: Tensor,
    size: Sequence[builtins.int],
    stride: Sequence[builtins.int],
    storage_offset: Any = None,
) -> Tensor:
    """A view of ``input``'s memory with the given sizes and strides (in elements, from the
    start of the memory ``input`` views, as in torch). The gradient adds every viewed
    position back."""
    size, stride = tuple(builtins.int(s) for s in size), tuple(builtins.int(s) for s in stride)
    positions = S.strided_positions(input, size, stride, storage_offset)
    offset = input.storage_offset() if storage_offset is None else builtins.int(storage_offset)
    return S.AsStrided.apply(
        input.contiguous(),
        size=size,
        stride=stride,
        positions=positions,
        offset=offset - input.storage_offset(),
    )


def _as_strided_(self: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """``self`` made the strided view ``as_strided(size, stride, storage_offset)``."""
    return self._inplace_view(as_strided(self, size, stride, storage_offset))


_as_strided_.__name__ = _as_strided_.__qualname__ = "as_strided_"
Tensor.as_strided_ = _as_strided_
as_strided_ = _as_strided_


@method
def as_strided_scatter(
    input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: Any = None
) -> Tensor:
    """``input`` with ``src`` written through ``as_strided(size, stride, storage_offset)``."""
    out = input.clone()
    positions = S.strided_positions(out, size, stride, storage_offset)
    flat = out.reshape(-1)
    idx = Tensor._wrap(positions.reshape(-1))
    return flat.index_put((idx,), src.reshape(-1).to(out.dtype)).reshape(input.shape)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) placed along the diagonal of one matrix."""
    blocks = [
        t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t for t in tensors
    ]
    for i, b in enumerate(blocks):
        check_tensor("block_diag", b, "tensors", i + 1)
        if b.ndim != 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{b.ndim} dimensions"
            )
    from ..dtypes import result_dtype

    dtype = result_dtype(*blocks) if blocks else np.dtype(np.float32)
    rows = builtins.sum(b.shape[0] for b in blocks)
    cols = builtins.sum(b.shape[1] for b in blocks)
    parts = []
    c = 0
    for b in blocks:
        left = Tensor._wrap(np.zeros((b.shape[0], c), dtype=dtype))
        right = Tensor._wrap(np.zeros((b.shape[0], cols - c - b.shape[1]), dtype=dtype))
        parts.append(cat([left, b.to(dtype), right], 1))
        c += b.shape[1]
    if not parts:
        return Tensor._wrap(np.zeros((rows, cols), dtype=dtype))
    return cat(parts, 0)


def combinations(
    input: Tensor, r: builtins.int = 2, with_replacement: builtins.bool = False
) -> Tensor:
    """The length-r combinations of a 1-d tensor's elements, one per row (itertools order)."""
    import itertools

    check_tensor("combinations", input)
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if r == 0:
        return Tensor._wrap(np.zeros(0, dtype=input.dtype))
    return I.IndexSelect.apply(input, axis=0, index=idx.reshape(-1)).reshape(-1, r)


def vander(x: Tensor, N: builtins.int | None = None, increasing: builtins.bool = False) -> Tensor:
    """The Vandermonde matrix: columns x^(N-1), ..., x^0 (increasing: x^0 first)."""
    check_tensor("vander", x, "x", 1)
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    powers = range(n) if increasing else range(n - 1, -1, -1)
    t = x if x.dtype.kind == "f" else x.long()
    cols = [t.unsqueeze(1) ** p for p in powers]
    if not cols:
        return Tensor._wrap(np.zeros((x.shape[0], 0), dtype=t.dtype))
    return cat(cols, 1)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in ``shape`` of flat indices (a tuple of int64 tensors)."""
    idx = indices._array if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got " + str(idx.dtype))
    dims = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(d < 0 for d in dims):
        raise ValueError("'shape' cannot have negative values, but got " + str(dims))
    # torch does not range-check: coordinate i is floor(index / stride_i) mod dims[i]
    strides = [math.prod(dims[i + 1 :]) for i in range(len(dims))]
    idx = idx.astype(np.int64)
    return tuple(
        Tensor._wrap(np.asarray(np.floor_divide(idx, st) % max(d, 1), dtype=int64))
        for st, d in zip(strides, dims, strict=True)
    )


def _fill_diagonal_(self: Tensor, fill_value: Any, wrap: builtins.bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal (all dims equal, or a tall matrix: every
    (n+1)-th row again when ``wrap``)."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = builtins.min(self.shape)
    if self.ndim == 2 and wrap and self.shape[0] > self.shape[1] + 1:
        rows = np.arange(0, self.shape[0])
        rows = rows[rows % (self.shape[1] + 1) < self.shape[1]]
        cols = rows % (self.shape[1] + 1)
        index: tuple[np.ndarray[Any, Any], ...] = (rows, cols)
    else:
        index = tuple(np.arange(n) for _ in range(self.ndim))
    value = Tensor._wrap(np.asarray(fill_value, dtype=self.dtype))
    return self._inplace(B.IndexPut.apply(self, value, index=index))


_fill_diagonal_.__name__ = _fill_diagonal_.__qualname__ = "fill_diagonal_"
Tensor.fill_diagonal_ = _fill_diagonal_


def _copy_variant(name: str, base: Any) -> Any:
    def op(*args: Any, **kwargs: Any) -> Any:
        out = base(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return [o.clone() for o in out]
        return out.clone()

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{base.__name__}`` as a new tensor instead of a view."
    return op


alias_copy = _copy_variant("alias_copy", lambda t: t[...])
as_strided_copy = _copy_variant("as_strided_copy", as_strided)
detach_copy = _copy_variant("detach_copy", lambda t: t.detach())
diagonal_copy = _copy_variant("diagonal_copy", diagonal)
expand_copy = _copy_variant("expand_copy", lambda t, size, implicit=False: t.expand(*size))
permute_copy = _copy_variant("permute_copy", permute)
select_copy = _copy_variant("select_copy", select)
slice_copy = _copy_variant(
    "slice_copy",
    lambda t, dim=0, start=None, end=None, step=1: t[
        (slice(None),) * t._dim(dim) + (slice(start, end, step),)
    ],
)
split_copy = _copy_variant("split_copy", split)
split_with_sizes_copy = _copy_variant("split_with_sizes_copy", unsafe_split_with_sizes)
squeeze_copy = _copy_variant("squeeze_copy", squeeze)
t_copy = _copy_variant("t_copy", t)
transpose_copy = _copy_variant("transpose_copy", transpose)
unbind_copy = _copy_variant("unbind_copy", unbind)
unfold_copy = _copy_variant("unfold_copy", _unfold)
unsqueeze_copy = _copy_variant("unsqueeze_copy", unsqueeze)
view_copy = _copy_variant("view_copy", lambda t, *size: t.view(*size))

__all__ += [
    "alias_copy",
    "as_strided",
    "as_strided_copy",
    "as_strided_scatter",
    "as_strided_",
    "block_diag",
    "combinations",
    "detach_copy",
    "diagonal_copy",
    "diagonal_scatter",
    "expand_copy",
    "permute_copy",
    "select_copy",
    "select_scatter",
    "slice_copy",
    "slice_scatter",
    "split_copy",
    "split_with_sizes",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unravel_index",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "unsqueeze_copy",
    "vander",
    "view_copy",
]
