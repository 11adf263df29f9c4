"""Drawing a ``steps.Plan``: one picture per step, a looping GIF, or every step on one sheet.

Each frame shows the (padded) input with the window's cells, the kernel, the output filling in,
and a caption with the step's arithmetic (without ``show_values``, the words only: no number the
picture hides). Header frames add the title, the worked output-size formulas, notes and a colour
key. Text scales with the cell (``cell=88`` is a slide), and every word exists in each language of
``i18n`` (``lang``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .drawing import (
    CAPTION,
    DONE_FILL,
    GRID_LINE,
    INK,
    KERNEL_FILL,
    MAX_EDGE,
    NOW_FILL,
    OUT_EDGE,
    OVERHANG_EDGE,
    PAD_FILL,
    PAD_TEXT,
    TAP_EDGE,
    TAP_FILL,
    TAP_PAD_FILL,
    UNREAD_FILL,
    WHITE,
    dashed_rect,
    draw_cell,
    font,
    text_center,
    wrap_px,
)
from .i18n import translator
from .steps import (
    AnimateError,
    Plan,
    Step,
    Tap,
    fmt_value,
    plan_formulas,
    plan_notes,
    plan_title,
    step_caption,
)

__all__ = [
    "Layout",
    "frame_layout",
    "render_frame",
    "iter_frames",
    "render_frames",
    "save_gif",
    "save_sheet",
    "DEFAULT_CELL",
]

# The cell size the text sizes below were chosen for; larger cells scale all text with them.
DEFAULT_CELL = 44
# Frames wider than this (times the text scale) get smaller cells, down to _MIN_CELL pixels.
_MAX_PANELS_WIDTH, _MIN_CELL = 1400, 18


@dataclass(frozen=True)
class Style:
    """Text sizes and spacing for one cell size: fixed up to ``DEFAULT_CELL``, then growing with
    the cell so a slide-sized animation (``cell=88``) has slide-sized words."""

    scale: float
    lang: str

    @classmethod
    def for_cell(cls, cell: int, lang: str = "en") -> Style:
        return cls(max(1.0, cell / DEFAULT_CELL), lang)

    def px(self, value: float) -> int:
        return int(round(value * self.scale))

    @property
    def margin(self) -> int:
        return self.px(18)

    @property
    def gap(self) -> int:
        return self.px(44)

    @property
    def title_h(self) -> int:
        return self.px(26)

    @property
    def label_h(self) -> int:
        return self.px(22)

    @property
    def line_h(self) -> int:
        return self.px(19)

    def font(self, size: float, bold: bool = False):
        return font(self.px(size), bold, self.lang)


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
    style: Style = Style(1.0, "en")
    show_values: bool = True

    def grid_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x0, y0 = self.grid_xy[0] + c * self.cell, self.grid_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def kernel_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        assert self.kernel_xy is not None
        x0, y0 = self.kernel_xy[0] + c * self.cell, self.kernel_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def target_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x0, y0 = self.target_xy[0] + c * self.cell, self.target_xy[1] + r * self.cell
        return x0, y0, x0 + self.cell, y0 + self.cell

    def output_box(self, r: int, c: int, plan: Plan) -> tuple[int, int, int, int]:
        """The box of output cell (r, c) (2-D indices; row 0 for a 1-D plan)."""
        return self.target_box(r + plan.target_origin[0], c + plan.target_origin[1])


def frame_layout(
    plan: Plan,
    cell: int = DEFAULT_CELL,
    header: bool = True,
    lang: str = "en",
    show_values: bool = True,
    caption: bool = True,
) -> Layout:
    """Geometry of the frames of ``plan``: panels side by side, the step's caption below (none
    with ``caption=False``: the HTML player writes it as text)."""
    style = Style.for_cell(cell, lang)
    gh, gw = plan.grid.shape
    th, tw = plan.target_shape
    kh, kw = plan.kernel_size
    columns = gw + tw + (kw if plan.kernel is not None else 0)
    room = style.px(_MAX_PANELS_WIDTH) - 2 * style.margin - 2 * style.gap
    cell = max(min(cell, _MIN_CELL), min(cell, room // columns))
    top = style.margin + (style.title_h if header else 0) + style.label_h
    x = style.margin
    grid_xy = (x, top)
    x += gw * cell + style.gap
    kernel_xy = None
    if plan.kernel is not None:
        kernel_xy = (x, top)
        x += max(kw * cell, style.px(60)) + style.gap
    target_xy = (x, top)
    x += tw * cell
    panels_w = x + style.margin
    panels_h = top + max(gh, th, kh if plan.kernel is not None else 0) * cell + style.px(10)
    width = max(panels_w, _header_width(plan, style) if header else style.px(300))
    cap = style.font(13)
    lines = 0
    if caption:
        lines = max(
            len(wrap_px(step_caption(plan, k, show_values, lang), cap, width - 2 * style.margin))
            for k in range(len(plan.steps))
        )
    caption_y = panels_h
    height = caption_y + lines * style.line_h + style.px(8)
    if header:
        extra = len(plan.formulas) + len(plan.notes)
        height += extra * style.line_h + style.px(6) + style.px(30)  # + legend row
    return Layout(
        cell,
        width,
        height,
        grid_xy,
        kernel_xy,
        target_xy,
        caption_y,
        header,
        lines,
        style,
        show_values,
    )


def _fonts(cell: int, style: Style):
    """Cell fonts, largest first: a number shrinks until it fits its cell."""
    return [font(max(8, int(cell * f)), False, style.lang) for f in (0.36, 0.3, 0.25, 0.21)]


def render_frame(plan: Plan, index: int, layout: Layout, show_values: bool | None = None):
    """The picture of step ``index`` (``show_values`` defaults to the layout's)."""
    from PIL import Image, ImageDraw

    show = layout.show_values if show_values is None else show_values
    style = layout.style
    t = translator(style.lang)
    img = Image.new("RGB", (layout.width, layout.height), WHITE)
    draw = ImageDraw.Draw(img)
    cell = layout.cell
    fonts = _fonts(cell, style)
    small = font(max(8, int(cell * 0.22)), False, style.lang)
    label_font, title_font, cap_font = style.font(13), style.font(15, True), style.font(13)
    label_dy = style.label_h - 2
    step = plan.steps[index]
    if layout.header:
        draw.text((style.margin, style.margin), plan_title(plan, style.lang), INK, title_font)

    # Left grid: the (padded) input.
    gx, gy = layout.grid_xy
    padded = plan.kind != "transposed" and any(a or b for a, b in plan.padding)
    left_label = t("anim_input_padding") if padded else t("anim_input")
    draw.text((gx, gy - label_dy), left_label, fill=CAPTION, font=label_font)
    tapped = {} if plan.kind == "transposed" else {tap.cell: tap for tap in step.taps}
    winner = None
    if plan.kind == "max":
        read = [tap for tap in step.taps if tap.kind != "overhang"]
        winner = max(read, key=Tap.read).cell
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
                fill = TAP_FILL if now else DONE_FILL if done else WHITE
                edge = TAP_EDGE if now else GRID_LINE
                draw_cell(img, draw, box, fill, edge, edge_width=3 if now else 1)
            elif kind == "overhang":
                if tap is not None:
                    draw.rectangle(box, fill=(255, 243, 224))
                dashed_rect(draw, box, OVERHANG_EDGE, 1, 2, 3)
                continue
            elif kind == "pad":
                fill = TAP_PAD_FILL if tap else PAD_FILL
                edge = TAP_EDGE if tap else (120, 120, 120)
                draw_cell(img, draw, box, fill, edge, hatched=True, dashed=True)
            else:
                unread = plan.unread is not None and plan.unread[r - oy, c - ox]
                draw_cell(img, draw, box, TAP_FILL if tap else UNREAD_FILL if unread else WHITE)
            if show:
                colour = PAD_TEXT if kind == "pad" else INK
                dy = -cell * 0.1 if (tap is not None and tap.weight is not None) else 0
                text_center(draw, box, fmt_value(float(plan.grid[r, c])), fonts, colour, dy)
                if tap is not None and tap.weight is not None:
                    weight = f"\u00d7{fmt_value(tap.weight)}"
                    draw.text((box[2] - 3, box[3] - 2), weight, TAP_EDGE, small, anchor="rd")
    if plan.kind != "transposed":
        _footprint(draw, layout, step, plan)
        if winner is not None:
            x0, y0, x1, y1 = layout.grid_box(*winner)
            draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), outline=MAX_EDGE, width=3)

    # The kernel.
    if layout.kernel_xy is not None and plan.kernel is not None:
        kx, ky = layout.kernel_xy
        draw.text((kx, ky - label_dy), t("anim_kernel"), fill=CAPTION, font=label_font)
        kh, kw = plan.kernel_size
        for a in range(kh):
            for b in range(kw):
                box = layout.kernel_box(a, b)
                draw_cell(img, draw, box, KERNEL_FILL)
                if show:
                    text_center(draw, box, fmt_value(plan.kernel[a, b]), fonts)

    # Right grid: the output filling in.
    tx, ty = layout.target_xy
    if plan.kind == "transposed":
        _draw_scatter_target(img, draw, layout, plan, index, fonts, small, show)
        cropped = any(a for a, _ in plan.padding)
        label = t("anim_output_uncropped") if cropped else t("anim_output")
        draw.text((tx, ty - label_dy), label, fill=CAPTION, font=label_font)
    else:
        draw.text((tx, ty - label_dy), t("anim_output"), fill=CAPTION, font=label_font)
        oh, ow = plan.out_shape
        for i in range(oh):
            for j in range(ow):
                k = i * ow + j
                box = layout.output_box(i, j, plan)
                now, done = k == index, k < index
                fill = NOW_FILL if now else DONE_FILL if done else WHITE
                edge = OUT_EDGE if now else GRID_LINE
                draw_cell(img, draw, box, fill, edge, edge_width=3 if now else 1)
                if show and k <= index:
                    colour = WHITE if now else INK
                    text_center(draw, box, fmt_value(plan.output[i, j]), fonts, colour)

    # Caption: the step's arithmetic, then (header frames) the formulas, notes and legend.
    y = layout.caption_y
    if layout.lines:
        caption = step_caption(plan, index, show, style.lang)
        for line in wrap_px(caption, cap_font, layout.width - 2 * style.margin):
            draw.text((style.margin, y), line, fill=INK, font=cap_font)
            y += style.line_h
    if layout.header:
        y0 = layout.caption_y + layout.lines * style.line_h + style.px(6)
        y = _formula_lines(draw, plan, y0, style)
        _legend(img, draw, plan, y + style.px(4), style)
    return img


def _formula_lines(draw, plan: Plan, y: int, style: Style) -> int:
    """The worked formulas, then the notes, one per line from ``y``; returns the next free y."""
    cap = style.font(13)
    for line in plan_formulas(plan, style.lang):
        draw.text((style.margin, y), line, fill=OUT_EDGE, font=cap)
        y += style.line_h
    for line in plan_notes(plan, style.lang):
        draw.text((style.margin, y), line, fill=CAPTION, font=cap)
        y += style.line_h
    return y


def _footprint(draw, layout: Layout, step: Step, plan: Plan) -> None:
    """Outline the kernel's window: solid when every cell is tapped, dashed with dilation gaps."""
    rows = [tap.cell[0] for tap in step.taps]
    cols = [tap.cell[1] for tap in step.taps]
    x0, y0, _, _ = layout.grid_box(min(rows), min(cols))
    _, _, x1, y1 = layout.grid_box(max(rows), max(cols))
    if any(d > 1 for d in plan.dilation):
        dashed_rect(draw, (x0, y0, x1, y1), TAP_EDGE, 3, 6, 4)
    else:
        draw.rectangle((x0, y0, x1, y1), outline=TAP_EDGE, width=3)


def _draw_scatter_target(
    img, draw, layout: Layout, plan: Plan, index: int, fonts, small, show_values: bool
) -> None:
    """Transposed: the uncropped output holding the sums so far; this step's cells in orange."""
    th, tw = plan.target_shape
    acc = np.zeros((th, tw))  # (TH, TW)
    touched = np.zeros((th, tw), dtype=bool)
    for s in plan.steps[: index + 1]:
        for tap in s.taps:
            acc[tap.cell] += tap.read() * tap.factor()
            touched[tap.cell] = True
    now = {tap.cell: tap for tap in plan.steps[index].taps}
    (top, left), (oh, ow) = plan.target_origin, plan.out_shape
    for r in range(th):
        for c in range(tw):
            box = layout.target_box(r, c)
            inside = top <= r < top + oh and left <= c < left + ow
            here = now.get((r, c))
            if not inside:
                fill = TAP_PAD_FILL if here else PAD_FILL
                edge = TAP_EDGE if here else (120, 120, 120)
                draw_cell(img, draw, box, fill, edge, hatched=True, dashed=True)
            else:
                fill = TAP_FILL if here else DONE_FILL if touched[r, c] else WHITE
                draw_cell(img, draw, box, fill)
            if show_values and (touched[r, c] or inside):
                colour = PAD_TEXT if not inside else INK
                dy = -layout.cell * 0.1 if here else 0
                text_center(draw, box, fmt_value(acc[r, c]), fonts, colour, dy)
                if here is not None:
                    product = here.read() * here.factor()
                    text = f"+({fmt_value(product)})" if product < 0 else f"+{fmt_value(product)}"
                    draw.text((box[2] - 3, box[3] - 2), text, TAP_EDGE, small, anchor="rd")
    x0, y0, _, _ = layout.target_box(top, left)
    _, _, x1, y1 = layout.target_box(top + oh - 1, left + ow - 1)
    draw.rectangle((x0, y0, x1, y1), outline=OUT_EDGE, width=3)


def _header_width(plan: Plan, style: Style) -> int:
    """Pixels the title, formula, note and legend lines need (the frame is made that wide)."""
    cap = style.font(13)
    lines = plan_formulas(plan, style.lang) + plan_notes(plan, style.lang)
    widths = [cap.getlength(line) for line in lines]
    widths.append(style.font(15, True).getlength(plan_title(plan, style.lang)))
    widths.append(_legend(None, None, plan, 0, style))
    return int(max(widths)) + 2 * style.margin


def _legend(img, draw, plan: Plan, y: int, style: Style) -> int:
    """Draw the colour key at height ``y`` (``draw`` None: only measure); returns its width."""
    t = translator(style.lang)
    fnt = style.font(12)
    items: list[tuple[str, tuple[int, int, int], str]] = []
    if plan.kind == "transposed":
        items += [
            (t("anim_legend_this_input"), TAP_FILL, "solid"),
            (t("anim_legend_contributions"), TAP_FILL, "solid"),
            (t("anim_legend_summed"), DONE_FILL, "solid"),
        ]
        if any(a for a, _ in plan.padding):
            items.append((t("anim_legend_cropped"), PAD_FILL, "hatch"))
        items.append((t("anim_output"), WHITE, "out"))
    else:
        items.append((t("anim_input"), WHITE, "solid"))
        if (plan.grid_kind == "pad").any():
            what = {"max": "-inf", "avg": "0"}.get(
                plan.kind, "0" if plan.padding_mode == "zeros" else plan.padding_mode
            )
            items.append((t("anim_legend_pad", fill=what), PAD_FILL, "hatch"))
        window = "anim_legend_window" if plan.kind in ("max", "avg") else "anim_legend_taps"
        items.append((t(window), TAP_FILL, "solid"))
        if plan.kind == "max":
            items.append((t("anim_legend_max"), WHITE, "max"))
        if (plan.grid_kind == "overhang").any():
            items.append((t("anim_legend_overhang"), WHITE, "overhang"))
        if plan.unread is not None and plan.unread.any():
            items.append((t("anim_legend_unread"), UNREAD_FILL, "solid"))
        items += [
            (t("anim_legend_now"), NOW_FILL, "solid"),
            (t("anim_legend_done"), DONE_FILL, "solid"),
        ]
    box_px, space = style.px(16), style.px(22)
    x = style.margin
    for text, fill, style_kind in items:
        if draw is not None:
            box = (x, y, x + box_px, y + box_px)
            if style_kind == "hatch":
                draw_cell(img, draw, box, fill, (120, 120, 120), hatched=True, dashed=True)
            elif style_kind == "overhang":
                dashed_rect(draw, box, OVERHANG_EDGE, 1, 2, 3)
            elif style_kind == "max":
                draw.rectangle(box, outline=MAX_EDGE, width=3)
            elif style_kind == "out":
                draw.rectangle(box, outline=OUT_EDGE, width=3)
            else:
                draw_cell(img, draw, box, fill)
            draw.text((x + space, y + box_px // 2), text, CAPTION, fnt, anchor="lm")
        x += space + int(fnt.getlength(text)) + box_px
    return x - box_px


def iter_frames(
    plan: Plan,
    show_values: bool = True,
    cell: int = DEFAULT_CELL,
    header: bool = True,
    lang: str = "en",
):
    """The frames one at a time (a GIF writer needs only one RGB frame in memory at once)."""
    layout = frame_layout(plan, cell, header, lang, show_values)
    for i in range(len(plan.steps)):
        yield render_frame(plan, i, layout)


def render_frames(
    plan: Plan,
    show_values: bool = True,
    cell: int = DEFAULT_CELL,
    header: bool = True,
    lang: str = "en",
) -> list:
    """One PIL image per step, all the same size (``cell`` shrinks for very wide grids)."""
    return list(iter_frames(plan, show_values, cell, header, lang))


def save_gif(frames, path, ms: int = 700) -> None:
    """A GIF that plays the frames (a list or an iterator) in order and loops forever, ``ms``
    milliseconds each."""
    if ms <= 0:
        raise AnimateError("anim_bad_ms", value=ms)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise AnimateError("anim_no_frames")
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
    cell: int = DEFAULT_CELL,
    columns: int | None = None,
    max_width: int = 4200,
    lang: str = "en",
):
    """Every step on one PNG: the title, formulas and legend once, then one panel per step.

    Panels are laid out like the output grid (``columns`` = output width) when that is at most 6
    wide, else in a near-square grid; a sheet wider than ``max_width`` pixels gets smaller panels.
    Returns the sheet image (saved to ``path`` unless ``path`` is None).
    """
    from PIL import Image, ImageDraw

    layout = frame_layout(plan, cell, False, lang, show_values)
    style = layout.style
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
    lines = len(plan.formulas) + len(plan.notes)
    head = style.margin + style.title_h + lines * style.line_h + style.px(30)
    sheet_w = max(columns * fw + (columns - 1) * 6, _header_width(plan, style))
    sheet = Image.new("RGB", (sheet_w, head + rows * fh + (rows - 1) * 6), WHITE)
    draw = ImageDraw.Draw(sheet)
    title = plan_title(plan, lang)
    draw.text((style.margin, style.margin), title, INK, style.font(15, True))
    y = _formula_lines(draw, plan, style.margin + style.title_h, style)
    _legend(sheet, draw, plan, y + style.px(4), style)
    for k in range(n):  # one frame in memory at a time
        frame = render_frame(plan, k, layout)
        if scale < 1:
            frame = frame.resize((fw, fh), Image.Resampling.LANCZOS)
        r, c = divmod(k, columns)
        x0, y0 = c * (fw + 6), head + r * (fh + 6)
        sheet.paste(frame, (x0, y0))
        draw.rectangle((x0, y0, x0 + fw - 1, y0 + fh - 1), outline=(200, 200, 200))
    if path is not None:
        sheet.save(path)
    return sheet
