"""``convkit animate``: draw a kernel sliding over a grid, one picture per output position.

The seed note defines convolution as "slide the filter over the image by the stride, multiply what
overlaps and add it all up". This module makes that literal for any input size, kernel, stride,
padding (every padding mode), dilation, pooling window (with ceil mode) and transposed convolution.

Two layers:

- ``convolution_steps(...)`` is pure arithmetic: it returns a ``Plan`` whose ``steps`` list, for
  every output position in row-major order, the cells read (kernel offset, grid cell, value,
  weight) and the output value, computed by the plain "multiply what overlaps and add it up" sum.
  The tests check those sums against convkit's real ops. Every size comes from ``convkit.shapes``;
  padding cells get their values from ``convkit.nn.functional.pad``, so reflect/replicate/circular
  show exactly what the real layer reads. A transposed convolution has one step per *input* cell:
  that cell's value times the kernel, scattered into the uncropped output.
- ``render_frames(plan)`` / ``animate_convolution(...)`` draw the plan with Pillow;
  ``save_gif`` and ``save_sheet`` write a looping GIF or all steps on one PNG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .. import shapes

__all__ = [
    "Tap",
    "Step",
    "Plan",
    "convolution_steps",
    "render_frames",
    "iter_frames",
    "animate_convolution",
    "save_gif",
    "save_sheet",
    "Layout",
    "frame_layout",
    "default_input",
    "default_kernel",
    "PADDING_MODES",
    "MAX_GRID",
    "MAX_STEPS",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
# A picture a learner can read: beyond this the cells are too many to follow one by one (the
# shape explainer handles large sizes without drawing them).
MAX_GRID = 24
MAX_STEPS = 196
# Frames wider than this get smaller cells (down to _MIN_CELL pixels).
_MAX_PANELS_WIDTH, _MIN_CELL = 1400, 18


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
    notes: list[str] = field(default_factory=list)
    unread: np.ndarray | None = None  # (H, W) True where no window reads the input cell

    @property
    def title(self) -> str:
        n = self.ndim
        name = {
            "conv": f"Conv{n}d",
            "transposed": f"ConvTranspose{n}d",
            "max": f"MaxPool{n}d",
            "avg": f"AvgPool{n}d",
        }[self.kind]
        dims = slice(2 - n, 2)
        size = "x".join(str(v) for v in self.input.shape[dims])
        parts = [
            f"{name}: input {size}",
            f"kernel {'x'.join(str(v) for v in self.kernel_size[dims])}",
            f"stride {_short(self.stride[dims])}",
        ]
        pads = self.padding[dims]
        if all(a == b for a, b in pads):
            parts.append(f"padding {_short(tuple(a for a, _ in pads))}")
        else:
            parts.append(f"padding {tuple(pads) if n > 1 else pads[0]} (before, after)")
        if self.kind != "avg":
            parts.append(f"dilation {_short(self.dilation[dims])}")
        if self.kind == "transposed":
            parts.append(f"output_padding {_short(self.output_padding[dims])}")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode '{self.padding_mode}'")
        if self.ceil_mode:
            parts.append("ceil_mode")
        return ", ".join(parts) + f" -> output {'x'.join(str(v) for v in self.out_shape[dims])}"


def _short(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "x".join(str(v) for v in values)


def _fmt(v: float | None) -> str:
    """A value as a learner writes it: 3, -1, 2.5, 0.333, -inf."""
    if v is None:
        return ""
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _paren(v: float) -> str:
    text = _fmt(v)
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


def _checked_values(values, shape: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    return arr


def convolution_steps(
    input_size: Sequence[int] | int,
    kernel_size=3,
    stride=1,
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
    ``dilation``, ``output_padding``: an int or one per dimension. ``padding``: an int, one per
    dimension, or (convolution only) 'same' / 'valid'. ``pool``: None, 'max' or 'avg'.
    ``input_values`` / ``kernel_values``: arrays of the given shapes; default a 1..9 pattern and a
    -1/0/1 kernel, or random small integers (input 0..9, kernel -2..2) with ``seed``.

    Raises ValueError / RuntimeError for arguments the real layer refuses, with the output-size
    formula worked out (from ``convkit.shapes``) when the output would be empty.
    """
    size = (int(input_size),) if shapes._is_int(input_size) else tuple(input_size)
    n = len(size)
    if n not in (1, 2) or not all(shapes._is_int(v) for v in size):
        raise ValueError(f"input size must be 1 or 2 ints (L or H x W), got {input_size!r}")
    if any(v <= 0 for v in size):
        raise ValueError(f"input size must be positive, got {'x'.join(str(v) for v in size)}")
    if pool not in (None, "max", "avg"):
        raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
    if pool and transposed:
        raise ValueError("choose pooling or a transposed convolution, not both")
    if ceil_mode and not pool:
        raise ValueError("ceil_mode applies to pooling only (add --pool max or --pool avg)")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {list(PADDING_MODES)}, got '{padding_mode}'")
    if padding_mode != "zeros" and (pool or transposed):
        raise ValueError(
            f"padding_mode '{padding_mode}' applies to convolution only: pooling "
            f"pads with {'-inf' if pool == 'max' else 'zeros'} and a transposed "
            f"convolution supports only 'zeros'"
        )
    kernel = shapes.ntuple(kernel_size, n, "kernel_size")
    stride_n = shapes.ntuple(stride, n, "stride")
    dil = shapes.ntuple(dilation, n, "dilation")
    outpad = shapes.ntuple(output_padding, n, "output_padding")
    shapes.check_positive(kernel, "kernel_size")
    shapes.check_positive(stride_n, "stride")
    shapes.check_positive(dil, "dilation")
    if pool == "avg" and any(d != 1 for d in dil):
        raise ValueError(f"average pooling has no dilation, got dilation={dil}")
    if not transposed and any(o != 0 for o in outpad):
        raise ValueError(
            "output_padding applies to a transposed convolution only (add --transposed)"
        )

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
            raise ValueError(f"padding='{padding}' applies to convolution only; give an int")
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
        raise ValueError(
            f"{steps} steps on a grid of up to {side} cells a side are too many to draw one by "
            f"one (at most {MAX_STEPS} steps and {MAX_GRID} cells a side): try a smaller input; "
            f"'convkit shape' explains large sizes without drawing"
        )

    size2, kernel2 = _as_2d(size, n, 1), _as_2d(kernel, n, 1)
    stride2, dil2 = _as_2d(stride_n, n, 1), _as_2d(dil, n, 1)
    pairs2 = ((0, 0),) * (2 - n) + tuple(pairs)
    outpad2, out2 = _as_2d(outpad, n, 0), _as_2d(out, n, 1)

    rng = np.random.default_rng(seed) if seed is not None else None
    if input_values is not None:
        x = _checked_values(input_values, size, "input values").reshape(size2)
    elif rng is not None:
        x = rng.integers(0, 10, size2).astype(np.float64)
    else:
        x = default_input(size2)
    w = None
    if not pool:
        if kernel_values is not None:
            w = _checked_values(kernel_values, kernel, "kernel values").reshape(kernel2)
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

    steps, output = [], np.zeros((oh, ow))
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
        notes.append("max pooling pads with -inf, so padding never wins")
    if pool == "avg":
        notes.append(
            "avg pooling divides by the cells inside the padded input "
            "(count_include_pad=True: padding zeros count)"
        )
    if (kind == "overhang").any():
        notes.append("ceil mode: the last window hangs over the edge; dotted cells are not read")
    if common["padding_mode"] != "zeros":
        notes.append(f"padding cells copy input cells ({common['padding_mode']})")
    if unread.any():
        notes.append("pink input cells are never read: no window reaches them")
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
        best = max(read, key=lambda t: t.value)  # first maximum in row-major order
        shown = ", ".join(_fmt(t.value) for t in read)
        return best.value, f"max({shown}) = {_fmt(best.value)}"
    if pool == "avg":
        total = 0.0
        for t in read:
            total += t.value
        value = total / divisor
        shown = " + ".join(_fmt(t.value) for t in read)
        return value, f"({shown}) / {int(divisor)} = {_fmt(total)}/{int(divisor)} = {_fmt(value)}"
    total = 0.0
    for t in read:
        total += t.value * t.weight
    shown = " + ".join(f"{_fmt(t.value)}\u00d7{_paren(t.weight)}" for t in read)
    return total, f"{shown} = {_fmt(total)}"


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
    acc = np.zeros((th, tw))
    steps = []
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
            text = (
                f"{label} = {_fmt(x[i, j])}: add {_fmt(x[i, j])} \u00d7 kernel at {where} "
                f"of the uncropped output"
            )
            steps.append(Step(len(steps), (i, j), tuple(taps), float(x[i, j]), text))
    output = acc[top : top + oh, left : left + ow]
    notes = ["each input cell adds (its value x the kernel) to the output; the sums are the output"]
    if top or left:
        notes.append("hatched cells are cut off by padding (the output is cropped)")
    if th > full[0] or tw > full[1]:
        notes.append("output_padding adds cells at the end that no input reaches")
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


# ----------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------

WHITE = (255, 255, 255)
INK = (33, 33, 33)
GRID_LINE = (97, 97, 97)
PAD_FILL = (222, 222, 222)
PAD_HATCH = (176, 176, 176)
PAD_TEXT = (105, 105, 105)
UNREAD_FILL = (248, 208, 214)
TAP_FILL = (255, 183, 77)
TAP_PAD_FILL = (246, 210, 160)
TAP_EDGE = (216, 67, 21)
KERNEL_FILL = (255, 224, 178)
DONE_FILL = (187, 222, 251)
NOW_FILL = (25, 118, 210)
MAX_EDGE = (198, 40, 40)
OUT_EDGE = (13, 71, 161)
OVERHANG_EDGE = (230, 120, 0)
CAPTION = (66, 66, 66)


_FONTS: dict = {}


def _dejavu_path() -> str | None:
    """matplotlib (a dependency) ships DejaVu Sans, which has the x-sign and -inf glyphs that
    Pillow's built-in font lacks; found without importing matplotlib."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("matplotlib")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(root, "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
        if os.path.exists(path):
            return path
    return None


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    if (size, bold) not in _FONTS:
        path = _dejavu_path()
        if path and bold:
            path = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        try:
            font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)
        except (OSError, TypeError):  # no FreeType, or Pillow < 10.1: the fixed bitmap font
            font = ImageFont.load_default()
        _FONTS[(size, bold)] = font
    return _FONTS[(size, bold)]


@dataclass
class Layout:
    """Pixel geometry shared by every frame of one plan (the tests use it to find cells)."""

    cell: int
    width: int
    height: int
    grid_xy: tuple[int, int]  # top-left of the left grid
    kernel_xy: tuple[int, int] | None
    target_xy: tuple[int, int]  # top-left of the right grid
    caption_y: int
    header: bool
    lines: int  # caption lines reserved for the step text

    def grid_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x0, y0 = self.grid_xy[0] + c * self.cell, self.grid_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def kernel_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x0, y0 = self.kernel_xy[0] + c * self.cell, self.kernel_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def target_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x0, y0 = self.target_xy[0] + c * self.cell, self.target_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def output_box(self, r: int, c: int, plan: Plan) -> tuple[int, int, int, int]:
        """The box of output cell (r, c) (2-D indices; row 0 for a 1-D plan)."""
        return self.target_box(r + plan.target_origin[0], c + plan.target_origin[1])


_MARGIN, _GAP, _TITLE, _LABEL, _LINE = 18, 44, 26, 22, 19


def _wrap_px(text: str, font, width: int) -> list[str]:
    """Wrap at spaces (after ' + ' and ', ' preferably) so every line fits ``width`` pixels."""
    words = text.split(" ")
    lines, line = [], ""
    for word in words:
        trial = word if not line else f"{line} {word}"
        if font.getlength(trial) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = "    " + word
    if line:
        lines.append(line)
    return lines


def frame_layout(plan: Plan, cell: int = 44, header: bool = True) -> Layout:
    """Geometry of the frames of ``plan``: panels side by side, caption below."""
    gh, gw = plan.grid.shape
    th, tw = plan.target_shape
    kh, kw = plan.kernel_size
    columns = gw + tw + (kw if plan.kernel is not None else 0)
    cell = max(
        min(cell, _MIN_CELL), min(cell, (_MAX_PANELS_WIDTH - 2 * _MARGIN - 2 * _GAP) // columns)
    )
    top = _MARGIN + (_TITLE if header else 0) + _LABEL
    x = _MARGIN
    grid_xy = (x, top)
    x += gw * cell + _GAP
    kernel_xy = None
    if plan.kernel is not None:
        kernel_xy = (x, top)
        x += max(kw * cell, 60) + _GAP
    target_xy = (x, top)
    x += tw * cell
    panels_w = x + _MARGIN
    panels_h = top + max(gh, th, kh if plan.kernel is not None else 0) * cell + 10
    width = max(panels_w, _header_width(plan) if header else 300)
    font = _font(13)
    lines = max(
        len(_wrap_px(f"step {s.index + 1}/{len(plan.steps)}: {s.text}", font, width - 2 * _MARGIN))
        for s in plan.steps
    )
    caption_y = panels_h
    height = caption_y + lines * _LINE + 8
    if header:
        height += (len(plan.formulas) + len(plan.notes)) * _LINE + 6 + 30  # + legend row
    return Layout(cell, width, height, grid_xy, kernel_xy, target_xy, caption_y, header, lines)


_HATCH_CACHE: dict = {}


def _hatch(size: int, fill, ink):
    from PIL import Image, ImageDraw

    key = (size, fill, ink)
    if key not in _HATCH_CACHE:
        tile = Image.new("RGB", (size, size), fill)
        d = ImageDraw.Draw(tile)
        for t in range(-size, size, 7):
            d.line([(t, size), (t + size, 0)], fill=ink, width=1)
        _HATCH_CACHE[key] = tile
    return _HATCH_CACHE[key]


def _dashed_rect(draw, box, fill, width: int = 1, dash: int = 4, gap: int = 3) -> None:
    x0, y0, x1, y1 = box
    for a, b, horizontal, fixed in (
        (x0, x1, True, y0),
        (x0, x1, True, y1),
        (y0, y1, False, x0),
        (y0, y1, False, x1),
    ):
        t = a
        while t < b:
            e = min(t + dash, b)
            pts = [(t, fixed), (e, fixed)] if horizontal else [(fixed, t), (fixed, e)]
            draw.line(pts, fill=fill, width=width)
            t = e + gap


def _cell(img, draw, box, fill, edge=GRID_LINE, hatch=False, dashed=False, edge_width=1):
    x0, y0, x1, y1 = box
    if hatch:
        img.paste(_hatch(x1 - x0, fill, PAD_HATCH), (x0, y0))
    elif fill is not None:
        draw.rectangle(box, fill=fill)
    if dashed:
        _dashed_rect(draw, box, edge, edge_width)
    else:
        draw.rectangle(box, outline=edge, width=edge_width)


def _text_center(draw, box, text: str, fonts, fill=INK, dy: int = 0) -> None:
    """Centre ``text`` in ``box`` with the largest of ``fonts`` that fits."""
    x0, y0, x1, y1 = box
    for font in fonts:
        if font.getlength(text) <= (x1 - x0) - 4:
            break
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2 + dy), text, fill=fill, font=font, anchor="mm")


def _fonts(cell: int):
    return [_font(max(8, int(cell * f))) for f in (0.36, 0.3, 0.25, 0.21)]


def render_frame(plan: Plan, index: int, layout: Layout, show_values: bool = True):
    """The picture of step ``index``."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (layout.width, layout.height), WHITE)
    draw = ImageDraw.Draw(img)
    cell = layout.cell
    fonts = _fonts(cell)
    small = _font(max(8, int(cell * 0.22)))
    label_font, title_font, cap_font = _font(13), _font(15, True), _font(13)
    step = plan.steps[index]
    if layout.header:
        draw.text((_MARGIN, _MARGIN), plan.title, fill=INK, font=title_font)

    # Left grid: the (padded) input.
    gx, gy = layout.grid_xy
    left_label = (
        "input"
        if plan.kind == "transposed"
        else ("input + padding" if any(a or b for a, b in plan.padding) else "input")
    )
    draw.text((gx, gy - _LABEL + 2), left_label, fill=CAPTION, font=label_font)
    tapped = {} if plan.kind == "transposed" else {t.cell: t for t in step.taps}
    winner = None
    if plan.kind == "max":
        winner = max((t for t in step.taps if t.kind != "overhang"), key=lambda t: t.value).cell
    gh, gw = plan.grid.shape
    oy, ox = plan.origin
    for r in range(gh):
        for c in range(gw):
            box = layout.grid_box(r, c)
            kind = plan.grid_kind[r, c]
            tap = tapped.get((r, c))
            if plan.kind == "transposed":
                now = (r, c) == step.position
                done = r * gw + c < step.position[0] * gw + step.position[1]
                _cell(
                    img,
                    draw,
                    box,
                    TAP_FILL if now else DONE_FILL if done else WHITE,
                    TAP_EDGE if now else GRID_LINE,
                    edge_width=3 if now else 1,
                )
            elif kind == "overhang":
                if tap is not None:
                    draw.rectangle(box, fill=(255, 243, 224))
                _dashed_rect(draw, box, OVERHANG_EDGE, 1, 2, 3)
                continue
            elif kind == "pad":
                _cell(
                    img,
                    draw,
                    box,
                    TAP_PAD_FILL if tap else PAD_FILL,
                    TAP_EDGE if tap else (120, 120, 120),
                    hatch=True,
                    dashed=True,
                )
            else:
                unread = plan.unread is not None and plan.unread[r - oy, c - ox]
                _cell(img, draw, box, TAP_FILL if tap else UNREAD_FILL if unread else WHITE)
            if show_values:
                v = plan.grid[r, c]
                colour = PAD_TEXT if kind == "pad" else INK
                dy = -cell * 0.1 if (tap is not None and tap.weight is not None) else 0
                _text_center(draw, box, _fmt(float(v)), fonts, colour, dy)
                if tap is not None and tap.weight is not None:
                    draw.text(
                        (box[2] - 3, box[3] - 2),
                        f"\u00d7{_fmt(tap.weight)}",
                        fill=TAP_EDGE,
                        font=small,
                        anchor="rd",
                    )
    if plan.kind != "transposed":
        _footprint(draw, layout, step, plan)
        if winner is not None:
            x0, y0, x1, y1 = layout.grid_box(*winner)
            draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), outline=MAX_EDGE, width=3)

    # The kernel.
    if layout.kernel_xy is not None:
        kx, ky = layout.kernel_xy
        draw.text((kx, ky - _LABEL + 2), "kernel", fill=CAPTION, font=label_font)
        kh, kw = plan.kernel_size
        for a in range(kh):
            for b in range(kw):
                box = layout.kernel_box(a, b)
                _cell(img, draw, box, KERNEL_FILL)
                if show_values:
                    _text_center(draw, box, _fmt(plan.kernel[a, b]), fonts)

    # Right grid: the output filling in.
    tx, ty = layout.target_xy
    if plan.kind == "transposed":
        _draw_scatter_target(img, draw, layout, plan, index, fonts, small, show_values)
        draw.text(
            (tx, ty - _LABEL + 2),
            "output (before cropping)" if any(a for a, _ in plan.padding) else "output",
            fill=CAPTION,
            font=label_font,
        )
    else:
        draw.text((tx, ty - _LABEL + 2), "output", fill=CAPTION, font=label_font)
        oh, ow = plan.out_shape
        for i in range(oh):
            for j in range(ow):
                k = i * ow + j
                box = layout.output_box(i, j, plan)
                now, done = k == index, k < index
                _cell(
                    img,
                    draw,
                    box,
                    NOW_FILL if now else DONE_FILL if done else WHITE,
                    OUT_EDGE if now else GRID_LINE,
                    edge_width=3 if now else 1,
                )
                if show_values and k <= index:
                    _text_center(draw, box, _fmt(plan.output[i, j]), fonts, WHITE if now else INK)

    # Caption: the step's arithmetic, then (header frames) the formulas, notes and legend.
    y = layout.caption_y
    for line in _wrap_px(
        f"step {index + 1}/{len(plan.steps)}: {step.text}", cap_font, layout.width - 2 * _MARGIN
    ):
        draw.text((_MARGIN, y), line, fill=INK, font=cap_font)
        y += _LINE
    if layout.header:
        y = _formula_lines(draw, plan, layout.caption_y + layout.lines * _LINE + 6, cap_font)
        _legend(img, draw, plan, y + 4)
    return img


def _formula_lines(draw, plan: Plan, y: int, font) -> int:
    """The worked formulas, then the notes, one per line from ``y``; returns the next free y."""
    for line in plan.formulas:
        draw.text((_MARGIN, y), line, fill=OUT_EDGE, font=font)
        y += _LINE
    for line in plan.notes:
        draw.text((_MARGIN, y), line, fill=CAPTION, font=font)
        y += _LINE
    return y


def _footprint(draw, layout: Layout, step: Step, plan: Plan) -> None:
    """Outline the kernel's window: solid when every cell is tapped, dashed with dilation gaps."""
    rows = [t.cell[0] for t in step.taps]
    cols = [t.cell[1] for t in step.taps]
    x0, y0, _, _ = layout.grid_box(min(rows), min(cols))
    _, _, x1, y1 = layout.grid_box(max(rows), max(cols))
    if any(d > 1 for d in plan.dilation):
        _dashed_rect(draw, (x0, y0, x1, y1), TAP_EDGE, 3, 6, 4)
    else:
        draw.rectangle((x0, y0, x1, y1), outline=TAP_EDGE, width=3)


def _draw_scatter_target(
    img, draw, layout, plan: Plan, index: int, fonts, small, show_values: bool
) -> None:
    """Transposed: the uncropped output holding the sums so far; this step's cells in orange."""
    th, tw = plan.target_shape
    acc = np.zeros((th, tw))
    touched = np.zeros((th, tw), dtype=bool)
    for s in plan.steps[: index + 1]:
        for t in s.taps:
            acc[t.cell] += t.product
            touched[t.cell] = True
    now = {t.cell: t for t in plan.steps[index].taps}
    (top, left), (oh, ow) = plan.target_origin, plan.out_shape
    for r in range(th):
        for c in range(tw):
            box = layout.target_box(r, c)
            inside = top <= r < top + oh and left <= c < left + ow
            tap = now.get((r, c))
            if not inside:
                _cell(
                    img,
                    draw,
                    box,
                    TAP_PAD_FILL if tap else PAD_FILL,
                    TAP_EDGE if tap else (120, 120, 120),
                    hatch=True,
                    dashed=True,
                )
            else:
                _cell(img, draw, box, TAP_FILL if tap else DONE_FILL if touched[r, c] else WHITE)
            if show_values and (touched[r, c] or inside):
                colour = PAD_TEXT if not inside else INK
                _text_center(
                    draw, box, _fmt(acc[r, c]), fonts, colour, -layout.cell * 0.1 if tap else 0
                )
                if tap is not None:
                    draw.text(
                        (box[2] - 3, box[3] - 2),
                        f"+{_paren(tap.product)}",
                        fill=TAP_EDGE,
                        font=small,
                        anchor="rd",
                    )
    x0, y0, _, _ = layout.target_box(top, left)
    _, _, x1, y1 = layout.target_box(top + oh - 1, left + ow - 1)
    draw.rectangle((x0, y0, x1, y1), outline=OUT_EDGE, width=3)


def _header_width(plan: Plan) -> int:
    """Pixels the title, formula, note and legend lines need (the frame is made that wide)."""
    cap = _font(13)
    texts = [cap.getlength(line) for line in plan.formulas + plan.notes]
    return (
        int(max([_font(15, True).getlength(plan.title), _legend(None, None, plan, 0)] + texts))
        + 2 * _MARGIN
    )


def _legend(img, draw, plan: Plan, y: int) -> int:
    """Draw the colour key at height ``y`` (``draw`` None: only measure); returns its width."""
    font = _font(12)
    items = []
    if plan.kind == "transposed":
        items += [
            ("this input cell", TAP_FILL, "solid"),
            ("its contributions", TAP_FILL, "solid"),
            ("summed so far", DONE_FILL, "solid"),
        ]
        if any(a for a, _ in plan.padding):
            items.append(("cropped by padding", PAD_FILL, "hatch"))
        items.append(("output", WHITE, "out"))
    else:
        items.append(("input", WHITE, "solid"))
        if (plan.grid_kind == "pad").any():
            what = {"max": "padding (-inf)", "avg": "padding (0)"}.get(
                plan.kind,
                "padding (0)" if plan.padding_mode == "zeros" else f"padding ({plan.padding_mode})",
            )
            items.append((what, PAD_FILL, "hatch"))
        items.append(
            ("window" if plan.kind in ("max", "avg") else "kernel taps", TAP_FILL, "solid")
        )
        if plan.kind == "max":
            items.append(("max", WHITE, "max"))
        if (plan.grid_kind == "overhang").any():
            items.append(("overhang (ceil)", WHITE, "overhang"))
        if plan.unread is not None and plan.unread.any():
            items.append(("never read", UNREAD_FILL, "solid"))
        items += [("output now", NOW_FILL, "solid"), ("output done", DONE_FILL, "solid")]
    x = _MARGIN
    for text, fill, style in items:
        if draw is None:
            x += 22 + int(font.getlength(text)) + 16
            continue
        box = (x, y, x + 16, y + 16)
        if style == "hatch":
            _cell(img, draw, box, fill, (120, 120, 120), hatch=True, dashed=True)
        elif style == "overhang":
            _dashed_rect(draw, box, OVERHANG_EDGE, 1, 2, 3)
        elif style == "max":
            draw.rectangle(box, outline=MAX_EDGE, width=3)
        elif style == "out":
            draw.rectangle(box, outline=OUT_EDGE, width=3)
        else:
            _cell(img, draw, box, fill)
        draw.text((x + 22, y + 8), text, fill=CAPTION, font=font, anchor="lm")
        x += 22 + int(font.getlength(text)) + 16
    return x - 16


def iter_frames(plan: Plan, show_values: bool = True, cell: int = 44, header: bool = True):
    """The frames one at a time (a GIF writer needs only one RGB frame in memory at once)."""
    layout = frame_layout(plan, cell, header)
    for i in range(len(plan.steps)):
        yield render_frame(plan, i, layout, show_values)


def render_frames(
    plan: Plan, show_values: bool = True, cell: int = 44, header: bool = True
) -> list:
    """One PIL image per step, all the same size (``cell`` shrinks for very wide grids)."""
    return list(iter_frames(plan, show_values, cell, header))


def animate_convolution(
    input_size,
    kernel_size=3,
    stride=1,
    padding=0,
    dilation=1,
    *,
    show_values: bool = True,
    cell: int = 44,
    **kwargs,
) -> list:
    """The frames of ``convolution_steps(...)`` (same arguments) as PIL images."""
    plan = convolution_steps(input_size, kernel_size, stride, padding, dilation, **kwargs)
    return render_frames(plan, show_values, cell)


def save_gif(frames, path, ms: int = 700) -> None:
    """A GIF that plays the frames (a list or an iterator) in order and loops forever, ``ms``
    milliseconds each."""
    if ms <= 0:
        raise ValueError(f"the frame duration must be positive, got {ms} ms")
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("no frames to save")
    from PIL import Image

    # One palette for all frames, from the first (its legend holds every fill colour); each frame
    # becomes a 1-byte-per-pixel image as soon as it is drawn. Mapping onto a given palette is
    # several times faster than choosing a palette per frame.
    first = first.quantize(colors=255, method=Image.Quantize.FASTOCTREE)
    rest = (f.quantize(palette=first, dither=Image.Dither.NONE) for f in frames)
    first.save(path, format="GIF", save_all=True, append_images=rest, duration=int(ms), loop=0)


def save_sheet(
    plan: Plan,
    path,
    show_values: bool = True,
    cell: int = 44,
    columns: int | None = None,
    max_width: int = 4200,
):
    """Every step on one PNG: the title, formulas and legend once, then one panel per step.

    Panels are laid out like the output grid (``columns`` = output width) when that is at most 6
    wide, else in a near-square grid; a sheet wider than ``max_width`` pixels gets smaller panels.
    Returns the sheet image.
    """
    from PIL import Image, ImageDraw

    layout = frame_layout(plan, cell, header=False)
    n = len(plan.steps)
    if columns is None:
        width = plan.out_shape[1] if plan.kind != "transposed" else plan.input.shape[1]
        columns = (
            1
            if plan.ndim == 1
            else width
            if width <= 6 and n % width == 0
            else math.ceil(math.sqrt(n))
        )
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    scale = min(1.0, (max_width - (columns - 1) * 6) / (columns * layout.width))
    fw, fh = max(1, round(layout.width * scale)), max(1, round(layout.height * scale))
    head_font, cap_font = _font(15, True), _font(13)
    head = _MARGIN + _TITLE + (len(plan.formulas) + len(plan.notes)) * _LINE + 30
    sheet_w = max(columns * fw + (columns - 1) * 6, _header_width(plan))
    sheet = Image.new("RGB", (sheet_w, head + rows * fh + (rows - 1) * 6), WHITE)
    draw = ImageDraw.Draw(sheet)
    draw.text((_MARGIN, _MARGIN), plan.title, fill=INK, font=head_font)
    y = _formula_lines(draw, plan, _MARGIN + _TITLE, cap_font)
    _legend(sheet, draw, plan, y + 4)
    for k in range(n):  # one frame in memory at a time
        frame = render_frame(plan, k, layout, show_values)
        if scale < 1:
            frame = frame.resize((fw, fh), Image.LANCZOS)
        r, c = divmod(k, columns)
        x0, y0 = c * (fw + 6), head + r * (fh + 6)
        sheet.paste(frame, (x0, y0))
        draw.rectangle((x0, y0, x0 + fw - 1, y0 + fh - 1), outline=(200, 200, 200))
    sheet.save(path)
    return sheet
