"""The interactive page (``convkit animate --interactive``): its JavaScript arithmetic equals
convkit's Python over a grid of arguments (run in node), the page is one self-contained file, and
in a real headless Chromium a changed control changes the output size and the step shown.

node and Chromium are required where the environment says so (CI, CONVKIT_REQUIRE_BROWSER);
elsewhere a test that needs a missing one is skipped with the reason.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import time

import pytest

from convkit import shapes
from convkit.explain import explain_shapes
from convkit.explain.i18n import attach_particles, error_text, final_sound
from convkit.explain.page import SCRIPTS, WEB_DIR, _messages, page_html, save_page
from convkit.explain.picture_commands import _per_dim, parse_sizes
from convkit.explain.steps import (
    convolution_steps,
    plan_formulas,
    plan_notes,
    plan_title,
    step_caption,
)

from .cdp import Browser, find_chromium

REQUIRED = bool(os.environ.get("CI") or os.environ.get("CONVKIT_REQUIRE_BROWSER"))


def _need(tool: str, found: object) -> None:
    if found:
        return
    reason = f"{tool} is not installed (.ci/run installs it)"
    if REQUIRED:
        pytest.fail(f"{reason}; CI or CONVKIT_REQUIRE_BROWSER is set, so this test must run")
    pytest.skip(reason)


def run_node(body: str, payload: object) -> object:
    """Run ``body`` in node with the page's scripts loaded (``shapes``, ``i18n``, ``steps``) and
    the JSON ``payload`` as ``input``; ``body`` prints its answer as JSON."""
    _need("node", shutil.which("node"))
    modules = {name.removesuffix(".js"): str(WEB_DIR / name) for name in SCRIPTS}
    program = (
        "".join(f"const {k} = require({json.dumps(v)});\n" for k, v in modules.items())
        + "i18n.set_messages("
        + json.dumps(_messages())
        + ");\n"
        + "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        + "function dump(v) { return JSON.stringify(v, (k, x) => x === Infinity ? 'inf' : "
        + "x === -Infinity ? '-inf' : x); }\n"
        + body
    )
    done = subprocess.run(
        ["node", "-e", program],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _num(v):
    """A value as the JSON from node carries it (infinities as strings)."""
    if v is None:
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


# ----------------------------------------------------------------------------------------------
# shapes.js against shapes.py, function by function
# ----------------------------------------------------------------------------------------------


def test_shapes_js_mirrors_shapes_py_over_a_grid():
    sizes, kernels, strides, pads, dils = (
        range(1, 13),
        range(1, 7),
        range(1, 5),
        range(0, 4),
        (1, 2, 3),
    )
    grid = list(itertools.product(sizes, kernels, strides, pads, dils))
    asym = [
        (L, k, s, (a, b), d)
        for L, k, s, (a, b), d in itertools.product(
            range(1, 9), range(1, 5), range(1, 4), [(0, 1), (1, 2), (2, 0)], (1, 2)
        )
    ]
    cases = {"sym": grid, "asym": asym}
    got = run_node(
        """
const out = {conv: [], convf: [], pool: [], poolc: [], poolf: [], poolcf: [], span: [],
  dropped: [], unreached: [], simple: [], divisors: [], asym: [], same: []};
for (const [L, k, s, p, d] of input.sym) {
  out.conv.push(shapes.conv_output_size(L, k, s, p, d));
  out.convf.push(shapes.conv_output_formula(L, k, s, p, d));
  out.pool.push(shapes.pool_output_size(L, k, s, p, d, false));
  out.poolc.push(shapes.pool_output_size(L, k, s, p, d, true));
  out.poolf.push(shapes.pool_output_formula(L, k, s, p, d, false));
  out.poolcf.push(shapes.pool_output_formula(L, k, s, p, d, true));
  out.span.push(shapes.window_span(L, k, s, d));
  out.dropped.push(shapes.ceil_mode_dropped_window(L, k, s, p, d));
  out.unreached.push(shapes.unreached_input(L, k, s, p, d));
  out.simple.push(shapes.simple_output_formula(L, k, s, p));
  const o = shapes.pool_output_size(L, k, s, p, 1, true);
  out.divisors.push(o > 0 ? [shapes.avg_pool_divisors(L, k, s, p, o, true),
    shapes.avg_pool_divisors(L, k, s, p, o, false)] : null);
  out.same.push(shapes.same_padding(k, d));
}
for (const [L, k, s, pair, d] of input.asym) {
  out.asym.push([shapes.conv_output_size(L, k, s, pair, d),
    shapes.conv_output_formula(L, k, s, pair, d), shapes.unreached_input(L, k, s, pair, d)]);
}
console.log(dump(out));
""",
        cases,
    )
    want: dict[str, list] = {key: [] for key in got}
    for L, k, s, p, d in grid:
        want["conv"].append(shapes.conv_output_size(L, k, s, p, d))
        want["convf"].append(shapes.conv_output_formula(L, k, s, p, d))
        want["pool"].append(shapes.pool_output_size(L, k, s, p, d, False))
        want["poolc"].append(shapes.pool_output_size(L, k, s, p, d, True))
        want["poolf"].append(shapes.pool_output_formula(L, k, s, p, d, False))
        want["poolcf"].append(shapes.pool_output_formula(L, k, s, p, d, True))
        want["span"].append(shapes.window_span(L, k, s, d))
        want["dropped"].append(shapes.ceil_mode_dropped_window(L, k, s, p, d))
        want["unreached"].append(shapes.unreached_input(L, k, s, p, d))
        want["simple"].append(shapes.simple_output_formula(L, k, s, p))
        o = shapes.pool_output_size(L, k, s, p, 1, True)
        want["divisors"].append(
            [
                shapes.avg_pool_divisors(L, k, s, p, o, True),
                shapes.avg_pool_divisors(L, k, s, p, o, False),
            ]
            if o > 0
            else None
        )
        want["same"].append(list(shapes.same_padding(k, d)))
    for L, k, s, pair, d in asym:
        want["asym"].append(
            [
                shapes.conv_output_size(L, k, s, pair, d),
                shapes.conv_output_formula(L, k, s, pair, d),
                shapes.unreached_input(L, k, s, pair, d),
            ]
        )
    assert len(grid) > 3000
    for key in want:
        assert got[key] == want[key], key
    # the grid reaches every branch: empty outputs, ceil's dropped window, floor's remainder
    assert min(want["conv"]) <= 0 and any(want["dropped"]) and max(want["unreached"]) > 0


def _shape_error(fn, *args):
    try:
        return {"ok": list(fn(*args))}
    except (RuntimeError, ValueError) as e:
        return {"kind": type(e).__name__, "message": str(e)}


def test_checked_shapes_and_their_errors_mirror_shapes_py():
    rng = random.Random(3)
    conv, pool = [], []
    for _ in range(400):
        n = rng.choice([1, 2])
        spatial = [rng.randint(1, 8) for _ in range(n)]
        kernel = [rng.randint(1, 7) for _ in range(n)]
        stride = [rng.randint(1, 3) for _ in range(n)]
        dilation = [rng.choice([1, 1, 2, 3]) for _ in range(n)]
        pairs = [[rng.randint(0, 2), rng.randint(0, 2)] for _ in range(n)]
        padding = [rng.randint(0, 3) for _ in range(n)]
        conv.append(["Conv%dd" % n, spatial, kernel, stride, pairs, dilation])
        pool.append(
            ["MaxPool%dd" % n, spatial, kernel, stride, padding, dilation, rng.random() < 0.5]
        )
    got = run_node(
        """
function attempt(fn, args) {
  try { return {ok: fn.apply(null, args)}; }
  catch (e) { return {kind: e.kind, message: e.message}; }
}
console.log(dump({
  conv: input.conv.map(a => attempt(shapes.conv_output_shape, a)),
  pool: input.pool.map(a => attempt(shapes.pool_output_shape, a)),
  padding: input.padding.map(a => attempt(shapes.conv_padding, a)),
}));
""",
        {
            "conv": conv,
            "pool": pool,
            "padding": [
                ["same", [3, 4], [1, 1], [1, 2]],
                ["same", [3, 3], [2, 1], [1, 1]],
                ["valid", [3, 3], [2, 2], [1, 1]],
                ["full", [3], [1], [1]],
                [[1, 2], [3, 3], [1, 1], [1, 1]],
                [-1, [3, 3], [1, 1], [1, 1]],
                [[1, 2, 3], [3, 3], [1, 1], [1, 1]],
            ],
        },
    )
    want_conv = [
        _shape_error(shapes.conv_output_shape, op, sp, k, s, [tuple(p) for p in pairs], d)
        for op, sp, k, s, pairs, d in conv
    ]
    want_pool = [_shape_error(shapes.pool_output_shape, *args) for args in pool]
    assert got["conv"] == want_conv
    assert got["pool"] == want_pool
    kinds = {g.get("kind") for g in want_conv + want_pool}
    assert {None, "RuntimeError"} <= kinds  # both outcomes are in the grid
    assert any("pad should be at most half" in g.get("message", "") for g in want_pool)
    want_padding = []
    for padding, kernel, stride, dilation in [
        ("same", (3, 4), (1, 1), (1, 2)),
        ("same", (3, 3), (2, 1), (1, 1)),
        ("valid", (3, 3), (2, 2), (1, 1)),
        ("full", (3,), (1,), (1,)),
        ((1, 2), (3, 3), (1, 1), (1, 1)),
        (-1, (3, 3), (1, 1), (1, 1)),
        ((1, 2, 3), (3, 3), (1, 1), (1, 1)),
    ]:
        try:
            pairs = shapes.conv_padding(padding, kernel, stride, dilation, warn=False)
            want_padding.append({"ok": [list(p) for p in pairs]})
        except (ValueError, RuntimeError) as e:
            want_padding.append({"kind": type(e).__name__, "message": str(e)})
    assert got["padding"] == want_padding


# ----------------------------------------------------------------------------------------------
# steps.js against steps.py: every plan, step, value, caption and error
# ----------------------------------------------------------------------------------------------

NAMES = {f: f for f in ("input", "kernel", "stride", "padding", "dilation")}


def _params(
    input="5x5",
    kernel="3",
    stride="",
    padding="0",
    dilation="1",
    padding_mode="zeros",
    pool=None,
    ceil_mode=False,
):
    return dict(
        input=input,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        padding_mode=padding_mode,
        pool=pool,
        ceil_mode=ceil_mode,
    )


# Chosen by hand: each refusal convkit has, and the cases that are easy to get wrong.
EDGE_CASES = [
    _params(),
    _params("227x227", "11", "4"),  # the note's example 1: too many steps to draw
    _params("7x7", "2", pool="max"),  # torch's default stride for pooling: the kernel
    _params("5x7", "3x2", "2x1", "1x0"),  # asymmetric everything
    _params("7", "3", "2", "1"),  # 1-D
    _params("7", "3x2"),  # a 2-d kernel for a 1-d input
    _params("6", "4", padding="same"),  # asymmetric 'same': (1, 2)
    _params("6x5", "4x2", padding="same", dilation="3x1"),
    _params("5x5", "3", "2", "same"),  # 'same' with a stride
    _params("5x5", "3", padding="full"),  # not a padding word: a parse error like the CLI's
    _params("5x5", "3", padding="Same"),
    _params("5x5", "abc"),
    _params("5x", "3"),
    _params("2x3x4", "1"),
    _params("0x5", "1"),
    _params("5x5", "0"),
    _params("5x5", "3", "0"),
    _params("5x5", "3", dilation="0"),
    _params("5x5", "3", padding="-1"),
    _params("3x3", "5"),  # kernel larger than the padded input
    _params("3x3", "3", dilation="3"),
    _params("4x4", "2", padding="2", pool="max"),  # padding > kernel // 2
    _params("2x2", "3", pool="avg"),  # pooling output too small
    _params("5x5", "2", "2", pool="max", ceil_mode=True),  # ceil mode's overhang
    _params("5x5", "3", "2", "1", pool="avg", ceil_mode=True),
    _params("4x4", "3", "2", "1", pool="max", ceil_mode=True),  # ceil drops a window
    _params("6x6", "2", pool="avg", dilation="2"),  # avg has no dilation
    _params("6x6", "2", pool="max", padding_mode="reflect"),
    _params("6x6", "2", pool="avg", padding_mode="circular"),
    _params("6x6", "2", pool="max", padding="same"),
    _params("5x5", "3", ceil_mode=True),  # ceil_mode without pooling
    _params("3x3", "3", padding="3", padding_mode="reflect"),  # reflect needs pad < size
    _params("3x3", "3", padding="2", padding_mode="reflect"),
    _params("3x3", "3", padding="4", padding_mode="circular"),  # wraps more than once
    _params("3x3", "3", padding="3", padding_mode="circular"),
    _params("2x5", "3", padding="2x1", padding_mode="replicate"),
    _params("7x8", "3", "3", "1", pool="avg"),  # divisors that give 2.125-like fractions
    _params("8x8", "2x4", "1x3", "1x2", pool="avg", ceil_mode=True),
    _params("24x24", "1"),  # 576 steps: too many
    _params("14x14", "1"),  # 196 steps: the most drawn
    _params("20x20", "3", padding="3"),  # grid side 26 > 24
    _params(" 5 x 5 ", "3"),  # spaces, as int() takes them
    _params("5*5", "+3", "1_0"),
    _params("5x5", "3", padding_mode="bogus"),
]


def _grid_cases(count: int) -> list[dict]:
    rng = random.Random(2024)
    cases = []
    for _ in range(count):
        pool = rng.choice([None, None, "max", "avg"])
        cases.append(
            _params(
                input=rng.choice(["5x5", "4x7", "7x4", "6x6", "3x8", "1x6", "8", "5", "3x3"]),
                kernel=rng.choice(["1", "2", "3", "3", "2x3", "3x1", "4"]),
                stride=rng.choice(["", "", "1", "2", "3", "2x1"]),
                padding=rng.choice(["0", "0", "1", "2", "1x0", "same", "valid"]),
                dilation=rng.choice(["1", "1", "1", "2", "2x1"]),
                padding_mode=rng.choice(["zeros", "zeros", "reflect", "replicate", "circular"])
                if pool is None
                else rng.choice(["zeros"] * 9 + ["reflect"]),
                pool=pool,
                ceil_mode=pool is not None and rng.random() < 0.4,
            )
        )
    return cases


def python_side(p: dict, lang: str) -> dict:
    """What convkit's Python makes of the page's fields: ``convkit animate``'s parsing (in its
    order: input, padding, kernel, stride, dilation), then ``convolution_steps``."""
    try:
        size = parse_sizes(p["input"], "input")
        padding = (
            p["padding"] if p["padding"] in ("same", "valid") else _per_dim(p["padding"], "padding")
        )
        kernel = _per_dim(p["kernel"], "kernel")
        stride = None if p["stride"] == "" else _per_dim(p["stride"], "stride")
        dilation = _per_dim(p["dilation"], "dilation")
        plan = convolution_steps(
            size,
            kernel,
            stride,
            padding,
            dilation,
            padding_mode=p["padding_mode"],
            pool=p["pool"],
            ceil_mode=p["ceil_mode"],
        )
    except (ValueError, TypeError, RuntimeError) as e:
        return {"kind": type(e).__name__, "error": error_text(e, lang)}
    n = len(plan.steps)
    return {
        "title": plan_title(plan, lang),
        "formulas": plan_formulas(plan, lang),
        "notes": plan_notes(plan, lang),
        "out_shape": list(plan.out_shape),
        "origin": list(plan.origin),
        "grid": [
            [_num(v) if k != "overhang" else None for v, k in zip(row, kinds, strict=True)]
            for row, kinds in zip(plan.grid.tolist(), plan.grid_kind.tolist(), strict=True)
        ],
        "grid_kind": plan.grid_kind.tolist(),
        "unread": plan.unread.tolist(),
        "output": plan.output.tolist(),
        "steps": [
            {
                "position": list(s.position),
                "value": _num(s.value),
                "taps": [
                    [
                        list(t.kernel),
                        list(t.cell),
                        t.kind,
                        _num(t.value),
                        None if t.source is None else list(t.source),
                    ]
                    for t in s.taps
                ],
            }
            for s in plan.steps
        ],
        "captions": [step_caption(plan, k, True, lang) for k in range(n)],
        "quiet": [step_caption(plan, k, False, lang) for k in range(n)],
    }


JS_SIDE = """
const out = input.cases.map(([p, lang]) => {
  let plan;
  try { plan = steps.plan_from_text(p, input.names); }
  catch (e) {
    if (!(e instanceof shapes.CKError)) throw e;
    return {kind: e.kind, error: i18n.error_text(e, lang)};
  }
  const n = plan.steps.length;
  const r = {
    title: steps.plan_title(plan, lang),
    formulas: steps.plan_formulas(plan, lang),
    notes: steps.plan_notes(plan, lang),
    out_shape: plan.out_shape, origin: plan.origin, grid: plan.grid, grid_kind: plan.grid_kind,
    unread: plan.unread, output: plan.output,
    steps: plan.steps.map(s => ({position: s.position, value: s.value,
      taps: s.taps.map(t => [t.kernel, t.cell, t.kind, t.value, t.source])})),
    captions: [], quiet: [],
    simple: steps.simple_form(plan, lang), code: steps.layer_code(plan), ndim: plan.ndim,
  };
  for (let k = 0; k < n; k++) {
    r.captions.push(steps.step_caption(plan, k, true, lang));
    r.quiet.push(steps.step_caption(plan, k, false, lang));
  }
  return r;
});
console.log(dump(out));
"""


def test_page_plans_equal_convkits_steps_over_a_grid():
    cases = [(p, "en") for p in EDGE_CASES + _grid_cases(420)]
    cases += [(p, "ko") for p in EDGE_CASES] + [(p, "ko") for p in _grid_cases(420)[::4]]
    got = run_node(JS_SIDE, {"cases": cases, "names": NAMES})
    ok = errors = 0
    for (p, lang), js in zip(cases, got, strict=True):
        want = python_side(p, lang)
        extra = {k: js.pop(k) for k in ("simple", "code", "ndim") if k in js}
        assert js == want, (p, lang)
        if "error" in want:
            errors += 1
            continue
        ok += 1
        if lang == "en":
            _check_against_the_explainer(p, want, extra)
    # hundreds of plans drawn, and every kind of refusal seen
    assert ok >= 250 and errors >= 60, (ok, errors)
    kinds = {python_side(p, "en").get("kind") for p in EDGE_CASES}
    assert {"AnimateError", "RuntimeError", "ValueError"} <= kinds


def _check_against_the_explainer(p: dict, want: dict, extra: dict) -> None:
    """The page's torch code, run through ``convkit shape``, gives the same output shape,
    formulas and the note's simple form as the page shows."""
    n = extra["ndim"]
    size = "x".join(str(v) for v in want["out_shape"][2 - n :])
    given = p["input"].strip().replace(" ", "").replace("*", "x")
    result = explain_shapes(f"1x1x{given}", [extra["code"]])
    assert result["ok"], (extra["code"], result)
    layer = result["layers"][0]
    assert "x".join(str(v) for v in layer["output_shape"][2:]) == size
    assert layer["formula"] == extra["simple"]["legend"]
    assert layer["simple"] == extra["simple"]["simple"]
    assert layer["steps"][:n] == want["formulas"]


def test_korean_particles_mirror_i18n():
    words = [
        "28",
        "10",
        "100",
        "1000",
        "10000",
        "0",
        "3.5",
        "2.0",
        "kernel",
        "padding",
        "Conv2d",
        "Flatten",
        "input",
        "weight",
        "stack",
        "ReLU",
        "MLP",
        "CNN",
        "(2, 2)",
        "Conv2d(1, 5)",
        "'reflect'",
        "-inf",
        "zeros",
        "'/tmp/x.gif'",
        "합성곱",
        "커널",
        "값",
        "(3,)",
        "x",
        "]",
    ]
    texts = [
        f"{w}이(가) 왔습니다; {w}은(는) {w}(으)로 {w}을(를) {w}과(와) {w}이다(다)" for w in words
    ]
    got = run_node(
        "console.log(dump({sounds: input.words.map(i18n.final_sound), "
        "texts: input.texts.map(i18n.attach_particles)}));",
        {"words": words, "texts": texts},
    )
    assert got["sounds"] == [final_sound(w) for w in words]
    assert got["texts"] == [attach_particles(t) for t in texts]
    assert set(got["sounds"]) == {None, "rieul", "other"}


# ----------------------------------------------------------------------------------------------
# The file and the command
# ----------------------------------------------------------------------------------------------


def test_the_page_is_one_self_contained_file(tmp_path):
    page = page_html((5, 5), 3, stride=2, padding=1)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)  # nothing fetched
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert not re.search(r"\b(fetch|XMLHttpRequest|importScripts|WebSocket)\s*\(", page)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    data = json.loads(re.search(r"window\.CK_PAGE_DATA = (\{.*?\});\n", page, re.S).group(1))
    assert data["initial"] == {
        "input": "5x5",
        "kernel": "3",
        "stride": "2",
        "padding": "1",
        "dilation": "1",
        "padding_mode": "zeros",
        "pool": None,
        "ceil_mode": False,
        "show_values": True,
        "lang": "en",
        "ms": 700,
    }
    for name in SCRIPTS:  # each script once, inline
        head = (WEB_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        assert page.count(head) == 1
    # a setting the animation refuses is refused here too, with the same error
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        page_html((4, 4), 2, padding=2, pool="max")
    path = save_page(tmp_path / "p.html", input_size=7, kernel_size=3, lang="ko")
    assert '<html lang="ko">' in open(path, encoding="utf-8").read()


def _cli(argv, capsys):
    from convkit.cli import main

    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_animate_interactive_writes_the_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    code, text, err = _cli(
        [
            "animate",
            "--input",
            "6x6",
            "--kernel",
            "2",
            "--pool",
            "max",
            "--interactive",
            "-o",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    assert (
        text.splitlines()[0] == "MaxPool2d: input 6x6, kernel 2x2, stride 2, padding 0, "
        "dilation 1 -> output 3x3"
    )
    assert text.splitlines()[-1] == f"wrote {out} (9 steps in an interactive page)"
    page = out.read_text(encoding="utf-8")
    assert '"pool": "max"' in page and 'data-ck="out-size"' in page
    # without --interactive the .html output is still the player, frames drawn by Python
    code, text, err = _cli(["animate", "-o", str(tmp_path / "player.html")], capsys)
    assert code == 0 and "data:image/png;base64," in (tmp_path / "player.html").read_text()
    for extra, message in [
        (["-o", str(tmp_path / "x.gif")], "-o must end in .html, got"),
        (["--transposed", "-o", str(out)], "covers convolution and pooling"),
        (["--seed", "1", "-o", str(out)], "takes no --seed"),
        (["--input", "3x3", "--kernel", "5", "-o", str(out)], "kernel is larger than the padded"),
    ]:
        code, text, err = _cli(["animate", "--interactive", *extra], capsys)
        assert code == 1 and message in err, err


# ----------------------------------------------------------------------------------------------
# A real browser: load the page, change controls, read what it shows
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    exe = find_chromium()
    _need("chromium", exe)
    with Browser(exe, width=1280, height=900) as b:
        yield b


def _text(b: Browser, name: str) -> str:
    return b.evaluate(f"document.querySelector('[data-ck={name}]').textContent")


def _step(b: Browser) -> str:
    return b.evaluate("document.querySelector('[data-ck=page]').dataset.step")


def _expected(p: dict, step: int = 0, lang: str = "en") -> tuple[str, str]:
    plan = python_side(p, lang)
    n = len(p["input"].split("x"))
    return " x ".join(str(v) for v in plan["out_shape"][2 - n :]), plan["captions"][step]


def test_browser_changes_controls_and_reads_back_size_and_step(browser, tmp_path):
    save_page(tmp_path / "page.html", input_size=(7, 7), kernel_size=3, stride=2, padding=1)
    started = time.monotonic()
    browser.open((tmp_path / "page.html").as_uri())
    p = _params("7x7", "3", "2", "1")
    assert (_text(browser, "out-size"), _text(browser, "caption")) == _expected(p)
    assert _text(browser, "out-size") == "4 x 4"  # floor((7 + 2 - 2 - 1)/2) + 1
    assert _text(browser, "formulas").splitlines()[0] == "H: " + shapes.conv_output_formula(
        7, 3, 2, 1
    )

    # stride 2 -> 3: typed into the field as a person types
    browser.type_into("[data-ck=stride]", "3")
    p["stride"] = "3"
    assert (_text(browser, "out-size"), _text(browser, "caption")) == _expected(p)
    assert _text(browser, "out-size") == "3 x 3"  # floor((7 + 2 - 2 - 1)/3) + 1

    # padding 1 -> 0
    browser.type_into("[data-ck=padding]", "0")
    p["padding"] = "0"
    assert (_text(browser, "out-size"), _text(browser, "caption")) == _expected(p)
    assert _text(browser, "out-size") == "2 x 2"  # floor((7 + 0 - 2 - 1)/3) + 1

    # the next-step button and the slider move the step; the caption follows
    browser.click("[data-ck=next]")
    assert _text(browser, "caption") == _expected(p, 1)[1]
    assert _step(browser) == "1"

    # max pooling with ceil_mode, by clicking
    browser.type_into("[data-ck=stride]", "")
    browser.type_into("[data-ck=kernel]", "2")
    browser.click("[data-ck=op-max]")
    browser.click("[data-ck=ceil_mode]")
    p.update(kernel="2", stride="", pool="max", ceil_mode=True)
    size, _ = _expected(p)
    assert size == "4 x 4" == _text(browser, "out-size")  # ceil((7 - 2)/2) + 1
    assert _text(browser, "caption") == _expected(p, 1)[1]
    notes = _text(browser, "notes")
    assert "ceil mode: the last window hangs over the edge" in notes

    # an impossible setting shows convkit's error, and no output size
    browser.type_into("[data-ck=padding]", "2")
    p["padding"] = "2"
    want = python_side(p, "en")
    assert want["kind"] == "RuntimeError"
    assert _text(browser, "error") == "error: " + want["error"]
    assert _text(browser, "out-size") == "\u2014"
    browser.type_into("[data-ck=padding]", "1")
    p["padding"] = "1"
    assert _text(browser, "error") == "" and _text(browser, "out-size") == _expected(p)[0]

    # the arrow key adds one to the input size: 7x7 -> 8x8
    browser.evaluate("document.querySelector('[data-ck=input]').focus()")
    browser.press("ArrowUp", "ArrowUp", 38)
    p["input"] = "8x8"
    assert browser.evaluate("document.querySelector('[data-ck=input]').value") == "8x8"
    assert _text(browser, "out-size") == _expected(p)[0]

    # play runs through the steps by itself
    browser.evaluate(
        "document.querySelector('[data-ck=speed]').value = 150; "
        "document.querySelector('[data-ck=speed]').dispatchEvent(new Event('input'))"
    )
    browser.click("[data-ck=first]")
    browser.click("[data-ck=play]")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and int(_step(browser)) < 3:
        time.sleep(0.05)
    browser.click("[data-ck=play]")  # pause
    k = int(_step(browser))
    assert k >= 3 and _text(browser, "caption") == _expected(p, k)[1]

    # Korean, chosen in the page: the same numbers in the note's language
    browser.evaluate(
        "const s = document.querySelector('[data-ck=lang]'); s.value = 'ko'; "
        "s.dispatchEvent(new Event('change'))"
    )
    browser.click("[data-ck=first]")
    assert _text(browser, "caption") == _expected(p, 0, "ko")[1]
    assert _text(browser, "title") == python_side(p, "ko")["title"]
    print(f"browser test: {time.monotonic() - started:.1f} s")


def test_browser_draws_the_window_and_padding(browser, tmp_path):
    save_page(tmp_path / "p.html", input_size=(5, 5), kernel_size=3, stride=2, padding=1)
    browser.open((tmp_path / "p.html").as_uri())
    kinds = browser.evaluate(
        "[...document.querySelectorAll('[data-ck=svg] rect[data-kind]')].map(r => r.dataset.kind)"
    )
    assert kinds.count("input") == 25 and kinds.count("pad") == 7 * 7 - 25
    box = browser.evaluate(
        "(() => { const r = document.querySelector('[data-ck=window]'); "
        "return [r.getAttribute('width'), r.getAttribute('height')].map(Number); })()"
    )
    cell = browser.evaluate(
        "Number(document.querySelector('[data-ck=svg] rect[data-kind]').getAttribute('width'))"
    )
    assert box == [3 * cell, 3 * cell]  # the 3x3 window
    assert (
        browser.evaluate("document.querySelector('[data-ck=svg]').getBoundingClientRect().width")
        > 300
    )
