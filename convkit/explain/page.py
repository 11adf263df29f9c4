"""The standalone interactive page: ``convkit animate ... --interactive -o page.html``.

One self-contained HTML file (inline CSS and JavaScript, nothing from the network, no server) in
which a teacher changes the input size, kernel, stride, padding, dilation, padding mode and
conv / max / avg pooling (with ceil_mode) and sees the output-size formula with those numbers,
the output size, and the window stepping through the positions (play, pause, step, a slider).

A static page cannot call Python, so the page recomputes in JavaScript: ``web/shapes.js`` mirrors
``convkit/shapes.py`` (same function names and formulas), ``web/steps.js`` mirrors
``steps.py``'s plans and captions, ``web/i18n.js`` fills ``i18n.py``'s messages (handed to the
page as data, so every word is still written once). ``tests/explain/test_page.py`` runs those
scripts in node against the Python over a grid of arguments, and drives the page in a headless
browser.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from .i18n import LANGUAGES, MESSAGES
from .steps import AnimateError, convolution_steps

__all__ = ["page_html", "save_page", "WEB_DIR", "SCRIPTS"]

WEB_DIR = Path(__file__).with_name("web")
# In the order the page loads them: each later one uses the earlier ones.
SCRIPTS = ("shapes.js", "i18n.js", "steps.js")
# The messages the page shows: the animation's words, the formula's, the page's own.
_PREFIXES = ("anim_", "formula_", "page_")
_KEYS = ("torch_message", "error")


def _messages() -> dict[str, dict[str, str]]:
    return {
        key: {lang: text[lang] for lang in LANGUAGES}
        for key, text in MESSAGES.items()
        if key.startswith(_PREFIXES) or key in _KEYS
    }


def _text(value) -> str:
    """A size as the page's fields (and ``convkit animate``) write it: 3, 3x2, same."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return "x".join(str(int(v)) for v in value)


def _script(source: str) -> str:
    # "</" inside a <script> would end it early.
    return "<script>\n" + source.replace("</", "<\\/") + "\n</script>"


def page_html(
    input_size: Sequence[int] | int = (5, 5),
    kernel_size=3,
    stride=None,
    padding=0,
    dilation=1,
    *,
    pool: str | None = None,
    padding_mode: str = "zeros",
    ceil_mode: bool = False,
    show_values: bool = True,
    lang: str = "en",
    ms: int = 700,
) -> str:
    """The interactive page as one HTML string, opening on these settings.

    The arguments are ``convkit.explain.animate``'s for convolution and pooling; they are checked
    by ``convolution_steps`` first, so a setting the animation refuses raises here the same error
    (the page itself shows such errors in place of the output while a teacher types).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    if ms <= 0:
        raise AnimateError("anim_bad_ms", value=ms)
    convolution_steps(
        input_size,
        kernel_size,
        stride,
        padding,
        dilation,
        padding_mode=padding_mode,
        pool=pool,
        ceil_mode=ceil_mode,
    )
    initial = {
        "input": _text(input_size),
        "kernel": _text(kernel_size),
        "stride": "" if stride is None else _text(stride),
        "padding": _text(padding),
        "dilation": _text(dilation),
        "padding_mode": padding_mode,
        "pool": pool,
        "ceil_mode": bool(ceil_mode),
        "show_values": bool(show_values),
        "lang": lang,
        "ms": int(ms),
    }
    data = json.dumps({"messages": _messages(), "initial": initial}, ensure_ascii=False)
    scripts = [_script((WEB_DIR / name).read_text(encoding="utf-8")) for name in SCRIPTS]
    scripts.append(_script(f"window.CK_PAGE_DATA = {data};"))
    scripts.append(_script((WEB_DIR / "page.js").read_text(encoding="utf-8")))
    template = (WEB_DIR / "page.html").read_text(encoding="utf-8")
    return (
        template.replace("__LANG__", lang)
        .replace("__CSS__", (WEB_DIR / "page.css").read_text(encoding="utf-8").strip())
        .replace("__SCRIPTS__", "\n".join(scripts))
    )


def save_page(path: str | os.PathLike, **settings) -> str:
    """Write ``page_html(**settings)`` to ``path`` (UTF-8); returns the path."""
    path = os.fspath(path)
    text = page_html(**settings)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
