"""An animation as an object: ``convkit.explain.animate(...)`` returns an ``Animation`` that plays
inline in a notebook and saves to GIF, PNG or HTML.

In Jupyter the object shows an interactive player (the IPython display protocol's
``_repr_html_``; IPython itself is never imported): the frames are embedded as PNG data URIs
and a few lines of inline JavaScript give a play/pause button, a slider over the positions and
the current step's arithmetic as text. Nothing is loaded from the network, so the same HTML saved
with ``.save("page.html")`` works offline. In a terminal ``repr`` is the title and the formulas.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from typing import Sequence

from .frames import DEFAULT_CELL, frame_layout, iter_frames, render_frame, save_gif, save_sheet
from .html import escape
from .i18n import translator
from .steps import (
    AnimateError,
    Plan,
    convolution_steps,
    plan_formulas,
    plan_notes,
    plan_title,
    step_caption,
)

__all__ = ["Animation", "animate"]

SAVE_FORMATS = (".gif", ".png", ".html")


class Animation:
    """One sliding window, step by step: ``plan`` holds the arithmetic (``steps.Plan``).

    Args:
        plan: what to draw (``convolution_steps``).
        show_values: write the numbers (input, kernel, each step's multiply-add); without them
            the captions name what is added up but write no number the picture hides.
        cell: cell size in pixels; text grows with cells above 44 (a slide).
        lang: 'en' or 'ko', the language of every word (formulas are the same).
        ms: milliseconds per step when playing or in a GIF.
    """

    def __init__(
        self,
        plan: Plan,
        show_values: bool = True,
        cell: int = DEFAULT_CELL,
        lang: str = "en",
        ms: int = 700,
    ) -> None:
        translator(lang)  # refuse an unknown language now, not when drawing
        if ms <= 0:
            raise AnimateError("anim_bad_ms", value=ms)
        self.plan = plan
        self.show_values = show_values
        self.cell = cell
        self.lang = lang
        self.ms = ms

    def __len__(self) -> int:
        return len(self.plan.steps)

    @property
    def title(self) -> str:
        return plan_title(self.plan, self.lang)

    @property
    def formulas(self) -> list[str]:
        return plan_formulas(self.plan, self.lang)

    @property
    def notes(self) -> list[str]:
        return plan_notes(self.plan, self.lang)

    def captions(self) -> list[str]:
        """Each step's caption, in order."""
        return [step_caption(self.plan, k, self.show_values, self.lang) for k in range(len(self))]

    def frames(self, header: bool = True) -> list:
        """The frames as PIL images (title, formulas and key on each when ``header``)."""
        return list(iter_frames(self.plan, self.show_values, self.cell, header, self.lang))

    def save(self, path: str | os.PathLike, ms: int | None = None) -> str:
        """Write ``path``: ``.gif`` (one frame per step, looping), ``.png`` (every step on one
        sheet) or ``.html`` (the player as a self-contained page). Returns the path."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext not in SAVE_FORMATS:
            raise AnimateError("anim_bad_output", value=path)
        if ext == ".gif":
            frames = iter_frames(self.plan, self.show_values, self.cell, True, self.lang)
            save_gif(frames, path, self.ms if ms is None else ms)
        elif ext == ".png":
            save_sheet(self.plan, path, self.show_values, self.cell, lang=self.lang)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.to_html(ms))
        return path

    # ----- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [self.title, *(f"  {f}" for f in self.formulas)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.player_html()

    def to_html(self, ms: int | None = None) -> str:
        """A whole HTML page holding the player (no network, no server)."""
        return (
            f"<!DOCTYPE html>\n<html lang='{self.lang}'><head><meta charset='utf-8'>"
            f"<title>{escape(self.title)}</title></head><body>{self.player_html(ms)}</body></html>\n"
        )

    def player_html(self, ms: int | None = None) -> str:
        """The inline player: frames as PNG data URIs, play/pause, a slider, the step's text."""
        t = translator(self.lang)
        layout = frame_layout(
            self.plan, self.cell, False, self.lang, self.show_values, caption=False
        )
        uris = []
        for k in range(len(self)):
            buffer = io.BytesIO()
            render_frame(self.plan, k, layout).save(buffer, format="PNG", optimize=True)
            uris.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
        uid = "ck" + uuid.uuid4().hex[:12]
        captions = self.captions()
        data = {
            "frames": uris,
            "captions": captions,
            "ms": self.ms if ms is None else ms,
            "play": t("anim_play"),
            "pause": t("anim_pause"),
        }
        # "</" inside a <script> would end it: JSON lets it be written "<\/".
        payload = json.dumps(data, ensure_ascii=True).replace("</", "<\\/")
        formulas = "".join(f"<div><code>{escape(f)}</code></div>" for f in self.formulas)
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return (
            f"<div class='ck-player' id='{uid}' "
            "style='font-family:sans-serif;font-size:14px;max-width:100%'>"
            f"<div style='font-weight:bold'>{escape(self.title)}</div>"
            f"<div style='color:#0d47a1;margin:4px 0'>{formulas}</div>"
            f"<img data-ck='frame' src='{uris[0]}' width='{layout.width}' height='{layout.height}'"
            " style='max-width:100%;height:auto;display:block' alt='step 1'>"
            "<div style='margin:6px 0;display:flex;align-items:center;gap:8px'>"
            f"<button data-ck='play' type='button' style='min-width:5em'>{escape(t('anim_play'))}"
            "</button>"
            f"<input data-ck='slider' type='range' min='0' max='{len(self) - 1}' value='0' "
            "style='flex:1'>"
            "</div>"
            f"<div data-ck='caption' style='font-family:monospace;white-space:pre-wrap'>"
            f"{escape(captions[0])}</div>"
            f"<ul style='color:#555;margin:4px 0'>{notes}</ul>"
            f"<script>{_PLAYER_JS.replace('__ID__', uid).replace('__DATA__', payload)}</script>"
            "</div>"
        )


# The player: one step per tick while playing; the slider and the caption follow.
_PLAYER_JS = """(function () {
  var root = document.getElementById("__ID__");
  if (!root) { return; }
  var d = __DATA__;
  var img = root.querySelector("[data-ck=frame]");
  var slider = root.querySelector("[data-ck=slider]");
  var button = root.querySelector("[data-ck=play]");
  var caption = root.querySelector("[data-ck=caption]");
  var timer = null;
  function show(k) {
    k = Number(k);
    img.src = d.frames[k];
    img.alt = "step " + (k + 1);
    slider.value = k;
    caption.textContent = d.captions[k];
    root.setAttribute("data-step", k);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    button.textContent = d.play;
  }
  function play() {
    if (Number(slider.value) >= d.frames.length - 1) { show(0); }
    timer = setInterval(function () {
      var k = Number(slider.value) + 1;
      if (k >= d.frames.length) { stop(); return; }
      show(k);
    }, d.ms);
    button.textContent = d.pause;
  }
  button.addEventListener("click", function () {
    if (timer === null) { play(); } else { stop(); }
  });
  slider.addEventListener("input", function () { stop(); show(slider.value); });
  show(0);
})();"""


def animate(
    input_size: Sequence[int] | int = (5, 5),
    kernel_size=3,
    stride=None,
    padding=0,
    dilation=1,
    *,
    pool: str | None = None,
    transposed: bool = False,
    output_padding=0,
    padding_mode: str = "zeros",
    ceil_mode: bool = False,
    input_values=None,
    kernel_values=None,
    seed: int | None = None,
    show_values: bool = True,
    cell: int = DEFAULT_CELL,
    lang: str = "en",
    ms: int = 700,
) -> Animation:
    """Animate a convolution, pooling window or transposed convolution on one channel.

    The arguments are ``convolution_steps``'s (``stride`` None: torch's default, the kernel
    size for pooling and 1 otherwise) plus how to draw: ``show_values``, ``cell``, ``lang``,
    ``ms``. In a notebook the result plays inline; ``.save("conv.gif")`` (or ``.png``,
    ``.html``) writes it.

    Example::

        convkit.explain.animate((5, 5), 3, stride=2, padding=1)        # the README's picture
        convkit.explain.animate(6, 2, pool="max").save("pool.gif")     # 1-D max pooling
    """
    plan = convolution_steps(
        input_size,
        kernel_size,
        stride,
        padding,
        dilation,
        padding_mode=padding_mode,
        transposed=transposed,
        output_padding=output_padding,
        pool=pool,
        ceil_mode=ceil_mode,
        input_values=input_values,
        kernel_values=kernel_values,
        seed=seed,
    )
    return Animation(plan, show_values, cell, lang, ms)
