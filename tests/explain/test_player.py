"""``convkit.explain.animate``: an object that shows as an inline player in a notebook (HTML and
JavaScript, nothing from the network), prints as text, and saves to GIF, PNG or HTML; the
player's script is run in node against a stand-in for the page."""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import convkit.explain as E
from convkit import shapes
from convkit.explain.player import Animation


def test_animate_returns_an_animation_with_the_plan():
    anim = E.animate((5, 5), 3, stride=2, padding=1)
    assert isinstance(anim, Animation) and len(anim) == 9
    assert anim.plan.out_shape == (3, 3)
    assert anim.formulas == [f"H: {shapes.conv_output_formula(5, 3, 2, 1)}"] * 1 + [
        f"W: {shapes.conv_output_formula(5, 3, 2, 1)}"
    ]
    assert repr(anim).splitlines() == [anim.title] + [f"  {f}" for f in anim.formulas]
    assert anim.captions()[4] == (
        "step 5/9: out[1,1] = 7×(-1) + 8×0 + 9×1 + 3×(-1) + 4×0 + 5×1 + 8×(-1) + 9×0 + 1×1 = -3"
    )


def test_inline_player_html_is_self_contained():
    anim = E.animate((4, 4), 2, stride=1, seed=3)
    page = anim._repr_html_()
    frames = re.findall(r'"data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert len(frames) == len(anim) == 9
    assert "<input data-ck='slider' type='range' min='0' max='8'" in page
    assert "data-ck='play'" in page and "<script>" in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)  # nothing from the network
    assert not re.search(r"\b(fetch|XMLHttpRequest|import)\(", page)
    data = json.loads(re.search(r"var d = (\{.*?\});\n", page, re.S).group(1).replace("<\\/", "</"))
    assert data["captions"] == anim.captions() and data["ms"] == 700


def test_save_gif_png_html(tmp_path):
    from PIL import Image

    anim = E.animate(6, 2, pool="max", ms=250)
    assert anim.plan.stride == (1, 2)  # a 1-D plan is one row; stride 2 as torch's default
    gif = anim.save(tmp_path / "p.gif")
    with Image.open(gif) as im:
        assert im.n_frames == len(anim) == 3 and im.info["duration"] == 250
    png = anim.save(tmp_path / "p.png")
    with Image.open(png) as im:
        assert im.size[1] > 3 * 40
    anim.save(tmp_path / "p.html")
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    # each step once, and the first again as the picture shown before the script runs
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 3 + 1
    with pytest.raises(ValueError, match=r"\.gif .*\.png .*\.html"):
        anim.save(tmp_path / "p.jpg")


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_pool_stride_defaults_to_the_kernel_as_in_torch_and_shape(pool, k):
    torch = pytest.importorskip("torch")
    anim = E.animate((7, 7), k, pool=pool, seed=1)
    name = "MaxPool2d" if pool == "max" else "AvgPool2d"
    explained = E.explain_shapes("1x1x7x7", [f"{name}({k})"])
    layer = getattr(torch.nn, name)(k)
    x = torch.from_numpy(anim.plan.input)[None, None]
    ref = layer(x)[0, 0].numpy()
    assert anim.plan.stride == (k, k)
    assert list(anim.plan.out_shape) == explained["output_shape"][2:] == list(ref.shape)
    np.testing.assert_allclose(anim.plan.output, ref, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:no font with Hangul glyphs")
def test_korean_player():
    anim = E.animate((3, 3), 2, lang="ko", show_values=False)
    assert anim.title.startswith("Conv2d: 입력 3x3, 커널 2x2") and "출력 2x2" in anim.title
    assert anim.captions()[0] == "단계 1/4: out[0,0] = 창 안 4칸에서 커널 × 입력을 모두 더한 값"
    page = anim._repr_html_()
    assert '"play": "\\uc7ac\\uc0dd"' in page  # 재생, escaped for the script


def _run_player(page, actions):
    """Run the player's script in node against a stand-in page; return its state after each
    action ('tick', 'click', or a slider position)."""
    script = re.search(r"<script>(.*)</script>", page, re.S).group(1)
    uid = re.search(r"id='(ck[0-9a-f]+)'", page).group(1)
    harness = """
const els = {};
function el(name) { return els[name] = els[name] || {
  handlers: {}, value: "0", src: "", textContent: "", alt: "",
  addEventListener(kind, fn) { this.handlers[kind] = fn; } }; }
const root = { attrs: {}, querySelector(sel) { return el(sel.match(/data-ck=(\\w+)/)[1]); },
  setAttribute(k, v) { this.attrs[k] = String(v); } };
global.document = { getElementById(id) { return id === "__ID__" ? root : null; } };
let timer = null;
global.setInterval = (fn, ms) => { timer = fn; return 1; };
global.clearInterval = () => { timer = null; };
__SCRIPT__
const out = [];
function state() { out.push({ step: root.attrs["data-step"], caption: els.caption.textContent,
  frame: els.frame.src.length, button: els.play.textContent, playing: timer !== null }); }
state();
for (const a of __ACTIONS__) {
  if (a === "tick") { if (timer) timer(); }
  else if (a === "click") { els.play.handlers.click(); }
  else { els.slider.value = String(a); els.slider.handlers.input(); }
  state();
}
console.log(JSON.stringify(out));
"""
    program = (
        harness.replace("__ID__", uid)
        .replace("__SCRIPT__", script)
        .replace("__ACTIONS__", json.dumps(actions))
    )
    done = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the player's JavaScript")
def test_player_script_plays_pauses_and_follows_the_slider():
    anim = E.animate((3, 3), 2, stride=1)
    captions = anim.captions()
    states = _run_player(anim._repr_html_(), ["click", "tick", "tick", "click", 1, "click"])
    assert [s["step"] for s in states] == ["0", "0", "1", "2", "2", "1", "1"]
    assert states[0]["caption"] == captions[0] and states[5]["caption"] == captions[1]
    assert states[3]["caption"] == captions[2]
    assert [s["playing"] for s in states] == [False, True, True, True, False, False, True]
    assert states[1]["button"] == "pause" and states[4]["button"] == "play"
    # At the end it stops; play again starts from the first step.
    states = _run_player(anim._repr_html_(), [3, "click", "tick"])
    assert [s["step"] for s in states] == ["0", "3", "0", "1"]


def test_a_tensor_keeps_torchs_repr_in_a_notebook():
    torch = pytest.importorskip("torch")
    import convkit as ck

    for data in ([1.0, 2.5], [[1, 2], [3, 4]]):
        ours, theirs = ck.tensor(data), torch.tensor(data)
        assert not hasattr(ours, "_repr_html_")  # Jupyter shows repr(), as it does for torch
        assert repr(ours) == repr(theirs)
