"""``convkit shape``: how each layer turns an input shape into an output shape, worked out.

For every layer: its ``repr``, the output-size formula with the numbers (from ``convkit.shapes``,
never a second copy), the output shape, and notes a learner would miss (input rows no window
reaches, the uneven split of ``padding='same'``, ceil mode's extra or dropped window, the padding
that keeps the size, a Linear that does not match the flattened size, a channel mismatch). The
computed shape is then cross-checked by running the real module on zeros where that is cheap.

``explain_shapes`` returns a JSON-ready dict; ``render_text`` prints it for people.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

from .. import nn, shapes
from .i18n import ExplainError, dim_word, error_text, translator
from .layers import LayerCall, build_layer, parse_layers

# The cross-check runs the module on zeros only below these sizes (elements, multiply-adds).
CHECK_MAX_ELEMENTS = 4_000_000
CHECK_MAX_WORK = 30_000_000

_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
_AVG_POOL = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.LPPool1d, nn.LPPool2d)
_ADAPTIVE = (
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
_BATCH_NORM = {nn.BatchNorm1d: (2, 3), nn.BatchNorm2d: (4,), nn.BatchNorm3d: (5,)}
_ELEMENTWISE = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Identity,
    nn.Dropout,
    nn.Dropout2d,
)


class ShapeInputError(ExplainError):
    """The input shape text is not a list of positive integers."""

    exit_code = 2  # the command line itself is wrong (convkit.commandline)


def parse_shape(value: str | Sequence[int]) -> tuple[int, ...]:
    """``"1x1x227x227"``, ``"1,1,227,227"``, ``"(1, 1, 227, 227)"`` or a sequence of ints."""
    if isinstance(value, str):
        text = value.strip().strip("()[]").strip()
        parts = [p for p in re.split(r"\s*[xX×,*]\s*|\s+", text) if p != ""]
        if not parts or not all(p.isdigit() for p in parts):
            raise ShapeInputError("input_shape_bad", value=value)
        dims = tuple(int(p) for p in parts)
    else:
        dims = tuple(value)
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise ShapeInputError("input_shape_ints", value=repr(value))
    if not 1 <= len(dims) <= 6 or any(d <= 0 for d in dims):
        raise ShapeInputError("input_shape_count", value=repr(value))
    return dims


def fmt_shape(shape: Sequence[int]) -> str:
    return " x ".join(str(v) for v in shape)


class _Problem(Exception):
    """The layer cannot run on this input; the message says why (in the chosen language)."""


@dataclass
class _Context:
    lang: str
    module: Any
    call: LayerCall | None
    source: str  # "the input" or "the previous layer (...)"
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    simple: list[str] = field(default_factory=list)  # the note's (N - F + 2P)/S + 1, per dim
    formula: str | None = None  # the formula in letters, each letter named
    work_per_output: int = 1  # multiply-adds per output element, for the cross-check
    unbatched: bool | None = None
    previous: Any = None  # the module before this one

    def t(self, key: str, **values) -> str:
        return translator(self.lang)(key, **values)

    @property
    def name(self) -> str:
        return type(self.module).__name__


def _split(cx: _Context, x: tuple[int, ...], n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(leading dims, spatial dims) of a (C, *spatial) or (N, C, *spatial) input."""
    if len(x) not in (n + 1, n + 2):
        dims = ", ".join(shapes.dim_names(n))
        want = f"{n + 1}-D (C, {dims})" + cx.t("or") + f"{n + 2}-D (N, C, {dims})"
        message = cx.t("bad_ndim", layer=cx.name, want=want, got=len(x), shape=fmt_shape(x))
        if len(x) == n:  # 28x28 for a 2-D layer: the channel dimension is missing
            channels = getattr(cx.module, "in_channels", 1)
            guess = "x".join(str(v) for v in (channels, *x))
            message += cx.t("did_you_mean", guess=guess)
        raise _Problem(message)
    cx.unbatched = len(x) == n + 1
    return x[:-n], x[-n:]


def _check_channels(cx: _Context, x: tuple[int, ...], n: int, want: int) -> None:
    axis = len(x) - n - 1
    if x[axis] != want:
        raise _Problem(
            cx.t(
                "channel_mismatch",
                layer=cx.name,
                want=want,
                got=x[axis],
                source=cx.source,
                axis=axis,
                shape=fmt_shape(x),
            )
        )


def _unreached_note(
    cx: _Context, dim: str, size: int, kernel: int, stride: int, after: int, padding, dilation: int
) -> None:
    """Input cells past the last window (the floor's remainder, minus what is only padding)."""
    real = shapes.unreached_input(size, kernel, stride, padding, dilation) - after
    if real <= 0:
        return
    if real == 1:
        cx.notes.append(
            cx.t(
                "unreached_one",
                dim=dim,
                first=size - 1,
                word_one=dim_word(cx.lang, dim, one=True),
                word=dim_word(cx.lang, dim),
            )
        )
    else:
        cx.notes.append(
            cx.t(
                "unreached_many",
                dim=dim,
                count=real,
                first=size - real,
                last=size - 1,
                word=dim_word(cx.lang, dim),
            )
        )


def _simple_form(cx: _Context, names, spatial, kernel, stride, pairs, dilation, rounding) -> None:
    """Name the formula's letters, and with dilation 1 and even padding (floor rounding) add the
    study note's form (N - F + 2P)/S + 1 beside the general one."""
    cx.formula = cx.t("formula_window", rounding=rounding)
    simple = rounding == "floor" and all(d == 1 for d in dilation)
    if not (simple and all(lo == hi for lo, hi in pairs)):
        return
    cx.formula += cx.t("formula_simple")
    for name, L, k, s, (p, _) in zip(names, spatial, kernel, stride, pairs, strict=True):
        cx.simple.append(f"{name}: {shapes.simple_output_formula(L, k, s, p)}")


# ----------------------------------------------------------------------------------------------
# One function per kind of layer: fill cx.steps / cx.notes, return the output shape.
# ----------------------------------------------------------------------------------------------


def _conv(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    n = len(m.kernel_size)
    lead, spatial = _split(cx, x, n)
    _check_channels(cx, x, n, m.in_channels)
    pairs = shapes.conv_padding(m.padding, m.kernel_size, m.stride, m.dilation, warn=False)
    names = shapes.dim_names(n)
    for name, L, k, s, p, d in zip(
        names, spatial, m.kernel_size, m.stride, pairs, m.dilation, strict=True
    ):
        cx.steps.append(f"{name}: {shapes.conv_output_formula(L, k, s, p, d)}")
    _simple_form(cx, names, spatial, m.kernel_size, m.stride, pairs, m.dilation, "floor")
    cx.steps.append(cx.t("channels_step", cin=m.in_channels, cout=m.out_channels))
    cx.work_per_output = m.in_channels // m.groups * math.prod(m.kernel_size)
    try:
        out = shapes.conv_output_shape(cx.name, spatial, m.kernel_size, m.stride, pairs, m.dilation)
    except RuntimeError as e:
        if cx.lang == "en":
            raise _Problem(str(e)) from None
        sizes = [
            shapes.conv_output_size(L, k, s, p, d)
            for L, k, s, p, d in zip(
                spatial, m.kernel_size, m.stride, pairs, m.dilation, strict=True
            )
        ]
        lines = [
            cx.t("conv_empty", dim=name, out=o)
            for name, o in zip(names, sizes, strict=True)
            if o <= 0
        ]
        raise _Problem(" ".join(lines + [cx.t("conv_empty_fix")])) from None
    for name, L, k, s, (lo, hi), d in zip(
        names, spatial, m.kernel_size, m.stride, pairs, m.dilation, strict=True
    ):
        _unreached_note(cx, name, L, k, s, hi, (lo, hi), d)
    if m.padding == "same":
        for name, k, d in zip(names, m.kernel_size, m.dilation, strict=True):
            lo, hi = shapes.same_padding(k, d)
            extra = cx.t("same_extra_after") if lo != hi else ""
            cx.notes.append(
                cx.t("same_split", dim=name, formula=shapes.same_padding_formula(k, d), extra=extra)
            )
    elif all(s == 1 for s in m.stride) and tuple(out) != tuple(spatial):
        splits = [shapes.same_padding(k, d) for k, d in zip(m.kernel_size, m.dilation, strict=True)]
        parts = ", ".join(
            f"{name}: {shapes.same_padding_formula(k, d)}"
            for name, k, d in zip(names, m.kernel_size, m.dilation, strict=True)
        )
        if all(lo == hi for lo, hi in splits):
            keep = [lo for lo, _ in splits]
            padding = keep[0] if len(set(keep)) == 1 else tuple(keep)
            cx.notes.append(
                cx.t("keep_size", size=fmt_shape(spatial), parts=parts, padding=padding)
            )
        else:
            cx.notes.append(cx.t("keep_size_odd", size=fmt_shape(spatial), parts=parts))
    return (*lead[:-1], m.out_channels, *out)


def _conv_transpose(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    n = len(m.kernel_size)
    lead, spatial = _split(cx, x, n)
    _check_channels(cx, x, n, m.in_channels)
    names = shapes.dim_names(n)
    padding = shapes.ntuple(m.padding, n, "padding")
    for name, L, k, s, p, d, o in zip(
        names, spatial, m.kernel_size, m.stride, padding, m.dilation, m.output_padding, strict=True
    ):
        cx.steps.append(f"{name}: {shapes.conv_transpose_output_formula(L, k, s, p, d, o)}")
    cx.formula = cx.t("formula_transposed")
    cx.steps.append(cx.t("channels_step", cin=m.in_channels, cout=m.out_channels))
    cx.work_per_output = m.in_channels // m.groups * math.prod(m.kernel_size)
    out, _ = shapes.conv_transpose_output_shape(
        cx.name, spatial, m.kernel_size, m.stride, padding, m.dilation, m.output_padding
    )
    for name, s, o in zip(names, m.stride, m.output_padding, strict=True):
        if o:
            cx.notes.append(cx.t("output_padding", dim=name, op=o, s=s))
    back = tuple(
        shapes.conv_output_size(o, k, s, p, d)
        for o, k, s, p, d in zip(out, m.kernel_size, m.stride, padding, m.dilation, strict=True)
    )
    if back == tuple(spatial):
        cx.notes.append(
            cx.t("transpose_inverse", conv=f"Conv{n}d", out=fmt_shape(out), size=fmt_shape(spatial))
        )
    return (*lead[:-1], m.out_channels, *out)


def _pool(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    n = m._n
    lead, spatial = _split(cx, x, n)
    kernel = shapes.ntuple(m.kernel_size, n, "kernel_size")
    stride = shapes.ntuple(shapes.default_stride(kernel, m.stride), n, "stride")
    padding = shapes.ntuple(getattr(m, "padding", 0), n, "padding")
    dilation = shapes.ntuple(getattr(m, "dilation", 1), n, "dilation")
    ceil_mode = bool(m.ceil_mode)
    names = shapes.dim_names(n)
    for name, L, k, s, p, d in zip(names, spatial, kernel, stride, padding, dilation, strict=True):
        cx.steps.append(f"{name}: {shapes.pool_output_formula(L, k, s, p, d, ceil_mode)}")
    pairs = [(p, p) for p in padding]
    _simple_form(
        cx, names, spatial, kernel, stride, pairs, dilation, "ceil" if ceil_mode else "floor"
    )
    cx.work_per_output = math.prod(kernel)
    try:
        out = shapes.pool_output_shape(
            cx.name, spatial, kernel, stride, padding, dilation, ceil_mode
        )
    except RuntimeError as e:
        if cx.lang == "en":
            raise _Problem(str(e)) from None
        if any(p > k // 2 for k, p in zip(kernel, padding, strict=True)):
            raise _Problem(cx.t("pool_pad", kernel=kernel, padding=padding)) from None
        sizes = [
            shapes.pool_output_size(L, k, s, p, d, ceil_mode)
            for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
        ]
        raise _Problem(
            " ".join(
                f"{name}: " + cx.t("too_small", out=o)
                for name, o in zip(names, sizes, strict=True)
                if o <= 0
            )
        ) from None
    call = cx.call
    if call is not None and "stride" not in call.kwargs and len(call.args) < 2:
        kernel_text = kernel[0] if len(set(kernel)) == 1 else kernel
        cx.notes.append(cx.t("pool_default_stride", kernel=kernel_text))
    for name, L, k, s, p, d, o in zip(
        names, spatial, kernel, stride, padding, dilation, out, strict=True
    ):
        if not ceil_mode:
            _unreached_note(cx, name, L, k, s, p, p, d)
            continue
        floor_out = shapes.pool_output_size(L, k, s, p, d, False)
        if o > floor_out:
            cx.notes.append(
                cx.t(
                    "ceil_extra",
                    dim=name,
                    start=shapes.window_start(o - 1, s, p),
                    floor_out=floor_out,
                )
            )
        elif shapes.unreached_input(L, k, s, p, d) and shapes.ceil_mode_dropped_window(
            L, k, s, p, d
        ):
            cx.notes.append(cx.t("ceil_dropped", dim=name, start=shapes.window_start(o, s, p)))
    return (*lead, *out)


def _adaptive_sizes(m, spatial: tuple[int, ...], n: int) -> tuple[int, ...]:
    size = m.output_size
    if isinstance(size, (tuple, list)):
        if n == 1 and len(size) == 1:
            size = size[0]
        else:
            if len(size) != n:
                raise ValueError(
                    f"{type(m).__name__}: output_size must have {n} elements, got {tuple(size)}"
                )
            return tuple(
                L if o is None else shapes.ntuple(o, 1, "output_size")[0]
                for L, o in zip(spatial, size, strict=True)
            )
    return shapes.ntuple(size, n, "output_size")


def _adaptive(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    n = m._n
    lead, spatial = _split(cx, x, n)
    out = _adaptive_sizes(m, spatial, n)
    names = shapes.dim_names(n)
    for name, L, o in zip(names, spatial, out, strict=True):
        if o < 0:
            raise ValueError(f"{cx.name}: output_size must be >= 0, got {out}")
        cx.steps.append(f"{name}: {shapes.adaptive_pool_formula(L, o)}")
    # The largest window (adaptive windows may differ by one cell and overlap).
    cx.work_per_output = math.prod(
        max((b - a for a, b in shapes.adaptive_pool_bins(L, o)), default=0)
        for L, o in zip(spatial, out, strict=True)
    )
    for name, L, o in zip(names, spatial, out, strict=True):
        if o == 0 or o == L:
            continue
        if L % o == 0:
            cx.notes.append(cx.t("adaptive_even", dim=name, size=L, out=o, k=L // o))
            continue
        first = [shapes.adaptive_pool_window(L, o, i) for i in range(min(o, 64))]
        widths = [b - a for a, b in first]
        overlap = any(first[i + 1][0] < first[i][1] for i in range(len(first) - 1))
        cx.notes.append(
            cx.t(
                "adaptive_uneven",
                dim=name,
                size=L,
                out=o,
                smallest=min(widths),
                largest=max(widths),
                overlap=cx.t("adaptive_overlap") if overlap else "",
            )
        )
    return (*lead, *out)


def _flatten(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    ndim = len(x)
    start, end = m.start_dim, m.end_dim
    if not (-ndim <= start < ndim and -ndim <= end < ndim) or start % ndim > end % ndim:
        raise _Problem(
            cx.t("flatten_dims", start=start, end=end, ndim=ndim, top=ndim - 1, shape=fmt_shape(x))
        )
    a, b = start % ndim, end % ndim
    size = math.prod(x[a : b + 1])
    cx.steps.append(
        cx.t("flatten_step", start=a, end=b, parts="*".join(map(str, x[a : b + 1])), size=size)
    )
    if cx.unbatched and a == 1 and ndim >= 3:
        cx.notes.append(cx.t("flatten_unbatched"))
    return (*x[:a], size, *x[b + 1 :])


def _linear_fix(cx: _Context, m, x: tuple[int, ...]) -> str:
    """What to change so that Linear fits, in agreement with the Flatten note before it."""
    out_f = m.out_features
    if cx.unbatched and len(x) >= 2:
        # No batch dimension: Flatten() keeps dim 0 apart (the Flatten note says so); the whole
        # input is what Flatten(0), or the same input with a batch dimension, gives.
        flat = math.prod(x)
        after_flatten = isinstance(cx.previous, nn.Flatten)
        if flat == m.in_features:
            key = "linear_fix_unbatched_flatten" if after_flatten else "linear_fix_flatten0_first"
            return cx.t(key, flat=flat)
        return cx.t("linear_fix_flatten0", flat=flat, out=out_f)
    if len(x) >= 3:
        flat = math.prod(x[1:])
        if flat == m.in_features:
            return cx.t("linear_fix_flatten_first", flat=flat)
        return cx.t("linear_fix_flatten", flat=flat, out=out_f)
    return cx.t("linear_fix", got=x[-1], out=out_f)


def _linear(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    last = x[-1]
    out_f = m.out_features
    if last != m.in_features:
        fix = _linear_fix(cx, m, x)
        raise _Problem(
            cx.t(
                "linear_mismatch",
                layer=repr(m),
                want=m.in_features,
                got=last,
                shape=fmt_shape(x),
                fix=fix,
            )
        )
    cx.steps.append(cx.t("linear_step", cin=last, cout=out_f))
    cx.work_per_output = m.in_features
    if len(x) >= 3:
        flatten = "Flatten(0)" if cx.unbatched else "Flatten()"
        cx.notes.append(cx.t("linear_last_dim", kept=fmt_shape(x[:-1]), flatten=flatten))
    return (*x[:-1], out_f)


def _batch_norm(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    allowed = next(dims for cls, dims in _BATCH_NORM.items() if isinstance(m, cls))
    if len(x) not in allowed:
        want = cx.t("or").join(f"{d}-D" for d in allowed)
        raise _Problem(cx.t("bad_ndim", layer=cx.name, want=want, got=len(x), shape=fmt_shape(x)))
    if x[1] != m.num_features:
        raise _Problem(
            cx.t(
                "bn_mismatch",
                layer=repr(m),
                want=m.num_features,
                got=x[1],
                source=cx.source,
                shape=fmt_shape(x),
            )
        )
    cx.steps.append(cx.t("unchanged_norm", num=m.num_features))
    return x


def _elementwise(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    cx.steps.append(cx.t("unchanged"))
    return x


def _unfold(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    if len(x) not in (3, 4):
        raise _Problem(
            cx.t(
                "bad_ndim",
                layer=cx.name,
                want="3-D (C, H, W)" + cx.t("or") + "4-D (N, C, H, W)",
                got=len(x),
                shape=fmt_shape(x),
            )
        )
    kernel = shapes.ntuple(m.kernel_size, 2, "kernel_size")
    dilation = shapes.ntuple(m.dilation, 2, "dilation")
    padding = shapes.ntuple(m.padding, 2, "padding")
    stride = shapes.ntuple(m.stride, 2, "stride")
    spatial, channels = x[-2:], x[-3]
    blocks = []
    for name, L, k, s, p, d in zip("HW", spatial, kernel, stride, padding, dilation, strict=True):
        cx.steps.append(f"{name}: {shapes.conv_output_formula(L, k, s, p, d)}")
        blocks.append(shapes.conv_output_size(L, k, s, p, d))
    rows = channels * kernel[0] * kernel[1]
    cx.steps.append(cx.t("unfold_rows", c=channels, kh=kernel[0], kw=kernel[1], rows=rows))
    cx.steps.append(
        cx.t("unfold_blocks", parts="*".join(map(str, blocks)), blocks=math.prod(blocks))
    )
    if any(b <= 0 for b in blocks):
        raise _Problem(
            " ".join(
                f"{name}: " + cx.t("too_small", out=b)
                for name, b in zip("HW", blocks, strict=True)
                if b <= 0
            )
        )
    return (*x[:-3], rows, math.prod(blocks))


def _fold(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    if len(x) not in (2, 3):
        raise _Problem(
            cx.t(
                "bad_ndim",
                layer=cx.name,
                want="2-D (C*kh*kw, L)" + cx.t("or") + "3-D (N, C*kh*kw, L)",
                got=len(x),
                shape=fmt_shape(x),
            )
        )
    size = shapes.ntuple(m.output_size, 2, "output_size")
    kernel = shapes.ntuple(m.kernel_size, 2, "kernel_size")
    dilation = shapes.ntuple(m.dilation, 2, "dilation")
    padding = shapes.ntuple(m.padding, 2, "padding")
    stride = shapes.ntuple(m.stride, 2, "stride")
    rows, length = x[-2:]
    k = kernel[0] * kernel[1]
    if rows % k:
        raise _Problem(cx.t("fold_rows", rows=rows, k=k))
    blocks = []
    for name, L, kk, s, p, d in zip("HW", size, kernel, stride, padding, dilation, strict=True):
        cx.steps.append(f"{name}: {shapes.conv_output_formula(L, kk, s, p, d)}")
        blocks.append(shapes.conv_output_size(L, kk, s, p, d))
    cx.steps.append(
        cx.t("unfold_blocks", parts="*".join(map(str, blocks)), blocks=math.prod(blocks))
    )
    if any(b <= 0 for b in blocks) or math.prod(blocks) != length:
        raise _Problem(
            cx.t("fold_blocks", size=fmt_shape(size), blocks=math.prod(blocks), length=length)
        )
    cx.steps.append(cx.t("fold_channels", rows=rows, kh=kernel[0], kw=kernel[1], c=rows // k))
    return (*x[:-2], rows // k, *size)


def _unknown(cx: _Context, m, x: tuple[int, ...]) -> tuple[int, ...]:
    cx.steps.append(cx.t("ran_to_find"))
    return _run(m, x)


_EXPLAINERS = (
    (_CONV_T, _conv_transpose),
    (_CONV, _conv),
    (_MAX_POOL + _AVG_POOL, _pool),
    (_ADAPTIVE, _adaptive),
    ((nn.Flatten,), _flatten),
    ((nn.Linear,), _linear),
    (tuple(_BATCH_NORM), _batch_norm),
    (_ELEMENTWISE, _elementwise),
    ((nn.Unfold,), _unfold),
    ((nn.Fold,), _fold),
)


# ----------------------------------------------------------------------------------------------
# Running the real module on zeros
# ----------------------------------------------------------------------------------------------


def _run(m, x: tuple[int, ...]) -> tuple[int, ...]:
    from ..autograd import no_grad
    from ..tensor import zeros

    was_training = m.training
    m.eval()
    try:
        # A warning the layer gives at forward time (e.g. padding='same' with an even kernel)
        # is already explained in the notes.
        with no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = m(zeros(*x))
    finally:
        m.train(was_training)
    if isinstance(y, tuple):  # return_indices=True
        y = y[0]
    return tuple(y.shape)


def _cross_check(cx: _Context, m, x: tuple[int, ...], out: tuple[int, ...]) -> bool:
    """Run the module on zeros when cheap; False when skipped. A different shape is a bug."""
    inputs, outputs = math.prod(x), math.prod(out)
    if max(inputs, outputs) > CHECK_MAX_ELEMENTS or outputs * cx.work_per_output > CHECK_MAX_WORK:
        return False
    try:
        ran = _run(m, x)
    except (RuntimeError, ValueError, TypeError) as e:
        raise _Problem(cx.t("run_failed", message=e)) from None
    if ran != tuple(out):
        raise AssertionError(
            f"explainer bug: {m!r} on {x} computed {tuple(out)} but the module gave {ran}"
        )
    return True


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def _as_layer(layer) -> tuple[LayerCall | None, Any]:
    if isinstance(layer, nn.Module):
        return None, layer
    return layer, build_layer(layer)


def _layers(layers: Sequence[Any] | str | nn.Module) -> list:
    """Each layer given: a text may hold several (``parse_layers``) and an ``nn.Sequential``
    stands for its children, so ``"nn.Sequential(...)"`` and the module itself explain alike."""
    if isinstance(layers, (str, nn.Module)):
        layers = [layers]
    out: list = []
    for layer in layers:
        if isinstance(layer, nn.Sequential):
            out += _layers(list(layer))
        elif isinstance(layer, (nn.Module, LayerCall)):
            out.append(layer)
        else:
            out += parse_layers(layer)
    return out


def explain_shapes(
    input_shape: str | Sequence[int],
    layers: Sequence[Any] | str | nn.Module,
    lang: str = "en",
    check: bool = True,
) -> ShapeExplanation:
    """Explain how ``layers`` transform ``input_shape`` (``"1x1x28x28"`` or a sequence of ints).

    ``layers``: layer texts such as ``"Conv2d(1, 5, 5)"`` (a text may hold several, separated by
    commas or spaces, or be ``"nn.Sequential(...)"``; ``"conv = nn.Conv2d(...)"`` and a bare
    ``"ReLU"`` work too), convkit.nn modules, or an ``nn.Sequential``.

    Returns a ``ShapeExplanation``: a dict ``{"input": [...], "layers": [{"layer",
    "input_shape", "output_shape", "steps", "simple", "formula", "notes", "checked"[, "error"]}],
    "output_shape": [...] or None, "ok": bool, "lang": ...}`` that prints as the worked text and
    shows as an HTML table in a notebook. A layer that cannot run on its input gets ``"error"``
    (its worked formula is in ``steps`` or in the message), ``output_shape`` None, and stops the
    walk. Every layer text is parsed (and refused, raising ``LayerSyntaxError``) before any
    module is built; a constructor's refusal raises ``LayerBuildError``; a bad shape raises
    ``ShapeInputError``.
    """
    t = translator(lang)
    shape = parse_shape(input_shape)
    built = [_as_layer(layer) for layer in _layers(layers)]
    result = ShapeExplanation(
        {"input": list(shape), "layers": [], "output_shape": None, "ok": True, "lang": lang}
    )
    source = t("the_input")
    unbatched = None
    previous = None
    for call, module in built:
        cx = _Context(lang, module, call, source, unbatched=unbatched, previous=previous)
        entry: dict[str, Any] = {
            "layer": repr(module),
            "input_shape": list(shape),
            "output_shape": None,
            "formula": None,
            "steps": cx.steps,
            "simple": cx.simple,
            "notes": cx.notes,
            "checked": False,
        }
        result["layers"].append(entry)
        explain = next((fn for classes, fn in _EXPLAINERS if isinstance(module, classes)), _unknown)
        try:
            out = tuple(explain(cx, module, shape))
            if check:
                entry["checked"] = _cross_check(cx, module, shape, out)
        except _Problem as e:
            entry["error"] = str(e)
        except (RuntimeError, ValueError, TypeError) as e:
            entry["error"] = error_text(e, lang)
        entry["formula"] = cx.formula
        if "error" in entry:
            result["ok"] = False
            return result
        entry["output_shape"] = list(out)
        shape = out
        unbatched = cx.unbatched
        previous = module
        source = t("the_previous", layer=repr(module))
    result["output_shape"] = list(shape)
    return result


class ShapeExplanation(dict):
    """What ``explain_shapes`` found: a JSON-ready dict that prints as the worked explanation
    (``str``, ``repr``) and shows as an HTML table in Jupyter (``_repr_html_``)."""

    def __str__(self) -> str:
        return render_text(self, self.get("lang", "en"))

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return render_html(self, self.get("lang", "en"))

    def to_dict(self) -> dict:
        return dict(self)


def render_text(result: dict, lang: str = "en") -> str:
    """The explanation as text: per layer its repr, worked formulas, output shape and notes."""
    t = translator(lang)
    lines = [f"{t('input')}: {fmt_shape(result['input'])}"]
    for i, entry in enumerate(result["layers"], start=1):
        lines.append("")
        lines.append(f"[{i}] {entry['layer']}")
        error = entry.get("error")
        if entry.get("formula"):
            lines.append(f"    {t('formula_label')}: {entry['formula']}")
        simple = {line.split(":", 1)[0]: line.split(": ", 1)[1] for line in entry.get("simple", [])}
        for step in entry["steps"]:
            if error is None or step.strip() not in error:
                lines.append(f"    {step}")
            dim = step.split(":", 1)[0]
            if dim in simple and (error is None or step.strip() not in error):
                lines.append(f"    {' ' * len(dim)}  = {simple[dim]}")
        if error is not None:
            text = error.replace("\n", "\n    ")
            lines.append(f"    {t('error')}: {text}")
            continue
        lines.append(f"    {t('output')}: {fmt_shape(entry['output_shape'])}")
        for note in entry["notes"]:
            lines.append(f"    {t('note')}: {note}")
    if result["ok"] and len(result["layers"]) > 1:
        chain = [result["input"]] + [e["output_shape"] for e in result["layers"]]
        lines.append("")
        lines.append(f"{t('shapes')}: " + " -> ".join(fmt_shape(s) for s in chain))
    return "\n".join(lines) + "\n"


def render_html(result: dict, lang: str = "en") -> str:
    """The explanation as one self-contained HTML table (no scripts, no network)."""
    from .html import cell, escape, table

    t = translator(lang)
    rows = []
    for i, entry in enumerate(result["layers"], start=1):
        simple = {line.split(":", 1)[0]: line.split(": ", 1)[1] for line in entry.get("simple", [])}
        work = []
        if entry.get("formula"):
            work.append(f"<div class='ck-muted'>{escape(entry['formula'])}</div>")
        for step in entry["steps"]:
            dim = step.split(":", 1)[0]
            extra = (
                f"<br><span class='ck-muted'>= {escape(simple[dim])}</span>"
                if dim in simple
                else ""
            )
            work.append(f"<div><code>{escape(step)}</code>{extra}</div>")
        notes = "".join(f"<li>{escape(n)}</li>" for n in entry["notes"])
        if "error" in entry:
            work.append(
                f"<div class='ck-error'>{escape(t('error'))}: {escape(entry['error'])}</div>"
            )
        out = entry["output_shape"]
        rows.append(
            [
                cell(str(i)),
                cell(f"<code>{escape(entry['layer'])}</code>", raw=True),
                cell(fmt_shape(entry["input_shape"])),
                cell("".join(work), raw=True),
                cell("-" if out is None else fmt_shape(out), cls="ck-out"),
                cell(f"<ul>{notes}</ul>" if notes else "", raw=True),
            ]
        )
    header = ["#", t("layer"), t("input"), t("steps"), t("output"), t("note")]
    title = f"{t('input')}: {fmt_shape(result['input'])}"
    if result["ok"] and result["output_shape"] is not None:
        title += f" &rarr; {t('output')}: {fmt_shape(result['output_shape'])}"
    return table(header, rows, title=title, title_raw=True)
