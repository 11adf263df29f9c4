"""What every convkit picture draws with: the colours, the fonts (sized for a cell, and with Hangul
glyphs for Korean text), and small Pillow helpers for text, hatching and dashed outlines.

``frames.py`` (the animation frames) and ``pictures.py`` (filters, feature maps) both use it.
Pillow is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

__all__ = [
    "WHITE",
    "INK",
    "MUTED",
    "GRID_LINE",
    "PAD_FILL",
    "PAD_HATCH",
    "PAD_TEXT",
    "UNREAD_FILL",
    "TAP_FILL",
    "TAP_PAD_FILL",
    "TAP_EDGE",
    "KERNEL_FILL",
    "DONE_FILL",
    "NOW_FILL",
    "MAX_EDGE",
    "OUT_EDGE",
    "OVERHANG_EDGE",
    "CAPTION",
    "font",
    "font_path",
    "wrap_px",
    "text_center",
    "dashed_rect",
    "hatch",
    "draw_cell",
]

WHITE = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (97, 97, 97)
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

# Fonts with Hangul that operating systems and font packages commonly install (Debian/Ubuntu
# fonts-nanum and fonts-noto-cjk, macOS, Windows). CONVKIT_FONT, a path, comes first.
_HANGUL_FONT_FILES = (
    "NanumGothic.ttf",
    "NanumBarunGothic.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKkr-Regular.otf",
    "NotoSansKR-Regular.otf",
    "NotoSansKR-Regular.ttf",
    "AppleSDGothicNeo.ttc",
    "AppleGothic.ttf",
    "malgun.ttf",
    "UnDotum.ttf",
)
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)


@functools.cache
def _dejavu_path(bold: bool) -> str | None:
    """matplotlib (a dependency) ships DejaVu Sans, which has the x-sign and -inf glyphs that
    Pillow's built-in font lacks; found without importing matplotlib."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(root, "mpl-data", "fonts", "ttf", name)
        if os.path.exists(path):
            return path
    return None


@functools.cache
def _hangul_path() -> str | None:
    given = os.environ.get("CONVKIT_FONT")
    if given and os.path.exists(given):
        return given
    wanted = {name.lower(): i for i, name in enumerate(_HANGUL_FONT_FILES)}
    found: dict[int, str] = {}
    for folder in _FONT_DIRS:
        root = os.path.expanduser(folder)
        for dirpath, _, files in os.walk(root):
            for f in files:
                rank = wanted.get(f.lower())
                if rank is not None:
                    found.setdefault(rank, os.path.join(dirpath, f))
    return found[min(found)] if found else None


def font_path(lang: str = "en", bold: bool = False) -> str | None:
    """The font file pictures use: DejaVu Sans, or for Korean one with Hangul glyphs (the
    ``CONVKIT_FONT`` environment variable, else a commonly installed one). None: Pillow's own."""
    if lang == "ko":
        path = _hangul_path()
        if path:
            return path
        _warn_no_hangul()
    return _dejavu_path(bold)


@functools.cache
def _warn_no_hangul() -> None:
    warnings.warn(
        "no font with Hangul glyphs was found, so Korean text in pictures shows as boxes; "
        "install one (e.g. Debian's fonts-nanum) or set CONVKIT_FONT=/path/to/font.ttf",
        stacklevel=4,
    )


@functools.cache
def font(size: int, bold: bool = False, lang: str = "en") -> Any:
    """A Pillow font of ``size`` pixels for text in ``lang``."""
    from PIL import ImageFont

    path = font_path(lang, bold)
    try:
        return ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)
    except (OSError, TypeError):  # no FreeType, or Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def wrap_px(text: str, fnt: Any, width: int) -> list[str]:
    """Wrap at spaces so every line fits ``width`` pixels; continuation lines are indented."""
    lines, line = [], ""
    for word in text.split(" "):
        trial = word if not line else f"{line} {word}"
        if fnt.getlength(trial) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = "    " + word
    if line:
        lines.append(line)
    return lines


def text_center(draw, box, text: str, fonts, fill=INK, dy: float = 0) -> None:
    """Centre ``text`` in ``box`` with the largest of ``fonts`` that fits."""
    x0, y0, x1, y1 = box
    chosen = fonts[-1]
    for f in fonts:
        if f.getlength(text) <= (x1 - x0) - 4:
            chosen = f
            break
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2 + dy), text, fill=fill, font=chosen, anchor="mm")


def dashed_rect(draw, box, fill, width: int = 1, dash: int = 4, gap: int = 3) -> None:
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


@functools.cache
def hatch(size: int, fill, ink) -> Any:
    """A ``size`` x ``size`` tile of ``fill`` with diagonal ``ink`` lines (padding cells)."""
    from PIL import Image, ImageDraw

    tile = Image.new("RGB", (size, size), fill)
    d = ImageDraw.Draw(tile)
    for t in range(-size, size, 7):
        d.line([(t, size), (t + size, 0)], fill=ink, width=1)
    return tile


def draw_cell(img, draw, box, fill, edge=GRID_LINE, hatched=False, dashed=False, edge_width=1):
    """One grid cell: filled (or hatched), outlined (solid or dashed)."""
    x0, y0, x1, _ = box
    if hatched:
        img.paste(hatch(x1 - x0, fill, PAD_HATCH), (x0, y0))
    elif fill is not None:
        draw.rectangle(box, fill=fill)
    if dashed:
        dashed_rect(draw, box, edge, edge_width)
    else:
        draw.rectangle(box, outline=edge, width=edge_width)
