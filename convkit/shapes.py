"""Shape arithmetic and argument normalisation: the one source of truth for every size.

Pure integers and tuples, no arrays. The ops, the modules, the error messages and the shape
explainer all call these functions, so a formula is written exactly once.

Arguments (the one normaliser; modules, nn.functional and explain/ call these):
- ``int_tuple(value, n, name, op)``: torch's int-or-tuple argument as an n-tuple (TypeError for
  a bool, float or str; a 1-tuple expands where ATen expands it; ``expand_one``, ``bools`` and
  ``length_error`` select the variants), ``check_int_arg`` its type half, run on every argument
  before any value is checked, as torch's parser does; ``ntuple`` the module and CLI form (a
  wrong length is a ValueError); ``pad_pairs`` F.pad's flat pad list.
- ``default_stride(kernel, stride)`` / ``stride_is_default``: pooling's stride falls back to
  the kernel size when None or empty.
- ``window_start(i, s, p)``, ``PADDING_MODES`` (modules) and ``PAD_MODES`` (F.pad).

Conventions used throughout convkit:
- ``n`` is the number of spatial dimensions (1, 2 or 3).
- Padding is canonicalised to a tuple of ``(before, after)`` pairs, one per spatial dimension,
  because ``padding='same'`` can be asymmetric (the extra cell goes after).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Sequence

Pair = tuple[int, int]


# ----------------------------------------------------------------------------------------------
# Argument normalisation: the one place that turns torch's int-or-tuple arguments into n-tuples
# ----------------------------------------------------------------------------------------------

#: ``padding_mode`` of the convolution modules.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: ``mode`` of ``F.pad``; the modules' 'zeros' is its 'constant'.
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def is_int(value: object) -> bool:
    """An int as torch's argument parser takes one: Python and NumPy integers, never a bool."""
    if type(value) is int:  # the common case, without the abstract-class check (0.5 us)
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    # A size-like int: bool passes, as it does for torch's sizes (``torch.empty(True)`` has one
    # element). Arguments torch parses as ints use ``is_int``.
    return isinstance(value, numbers.Integral)


def _prefix(op: str) -> str:
    return f"{op}(): " if op else ""


def int_tuple(
    value: object,
    n: int,
    name: str,
    op: str = "",
    *,
    expand_one: bool = True,
    bools: bool = False,
    length_error: type[Exception] = RuntimeError,
) -> tuple[int, ...]:
    """torch's int-or-tuple argument (ATen's ``IntArrayRef``) as an n-tuple of ints.

    - An int repeats n times: ``2 -> (2, 2)``.
    - A list or tuple of ints is kept when it has n entries; a single entry repeats when
      ``expand_one`` (conv, conv_transpose, max/avg pooling expand it, unfold, fold and adaptive
      pooling do not).
    - bool (alone or first in a sequence), float, str, None: TypeError, as torch's argument parser
      refuses them (``stride=True`` is a TypeError, not a stride of 1). ``bools=True`` takes True
      and False as 1 and 0 anywhere, as torch's Python-level max_unpool arithmetic does.
    - Any other length raises ``length_error``: RuntimeError as ATen; the module constructors
      pass ValueError.

    ``op`` names the function in the message.
    """
    check_int_arg(value, n, name, op, bools=bools)
    if is_int(value) or isinstance(value, bool):
        return (int(value),) * n  # type: ignore[call-overload]
    assert isinstance(value, (tuple, list))
    if expand_one and len(value) == 1:
        return (int(value[0]),) * n
    if len(value) != n:
        # torch's own wording follows the rule, so a message matched against torch still matches.
        torch_rule = (
            f"expected {name} to be a single integer value or a list of {n} values"
            if expand_one
            else f"it is expected {name} equals to {n} values"
        )
        raise length_error(
            f"{_prefix(op)}{name} must be an int or a tuple of {n} ints (one per spatial "
            f"dimension): {torch_rule}, "
            f"but got {name}={value!r} ({len(value)} values)"
        )
    return tuple(int(v) for v in value)


def check_int_arg(value: object, n: int, name: str, op: str = "", *, bools: bool = False) -> None:
    """The type half of ``int_tuple``: an int or a list/tuple of ints, else TypeError.

    torch's argument parser checks the types of every argument before its ops check any value,
    so the functional code calls this on all int-or-tuple arguments first.
    """
    rule = f"an int or a tuple of {n} ints"
    if is_int(value) or (bools and isinstance(value, bool)):
        return
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{_prefix(op)}argument '{name}' must be {rule}, not {type(value).__name__} "
            f"({name}={value!r})"
        )
    _check_elements(value, name, op, rule, bools)


def _check_elements(
    value: Sequence[object], name: str, op: str, rule: str, bools: bool = False
) -> None:
    """Every entry an int, as torch's parser checks a list of ints.

    The parser type-checks the first entry only and converts the others with ``__index__``, so
    ``(1, True)`` passes as (1, 1) where ``(True, 1)`` is a TypeError.
    """
    for pos, v in enumerate(value):
        if not (is_int(v) or (isinstance(v, bool) and (bools or pos > 0))):
            raise TypeError(
                f"{_prefix(op)}argument '{name}' must be {rule}, but found element of type "
                f"{type(v).__name__} at pos {pos} ({name}={value!r})"
            )


def pad_pairs(pad: object, ndim: int, op: str = "pad") -> tuple[Pair, ...]:
    """F.pad's flat ``(left, right, top, bottom, ...)`` as (before, after) pairs in dimension
    order (the last dimension's pair comes first in ``pad``, last in the result)."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(
            f"{_prefix(op)}argument 'pad' (position 2) must be tuple of ints, not "
            f"{type(pad).__name__}"
        )
    _check_elements(pad, "pad", op, "tuple of ints")
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got pad={tuple(pad)}")
    if len(pad) > 2 * ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {ndim}"
        )
    flat = [int(v) for v in pad]
    return tuple((flat[2 * k], flat[2 * k + 1]) for k in reversed(range(len(flat) // 2)))


def ntuple(value: object, n: int, name: str, op: str = "") -> tuple[int, ...]:
    """``int_tuple`` as the module constructors and the CLI use it: a wrong length is a
    ValueError (torch's ``_ntuple`` takes anything and fails at the first forward)."""
    return int_tuple(value, n, name, op, length_error=ValueError)


def stride_is_default(stride: object, *, empty: bool = True) -> bool:
    """torch's pooling ``stride`` falls back to ``kernel_size`` when it is None, or (ATen's
    rule, ``empty=True``) an empty list or tuple. The modules and ``max_unpool`` (Python-level
    code) replace None only: ``empty=False``."""
    return stride is None or (empty and isinstance(stride, (tuple, list)) and len(stride) == 0)


def default_stride(kernel: object, stride: object, *, empty: bool = True) -> object:
    """``stride``, or ``kernel`` where torch's default applies (``stride_is_default``)."""
    return kernel if stride_is_default(stride, empty=empty) else stride


def window_start(i: int, stride: int, padding: int) -> int:
    """First input cell (in unpadded coordinates) of sliding window i: ``i*s - p``."""
    return i * stride - padding


def check_positive(values: Sequence[int], name: str) -> None:
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{name} should be greater than zero, but got {name}: {tuple(values)}")


def check_non_negative(values: Sequence[int], name: str) -> None:
    if any(v < 0 for v in values):
        raise RuntimeError(f"negative {name} is not supported, got {name}={tuple(values)}")


def same_padding(kernel: int, dilation: int) -> Pair:
    """``padding='same'``: total ``d(k-1)``, before ``total // 2``, after ``total - before``.

    The extra cell of an odd total goes after (right/bottom), as torch does: k=4 -> (1, 2);
    k=4, d=3 -> (4, 5).
    """
    total = dilation * (kernel - 1)
    before = total // 2
    return before, total - before


def conv_padding(
    padding: object,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    warn: bool = True,
) -> tuple[Pair, ...]:
    """Normalise a convolution's ``padding`` (int, tuple, 'valid', 'same') to (before, after) pairs.

    ``warn``: torch warns when 'same' needs an asymmetric split, at forward time (not when a
    module is built), so modules pass False.
    """
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pairs = tuple(same_padding(k, d) for k, d in zip(kernel, dilation, strict=True))
            if warn and any(a != b for a, b in pairs):
                warnings.warn(
                    "Using padding='same' with even kernel lengths and odd dilation may require a "
                    f"zero-padded copy of the input be created: padding (before, after) = {pairs}",
                    UserWarning,
                    stacklevel=3,
                )
            return pairs
        raise ValueError(
            f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}"
        )
    p = ntuple(padding, n, "padding")
    check_non_negative(p, "padding")
    return tuple((v, v) for v in p)


# ----------------------------------------------------------------------------------------------
# Output sizes: one function per formula, the docstring is the formula.
# ----------------------------------------------------------------------------------------------


def _pad_pair(padding: Pair | int) -> Pair:
    """A symmetric int padding, or a (before, after) pair, as the pair."""
    return (padding, padding) if isinstance(padding, int) else padding


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: Pair | int = 0, dilation: int = 1
) -> int:
    """``out = floor((L + p_before + p_after - d*(k-1) - 1) / s) + 1``.

    With symmetric padding this is the familiar ``floor((L + 2p - d(k-1) - 1)/s) + 1``. Input
    that no window reaches at the end is silently dropped (floor). May return <= 0: callers check.
    """
    lo, hi = _pad_pair(padding)
    return (size + lo + hi - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    """``out = (L - 1)*s - 2p + d*(k-1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    size: int,
    kernel: int,
    stride: int,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Pooling output length.

    ``num = L + 2p - d(k-1) - 1``; floor mode: ``out = floor(num/s) + 1``. ceil mode:
    ``out = ceil(num/s) + 1``, then ``out -= 1`` if ``(out-1)*s >= L + p``: the last window may not
    start inside the right padding.
    """
    num = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-num // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return num // stride + 1


def window_span(out: int, kernel: int, stride: int = 1, dilation: int = 1) -> int:
    """Cells that ``out`` windows cover, first to last: ``(out - 1)*s + d*(k-1) + 1``.

    In ceil mode the last pooling window may reach past the padded input; this is how far.
    """
    return (out - 1) * stride + dilation * (kernel - 1) + 1


def ceil_mode_dropped_window(
    size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1
) -> bool:
    """True when ceil mode's last window would start in the right padding and is dropped."""
    num = size + 2 * padding - dilation * (kernel - 1) - 1
    out = -(-num // stride) + 1
    return (out - 1) * stride >= size + padding


def adaptive_pool_window(size: int, out: int, i: int) -> tuple[int, int]:
    """Window i of adaptive pooling: ``[floor(i*L/out), ceil((i+1)*L/out))``."""
    return (i * size) // out, -(-((i + 1) * size) // out)


def adaptive_pool_bins(size: int, out: int) -> list[tuple[int, int]]:
    """Every window of adaptive pooling (``adaptive_pool_window``). Windows may overlap."""
    return [adaptive_pool_window(size, out, i) for i in range(out)]


def max_unpool_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Default MaxUnpool output length: ``(L - 1)*s - 2p + k``."""
    return (size - 1) * stride - 2 * padding + kernel


def unreached_input(
    size: int, kernel: int, stride: int, padding: Pair | int = 0, dilation: int = 1
) -> int:
    """How many trailing cells of the padded input no window reaches (the floor's remainder)."""
    lo, hi = _pad_pair(padding)
    return (size + lo + hi - dilation * (kernel - 1) - 1) % stride


# ----------------------------------------------------------------------------------------------
# The worked formula, for errors and the explainer
# ----------------------------------------------------------------------------------------------


def conv_output_formula(
    size: int, kernel: int, stride: int = 1, padding: Pair | int = 0, dilation: int = 1
) -> str:
    """``conv_output_size`` written out with the numbers, e.g.
    ``floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1``."""
    lo, hi = _pad_pair(padding)
    pad = f"2*{lo}" if lo == hi else f"{lo} + {hi}"
    value = conv_output_size(size, kernel, stride, (lo, hi), dilation)
    return f"floor(({size} + {pad} - {dilation}*({kernel}-1) - 1)/{stride}) + 1 = {value}"


def pool_output_formula(
    size: int,
    kernel: int,
    stride: int,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> str:
    """``pool_output_size`` written out with the numbers."""
    value = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    rounding = "ceil" if ceil_mode else "floor"
    text = f"{rounding}(({size} + 2*{padding} - {dilation}*({kernel}-1) - 1)/{stride}) + 1"
    if ceil_mode and ceil_mode_dropped_window(size, kernel, stride, padding, dilation):
        text += " - 1 (the last window would start in the padding)"
    return f"{text} = {value}"


def conv_transpose_output_formula(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_padding: int = 0,
) -> str:
    value = conv_transpose_output_size(size, kernel, stride, padding, dilation, output_padding)
    return (
        f"({size} - 1)*{stride} - 2*{padding} + {dilation}*({kernel}-1) + {output_padding} + 1"
        f" = {value}"
    )


def adaptive_pool_formula(size: int, out: int, show: int = 6) -> str:
    """``adaptive_pool_bins`` written out, e.g. ``window i = [floor(i*10/3), ceil((i+1)*10/3))
    for i = 0..2: [0, 4) [3, 7) [6, 10)``; past ``show`` windows the middle ones are elided."""
    shown = range(out) if out <= show else [*range(show // 2), *range(out - show // 2, out)]
    bins = [f"[{a}, {b})" for a, b in (adaptive_pool_window(size, out, i) for i in shown)]
    if out > show:
        bins.insert(show // 2, "...")
    return (
        f"window i = [floor(i*{size}/{out}), ceil((i+1)*{size}/{out})) for i = 0..{out - 1}: "
        + " ".join(bins)
    )


def same_padding_formula(kernel: int, dilation: int = 1) -> str:
    """``same_padding`` written out: total ``d*(k-1)``, then (before, after), e.g.
    ``1*(4-1) = 3 -> (1, 2)``."""
    before, after = same_padding(kernel, dilation)
    return f"{dilation}*({kernel}-1) = {before + after} -> ({before}, {after})"


def receptive_field(
    field: int, jump: int, kernel: int, stride: int = 1, dilation: int = 1
) -> tuple[int, int]:
    """One sliding-window layer's effect on the receptive field and the jump (the input distance
    between neighbouring outputs): ``r_out = r_in + (k-1)*d*j_in``, ``j_out = j_in*s``.

    Start from ``r = 1, j = 1`` at the input. Padding moves the windows, not their size.
    """
    return field + (kernel - 1) * dilation * jump, jump * stride


_DIM_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def dim_names(n: int) -> tuple[str, ...]:
    """Names of the spatial dimensions: L; H, W; D, H, W."""
    return _DIM_NAMES.get(n, tuple(f"dim{i}" for i in range(n)))


# ----------------------------------------------------------------------------------------------
# Checked output shapes: compute every spatial output size, raise the explanatory error
# ----------------------------------------------------------------------------------------------


def _padding_fix(size: int, kernel: int, dilation: int, lo: int, hi: int) -> int:
    """The smallest symmetric padding that gives at least one output."""
    need = dilation * (kernel - 1) + 1 - size
    return max(lo, hi, -(-need // 2))


def conv_output_shape(
    op: str,
    spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[Pair],
    dilation: Sequence[int],
) -> tuple[int, ...]:
    """Spatial output shape of a convolution; RuntimeError with the worked formula if empty."""
    out = tuple(
        conv_output_size(L, k, s, p, d)
        for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
    )
    if all(o > 0 for o in out):
        return out
    names = dim_names(len(spatial))
    padded = tuple(L + lo + hi for L, (lo, hi) in zip(spatial, padding, strict=True))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    lines = []
    fixes = []
    for name, L, k, s, p, d, o in zip(
        names, spatial, kernel, stride, padding, dilation, out, strict=True
    ):
        lines.append(f"  {name}: {conv_output_formula(L, k, s, p, d)}")
        if o <= 0:
            fixes.append(
                f"{name}: padding >= {_padding_fix(L, k, d, *p)} or a kernel of at most "
                f"{(L + p[0] + p[1] - 1) // d + 1}"
                if d > 1
                else f"{name}: padding >= {_padding_fix(L, k, d, *p)} or a kernel of at most "
                f"{L + p[0] + p[1]}"
            )
    raise RuntimeError(
        f"{op}: the (dilated) kernel is larger than the padded input: padded input size per "
        f"channel {_x(padded)}, kernel size {_x(effective)} (dilation included), so the output "
        f"would be empty:\n" + "\n".join(lines) + "\nTo fix it, use " + "; ".join(fixes) + "."
    )


def pool_output_shape(
    op: str,
    spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    ceil_mode: bool,
) -> tuple[int, ...]:
    """Spatial output shape of a pooling window; checks padding <= kernel/2 and a non-empty output.

    torch's rule is ``padding <= kernel_size // 2`` on the kernel size itself: dilation does not
    enlarge the allowance (max_pool1d(k=3, p=2, dilation=2) is refused).
    """
    for k, p in zip(kernel, padding, strict=True):
        if p > k // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of kernel size, but got padding="
                f"{tuple(padding)} and kernel_size={tuple(kernel)} (each padding must be <= "
                f"kernel_size // 2)"
            )
    out = tuple(
        pool_output_size(L, k, s, p, d, ceil_mode)
        for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
    )
    if all(o > 0 for o in out):
        return out
    names = dim_names(len(spatial))
    lines = [
        f"  {name}: {pool_output_formula(L, k, s, p, d, ceil_mode)}"
        for name, L, k, s, p, d in zip(
            names, spatial, kernel, stride, padding, dilation, strict=True
        )
    ]
    raise RuntimeError(
        f"{op}: given input size {_x(spatial)}, calculated output size {_x(out)}: output size is "
        f"too small:\n"
        + "\n".join(lines)
        + "\nTo fix it, use a smaller kernel_size or dilation, or pad the input."
    )


def conv_transpose_output_shape(
    op: str,
    spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    output_padding: Sequence[int],
    output_size: Sequence[int] | None = None,
    input_ndim: int | None = None,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Output shape and output_padding of a transposed convolution.

    ``output_padding`` must be smaller than ``max(stride, dilation)``. ``output_size``, if given,
    picks output_padding in ``[0, stride - 1]``: torch's ``_output_padding`` accepts sizes from the
    minimum to ``minimum + stride - 1`` (dilation does not widen that range). ``output_size`` has
    the n spatial sizes, or as many entries as the input has dimensions (``input_ndim``).
    """
    n = len(spatial)
    if output_size is not None:
        output_size = tuple(int(v) for v in output_size)
        full = (input_ndim,) if input_ndim is not None else (n + 1, n + 2)
        if len(output_size) in full:
            output_size = output_size[-n:]
        if len(output_size) != n:
            rank = f"for {input_ndim}D input, " if input_ndim is not None else ""
            raise ValueError(
                f"ConvTranspose{n}D: {rank}output_size must have {n} or "
                f"{' or '.join(str(f) for f in full)} elements (got {len(output_size)})"
            )
        base = tuple(
            conv_transpose_output_size(L, k, s, p, d, 0)
            for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
        )
        highest = [lo + s - 1 for lo, s in zip(base, stride, strict=True)]
        if any(
            not lo <= want <= hi for want, lo, hi in zip(output_size, base, highest, strict=True)
        ):
            raise ValueError(
                f"{op}: requested an output size of {list(output_size)}, but valid sizes range "
                f"from {list(base)} to {highest} (for an input of {list(spatial)}; "
                f"output_padding can add at most stride - 1)"
            )
        output_padding = tuple(want - lo for want, lo in zip(output_size, base, strict=True))
    check_output_padding(op, output_padding, stride, dilation)
    out = tuple(
        conv_transpose_output_size(L, k, s, p, d, o)
        for L, k, s, p, d, o in zip(
            spatial, kernel, stride, padding, dilation, output_padding, strict=True
        )
    )
    if any(o <= 0 for o in out):
        names = dim_names(n)
        lines = [
            f"  {name}: {conv_transpose_output_formula(L, k, s, p, d, o)}"
            for name, L, k, s, p, d, o in zip(
                names, spatial, kernel, stride, padding, dilation, output_padding, strict=True
            )
        ]
        raise RuntimeError(
            f"{op}: given input size {_x(spatial)}, calculated output size {_x(out)}: output size "
            f"is too small:\n" + "\n".join(lines) + "\nTo fix it, use a smaller padding."
        )
    return out, tuple(output_padding)


def check_output_padding(
    op: str, output_padding: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> None:
    """A transposed convolution's ``0 <= output_padding < max(stride, dilation)``."""
    for o, s, d in zip(output_padding, stride, dilation, strict=True):
        if o < 0 or o >= max(s, d):
            raise RuntimeError(
                f"{op}: output padding must be smaller than either stride or dilation, but got "
                f"output_padding={tuple(output_padding)}, stride={tuple(stride)}, "
                f"dilation={tuple(dilation)}"
            )


def _x(values: Sequence[int]) -> str:
    return "(" + " x ".join(str(v) for v in values) + ")"


def avg_pool_divisors(
    size: int, kernel: int, stride: int, padding: int, out: int, count_include_pad: bool
) -> list[int]:
    """AvgPool divisor of each window along one dimension.

    Window i: ``start = i*s - p``, ``end = min(start + k, L + p)``; ``pool = end - start``
    (explicit pads count, the ceil-mode overhang beyond ``L + p`` does not). The window reads
    ``[max(start, 0), min(end, L))``; count_include_pad divides by ``pool``, otherwise by the
    length of that clipped range. The divisor of an n-d window is the product over dimensions.
    """
    divisors = []
    for i in range(out):
        start = window_start(i, stride, padding)
        end = min(start + kernel, size + padding)
        divisors.append(end - start if count_include_pad else min(end, size) - max(start, 0))
    return divisors


def simple_output_formula(size: int, kernel: int, stride: int = 1, padding: int = 0) -> str:
    """The study note's form of ``conv_output_size`` (and of floor-mode pooling) for dilation 1
    and the same padding on both sides, ``(N - F + 2P)/S + 1``, written out with the numbers:
    ``(227 - 11 + 2*0)/4 + 1 = 55``; ``floor(...)`` when S does not divide ``N - F + 2P``. With
    d = 1, ``d*(F-1) + 1 = F``, so this is ``conv_output_size``."""
    value = conv_output_size(size, kernel, stride, padding, 1)
    ratio = f"({size} - {kernel} + 2*{padding})/{stride}"
    if (size - kernel + 2 * padding) % stride:
        ratio = f"floor({ratio})"
    return f"{ratio} + 1 = {value}"
