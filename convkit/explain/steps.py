"""The arithmetic of one sliding window, step by step (pure: no drawing, no files).

The seed note defines convolution as "slide the filter over the image by the stride, multiply what
overlaps and add it all up". ``convolution_steps(...)`` makes that literal for any input size,
kernel, stride, padding (every padding mode), dilation, pooling window (with ceil mode) and
transposed convolution: it returns a ``Plan`` whose ``steps`` list, for every output position in
row-major order, the cells read (kernel offset, grid cell, value, weight) and the output value,
computed by the plain "multiply what overlaps and add it up" sum. The tests check those sums
against convkit's real ops. Every size comes from ``convkit.shapes``; padding cells get their
values from ``convkit.nn.functional.pad``, so reflect/replicate/circular show exactly what the real
layer reads. A transposed convolution has one step per *input* cell: that cell's value times the
kernel, scattered into the uncropped output.

The words around the numbers (``plan_title``, ``step_caption``, ``plan_notes``,
``plan_formulas``) exist in every language of ``i18n``. ``frames.py`` draws a plan and
``player.py`` plays it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .. import shapes
from .i18n import ExplainError, Text, translator

__all__ = [
    "Tap",
    "Step",
    "Plan",
    "AnimateError",
    "convolution_steps",
    "default_input",
    "default_kernel",
    "fmt_value",
    "plan_title",
    "plan_formulas",
    "plan_notes",
    "step_caption",
    "PADDING_MODES",
    "MAX_GRID",
    "MAX_STEPS",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
# A picture a learner can read: beyond this the cells are too many to follow one by one (the
# shape explainer handles large sizes without drawing them).
MAX_GRID = 24
MAX_STEPS = 196


class AnimateError(ExplainError):
    """Arguments the animation refuses (words in every language; see ``i18n``)."""


@dataclass(frozen=True)
class Tap:
    """One kernel offset at one step.

    ``cell`` is a (row, col) of the drawn left grid (the padded input) for convolution and pooling,
    or of the uncropped output for a transposed convolution. ``kind``: 'input', 'pad' (a padding
    cell: its ``value`` is what the real op reads there, ``source`` the input cell it copies, None
    for a constant), 'overhang' (ceil-mode pooling: outside the padded input, not read, value None)
    or, transposed only, 'cropped' (a contribution that lands in the border that ``padding`` cuts
    off) and 'output'.
    """

    kernel: tuple[int, int]
    cell: tuple[int, int]
    kind: str
    value: float | None
    weight: float | None = None
    source: tuple[int, int] | None = None

    def read(self) -> float:
        """The value the op reads here (an 'overhang' cell is never read)."""
        assert self.value is not None, "an overhang cell is not read"
        return self.value

    def factor(self) -> float:
        """The kernel weight that multiplies this cell (convolutions only)."""
        assert self.weight is not None, "pooling has no weights"
        return self.weight

    @property
    def product(self) -> float | None:
        if self.value is None or self.weight is None:
            return None
        return self.value * self.weight


@dataclass(frozen=True)
class Step:
    """One frame: ``position`` is the output index (the input index for a transposed conv)."""

    index: int
    position: tuple[int, int]
    taps: tuple[Tap, ...]
    value: float
    text: str


@dataclass
class Plan:
    """Everything needed to draw one animation; all arrays are 2-D (a 1-D case is one row)."""

    kind: str  # 'conv', 'transposed', 'max' or 'avg'
    ndim: int  # spatial dimensions as given (1 or 2)
    input: np.ndarray  # (H, W) the input values
    kernel: np.ndarray | None  # (kh, kw) the weights (None for pooling)
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    output_padding: tuple[int, int]
    padding_mode: str
    ceil_mode: bool
    out_shape: tuple[int, int]
    output: np.ndarray  # (OH, OW) the values the steps add up to
    grid: np.ndarray  # values of the left grid (padded input; the input if transposed)
    grid_kind: np.ndarray  # 'input', 'pad' or 'overhang' per left-grid cell
    origin: tuple[int, int]  # where input cell (0, 0) sits in the left grid
    target_shape: tuple[int, int]  # right grid: the output, or the uncropped output if transposed
    target_origin: tuple[int, int]  # where output cell (0, 0) sits in the right grid
    steps: list[Step]
    formulas: list[str]
    notes: list[Text] = field(default_factory=list)
    unread: np.ndarray | None = None  # (H, W) True where no window reads the input cell

    @property
    def name(self) -> str:
        n = self.ndim
        return {
            "conv": f"Conv{n}d",
            "transposed": f"ConvTranspose{n}d",
            "max": f"MaxPool{n}d",
            "avg": f"AvgPool{n}d",
        }[self.kind]

    @property
    def title(self) -> str:
        return plan_title(self)


def plan_title(plan: Plan, lang: str = "en") -> str:
    """``Conv2d: input 5x5, kernel 3x3, stride 2, padding 1, dilation 1 -> output 3x3``."""
    t = translator(lang)
    n = plan.ndim

    def given(values) -> tuple:
        """The dimensions the plan was given (a 1-D plan is stored as one row)."""
        return tuple(values)[2 - n :]

    parts = [
        t(
            "anim_title_head",
            name=plan.name,
            size="x".join(str(v) for v in given(plan.input.shape)),
            kernel="x".join(str(v) for v in given(plan.kernel_size)),
        ),
        f"stride {_short(given(plan.stride))}",
    ]
    pads = given(plan.padding)
    if all(a == b for a, b in pads):
        parts.append(f"padding {_short(tuple(a for a, _ in pads))}")
    else:
        parts.append(t("anim_title_pairs", pads=pads if n > 1 else pads[0]))
    if plan.kind != "avg":
        parts.append(f"dilation {_short(given(plan.dilation))}")
    if plan.kind == "transposed":
        parts.append(f"output_padding {_short(given(plan.output_padding))}")
    if plan.padding_mode != "zeros":
        parts.append(f"padding_mode '{plan.padding_mode}'")
    if plan.ceil_mode:
        parts.append("ceil_mode")
    out = "x".join(str(v) for v in given(plan.out_shape))
    return ", ".join(parts) + " -> " + t("anim_title_out", out=out)


# shapes' pooling formula says this in English; the captions say it in the caption's language.
_DROPPED = " - 1 (the last window would start in the padding)"


def plan_formulas(plan: Plan, lang: str = "en") -> list[str]:
    """The output-size formula per dimension, worked out (from ``convkit.shapes``)."""
    if lang == "en":
        return list(plan.formulas)
    dropped = " - 1 " + translator(lang)("anim_dropped_window")
    return [f.replace(_DROPPED, dropped) for f in plan.formulas]


def plan_notes(plan: Plan, lang: str = "en") -> list[str]:
    """What a learner might miss in this plan (padding values, unread cells, ...)."""
    return [note.render(lang) for note in plan.notes]


def _span(first: int, count: int, step: int) -> tuple[int, int]:
    return first, first + step * (count - 1)


def step_caption(plan: Plan, index: int, show_values: bool = True, lang: str = "en") -> str:
    """``step 5/9: out[1,1] = 1×(-1) + 2×0 + ... = -3``. Without ``show_values`` the caption
    names what is summed, maxed or scattered but writes no value that the picture hides."""
    t = translator(lang)
    step = plan.steps[index]
    i, j = step.position
    one_d = plan.ndim == 1
    if plan.kind == "transposed":
        (kh, kw), (sh, sw), (dh, dw) = plan.kernel_size, plan.stride, plan.dilation
        rows, cols = _span(i * sh, kh, dh), _span(j * sw, kw, dw)
        where = (
            t("anim_cols", a=cols[0], b=cols[1])
            if one_d
            else t("anim_rows_cols", r0=rows[0], r1=rows[1], c0=cols[0], c1=cols[1])
        )
        label = f"in[{j}]" if one_d else f"in[{i},{j}]"
        if show_values:
            text = t("anim_scatter_value", label=label, value=fmt_value(step.value), where=where)
        else:
            text = t("anim_scatter", label=label, where=where)
    elif show_values:
        text = step.text
    else:
        label = f"out[{j}]" if one_d else f"out[{i},{j}]"
        count = sum(tap.kind != "overhang" for tap in step.taps)
        key = {"conv": "anim_sum", "max": "anim_max", "avg": "anim_mean"}[plan.kind]
        text = t(key, label=label, count=count)
    return t("anim_step", i=index + 1, n=len(plan.steps), text=text)


def _short(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "x".join(str(v) for v in values)


def fmt_value(v: float | None) -> str:
    """A value as a learner writes it: 3, -1, 2.5, 0.333, -inf."""
    if v is None:
        return ""
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _paren(v: float) -> str:
    text = fmt_value(v)
    return f"({text})" if v < 0 else text


def default_input(shape: tuple[int, int]) -> np.ndarray:
    """1, 2, ..., 9, 1, 2, ... in row-major order: small numbers a learner can add in their head,
    and never 0, so a 0 in a window is always a padding cell."""
    h, w = shape
    return (np.arange(h * w) % 9 + 1).reshape(h, w).astype(np.float64)  # (H, W)


def default_kernel(shape: tuple[int, int]) -> np.ndarray:
    """-1, 0, 1 repeating in row-major order (3x3: a vertical-edge detector)."""
    h, w = shape
    return (np.arange(h * w) % 3 - 1).reshape(h, w).astype(np.float64)  # (kh, kw)


def _as_2d(value, n: int, fill: int) -> tuple[int, int]:
    return (fill,) * (2 - n) + tuple(value)


def _checked_values(values, shape: tuple[int, ...], name: Text) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != tuple(shape):
        raise AnimateError("anim_values_shape", name=name, want=tuple(shape), got=arr.shape)
    return arr


def convolution_steps(
    input_size: Sequence[int] | int,
    kernel_size=3,
    stride=None,
    padding=0,
    dilation=1,
    *,
    padding_mode: str = "zeros",
    transposed: bool = False,
    output_padding=0,
    pool: str | None = None,
    ceil_mode: bool = False,
    input_values=None,
    kernel_values=None,
    seed: int | None = None,
) -> Plan:
    """The steps of one convolution, pooling or transposed convolution (one channel, no bias).

    ``input_size``: ``(H, W)``, ``(L,)`` or an int (1-D). ``kernel_size``, ``stride``,
    ``dilation``, ``output_padding``: an int or one per dimension; ``stride`` None means torch's
    default: ``kernel_size`` for pooling, 1 otherwise. ``padding``: an int, one per
    dimension, or (convolution only) 'same' / 'valid'. ``pool``: None, 'max' or 'avg'.
    ``input_values`` / ``kernel_values``: arrays of the given shapes; default a 1..9 pattern and a
    -1/0/1 kernel, or random small integers (input 0..9, kernel -2..2) with ``seed``.

    Raises ``AnimateError`` (a ValueError) for arguments the animation refuses, and torch's
    RuntimeError (from ``convkit.shapes``) for arguments the real layer refuses, with the
    output-size formula worked out when the output would be empty.
    """
    size: tuple[int, ...] = (int(input_size),) if isinstance(input_size, int) else tuple(input_size)
    n = len(size)
    if n not in (1, 2) or not all(shapes._is_int(v) for v in size):
        raise AnimateError("anim_bad_size", value=repr(input_size))
    if any(v <= 0 for v in size):
        raise AnimateError("anim_size_positive", value="x".join(str(v) for v in size))
    if pool not in (None, "max", "avg"):
        raise AnimateError("anim_bad_pool", value=repr(pool))
    if pool and transposed:
        raise AnimateError("anim_pool_and_transposed")
    if ceil_mode and not pool:
        raise AnimateError("anim_ceil_without_pool")
    if padding_mode not in PADDING_MODES:
        raise AnimateError("anim_bad_padding_mode", modes=list(PADDING_MODES), value=padding_mode)
    if padding_mode != "zeros" and (pool or transposed):
        raise AnimateError(
            "anim_padding_mode_conv_only",
            mode=padding_mode,
            fill="-inf" if pool == "max" else "zeros",
        )
    kernel = shapes.ntuple(kernel_size, n, "kernel_size")
    # torch's default: a pooling window moves by its own size, a convolution by 1.
    stride_n = shapes.ntuple((kernel if pool else 1) if stride is None else stride, n, "stride")
    dil = shapes.ntuple(dilation, n, "dilation")
    outpad = shapes.ntuple(output_padding, n, "output_padding")
    shapes.check_positive(kernel, "kernel_size")
    shapes.check_positive(stride_n, "stride")
    shapes.check_positive(dil, "dilation")
    if pool == "avg" and any(d != 1 for d in dil):
        raise AnimateError("anim_avg_dilation", value=dil)
    if not transposed and any(o != 0 for o in outpad):
        raise AnimateError("anim_output_padding_transposed_only")

    name = (
        f"ConvTranspose{n}d"
        if transposed
        else f"MaxPool{n}d"
        if pool == "max"
        else f"AvgPool{n}d"
        if pool == "avg"
        else f"Conv{n}d"
    )
    names = shapes.dim_names(n)
    if pool or transposed:
        if isinstance(padding, str):
            raise AnimateError("anim_padding_string", value=padding)
        pad_n = shapes.ntuple(padding, n, "padding")
        shapes.check_non_negative(pad_n, "padding")
        pairs = tuple((p, p) for p in pad_n)
    else:
        pairs = shapes.conv_padding(padding, kernel, stride_n, dil, warn=False)
    if pool:
        out = shapes.pool_output_shape(name, size, kernel, stride_n, pad_n, dil, ceil_mode)
        formulas = [
            f"{d}: {shapes.pool_output_formula(L, k, s, p, dd, ceil_mode)}"
            for d, L, k, s, p, dd in zip(names, size, kernel, stride_n, pad_n, dil, strict=True)
        ]
    elif transposed:
        out, outpad = shapes.conv_transpose_output_shape(
            name, size, kernel, stride_n, pad_n, dil, outpad
        )
        formulas = [
            f"{d}: {shapes.conv_transpose_output_formula(L, k, s, p, dd, o)}"
            for d, L, k, s, p, dd, o in zip(
                names, size, kernel, stride_n, pad_n, dil, outpad, strict=True
            )
        ]
    else:
        out = shapes.conv_output_shape(name, size, kernel, stride_n, pairs, dil)
        formulas = [
            f"{d}: {shapes.conv_output_formula(L, k, s, p, dd)}"
            for d, L, k, s, p, dd in zip(names, size, kernel, stride_n, pairs, dil, strict=True)
        ]

    steps = math.prod(size if transposed else out)
    side = max(max(L + a + b for L, (a, b) in zip(size, pairs, strict=True)), max(out))
    if steps > MAX_STEPS or side > MAX_GRID:
        raise AnimateError(
            "anim_too_big", steps=steps, side=side, max_steps=MAX_STEPS, max_grid=MAX_GRID
        )

    size2, kernel2 = _as_2d(size, n, 1), _as_2d(kernel, n, 1)
    stride2, dil2 = _as_2d(stride_n, n, 1), _as_2d(dil, n, 1)
    pairs2 = ((0, 0),) * (2 - n) + tuple(pairs)
    outpad2, out2 = _as_2d(outpad, n, 0), _as_2d(out, n, 1)

    rng = np.random.default_rng(seed) if seed is not None else None
    if input_values is not None:
        x = _checked_values(input_values, size, Text("anim_input_values")).reshape(size2)
    elif rng is not None:
        x = rng.integers(0, 10, size2).astype(np.float64)
    else:
        x = default_input(size2)
    w = None
    if not pool:
        if kernel_values is not None:
            w = _checked_values(kernel_values, kernel, Text("anim_kernel_values")).reshape(kernel2)
        elif rng is not None:
            w = rng.integers(-2, 3, kernel2).astype(np.float64)
        else:
            w = default_kernel(kernel2)

    common = dict(
        ndim=n,
        input=x,
        kernel=w,
        kernel_size=kernel2,
        stride=stride2,
        padding=pairs2,
        dilation=dil2,
        output_padding=outpad2,
        padding_mode=padding_mode,
        ceil_mode=bool(ceil_mode),
        out_shape=out2,
        formulas=formulas,
    )
    if transposed:
        plan = _transposed_plan(common)
    else:
        plan = _gather_plan(common, pool, size, kernel, stride_n, pad_n if pool else None)
    return plan


def _padded(x: np.ndarray, pairs, mode: str, value: float = 0.0) -> np.ndarray:
    """The grid the real op reads, from convkit's own F.pad (so every mode is the real one)."""
    from ..nn import functional as F
    from ..tensor import Tensor

    flat = [v for pair in reversed(pairs) for v in pair]  # F.pad: last dimension first
    t = Tensor._wrap(x[None, None])  # (1, 1, H, W)
    if mode == "zeros":
        return F.pad(t, flat, "constant", value)._array[0, 0]
    return F.pad(t, flat, mode)._array[0, 0]


def _gather_plan(common: dict, pool, size, kernel, stride, pad_n) -> Plan:
    x, w = common["input"], common["kernel"]
    (kh, kw), (sh, sw) = common["kernel_size"], common["stride"]
    (dh, dw), pairs = common["dilation"], common["padding"]
    oh, ow = common["out_shape"]
    h, wd = x.shape
    fill = -np.inf if pool == "max" else 0.0
    padded = _padded(x, pairs, common["padding_mode"], fill)
    # The source of each padding cell: pad the cell numbers the same way (-1 = a constant).
    sources = _padded(
        np.arange(h * wd, dtype=np.float64).reshape(h, wd), pairs, common["padding_mode"], -1.0
    )
    ph, pw = padded.shape
    # ceil mode: the last window may hang over the padded input; extend the grid to show it.
    gh = max(ph, shapes.window_span(oh, kh, sh, dh))
    gw = max(pw, shapes.window_span(ow, kw, sw, dw))
    grid = np.full((gh, gw), np.nan)
    grid[:ph, :pw] = padded
    kind = np.full((gh, gw), "overhang", dtype=object)
    kind[:ph, :pw] = "pad"
    top, left = pairs[0][0], pairs[1][0]
    kind[top : top + h, left : left + wd] = "input"

    if pool == "avg":
        # count_include_pad=True (torch's default): the divisor of each window from shapes.
        n = len(size)
        outs = common["out_shape"][2 - n :]
        per_dim = [
            shapes.avg_pool_divisors(L, k, s, p, o, True)
            for L, k, s, p, o in zip(size, kernel, stride, pad_n, outs, strict=True)
        ]
        rows = per_dim[0] if n == 2 else [1]
        divisors = np.outer(rows, per_dim[-1])  # (OH, OW)

    steps: list[Step] = []
    output = np.zeros((oh, ow))  # (OH, OW)
    read = np.zeros((gh, gw), dtype=bool)
    for i in range(oh):
        for j in range(ow):
            taps = []
            for a in range(kh):
                for b in range(kw):
                    r, c = i * sh + a * dh, j * sw + b * dw
                    k = kind[r, c]
                    v = None if k == "overhang" else float(grid[r, c])
                    src = None
                    if k == "pad" and sources[r, c] >= 0:
                        src = divmod(int(sources[r, c]), wd)
                    taps.append(
                        Tap((a, b), (r, c), k, v, None if w is None else float(w[a, b]), src)
                    )
                    read[r, c] |= k == "input"
            value, text = _gather_value(pool, taps, None if pool != "avg" else divisors[i, j])
            pos = (i, j)
            label = f"out[{j}]" if common["ndim"] == 1 else f"out[{i},{j}]"
            steps.append(Step(len(steps), pos, tuple(taps), value, f"{label} = {text}"))
            output[i, j] = value
    unread = ~read[top : top + h, left : left + wd]
    notes = []
    if pool == "max":
        notes.append(Text("anim_note_max_pad"))
    if pool == "avg":
        notes.append(Text("anim_note_avg_divisor"))
    if (kind == "overhang").any():
        notes.append(Text("anim_note_ceil"))
    if common["padding_mode"] != "zeros":
        notes.append(Text("anim_note_padding_mode", mode=common["padding_mode"]))
    if unread.any():
        notes.append(Text("anim_note_unread"))
    return Plan(
        kind=pool or "conv",
        output=output,
        grid=grid,
        grid_kind=kind,
        origin=(top, left),
        target_shape=(oh, ow),
        target_origin=(0, 0),
        steps=steps,
        notes=notes,
        unread=unread,
        **common,
    )


def _gather_value(pool, taps: list[Tap], divisor) -> tuple[float, str]:
    """The step's output value and its arithmetic, summed in row-major kernel order."""
    read = [t for t in taps if t.kind != "overhang"]
    if pool == "max":
        best = max(read, key=Tap.read)  # first maximum in row-major order
        shown = ", ".join(fmt_value(t.value) for t in read)
        return best.read(), f"max({shown}) = {fmt_value(best.value)}"
    if pool == "avg":
        total = 0.0
        for t in read:
            total += t.read()
        value = total / divisor
        shown = " + ".join(fmt_value(t.value) for t in read)
        return (
            value,
            f"({shown}) / {int(divisor)} = {fmt_value(total)}/{int(divisor)} = {fmt_value(value)}",
        )
    total = 0.0
    for t in read:
        total += t.read() * t.factor()
    shown = " + ".join(f"{fmt_value(t.value)}\u00d7{_paren(t.factor())}" for t in read)
    return total, f"{shown} = {fmt_value(total)}"


def _transposed_plan(common: dict) -> Plan:
    x, w = common["input"], common["kernel"]
    (kh, kw), (sh, sw) = common["kernel_size"], common["stride"]
    (dh, dw), pairs = common["dilation"], common["padding"]
    oh, ow = common["out_shape"]
    h, wd = x.shape
    # The uncropped output: the formula with no padding and no output_padding.
    full = (
        shapes.conv_transpose_output_size(h, kh, sh, 0, dh, 0),
        shapes.conv_transpose_output_size(wd, kw, sw, 0, dw, 0),
    )
    top, left = pairs[0][0], pairs[1][0]
    th, tw = max(full[0], top + oh), max(full[1], left + ow)
    acc = np.zeros((th, tw))  # (TH, TW)
    steps: list[Step] = []
    for i in range(h):
        for j in range(wd):
            taps = []
            for a in range(kh):
                for b in range(kw):
                    r, c = i * sh + a * dh, j * sw + b * dw
                    inside = top <= r < top + oh and left <= c < left + ow
                    taps.append(
                        Tap(
                            (a, b),
                            (r, c),
                            "output" if inside else "cropped",
                            float(x[i, j]),
                            float(w[a, b]),
                        )
                    )
                    acc[r, c] += x[i, j] * w[a, b]
            label = f"in[{j}]" if common["ndim"] == 1 else f"in[{i},{j}]"
            rows = f"row {i * sh}" if kh == 1 else f"rows {i * sh}..{i * sh + dh * (kh - 1)}"
            cols = f"col {j * sw}" if kw == 1 else f"cols {j * sw}..{j * sw + dw * (kw - 1)}"
            where = cols if common["ndim"] == 1 else f"{rows}, {cols}"
            value = fmt_value(x[i, j])
            text = (
                f"{label} = {value}: add {value} \u00d7 kernel at {where} of the uncropped output"
            )
            steps.append(Step(len(steps), (i, j), tuple(taps), float(x[i, j]), text))
    output = acc[top : top + oh, left : left + ow]
    notes = [Text("anim_note_scatter")]
    if top or left:
        notes.append(Text("anim_note_cropped"))
    if th > full[0] or tw > full[1]:
        notes.append(Text("anim_note_output_padding"))
    kind = np.full(x.shape, "input", dtype=object)
    return Plan(
        kind="transposed",
        output=output,
        grid=x.copy(),
        grid_kind=kind,
        origin=(0, 0),
        target_shape=(th, tw),
        target_origin=(top, left),
        steps=steps,
        notes=notes,
        unread=np.zeros(x.shape, dtype=bool),
        **common,
    )
