"""Take the README's screenshots with headless Chromium (needs chromium, nbclient, ipykernel).

    python docs/make_screenshots.py

- docs/interactive_page.png: ``convkit animate --interactive`` at a step of the note's
  stride-and-padding example, and docs/interactive_page_ko.png: max pooling in ceil mode, in
  Korean;
- docs/notebook_outputs.png: a notebook's cells executed by a Jupyter kernel (nbclient), their
  outputs (``convkit.summary``, a shape explanation, the inline player) shown as Jupyter shows
  them, in a page of this script's own.
"""

from __future__ import annotations

import html
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convkit.explain.page import save_page  # noqa: E402 - after the path is set
from tests.explain.cdp import Browser, find_chromium  # noqa: E402 - after the path is set

DOCS = ROOT / "docs"

NOTEBOOK_CELLS = [
    "import convkit as torch\n"
    "import convkit.nn as nn\n"
    "from convkit.explain import animate, explain_shapes\n\n"
    "model = nn.Sequential(nn.Conv2d(1, 5, 5), nn.ReLU(), nn.MaxPool2d(2),\n"
    "                      nn.Flatten(), nn.Linear(5 * 12 * 12, 10))\n"
    "torch.summary(model, (1, 1, 28, 28))",
    'explain_shapes("1x1x227x227", "Conv2d(1, 1, 11, stride=4)")',
    "animate((5, 5), 3, stride=2, padding=1)",
]

NOTEBOOK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ font: 14px/1.4 "DejaVu Sans", sans-serif; margin: 0; background: #fff; width: 1000px; }}
.cell {{ display: grid; grid-template-columns: 70px 1fr; margin: 10px 16px; }}
.prompt {{ color: #303f9f; font: 13px "DejaVu Sans Mono", monospace; padding-top: 6px; }}
.out .prompt {{ color: #d84315; }}
pre {{ margin: 0; background: #f7f7f7; border: 1px solid #e0e0e0; border-radius: 3px;
  padding: 6px 8px; font: 13px/1.45 "DejaVu Sans Mono", monospace; }}
.output {{ padding: 4px 0; overflow: hidden; }}
</style></head><body>{cells}</body></html>"""


def notebook_screenshot(browser: Browser, tmp: Path) -> None:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(src) for src in NOTEBOOK_CELLS],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    parts = []
    for n, cell in enumerate(nb.cells, start=1):
        parts.append(
            f"<div class='cell'><div class='prompt'>In [{n}]:</div>"
            f"<pre>{html.escape(cell.source)}</pre></div>"
        )
        for out in cell.outputs:
            body = out.get("data", {}).get("text/html")
            assert body, out  # each of these cells shows HTML
            parts.append(
                f"<div class='cell out'><div class='prompt'>Out[{n}]:</div>"
                f"<div class='output'>{body}</div></div>"
            )
    page = tmp / "notebook.html"
    page.write_text(NOTEBOOK_PAGE.format(cells="\n".join(parts)), encoding="utf-8")
    browser.open(page.as_uri())
    # the player at its fifth step, as a learner would leave it after dragging the slider
    browser.evaluate(
        "(() => { const s = document.querySelector('[data-ck=slider]'); s.value = 4; "
        "s.dispatchEvent(new Event('input')); })()"
    )
    shoot(browser, DOCS / "notebook_outputs.png", 1000)


def page_screenshots(browser: Browser, tmp: Path) -> None:
    path = save_page(tmp / "page.html", input_size=(7, 7), kernel_size=3, stride=2, padding=1)
    browser.open(Path(path).as_uri())
    for _ in range(5):
        browser.click("[data-ck=next]")
    shoot(browser, DOCS / "interactive_page.png", 1280)
    path = save_page(
        tmp / "page_ko.html",
        input_size=(5, 5),
        kernel_size=2,
        pool="max",
        ceil_mode=True,
        lang="ko",
    )
    browser.open(Path(path).as_uri())
    for _ in range(8):
        browser.click("[data-ck=next]")
    shoot(browser, DOCS / "interactive_page_ko.png", 1280)


def shoot(browser: Browser, path: Path, width: int) -> None:
    height = browser.evaluate("document.documentElement.scrollHeight")
    browser.screenshot(str(path), {"x": 0, "y": 0, "width": width, "height": height})
    print(f"wrote {path.relative_to(ROOT)} ({width}x{height})")


def main() -> int:
    exe = find_chromium()
    if exe is None:
        print("no chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, Browser(exe, width=1280, height=900) as browser:
        page_screenshots(browser, Path(tmp))
        notebook_screenshot(browser, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
