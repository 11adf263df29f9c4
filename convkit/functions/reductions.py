"""Reductions and scans: sum, mean, prod, var/std, max/min in all their forms, amax/amin,
argmax/argmin, all/any, count_nonzero, logsumexp, the NaN-ignoring sums, cumsum/cumprod/cummax/
cummin, diff.

``dim`` accepts an int, a tuple or list of ints (where torch does) or None (every dimension);
``axis=`` and ``keepdims=`` are torch's aliases. A 0-d tensor reduces over dim 0 or -1 to
itself, as in torch.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from .. import return_types
from ..dtypes import as_dtype, bool_, get_default_dtype, int64, uint8
from ..errors import DimensionError
from ..ops import basic as B
from ..ops import reduction as R
from ..tensor import Tensor, _aliases, _scalar_name, cat, maximum, minimum
from ._bind import check_tensor, inplace, method

__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "count_nonzero",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "diff",
    "logsumexp",
    "max",
    "mean",
    "min",
    "nanmean",
    "nansum",
    "prod",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
]


def axes(t: Tensor, dim: Any) -> Any:
    """``dim`` normalised for NumPy: None (every axis), an int, or a tuple of ints; a 0-d
    tensor's dim 0 / -1 becomes () (nothing to reduce)."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        out = tuple(t._dim(d) for d in dim)
        for d in out:
            if out.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return () if t.ndim == 0 else out
    d = t._dim(dim)
    return () if t.ndim == 0 else d


def _full_or_dims(t: Tensor, dim: Any) -> Any:
    """sum/mean/amax's rule: None and an empty list both mean every dimension."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return axes(t, dim)


def _integral_to_long(t: Tensor, dtype: Any) -> Tensor:
    """sum/prod/cumsum's accumulation dtype: ``dtype`` if given, else int64 for integers and
    bool, else the input's."""
    if dtype is not None:
        return t.to(as_dtype(dtype))
    return t.to(int64) if t.dtype.kind in "biu" else t


def _reduce_arrays(op, t: Tensor, ax: Any, keepdim: builtins.bool) -> np.ndarray:
    return np.asarray(op(t._array, axis=ax, keepdims=builtins.bool(keepdim) and ax is not None))


# ----- sums and means ---------------------------------------------------------------------------


@method
def sum(  # noqa: A001 - torch.sum; this module uses builtins.sum
    input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, **kw
) -> Tensor:
    """The sum over ``dim`` (default all); integers and bool sum to int64 unless ``dtype``."""
    dim, keepdim = _aliases("sum", dim, keepdim, kw)
    t = _integral_to_long(input, dtype)
    ax = _full_or_dims(input, dim)
    if ax is None and not keepdim:
        return B.Sum.apply(t)
    if ax is None:
        ax = tuple(range(t.ndim))
    return B.SumDim.apply(t, axis=ax, keepdims=builtins.bool(keepdim))


@method
def nansum(
    input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, **kw
) -> Tensor:
    """The sum with NaN counted as zero."""
    dim, keepdim = _aliases("nansum", dim, keepdim, kw)
    t = _integral_to_long(input, dtype)
    if t.dtype.kind != "f":
        return sum(t, dim, keepdim)
    ax = _full_or_dims(input, dim)
    return R.Nansum.apply(t, axis=ax, keepdims=builtins.bool(keepdim))


def _floating_only(name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {_scalar_name(t.dtype)}"
        )


@method
def mean(
    input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, **kw
) -> Tensor:
    """The mean over ``dim`` (floating tensors, or ``dtype`` given)."""
    dim, keepdim = _aliases("mean", dim, keepdim, kw)
    t = input if dtype is None else input.to(as_dtype(dtype))
    _floating_only("mean", t)
    ax = _full_or_dims(input, dim)
    if ax is None and not keepdim:
        return B.Mean.apply(t)
    if ax is None:
        ax = tuple(range(t.ndim))
    return B.MeanDim.apply(t, axis=ax, keepdims=builtins.bool(keepdim))


@method
def nanmean(
    input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, **kw
) -> Tensor:
    """The mean of the non-NaN elements (NaN where there are none)."""
    dim, keepdim = _aliases("nanmean", dim, keepdim, kw)
    t = input if dtype is None else input.to(as_dtype(dtype))
    if t.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{_scalar_name(t.dtype)}"
        )
    count = sum(t.isnan().logical_not(), dim, keepdim)
    return nansum(t, dim, keepdim) / count


@method
def prod(
    input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    """The product over one ``dim`` (default all); integers and bool to int64 unless ``dtype``."""
    t = _integral_to_long(input, dtype)
    if dim is None:
        if t.dtype.kind != "f":
            return Tensor._wrap(np.asarray(np.prod(t._array), dtype=t.dtype))
        return R.Prod.apply(t)
    if not isinstance(dim, builtins.int | np.integer):
        raise TypeError(
            f"prod(): argument 'dim' (position 2) must be int, not {type(dim).__name__}"
        )
    ax = axes(input, dim)
    if t.dtype.kind != "f":
        return Tensor._wrap(np.asarray(np.prod(t._array, axis=ax, keepdims=keepdim)))
    return R.ProdDim.apply(t, axis=ax, keepdims=builtins.bool(keepdim))


# ----- variance ---------------------------------------------------------------------------------


def _var_args(name: str, input: Tensor, dim: Any, unbiased: Any, correction: Any) -> tuple:
    """torch's overloads: (dim, unbiased, keepdim), (unbiased), (dim, *, correction)."""
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise RuntimeError(f"{name}: can't specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased in (None, True) else 0
    if input.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    ax = _full_or_dims(input, dim)
    n = input.numel() if ax is None else int(np.prod([input.shape[a] for a in np.atleast_1d(ax)]))
    if ax == ():
        n = 1
    if n - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return ax, correction


@method
def var(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
    **kw,
) -> Tensor:
    """The variance over ``dim``, divided by ``N - correction`` (``unbiased=False`` is
    ``correction=0``)."""
    dim, keepdim = _aliases("var", dim, keepdim, kw)
    ax, corr = _var_args("var", input, dim, unbiased, correction)
    return R.Var.apply(input, axis=ax, correction=corr, keepdims=builtins.bool(keepdim))


@method
def std(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
    **kw,
) -> Tensor:
    """The standard deviation over ``dim`` (the square root of ``var``)."""
    dim, keepdim = _aliases("std", dim, keepdim, kw)
    ax, corr = _var_args("std", input, dim, unbiased, correction)
    return R.Std.apply(input, axis=ax, correction=corr, keepdims=builtins.bool(keepdim))


def var_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
    **kw,
) -> tuple[Tensor, Tensor]:
    """(var, mean) over ``dim``."""
    check_tensor("var_mean", input)
    dim, keepdim = _aliases("var_mean", dim, keepdim, kw)
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    v = var(input, dim, unbiased, keepdim, correction=correction)
    return v, mean(input, dim, keepdim)


def std_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
    **kw,
) -> tuple[Tensor, Tensor]:
    """(std, mean) over ``dim``."""
    check_tensor("std_mean", input)
    dim, keepdim = _aliases("std_mean", dim, keepdim, kw)
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    s = std(input, dim, unbiased, keepdim, correction=correction)
    return s, mean(input, dim, keepdim)


# ----- max and min ------------------------------------------------------------------------------


def _extremum(name: str, input: Tensor, dim: Any, keepdim: builtins.bool, largest: builtins.bool):
    if isinstance(dim, Tensor):
        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        fn = B.Max if largest else B.Min
        return fn.apply(input)[0]
    d = input._dim(dim)
    result = return_types.max if largest else return_types.min
    if input.ndim == 0:
        return result(input.clone(), Tensor._wrap(np.zeros((), dtype=int64)))
    if input.shape[d] == 0:
        raise DimensionError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    fn_dim = B.MaxDim if largest else B.MinDim
    values, indices = fn_dim.apply(input, axis=d, keepdims=builtins.bool(keepdim))
    return result(values, indices)


@method
def max(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Any:  # noqa: A001 - torch.max / torch.min
    """``max(input)``: the largest element; ``max(input, dim)``: (values, indices) along dim;
    ``max(input, other)``: the elementwise maximum. NaN wins."""
    dim, keepdim = _aliases("max", dim, keepdim, kw)
    return _extremum("max", input, dim, keepdim, True)


@method
def min(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Any:  # noqa: A001 - torch.max / torch.min
    """``min(input)``, ``min(input, dim)`` -> (values, indices), ``min(input, other)``."""
    dim, keepdim = _aliases("min", dim, keepdim, kw)
    return _extremum("min", input, dim, keepdim, False)


def _amax_amin(name: str, fn: Any, input: Tensor, dim: Any, keepdim: builtins.bool) -> Tensor:
    ax = _full_or_dims(input, dim)
    ax_list = range(input.ndim) if ax is None else np.atleast_1d(ax)
    for a in ax_list:
        if input.shape[a] == 0:
            raise DimensionError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
    if input.numel() == 0 and ax is None:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
        )
    if input.dtype.kind != "f":
        return Tensor._wrap(np.asarray(fn._op(input._array, axis=ax, keepdims=keepdim)))
    return fn.apply(input, axis=ax, keepdims=builtins.bool(keepdim))


@method
def amax(input: Tensor, dim: Any = (), keepdim: builtins.bool = False, **kw) -> Tensor:
    """The largest value over ``dim`` (default all); ties share the gradient."""
    dim, keepdim = _aliases("amax", dim, keepdim, kw, dim_default=())
    return _amax_amin("amax", R.Amax, input, dim, keepdim)


@method
def amin(input: Tensor, dim: Any = (), keepdim: builtins.bool = False, **kw) -> Tensor:
    """The smallest value over ``dim`` (default all); ties share the gradient."""
    dim, keepdim = _aliases("amin", dim, keepdim, kw, dim_default=())
    return _amax_amin("amin", R.Amin, input, dim, keepdim)


@method
def aminmax(input: Tensor, *, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    """(min, max) over ``dim`` (default all)."""
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(name: str, op, input: Tensor, dim: Any, keepdim: builtins.bool) -> Tensor:
    if input.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    a = input._array
    if dim is None:
        if a.size == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        idx = np.asarray(op(a), dtype=int64)
        return Tensor._wrap(idx.reshape((1,) * a.ndim) if keepdim else idx)
    d = input._dim(dim)
    if a.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=int64))
    if a.shape[d] == 0:
        raise DimensionError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._wrap(np.asarray(op(a, axis=d, keepdims=builtins.bool(keepdim)), dtype=int64))


@method
def argmax(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Tensor:
    """The index of the (first) largest element, over all elements or along ``dim``."""
    dim, keepdim = _aliases("argmax", dim, keepdim, kw)
    return _arg("argmax", np.argmax, input, dim, keepdim)


@method
def argmin(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Tensor:
    """The index of the (first) smallest element, over all elements or along ``dim``."""
    dim, keepdim = _aliases("argmin", dim, keepdim, kw)
    return _arg("argmin", np.argmin, input, dim, keepdim)


def _logical_reduce(op, input: Tensor, dim: Any, keepdim: builtins.bool) -> Tensor:
    ax = axes(input, dim)
    out = _reduce_arrays(op, input, ax, keepdim)
    # torch keeps uint8 for uint8 input (a legacy of its byte masks); bool for the rest.
    return Tensor._wrap(out.astype(uint8 if input.dtype == uint8 else bool_))


@method
def all(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Tensor:  # noqa: A001 - torch.all / torch.any
    """True if every element (along ``dim``) is nonzero."""
    dim, keepdim = _aliases("all", dim, keepdim, kw)
    return _logical_reduce(np.all, input, dim, keepdim)


@method
def any(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **kw) -> Tensor:  # noqa: A001 - torch.all / torch.any
    """True if some element (along ``dim``) is nonzero."""
    dim, keepdim = _aliases("any", dim, keepdim, kw)
    return _logical_reduce(np.any, input, dim, keepdim)


@method
def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (along ``dim``), as int64."""
    ax = axes(input, dim)
    return Tensor._wrap(np.asarray(np.count_nonzero(input._array, axis=ax), dtype=int64))


@method
def logsumexp(input: Tensor, dim: Any, keepdim: builtins.bool = False) -> Tensor:
    """log(sum(exp(input))) over ``dim``, computed without overflow."""
    t = input if input.dtype.kind == "f" else input.to(get_default_dtype())
    ax = _full_or_dims(input, dim)
    if ax is None:
        ax = tuple(range(t.ndim))
    return R.Logsumexp.apply(t, axis=ax, keepdims=builtins.bool(keepdim))


# ----- scans ------------------------------------------------------------------------------------


def _scan_axis(input: Tensor, dim: Any) -> int:
    if dim is None:
        raise TypeError("the scan needs a dim: missing required argument 'dim'")
    return 0 if input.ndim == 0 else input._dim(dim)


@method
def cumsum(input: Tensor, dim: Any = None, *, dtype: Any = None, **kw) -> Tensor:
    """Running sums along ``dim``; integers and bool accumulate in int64 unless ``dtype``."""
    dim, _ = _aliases("cumsum", dim, None, kw)
    t = _integral_to_long(input, dtype)
    d = _scan_axis(input, dim)
    if t.dtype.kind != "f":
        return Tensor._wrap(np.cumsum(t._array, axis=d if t.ndim else None).reshape(t.shape))
    return R.Cumsum.apply(t, axis=d if t.ndim else 0)


@method
def cumprod(input: Tensor, dim: Any = None, *, dtype: Any = None, **kw) -> Tensor:
    """Running products along ``dim``; integers and bool in int64 unless ``dtype``."""
    dim, _ = _aliases("cumprod", dim, None, kw)
    t = _integral_to_long(input, dtype)
    d = _scan_axis(input, dim)
    if t.dtype.kind != "f":
        return Tensor._wrap(np.cumprod(t._array, axis=d if t.ndim else None).reshape(t.shape))
    if t.ndim == 0:
        return t.clone()
    return R.Cumprod.apply(t, axis=d)


class _Plain:
    """A stand-in context for running a primitive's forward on arrays that need no graph."""

    def save_for_backward(self, *items: Any) -> None:
        pass


@method
def cummax(input: Tensor, dim: Any) -> Any:
    """Running maximum along ``dim`` and the index that set it: (values, indices)."""
    d = _scan_axis(input, dim)
    if input.dtype.kind == "f":
        return return_types.cummax(*R.Cummax.apply(input, axis=d))
    values, indices = R.Cummax.forward(_Plain(), input._array, d)
    return return_types.cummax(Tensor._wrap(values), Tensor._wrap(indices))


@method
def cummin(input: Tensor, dim: Any) -> Any:
    """Running minimum along ``dim`` and the index that set it: (values, indices)."""
    d = _scan_axis(input, dim)
    if input.dtype.kind == "f":
        return return_types.cummin(*R.Cummin.apply(input, axis=d))
    values, indices = R.Cummin.forward(_Plain(), input._array, d)
    return return_types.cummin(Tensor._wrap(values), Tensor._wrap(indices))


@method
def diff(
    input: Tensor,
    n: builtins.int = 1,
    dim: builtins.int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The n-th forward difference along ``dim`` (bool: logical xor), after joining
    ``prepend`` and ``append``."""
    from .shape import narrow

    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = input._dim(dim)
    t = input
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, input, append) if p is not None]
        t = cat(parts, d)
    for _ in range(n):
        length = t.shape[d]
        if length == 0:
            break
        hi, lo = narrow(t, d, 1, length - 1), narrow(t, d, 0, length - 1)
        t = hi.logical_xor(lo) if t.dtype.kind == "b" else hi - lo
    return t


inplace(Tensor.cumsum)
inplace(Tensor.cumprod)


@method
def logcumsumexp(input: Tensor, dim: builtins.int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, without overflow."""
    t = input if input.dtype.kind == "f" else input.to(get_default_dtype())
    d = _scan_axis(t, dim)
    if t.ndim == 0:
        return t.clone()
    return R.Logcumsumexp.apply(t, axis=d)


@method
def cov(
    input: Tensor,
    *,
    correction: builtins.int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns), with optional frequency and analytic weights."""
    if input.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype.kind != "f":
        x = x.to(get_default_dtype())
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights.to(x.dtype)
    if aweights is not None:
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        w_sum = Tensor._wrap(np.asarray(n, dtype=x.dtype))
        avg = mean(x, 1)
    else:
        w_sum = sum(w)
        avg = sum(x * w, 1) / w_sum
    if w is None:
        norm = w_sum - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * sum(w * aweights.to(x.dtype)) / w_sum
    norm = norm.clamp_min(0)
    xm = x - avg.unsqueeze(1)
    xw = xm if w is None else xm * w
    c = xw.matmul(xm.t()) / norm
    return c.squeeze() if input.ndim < 2 else c


@method
def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows' variables, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    return c.clamp(-1, 1)


def _trapezoid_dx(y: Tensor, x: Any, dx: Any, d: builtins.int) -> Any:
    from .shape import narrow

    n = y.shape[d]
    if x is None:
        return None, (1.0 if dx is None else dx)
    if isinstance(x, Tensor):
        if x.ndim == 1:
            spacing = x[1:] - x[:-1]
            shape = [1] * y.ndim
            shape[d] = n - 1
            return spacing.reshape(shape), None
        return narrow(x, d, 1, n - 1) - narrow(x, d, 0, n - 1), None
    return None, x


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: builtins.int = -1) -> Tensor:
    """The trapezoid-rule integral of ``y`` along ``dim`` (spacing ``dx``, or sample points
    ``x``)."""
    from .shape import narrow

    check_tensor("trapezoid", y, "y", 1)
    d = y._dim(dim)
    n = y.shape[d]
    if n == 0:
        return sum(y, d)
    mids = (narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)) / 2
    spacing, step = _trapezoid_dx(y, x, dx, d)
    return sum(mids * spacing, d) if spacing is not None else sum(mids, d) * step


trapz = trapezoid


def cumulative_trapezoid(
    y: Tensor, x: Any = None, *, dx: Any = None, dim: builtins.int = -1
) -> Tensor:
    """The running trapezoid-rule integral of ``y`` along ``dim``."""
    from .shape import narrow

    check_tensor("cumulative_trapezoid", y, "y", 1)
    d = y._dim(dim)
    n = y.shape[d]
    if n == 0:
        return y
    mids = (narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)) / 2
    spacing, step = _trapezoid_dx(y, x, dx, d)
    return cumsum(mids * spacing if spacing is not None else mids * step, d)


__all__ += [
    "corrcoef",
    "cov",
    "cumulative_trapezoid",
    "logcumsumexp",
    "trapezoid",
    "trapz",
]
