"""Self-contained HTML for the notebook views (the IPython display protocol's ``_repr_html_``):
inline styles only, no scripts, no network. IPython is never imported: Jupyter calls
``_repr_html_`` by name, and a terminal uses ``__repr__``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Cell", "cell", "escape", "table", "STYLE"]

# Scoped to .ck so it cannot restyle the rest of a notebook.
STYLE = (
    "<style>"
    ".ck table{border-collapse:collapse;font-size:13px;margin:4px 0}"
    ".ck th,.ck td{border:1px solid #ccc;padding:3px 8px;vertical-align:top;text-align:left}"
    ".ck th{background:#f3f3f3}"
    ".ck td.ck-num{text-align:right;font-variant-numeric:tabular-nums}"
    ".ck td.ck-out{font-weight:bold;white-space:nowrap}"
    ".ck .ck-muted{color:#666}"
    ".ck .ck-error{color:#b00020;font-weight:bold}"
    ".ck caption{caption-side:top;text-align:left;font-weight:bold;padding:2px 0}"
    ".ck ul{margin:0;padding-left:16px}"
    ".ck code{font-size:12px}"
    "</style>"
)


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Cell:
    html: str
    cls: str = ""


def cell(content: object, raw: bool = False, cls: str = "") -> Cell:
    """A table cell: ``content`` escaped unless ``raw`` (already HTML)."""
    return Cell(str(content) if raw else escape(content), cls)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    title: str = "",
    title_raw: bool = False,
    footer: str = "",
) -> str:
    """One ``<table>`` in a ``<div class="ck">`` with the scoped style; ``footer`` is raw HTML."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td class='{c.cls}'>{c.html}</td>" for c in row) + "</tr>"
        for row in rows
    )
    caption = f"<caption>{title if title_raw else escape(title)}</caption>" if title else ""
    return (
        f"<div class='ck'>{STYLE}<table>{caption}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{footer}</div>"
    )
