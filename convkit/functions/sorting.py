"""Sorting, selecting and counting: sort/argsort/msort, topk, kthvalue, median, mode, unique,
unique_consecutive, bincount, histc, searchsorted/bucketize.

Sorting is stable (torch's CPU sort is, with or without ``stable=True``) and puts NaN after
every number (first when descending). Values and the gradient, which goes to the picked
positions, follow torch exactly. The index torch returns for tied values in topk, kthvalue and
median comes from its selection algorithm (std::nth_element) and is not specified; convkit
returns the first tied position in sorted order, which can differ from torch's on ties (values
never differ). mode returns the last position of the most frequent (smallest on a tie) value,
as torch does.
"""

from __future__ import annotations

import builtins
from typing import Any, Literal

import numpy as np

from .. import return_types
from ..dtypes import float64, int64
from ..errors import DimensionError
from ..ops import basic as B
from ..ops import reduction as R
from ..tensor import Tensor, _scalar_name, linspace_values
from ._bind import check_tensor, method

__all__ = [
    "argsort",
    "bincount",
    "bucketize",
    "histc",
    "kthvalue",
    "median",
    "mode",
    "msort",
    "searchsorted",
    "sort",
    "topk",
    "unique",
    "unique_consecutive",
]


def order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along ``axis`` (NaN last ascending, first descending):
    descending is the ascending order of the reversed array, reversed back."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)
    return (n - 1 - rev).astype(np.int64)


def _sort_axis(input: Tensor, dim: builtins.int) -> builtins.int:
    return input._dim(dim) if input.ndim else 0


@method
def sort(
    input: Tensor,
    dim: builtins.int = -1,
    descending: builtins.bool = False,
    *,
    stable: builtins.bool | None = None,
) -> Any:
    """(values, indices) sorted along ``dim``."""
    if isinstance(dim, builtins.bool) and stable is None:
        raise TypeError("sort(): argument 'dim' must be int, not bool")
    if input.ndim == 0:
        return return_types.sort(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    d = _sort_axis(input, dim)
    idx = order(input._array, d, builtins.bool(descending)).astype(int64)
    return return_types.sort(_pick(R.Sort, input, d, idx), Tensor._wrap(idx))


def _pick(fn: Any, input: Tensor, axis: Any, idx: np.ndarray, keepdims: bool = True) -> Tensor:
    if input.dtype.kind != "f":
        a = input._array
        if axis is None:
            return Tensor._wrap(a.reshape(-1)[idx.reshape(-1)].reshape(idx.shape))
        out = np.take_along_axis(a, idx, axis)
        return Tensor._wrap(out if keepdims else np.squeeze(out, axis))
    return fn.apply(input, axis=axis, index=idx, keepdims=keepdims)


@method
def argsort(
    input: Tensor,
    dim: builtins.int = -1,
    descending: builtins.bool = False,
    *,
    stable: builtins.bool = False,
) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    if input.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=int64))
    return Tensor._wrap(order(input._array, _sort_axis(input, dim), descending).astype(int64))


@method
def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``."""
    return sort(input, 0).values


@method
def topk(
    input: Tensor,
    k: builtins.int,
    dim: builtins.int = -1,
    largest: builtins.bool = True,
    sorted: builtins.bool = True,  # noqa: A002 - torch's argument name
) -> Any:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, largest first
    (smallest first with ``largest=False``)."""
    n = input.shape[_sort_axis(input, dim)] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return return_types.topk(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    d = _sort_axis(input, dim)
    idx = order(input._array, d, builtins.bool(largest))
    idx = np.take(idx, np.arange(k), axis=d).astype(int64)
    return return_types.topk(_pick(R.Topk, input, d, idx), Tensor._wrap(idx))


def _select_kth(input: Tensor, d: builtins.int, k: builtins.int) -> np.ndarray:
    """The index (keepdims) of the k-th smallest value (1-based) along ``d``; NaN counts as
    the largest."""
    idx = order(input._array, d, False)
    return np.take(idx, [k - 1], axis=d).astype(int64)


@method
def kthvalue(
    input: Tensor, k: builtins.int, dim: builtins.int = -1, keepdim: builtins.bool = False
) -> Any:
    """The k-th smallest value along ``dim`` and its index."""
    d = _sort_axis(input, dim)
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        return return_types.kthvalue(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    idx = _select_kth(input, d, k)
    values = _pick(R.Kthvalue, input, d, idx, keepdim)
    return return_types.kthvalue(values, Tensor._wrap(idx if keepdim else np.squeeze(idx, d)))


@method
def median(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    """The lower median (the ((n-1)//2)-th smallest value; NaN if any is NaN): of all elements,
    or (values, indices) along ``dim``."""
    a = input._array
    if dim is None:
        if a.size == 0:
            empty = Tensor._wrap(np.asarray(np.nan, a.dtype if a.dtype.kind == "f" else float64))
            # in the graph, as torch's (its gradient is empty anyway)
            return empty + B.Sum.apply(input) * 0 if a.dtype.kind == "f" else empty
        flat = a.reshape(-1)
        nan = np.flatnonzero(np.isnan(flat)) if a.dtype.kind == "f" else np.array([], int)
        pos = nan[0] if nan.size else order(flat, 0, False)[(flat.size - 1) // 2]
        return _pick(R.Median, input, None, np.asarray(pos, dtype=int64))
    d = _sort_axis(input, dim)
    if input.ndim == 0:
        return return_types.median(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    n = a.shape[d]
    if n == 0:
        raise DimensionError(f"median(): Expected reduction dim {d} to have non-zero size.")
    idx = np.take(order(a, d, False), [(n - 1) // 2], axis=d)
    if a.dtype.kind == "f":  # a NaN anywhere along the line is the median (its first one)
        has_nan = np.isnan(a).any(axis=d, keepdims=True)
        first_nan = np.argmax(np.isnan(a), axis=d, keepdims=True)
        idx = np.where(has_nan, first_nan, idx)
    idx = idx.astype(int64)
    values = _pick(R.MedianDim, input, d, idx, keepdim)
    return return_types.median(values, Tensor._wrap(idx if keepdim else np.squeeze(idx, d)))


@method
def mode(input: Tensor, dim: builtins.int = -1, keepdim: builtins.bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the
    last position where it occurs."""
    if input.ndim == 0:
        return return_types.mode(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    d = input._dim(dim)
    a = np.moveaxis(input._array, d, -1)
    lines = a.reshape(-1, a.shape[-1])
    pos = np.empty(lines.shape[0], dtype=int64)
    for r, line in enumerate(lines):
        values, counts = np.unique(line, return_counts=True)
        best = values[np.argmax(counts)]
        same = line == best
        if line.dtype.kind == "f" and np.isnan(best):
            same = np.isnan(line)
        pos[r] = np.flatnonzero(same)[-1]
    idx = np.moveaxis(pos.reshape(a.shape[:-1] + (1,)), -1, d)
    picked = _pick(R.Mode, input, d, idx, keepdim)
    return return_types.mode(picked, Tensor._wrap(idx if keepdim else np.squeeze(idx, d)))


# ----- unique -----------------------------------------------------------------------------------


@method
def unique(
    input: Tensor,
    sorted: builtins.bool = True,  # noqa: A002 - torch's argument name
    return_inverse: builtins.bool = False,
    return_counts: builtins.bool = False,
    dim: builtins.int | None = None,
) -> Any:
    """The distinct values (sorted, as torch's CPU kernel always does; each NaN distinct), or
    the distinct slices along ``dim``; with the inverse indices and counts if asked."""
    a = input._array
    if dim is None:
        flat = a.reshape(-1)
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        if a.dtype.kind == "f" and np.isnan(flat).any():
            # NumPy merges NaNs; torch keeps each one.
            n_nan = builtins.int(np.isnan(flat).sum())
            values = np.concatenate([values[~np.isnan(values)], np.full(n_nan, np.nan, a.dtype)])
            counts = np.concatenate([counts[: values.size - n_nan], np.ones(n_nan, np.int64)])
            first_nan = values.size - n_nan
            inverse = inverse.copy()
            inverse[np.isnan(flat)] = first_nan + np.arange(n_nan)
        inverse = inverse.reshape(a.shape)
    else:
        d = input._dim(dim)
        moved = np.moveaxis(a, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        uniq, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
        values = np.moveaxis(uniq.reshape((uniq.shape[0],) + moved.shape[1:]), 0, d)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_result(values, inverse, counts, return_inverse, return_counts) -> Any:
    out = [Tensor._wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(Tensor._wrap(np.asarray(inverse, dtype=int64)))
    if return_counts:
        out.append(Tensor._wrap(np.asarray(counts, dtype=int64)))
    return out[0] if len(out) == 1 else tuple(out)


@method
def unique_consecutive(
    input: Tensor,
    return_inverse: builtins.bool = False,
    return_counts: builtins.bool = False,
    dim: builtins.int | None = None,
) -> Any:
    """Each run of equal consecutive values (or slices along ``dim``) reduced to one."""
    a = input._array
    if dim is None:
        rows = a.reshape(-1, 1)
        shape_back = None
    else:
        d = input._dim(dim)
        moved = np.moveaxis(a, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        shape_back = (d, moved.shape[1:])
    if rows.shape[0] == 0:
        starts = np.zeros(0, dtype=bool)
    else:
        starts = np.concatenate([[True], np.any(rows[1:] != rows[:-1], axis=1)])
    first = np.flatnonzero(starts)
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(first, rows.shape[0]))
    if shape_back is None:
        values = rows[first, 0]
        inverse = inverse.reshape(a.shape)
    else:
        d, rest = shape_back
        values = np.moveaxis(rows[first].reshape((first.size,) + rest), 0, d)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


# ----- counting ---------------------------------------------------------------------------------


@method
def bincount(input: Tensor, weights: Tensor | None = None, minlength: builtins.int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in a 1-d non-negative integer tensor (the sum of
    ``weights`` instead of 1 per occurrence: float64 unless the weights are floating)."""
    a = input._array
    if a.dtype.kind == "f":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_scalar_name(a.dtype)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return Tensor._wrap(np.bincount(a, minlength=minlength).astype(int64))
    check_tensor("bincount", weights, "weights", 2)
    w = weights._array
    if w.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype.kind == "f" else float64
    return Tensor._wrap(np.bincount(a, weights=w, minlength=minlength).astype(out_dtype))


@method
def histc(input: Tensor, bins: builtins.int = 100, min: Any = 0, max: Any = 0) -> Tensor:
    """The histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0;
    widened by 1 each side when it is a single value); values outside are ignored and ``max``
    goes in the last bin."""
    a = input._array
    if a.dtype.kind != "f":
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{_scalar_name(a.dtype)}'"
        )
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = builtins.float(min), builtins.float(max)
    if lo == hi and a.size:
        lo, hi = builtins.float(np.min(a)), builtins.float(np.max(a))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    edges = linspace_values(lo, hi, bins + 1, a.dtype)
    flat = a.reshape(-1)
    keep = flat[(flat >= edges[0]) & (flat <= edges[-1])]
    pos = np.clip(np.searchsorted(edges, keep, side="right") - 1, 0, bins - 1)
    return Tensor._wrap(np.bincount(pos, minlength=bins).astype(a.dtype))


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: builtins.bool = False,
    right: builtins.bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Where each value of ``input`` would go in ``sorted_sequence`` (along its last dim) to
    keep it sorted: the first such position, or the last with ``right=True``."""
    check_tensor("searchsorted", sorted_sequence, "sorted_sequence", 1)
    if side is not None:
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                f"{side} while right was True"
            )
        right = side == "right"
    seq = sorted_sequence._array
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._array, -1)
    values = input._array if isinstance(input, Tensor) else np.asarray(input)
    how: Literal["left", "right"] = "right" if right else "left"
    dtype = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        return Tensor._wrap(np.asarray(np.searchsorted(seq, values, side=how), dtype=dtype))
    flat_seq = seq.reshape(-1, seq.shape[-1])
    flat_val = values.reshape(flat_seq.shape[0], -1)
    out = np.stack(
        [np.searchsorted(s, v, side=how) for s, v in zip(flat_seq, flat_val, strict=True)]
    )
    return Tensor._wrap(out.reshape(values.shape).astype(dtype))


def bucketize(
    input: Any,
    boundaries: Tensor,
    *,
    out_int32: builtins.bool = False,
    right: builtins.bool = False,
) -> Tensor:
    """The bucket of each value between the sorted 1-d ``boundaries``."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ----- quantiles --------------------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(
    name: str, input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool
) -> Tensor:
    from ..functions.indexing import gather

    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
            f"Found {interpolation}"
        )
    qs = q._array.astype(np.float64) if isinstance(q, Tensor) else np.asarray(q, dtype=np.float64)
    scalar_q = qs.ndim == 0
    if qs.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    qs = qs.reshape(-1)
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if isinstance(q, Tensor) and q.dtype != input.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else (x._dim(dim) if x.ndim else 0)
    if x.ndim == 0:
        x = x.reshape(1)
    values = sort(x, d).values  # NaN last
    a = x._array
    n = a.shape[d]
    if n == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    valid = (
        (~np.isnan(a)).sum(axis=d, keepdims=True)
        if ignore_nan
        else np.full(a.shape[:d] + (1,) + a.shape[d + 1 :], n)
    )
    # torch's ranks: a line with a NaN (all NaN for nanquantile) takes its last (first) sorted
    # value, a NaN, so that the NaN result comes with the gradient to that element
    nan_line = np.isnan(a).any(axis=d, keepdims=True)
    outs = []
    for qv in qs:
        rank = qv * (np.maximum(valid, 1) - 1)  # (.., 1, ..)
        if not ignore_nan:
            rank = np.where(nan_line, n - 1, rank)
        lo = np.floor(rank).astype(np.int64)
        hi = np.ceil(rank).astype(np.int64)
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        elif interpolation == "nearest":
            lo = hi = np.round(rank).astype(np.int64)
        frac = rank - lo
        if interpolation == "midpoint":
            frac = np.where(hi > lo, 0.5, 0.0)
        v_lo = gather(values, d, Tensor._wrap(lo))
        v_hi = gather(values, d, Tensor._wrap(hi))
        out = v_lo + (v_hi - v_lo) * Tensor._wrap(frac.astype(a.dtype))
        if dim is None:
            out = out.reshape(()) if not keepdim else out.reshape((1,) * input.ndim)
        elif not keepdim:
            out = out.squeeze(d)
        outs.append(out)
    from ..tensor import stack

    return outs[0] if scalar_q else stack(outs, 0)


@method
def quantile(
    input: Tensor,
    q: Any,
    dim: Any = None,
    keepdim: builtins.bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The q-th quantiles along ``dim`` (all elements when None), interpolated between the
    sorted neighbours; NaN where the data has a NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@method
def nanquantile(
    input: Tensor,
    q: Any,
    dim: Any = None,
    keepdim: builtins.bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` ignoring NaN (NaN only where every value is NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


@method
def nanmedian(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    """The lower median ignoring NaN: of all elements, or (values, indices) along ``dim``."""
    a = input._array
    if a.dtype.kind != "f":
        return median(input, dim, keepdim)
    if dim is None:
        flat = a.reshape(-1)
        k = builtins.int((~np.isnan(flat)).sum())
        if k == 0:
            return Tensor._wrap(np.asarray(np.nan, dtype=a.dtype)) + input.sum() * 0
        pos = order(flat, 0, False)[(k - 1) // 2]
        return _pick(R.Median, input, None, np.asarray(pos, dtype=int64))
    if input.ndim == 0:
        return return_types.nanmedian(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    d = input._dim(dim)
    k = (~np.isnan(a)).sum(axis=d, keepdims=True)
    sorted_idx = order(a, d, False)
    idx = np.take_along_axis(sorted_idx, np.maximum(k - 1, 0) // 2, axis=d).astype(int64)
    values = _pick(R.MedianDim, input, d, idx, keepdim)
    return return_types.nanmedian(values, Tensor._wrap(idx if keepdim else np.squeeze(idx, d)))


@method
def histogram(
    input: Tensor,
    bins: Any = 100,
    *,
    range: Any = None,  # noqa: A002 - torch's argument name
    weight: Tensor | None = None,
    density: builtins.bool = False,
) -> Any:
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (the data's by default) or the
    given edges; the last bin includes its right edge."""
    check_tensor("histogram", input)
    a = input._array
    if a.dtype.kind != "f":
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{_scalar_name(a.dtype)}'"
        )
    if isinstance(bins, Tensor):
        edges = bins._array.astype(a.dtype)
    else:
        lo, hi = (builtins.float(np.min(a)), builtins.float(np.max(a))) if range is None else range
        if a.size == 0 and range is None:
            lo, hi = 0.0, 0.0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace_values(lo, hi, builtins.int(bins) + 1, a.dtype)
    w = None if weight is None else weight._array.reshape(-1)
    hist, _ = np.histogram(a.reshape(-1), bins=edges.astype(np.float64), weights=w)
    hist = hist.astype(a.dtype)
    if density:
        widths = np.diff(edges.astype(np.float64))
        total = hist.sum()
        hist = (hist / (widths * total)).astype(a.dtype) if total else hist
    return return_types.histogram(
        Tensor._wrap(hist), Tensor._wrap(np.asarray(edges, dtype=a.dtype))
    )


__all__ += ["histogram", "nanmedian", "nanquantile", "quantile"]
