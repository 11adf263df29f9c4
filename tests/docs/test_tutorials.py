"""The tutorials (docs/tutorials), run top to bottom in a Jupyter kernel with nbclient, every code
cell's output checked against torch (the oracle) and convkit's shapes; and a notebook built here
showing convkit's rich display: HTML tables for a summary and a shape explanation, the inline
player for an animation."""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
import time

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from convkit import shapes
from convkit.data import load_digits, stratified_split
from convkit.explain.steps import convolution_steps, step_caption

_BUILD = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "tutorials", "build.py")
_spec = importlib.util.spec_from_file_location("tutorials_build", _BUILD)
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

torch = pytest.importorskip("torch")
TF = torch.nn.functional

NOTEBOOKS = sorted(build.paths().items())
# The values the tutorial computes with (01_convolution): a 4 x 4 image and 3 x 3 kernel
# (the classic hand-worked example), and a 4 x 4 input for pooling.
IMAGE = [[1.0, 2.0, 3.0, 0.0], [0.0, 1.0, 2.0, 3.0], [3.0, 0.0, 1.0, 2.0], [2.0, 3.0, 0.0, 1.0]]
KERNEL = [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]
POOL = [[1.0, 3.0, 2.0, 1.0], [4.0, 2.0, 0.0, 1.0], [1.0, 1.0, 5.0, 6.0], [0.0, 2.0, 7.0, 8.0]]


def run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Execute ``nb`` in a fresh python3 kernel (Jupyter's own inline matplotlib backend, as a
    learner has it, whatever MPLBACKEND this process has)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client = NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(build.HERE)}},
    )
    client.execute(env=env)
    return nb


@pytest.fixture(scope="module")
def executed():
    """Each tutorial, executed once (with its run time)."""
    done = {}
    for (name, lang), path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        started = time.monotonic()
        run(nb)
        done[name, lang] = (nb, time.monotonic() - started)
    return done


# ----- reading a cell's outputs ---------------------------------------------------------------


def stdout(cell) -> str:
    return "".join(
        o["text"] for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"
    )


def rich(cell, mime: str) -> list:
    return [
        o["data"][mime]
        for o in cell.outputs
        if o.output_type in ("display_data", "execute_result") and mime in o.get("data", {})
    ]


def one_html(cell) -> str:
    found = rich(cell, "text/html")
    assert len(found) == 1, cell.outputs
    return found[0]


# ----- the expected output of each kind of cell -----------------------------------------------


def t(values):
    return torch.tensor(values)


def check_silent(cell, lang):
    assert cell.outputs == []


def check_hand_conv(cell, lang):
    want = TF.conv2d(t(IMAGE)[None, None], t(KERNEL)[None, None])[0, 0]
    assert stdout(cell) == repr(want) + "\n"


def check_conv2d(cell, lang):
    want = TF.conv2d(t(IMAGE)[None, None], t(KERNEL)[None, None])
    assert stdout(cell) == repr(want) + "\nTrue\n"


def check_pad(cell, lang):
    assert stdout(cell) == repr(TF.pad(t(IMAGE)[None, None], (1, 1, 1, 1))[0, 0]) + "\n"


def check_conv_stride_padding(cell, lang):
    want = TF.conv2d(t(IMAGE)[None, None], t(KERNEL)[None, None], stride=2, padding=1)[0, 0]
    assert stdout(cell) == repr(want) + "\n"


def _check_player(cell, lang, plan):
    page = one_html(cell)
    assert "class='ck-player'" in page and "data-ck='slider'" in page
    frames = re.findall(r'"data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert len(frames) == len(plan.steps)
    data = json.loads(re.search(r"var d = (\{.*?\});\n", page, re.S).group(1).replace("<\\/", "</"))
    assert data["captions"] == [step_caption(plan, k, True, lang) for k in range(len(plan.steps))]
    assert rich(cell, "text/plain")  # a terminal still gets the title and the formulas


def check_player_conv(cell, lang):
    plan = convolution_steps((4, 4), 3, input_values=IMAGE, kernel_values=KERNEL)
    out = TF.conv2d(t(IMAGE)[None, None], t(KERNEL)[None, None])[0, 0].numpy()
    np.testing.assert_array_equal(plan.output, out)
    _check_player(cell, lang, plan)


def check_player_stride_padding(cell, lang):
    plan = convolution_steps((4, 4), 3, 2, 1, input_values=IMAGE, kernel_values=KERNEL)
    _check_player(cell, lang, plan)


def check_player_pool(cell, lang):
    plan = convolution_steps((4, 4), 2, pool="max", input_values=POOL)
    np.testing.assert_array_equal(plan.output, TF.max_pool2d(t(POOL)[None, None], 2)[0, 0])
    _check_player(cell, lang, plan)


def _check_example(i):
    h, w, k, s, p = build.EXAMPLES[i - 1]

    def check(cell, lang):
        conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p)
        out = conv(torch.zeros(1, 1, h, w))
        assert stdout(cell) == (
            f"Convolution : {conv!r}\n"
            f"inputs shape: convkit.Size([1, 1, {h}, {w}])\n"
            f"outputs shape: convkit.Size({list(out.shape)})\n"
        )
        page = html.unescape(one_html(cell))
        assert "<table" in page and "1 x 1 x {} x {}".format(*out.shape[2:]) in page
        for size in (h, w):
            assert shapes.conv_output_formula(size, k, s, p) in page
            assert shapes.simple_output_formula(size, k, s, p) in page

    return check


def check_params(cell, lang):
    def count(layer):
        return sum(q.numel() for q in layer.parameters())

    assert stdout(cell) == (
        f"perceptron : {count(torch.nn.Linear(28 * 28, 24 * 24))}\n"
        f"convolution: {count(torch.nn.Conv2d(1, 1, 5))}\n"
    )


def check_neuron(cell, lang):
    conv, neuron = re.fullmatch(
        r"convolution (-?\d+\.\d{4})\nneuron      (-?\d+\.\d{4})\n", stdout(cell)
    ).groups()
    # Four decimals: float32 sums in another order (the GEMM's blocking depends on the thread
    # count) can differ in the sixth, which once made this check flaky.
    assert conv == neuron


def check_pool(cell, lang):
    x = t(POOL)[None, None]
    assert stdout(cell) == f"{TF.max_pool2d(x, 2)!r}\n{TF.avg_pool2d(x, 2)!r}\n"


def check_cnn_cell(cell, lang):
    out = torch.nn.Conv2d(1, 5, 5)(torch.zeros(1, 1, 28, 28))
    out2 = torch.nn.MaxPool2d(2)(out)
    assert stdout(cell) == f"convkit.Size({list(out.shape)})\nconvkit.Size({list(out2.shape)})\n"


def check_cnn_explain(cell, lang):
    page = one_html(cell)
    assert "<table" in page and "1 x 5 x 24 x 24" in page and "1 x 5 x 12 x 12" in page


class TorchTinyCNN(torch.nn.Module):
    """The tutorial's model, in torch."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 5, 5)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(5 * 2 * 2, 10)


def check_model(cell, lang):
    assert rich(cell, "text/plain") == [repr(TorchTinyCNN()).replace("TorchTinyCNN", "TinyCNN")]


def check_summary(cell, lang):
    page = one_html(cell)
    total = sum(q.numel() for q in TorchTinyCNN().parameters())
    assert "<table" in page and f"{total:,}" in page
    for shape in ("1 x 5 x 4 x 4", "1 x 5 x 2 x 2", "1 x 10"):
        assert shape in page


def check_data(cell, lang):
    _, labels = load_digits()
    test = int(stratified_split(labels, 0.2).sum())
    train = len(labels) - test
    assert stdout(cell) == (
        f"Digits({train} images of shape (1, 8, 8), 10 classes)\n"
        f"Digits({test} images of shape (1, 8, 8), 10 classes)\n"
        "convkit.Size([64, 1, 8, 8]) convkit.Size([64])\n"
    )


def check_train(cell, lang):
    rows = re.findall(
        r"^epoch +(\d+)  loss (\d+\.\d{4})  train acc (\d\.\d{3})  test acc (\d\.\d{3})$",
        stdout(cell),
        re.M,
    )
    assert [int(r[0]) for r in rows] == list(range(1, 9)), stdout(cell)
    loss = [float(r[1]) for r in rows]
    test_acc = [float(r[3]) for r in rows]
    # cross-entropy of 10 classes starts near ln(10) = 2.3 and falls; the note's small model
    # learns the digits (chance is 0.1)
    assert loss[0] < 2.5 and loss[-1] < loss[0] / 4
    assert test_acc[-1] > 0.85


def check_plot(cell, lang):
    images = rich(cell, "image/png")
    assert len(images) == 1
    png = base64.b64decode(images[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000


CHECKS = {
    "silent": check_silent,
    "hand-conv": check_hand_conv,
    "conv2d": check_conv2d,
    "player-conv": check_player_conv,
    "pad": check_pad,
    "conv-stride-padding": check_conv_stride_padding,
    "player-stride-padding": check_player_stride_padding,
    **{f"example-{i}": _check_example(i) for i in range(1, 6)},
    "params": check_params,
    "neuron": check_neuron,
    "pool": check_pool,
    "player-pool": check_player_pool,
    "cnn-cell": check_cnn_cell,
    "cnn-explain": check_cnn_explain,
    "model": check_model,
    "summary": check_summary,
    "data": check_data,
    "train": check_train,
    "plot": check_plot,
}


@pytest.mark.parametrize("key", [key for key, _ in NOTEBOOKS], ids="_".join)
def test_tutorial_runs_and_every_output_is_right(executed, key):
    nb, seconds = executed[key]
    lang = key[1]
    checked = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.source, errors)
        # nothing on stderr (a machine without a Hangul font only warns that Korean text in
        # the player's pictures shows as boxes)
        for o in cell.outputs:
            if o.output_type == "stream" and o.name == "stderr":
                assert "no font with Hangul glyphs" in o.text, (cell.source, o.text)
        (tag,) = [t.removeprefix("check:") for t in cell.metadata.get("tags", [])]
        CHECKS[tag](cell, lang)
        checked += 1
    assert checked >= 8
    print(f"{key[0]}_{key[1]}: {checked} code cells checked, {seconds:.1f} s")


def test_the_tutorials_are_what_build_writes():
    """The checked-in notebooks are build.py's output (run it after changing the text)."""
    for (name, lang), path in NOTEBOOKS:
        on_disk = nbformat.read(path, as_version=4)
        fresh = build.build(name, lang)
        assert [(c.cell_type, c.source, c.get("metadata")) for c in on_disk.cells] == [
            (c.cell_type, c.source, c.get("metadata")) for c in fresh.cells
        ], path
        assert all(c.get("outputs", []) == [] for c in on_disk.cells), "clear the outputs"
        assert all(c.get("execution_count") is None for c in on_disk.cells if c.cell_type == "code")
    # both languages tell the same story: the same cells, the same checks, in the same order
    for name in build.NOTEBOOKS:
        ko, en = build.build(name, "ko"), build.build(name, "en")
        assert [c.get("metadata") for c in ko.cells] == [c.get("metadata") for c in en.cells]


def test_notebook_shows_summary_explanation_and_player():
    """convkit's objects in a notebook: text/html tables for ``convkit.summary`` and a shape
    explanation, the inline player for an animation (and text/plain beside each)."""
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import convkit, convkit.nn as nn\n"
                "convkit.summary(nn.Sequential(nn.Conv2d(1, 5, 5), nn.MaxPool2d(2)), "
                "(1, 1, 28, 28))"
            ),
            new_code_cell(
                "from convkit.explain import explain_shapes, animate\n"
                'explain_shapes("1x1x28x28", "Conv2d(1, 5, 5), MaxPool2d(2)")'
            ),
            new_code_cell("animate((5, 5), 3, stride=2, padding=1)"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    run(nb)
    summary, explanation, player = nb.cells
    for cell in nb.cells:
        assert [o.output_type for o in cell.outputs] == ["execute_result"]
        assert set(cell.outputs[0]["data"]) == {"text/html", "text/plain"}
    page = one_html(summary)
    assert "<table" in page and "1 x 5 x 24 x 24" in page and "130" in page
    assert rich(summary, "text/plain")[0].startswith("Sequential on input 1 x 1 x 28 x 28")
    page = one_html(explanation)
    assert "<table" in page and "1 x 5 x 12 x 12" in page
    _check_player(player, "en", convolution_steps((5, 5), 3, 2, 1))
