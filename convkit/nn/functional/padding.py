"""``pad``: torch's F.pad, every mode, with torch's argument checks."""

from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

from ... import shapes
from ...ops.pad import Pad
from ...tensor import Tensor
from ._utils import check_tensor, scalar_name

__all__ = ["pad"]

_SUPPORTED = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _check_constant(shape, pairs) -> None:
    lead = len(shape) - len(pairs)
    for d, (n, (a, b)) in enumerate(zip(shape[lead:], pairs, strict=True), start=lead):
        if n + min(a, 0) + min(b, 0) < 0 or n + a + b < 0:
            raise RuntimeError(
                f"The input size {n}, plus negative padding {a} and {b} resulted in a negative "
                f"output size, which is invalid. Check dimension {d} of your input."
            )


def _check_non_constant(mode: str, shape, pairs) -> None:
    ndim, n = len(shape), len(pairs)
    if n == 0 or not n + 1 <= ndim <= n + 2:
        raise NotImplementedError(
            f"Padding size {2 * n} is not supported for {ndim}D input tensor.\n{_SUPPORTED}"
        )
    lead = ndim - n
    if mode == "circular":
        for d, (size, (a, b)) in enumerate(zip(shape[lead:], pairs, strict=True), start=lead):
            if a > size or b > size:
                raise RuntimeError(
                    f"Padding value causes wrapping around more than once: circular padding "
                    f"{(a, b)} at dimension {d} of input {list(shape)} must be at most the size "
                    f"{size} of that dimension."
                )
            if size + a + b < 0:
                raise RuntimeError(
                    f"Negative padding value is resulting in an empty dimension: padding "
                    f"{(a, b)} at dimension {d} of input {list(shape)} leaves {size + a + b} "
                    f"cells."
                )
            core = size + min(a, 0) + min(b, 0)
            if max(a, 0) > core or max(b, 0) > core:
                # torch reads uninitialised memory or fails on overlap here; refuse it plainly.
                raise RuntimeError(
                    f"Padding value causes wrapping around more than once: padding {(a, b)} at "
                    f"dimension {d} of input {list(shape)} wraps a cropped core of only {core} "
                    f"cells."
                )
        return
    # reflect and replicate: every dimension but a batch dimension must be non-empty.
    if any(s == 0 for s in shape[ndim - n - 1 :]):
        raise RuntimeError(
            f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(shape)}"
        )
    if mode == "reflect":
        for d, (size, (a, b)) in enumerate(zip(shape[lead:], pairs, strict=True), start=lead):
            if a >= size or b >= size:
                raise RuntimeError(
                    f"Padding size should be less than the corresponding input dimension, but "
                    f"got: padding {(a, b)} at dimension {d} of input {list(shape)} (reflect "
                    f"padding must be smaller than the size it reflects)"
                )
    names = ("D", "H", "W")[3 - n :]
    out = [size + a + b for size, (a, b) in zip(shape[lead:], pairs, strict=True)]
    # torch requires only one non-empty output dimension (its check is H >= 1 || W >= 1).
    if all(o <= 0 for o in out):
        given = ", ".join(f"{k}: {s}" for k, s in zip(names, shape[lead:], strict=True))
        got = " ".join(f"{k}: {o}" for k, o in zip(names, out, strict=True))
        raise RuntimeError(
            f"input ({given}) is too small. Calculated output {got} (padding "
            f"{[list(p) for p in pairs]} crops too much)"
        )
    if any(o < 0 for o in out):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension: {mode} padding "
            f"{[list(p) for p in pairs]} of input {list(shape)} gives output "
            f"size {out}"
        )


def pad(
    input: Tensor,
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad ``input``; ``pad`` lists (before, after) pairs from the last dimension backwards.

    Modes 'constant' (with ``value``, default 0; negative pads crop), 'reflect' (pad < size),
    'replicate', 'circular' (pad <= size). The non-constant modes pad the last 1, 2 or 3
    dimensions of an input with one or two more dimensions than that (unbatched or batched).
    """
    check_tensor("pad", "input", input)
    pairs = shapes.pad_pairs(pad, input.ndim)
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' must be str, not {type(mode).__name__}")
    if value is not None and not isinstance(value, numbers.Real):
        raise TypeError(f"pad(): argument 'value' must be float, not {type(value).__name__}")
    if mode not in shapes.PAD_MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode}; expected one of {shapes.PAD_MODES}"
        )
    shape = tuple(input.shape)
    if mode == "constant":
        _check_constant(shape, pairs)
        fill = 0 if value is None else value
        if any(v > 0 for pair in pairs for v in pair):  # torch converts the value only to fill
            _check_fill(input.dtype, fill)
        return Pad.apply(input, pairs, "constant", fill)
    if value is not None and value != 0:
        raise RuntimeError(
            f'Padding mode "{mode}" doesn\'t take in value argument (got value={value})'
        )
    _check_non_constant(mode, shape, pairs)
    if input.dtype == np.bool_ and mode != "circular":
        # torch's reflection and replication kernels have no bool version (circular padding
        # is a copy and takes any dtype).
        kernel = {"reflect": "reflection_pad", "replicate": "replication_pad"}[mode]
        raise NotImplementedError(
            f"\"{kernel}{len(pairs)}d\" not implemented for 'Bool' (pad: {mode} padding of a "
            f"bool tensor; convert it with .to(convkit.uint8) or use mode='circular')"
        )
    return Pad.apply(input, pairs, mode)


def _check_fill(dtype: np.dtype, value: float) -> None:
    """The fill value must fit the dtype, as torch's checked Scalar conversion demands.

    Integers take no NaN or infinity and nothing outside [min, max] (a fraction is truncated
    after the check: uint8 refuses -0.5, int8 takes it); floats take NaN and infinity but no
    finite value beyond their largest; bool takes anything.
    """
    if dtype == np.bool_:
        return
    if dtype.kind == "f":
        largest = float(np.finfo(dtype).max)
        fits = math.isinf(value) or math.isnan(value) or -largest <= value <= largest
    else:
        bounds = np.iinfo(dtype)
        fits = not math.isnan(value) and int(bounds.min) <= value <= int(bounds.max)
    if not fits:
        raise RuntimeError(
            f"value cannot be converted to type {scalar_name(dtype, 'conversion')} without "
            f"overflow (pad: value={value!r} does not fit the input's dtype {dtype})"
        )
