"""``convkit shape``: the seed note's examples as golden text, the JSON against convkit.shapes and
torch over a grid, the refusal of anything but a layer call, Korean output and the error paths."""

import itertools
import json
import os
import pathlib

import pytest
import torch

from convkit import cli, shapes
from convkit.explain import (
    LayerBuildError,
    LayerSyntaxError,
    ShapeInputError,
    explain_shapes,
    parse_layer,
    parse_shape,
)

GOLDEN = pathlib.Path(__file__).parent / "golden"

# The seed note's five Conv2d examples and its CNN cell, each as a `convkit shape` call.
SEED_CALLS = {
    "seed_example_1": ["1x1x227x227", "Conv2d(1, 1, 11, stride=4, padding=0)"],
    "seed_example_2": ["1x1x64x64", "Conv2d(1, 1, 7, stride=2, padding=0)"],
    "seed_example_3": ["1x1x32x32", "Conv2d(1, 1, 5, stride=1, padding=2)"],
    "seed_example_4": ["1x1x32x64", "Conv2d(1, 1, 5, stride=1, padding=0)"],
    "seed_example_5": ["1x1x64x32", "Conv2d(1, 1, 3, stride=1, padding=1)"],
    "seed_cnn_cell": ["1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)"],
    "seed_cnn_cell_ko": ["--lang", "ko", "1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)"],
    "impossible_conv": ["1x1x3x3", "Conv2d(1, 1, 5)"],
}
# The output shapes printed in the note (torch's).
SEED_SHAPES = {
    "seed_example_1": [1, 1, 55, 55],
    "seed_example_2": [1, 1, 29, 29],
    "seed_example_3": [1, 1, 32, 32],
    "seed_example_4": [1, 1, 28, 60],
    "seed_example_5": [1, 1, 64, 32],
    "seed_cnn_cell": [1, 5, 12, 12],
}


def run_cli(capsys, *argv):
    code = cli.main(["shape", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(SEED_CALLS))
def test_golden_text(name, capsys):
    code, out, _ = run_cli(capsys, *SEED_CALLS[name])
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("CONVKIT_REGENERATE_GOLDEN") == "1":  # deliberate regeneration only
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
    assert code == (1 if name.startswith("impossible") else 0)


@pytest.mark.parametrize("name", sorted(SEED_SHAPES))
def test_seed_json_matches_the_note(name, capsys):
    code, out, _ = run_cli(capsys, "--json", *SEED_CALLS[name])
    result = json.loads(out)
    assert code == 0 and result["ok"]
    assert result["output_shape"] == SEED_SHAPES[name]
    assert all(layer["checked"] for layer in result["layers"])


def _torch_shape(text, shape):
    """The output shape torch gives for the same layer call (the test oracle)."""
    call = parse_layer(text)
    layer = getattr(torch.nn, call.name)(*call.args, **call.kwargs)
    with torch.no_grad():
        out = layer(torch.zeros(*shape))
    return list((out[0] if isinstance(out, tuple) else out).shape)


CONV_GRID = list(itertools.product([5, 8, 13], [1, 3, 4], [1, 2, 3], [0, 1, 2], [1, 2]))


@pytest.mark.parametrize("L,k,s,p,d", CONV_GRID)
def test_conv_json_against_shapes_and_torch(L, k, s, p, d):
    text = f"Conv1d(2, 3, {k}, stride={s}, padding={p}, dilation={d})"
    result = explain_shapes(f"1x2x{L}", [text])
    layer = result["layers"][0]
    want = shapes.conv_output_size(L, k, s, p, d)
    assert layer["steps"][0] == f"L: {shapes.conv_output_formula(L, k, s, p, d)}"
    if want <= 0:
        assert not result["ok"] and layer["output_shape"] is None
        assert shapes.conv_output_formula(L, k, s, p, d) in layer["error"]
        with pytest.raises(RuntimeError):
            _torch_shape(text, (1, 2, L))
        return
    assert result["ok"] and layer["checked"]
    assert layer["output_shape"] == [1, 3, want] == _torch_shape(text, (1, 2, L))
    unreached = shapes.unreached_input(L, k, s, p, d) - p
    assert any("never covered" in n for n in layer["notes"]) == (unreached > 0)


@pytest.mark.parametrize("L,k,s,p,d", [c for c in CONV_GRID if c[3] <= c[1] // 2])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_json_against_shapes_and_torch(L, k, s, p, d, ceil_mode):
    text = f"MaxPool1d({k}, stride={s}, padding={p}, dilation={d}, ceil_mode={ceil_mode})"
    result = explain_shapes(f"2x{L}", [text])
    layer = result["layers"][0]
    assert layer["steps"] == [f"L: {shapes.pool_output_formula(L, k, s, p, d, ceil_mode)}"]
    want = shapes.pool_output_size(L, k, s, p, d, ceil_mode)
    if want <= 0:
        assert not result["ok"]
        with pytest.raises(RuntimeError):
            _torch_shape(text, (2, L))
        return
    assert layer["output_shape"] == [2, want] == _torch_shape(text, (2, L))
    assert layer["checked"]
    dropped = (
        ceil_mode
        and shapes.unreached_input(L, k, s, p, d) > 0
        and shapes.ceil_mode_dropped_window(L, k, s, p, d)
    )
    assert any("dropped" in n for n in layer["notes"]) == dropped


@pytest.mark.parametrize(
    "L,k,s,p", [(7, 3, 2, 1), (8, 3, 3, 1), (4, 3, 2, 1), (9, 2, 2, 0), (5, 4, 3, 2)]
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool_2d_against_torch(L, k, s, p, ceil_mode):
    text = f"AvgPool2d(({k}, 2), stride=({s}, 1), padding=({p}, 1), ceil_mode={ceil_mode})"
    result = explain_shapes(f"1x2x{L}x{L + 1}", [text])
    assert result["ok"]
    assert result["output_shape"] == _torch_shape(text, (1, 2, L, L + 1))


@pytest.mark.parametrize(
    "L,k,s,p,d",
    [
        (L, k, s, p, d)
        for L, k, s, p, d in itertools.product([1, 3, 6], [1, 2, 3], [1, 2, 3], [0, 1], [1, 2])
    ],
)
def test_conv_transpose_json_against_shapes_and_torch(L, k, s, p, d):
    for op in range(max(s, d)):
        text = (
            f"ConvTranspose1d(2, 1, {k}, stride={s}, padding={p}, output_padding={op}, "
            f"dilation={d})"
        )
        result = explain_shapes(f"1x2x{L}", [text])
        layer = result["layers"][0]
        assert layer["steps"][0] == f"L: {shapes.conv_transpose_output_formula(L, k, s, p, d, op)}"
        want = shapes.conv_transpose_output_size(L, k, s, p, d, op)
        if want <= 0:
            assert not result["ok"]
            with pytest.raises(RuntimeError):
                _torch_shape(text, (1, 2, L))
            continue
        assert layer["output_shape"] == [1, 1, want] == _torch_shape(text, (1, 2, L))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(
    "text,shape",
    [
        ("AdaptiveAvgPool2d((3, None))", (1, 2, 10, 7)),
        ("AdaptiveMaxPool2d(4)", (2, 5, 6)),
        ("AdaptiveAvgPool1d(8)", (1, 1, 5)),
        ("AdaptiveAvgPool3d((1, 2, 3))", (1, 1, 4, 5, 6)),
        ("Conv3d(1, 2, (1, 2, 3), stride=(1, 2, 1), padding=(0, 1, 1))", (1, 1, 4, 5, 6)),
        ("ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1)", (1, 2, 5, 6)),
        ("Conv2d(2, 2, 4, padding='same', dilation=(1, 3))", (1, 2, 9, 9)),
        ("Conv2d(4, 6, 3, groups=2, padding_mode='reflect', padding=1)", (4, 5, 5)),
        ("Flatten(0, 1)", (2, 3, 4)),
        ("Linear(4, 2)", (2, 3, 4)),
        ("BatchNorm1d(3)", (2, 3, 4)),
        ("Unfold(2, stride=2)", (1, 3, 5, 6)),
        ("Fold((4, 5), 2)", (1, 12, 12)),
        ("MaxPool3d(2, ceil_mode=True)", (1, 1, 3, 4, 5)),
        ("LPPool2d(2, 3, stride=2)", (1, 1, 7, 8)),
        ("Softmax(dim=1)", (2, 3)),
        ("nn.GELU()", (2, 3, 4)),
        ("torch.nn.Dropout2d(0.2)", (2, 3, 4, 5)),
    ],
)
def test_other_layers_against_torch(text, shape):
    result = explain_shapes(shape, [text])
    assert result["ok"], result
    assert result["output_shape"] == _torch_shape(
        text.replace("torch.nn.", "").replace("nn.", ""), shape
    )
    assert result["layers"][0]["checked"]
    assert result["layers"][0]["steps"]


def test_adaptive_steps_use_the_bins_formula():
    layer = explain_shapes("1x1x10x7", ["AdaptiveAvgPool2d(3)"])["layers"][0]
    assert layer["steps"][0] == f"H: {shapes.adaptive_pool_formula(10, 3)}"
    assert "[0, 4) [3, 7) [6, 10)" in layer["steps"][0]
    assert any("overlap" in n for n in layer["notes"])


# ----------------------------------------------------------------------------------------------
# Refusing anything but a layer call: nothing may run
# ----------------------------------------------------------------------------------------------


def _hostile(marker):
    touch = f"__import__('os').system('touch {marker}')"
    return [
        touch,
        f"Conv2d(1, 1, {touch})",
        f"Conv2d(1, 1, 3); {touch}",
        f"Conv2d(1, 1, 3)\n{touch}",
        f"Conv2d(1, 1, 3) + {touch}",
        f"Conv2d(1, 1, kernel_size=[{touch}])",
        f"nn.Conv2d.__init__.__globals__['os'].system('touch {marker}')",
        f"(lambda: {touch})()",
        f"Conv2d(*[1, 1, {touch}])",
        f"Conv2d(**{{'in_channels': {touch}}})",
        f"getattr(__import__('os'), 'system')('touch {marker}')",
        f"Conv2d(1, 1, 3)[{touch}]",
        "Conv2d(1, 1, (lambda: 3)())",
        f"Conv2d(1, 1, [x for x in ({touch},)])",
        f"Conv2d(1, 1, f'{{{touch}}}')",
        f"os.system('touch {marker}')",
        f"torch.nn.functional.conv2d(1, 1, {touch})",
        f"Conv2d(1, 1, 3 if {touch} else 2)",
        f"Conv2d(1, 1, (k := {touch}))",
        "Conv2d(1, 1, kernel)",
        "Conv2d(1, 1, 10**10)",
        "Conv2d(1, 1, {3: 3})",
        "import os",
        "'Conv2d(1, 1, 3)'",
        "",
    ]


@pytest.mark.parametrize("index", range(25))
def test_refuses_everything_but_a_layer_call(index, tmp_path, capsys):
    marker = tmp_path / "marker"
    text = _hostile(marker)[index]
    code, out, err = run_cli(capsys, "1x1x8x8", "Conv2d(1, 1, 3)", text)
    assert code == 2
    assert out == ""  # refused before anything, even the valid first layer, was explained
    assert "convkit shape: error:" in err
    assert not marker.exists()
    with pytest.raises(LayerSyntaxError):
        parse_layer(text)
    assert not marker.exists()


def test_refusal_messages_say_why():
    with pytest.raises(LayerSyntaxError, match="only literal values"):
        parse_layer("Conv2d(1, 1, x)")
    with pytest.raises(LayerSyntaxError, match="not a layer the explainer knows"):
        parse_layer("os.system('ls')")
    with pytest.raises(LayerSyntaxError, match="not a single layer call"):
        parse_layer("Conv2d(1, 1, 3); Conv2d(1, 1, 3)")
    call = parse_layer("torch.nn.Conv2d(1, 2, (3, 5), stride=-1, padding='same', bias=False)")
    assert (call.name, call.args) == ("Conv2d", (1, 2, (3, 5)))
    assert call.kwargs == {"stride": -1, "padding": "same", "bias": False}


def test_constructor_errors_are_usage_errors(capsys):
    code, out, err = run_cli(capsys, "1x1x8x8", "Conv2d(1, 1, 0)")
    assert code == 2 and "kernel_size should be greater than zero" in err
    code, out, err = run_cli(capsys, "1x1x8x8", "Conv2d(1, 1)")
    assert code == 2 and "kernel_size" in err
    with pytest.raises(LayerBuildError, match="in_channels must be divisible by groups"):
        explain_shapes("1x3x8x8", ["Conv2d(3, 2, 3, groups=2)"])


def test_huge_layers_are_not_initialised():
    result = explain_shapes("1x25088", ["Linear(25088, 4096)"])
    assert result["output_shape"] == [1, 4096]
    assert not result["layers"][0]["checked"]  # too large to run on zeros
    with pytest.raises(LayerBuildError, match="weights"):
        explain_shapes("1x10", ["Linear(100000, 100000)"])


# ----------------------------------------------------------------------------------------------
# Errors, notes, input forms, Korean
# ----------------------------------------------------------------------------------------------


def test_impossible_layer_exit_code_and_message(capsys):
    code, out, _ = run_cli(capsys, "1x1x3x3", "Conv2d(1, 1, 5)", "ReLU()")
    assert code == 1
    assert "H: floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1" in out
    assert "kernel is larger than the padded input" in out and "padding >= 1" in out
    assert "ReLU" not in out  # the walk stops at the impossible layer
    code, out, _ = run_cli(capsys, "--json", "1x1x3x3", "Conv2d(1, 1, 5)")
    result = json.loads(out)
    assert code == 1 and not result["ok"] and result["layers"][0]["output_shape"] is None
    code, out, _ = run_cli(capsys, "1x1x5x5", "MaxPool2d(3, padding=2)")
    assert code == 1 and "pad should be at most half of kernel size" in out


def test_linear_and_channel_mismatch(capsys):
    code, out, _ = run_cli(
        capsys, "1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten()", "Linear(700, 10)"
    )
    assert code == 1 and "Use Linear(720, 10)" in out
    code, out, _ = run_cli(
        capsys, "1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)", "Linear(720, 10)"
    )
    assert code == 1 and "The flattened size is 720: put Flatten() before" in out
    code, out, _ = run_cli(capsys, "1x1x28x28", "Conv2d(1, 5, 5)", "Linear(10, 2)")
    assert (
        code == 1
        and "Flatten() would give 2880: put Flatten() first and use Linear(2880, 2)" in out
    )
    code, out, _ = run_cli(capsys, "1x1x28x28", "Conv2d(1, 5, 5)", "Conv2d(3, 5, 5)")
    assert code == 1 and "in_channels=3" in out and "has 5 channels" in out
    assert "the previous layer (Conv2d(1, 5" in out


def test_notes_a_learner_would_miss():
    same = explain_shapes("1x1x9x9", ["Conv2d(1, 1, 4, padding='same')"])["layers"][0]
    assert same["output_shape"] == [1, 1, 9, 9]
    assert "H: floor((9 + 1 + 2 - 1*(4-1) - 1)/1) + 1 = 9" in same["steps"]
    assert any("1*(4-1) = 3 -> (1, 2)" in n and "goes after" in n for n in same["notes"])
    keep = explain_shapes("1x1x32x64", ["Conv2d(1, 1, 5)"])["layers"][0]
    assert any("padding=2" in n for n in keep["notes"])
    odd = explain_shapes("1x1x8x8", ["Conv2d(1, 1, 4)"])["layers"][0]
    assert any("only padding='same'" in n for n in odd["notes"])
    floor = explain_shapes("1x1x64x64", ["Conv2d(1, 1, 7, stride=2)"])["layers"][0]
    assert any("last input row (index 63)" in n for n in floor["notes"])
    ceil = explain_shapes("1x1x8", ["MaxPool1d(3, stride=3, padding=1, ceil_mode=True)"])
    assert ceil["output_shape"] == [1, 1, 3]
    assert any("dropped" in n for n in ceil["layers"][0]["notes"])
    unbatched = explain_shapes("5x4x4", ["Flatten()"])["layers"][0]
    assert unbatched["output_shape"] == [5, 16]
    assert not any("Flatten(0)" in n for n in unbatched["notes"])  # unknown without a conv
    unbatched = explain_shapes("1x4x4", ["Conv2d(1, 5, 1)", "Flatten()"])["layers"][1]
    assert any("Flatten(0)" in n for n in unbatched["notes"])


@pytest.mark.parametrize(
    "text,want",
    [
        ("1x1x227x227", (1, 1, 227, 227)),
        ("1,1,227,227", (1, 1, 227, 227)),
        ("(1, 3, 32, 32)", (1, 3, 32, 32)),
        ("3x28x28", (3, 28, 28)),
        ([1, 2], (1, 2)),
    ],
)
def test_parse_shape(text, want):
    assert parse_shape(text) == want


@pytest.mark.parametrize("text", ["1x0x3", "axb", "", "1x-1", "1.5x2"])
def test_parse_shape_rejects(text, capsys):
    with pytest.raises(ShapeInputError):
        parse_shape(text)
    code, _, err = run_cli(capsys, text or " ", "ReLU()")
    assert code == 2 and "input shape" in err


def test_unbatched_input(capsys):
    code, out, _ = run_cli(capsys, "--json", "1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)")
    assert code == 0 and json.loads(out)["output_shape"] == [5, 12, 12]


def test_korean(capsys):
    code, out, _ = run_cli(
        capsys, "--lang", "ko", "1x1x64x64", "Conv2d(1, 1, 7, stride=2)", "MaxPool2d(2)"
    )
    assert code == 0
    for word in ("입력", "출력", "참고", "행", "열", "창", "stride를 주지 않았으므로"):
        assert word in out
    assert "H: floor((64 + 2*0 - 1*(7-1) - 1)/2) + 1 = 29" in out  # formulas unchanged
    code, out, _ = run_cli(capsys, "--lang", "ko", "1x1x3x3", "Conv2d(1, 1, 5)")
    assert code == 1 and "오류" in out and "출력 크기가 -1" in out
    assert "H: floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1" in out
    code, out, _ = run_cli(
        capsys,
        "--lang",
        "ko",
        "--json",
        "1x1x28x28",
        "Conv2d(1, 5, 5)",
        "MaxPool2d(2)",
        "Linear(720, 10)",
    )
    result = json.loads(out)
    assert code == 1 and "Flatten()" in result["layers"][-1]["error"]
    assert "펼친 크기" in result["layers"][-1]["error"]


def test_modules_can_be_passed_directly():
    import convkit.nn as nn

    result = explain_shapes((1, 1, 28, 28), [nn.Conv2d(1, 5, 5), nn.MaxPool2d(2)])
    assert result["output_shape"] == [1, 5, 12, 12]
    assert result["layers"][0]["layer"] == "Conv2d(1, 5, kernel_size=(5, 5), stride=(1, 1))"


# ----------------------------------------------------------------------------------------------
# What learners paste, "did you mean", the note's simple form, advice that agrees
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,guess",
    [
        ("conv2d(1, 1, 3)", "Did you mean Conv2d?"),
        ("nn.Conv2D(1, 1, 3)", "Did you mean Conv2d?"),
        ("maxpool2d(2)", "Did you mean MaxPool2d?"),
        ("F.relu()", "Did you mean ReLU?"),
        ("Conv2d(1, 1, 3, strid=2)", "Did you mean stride=?"),
        ("MaxPool2d(2, ceilmode=True)", "Did you mean ceil_mode=?"),
        ("Linear(4, 2, biass=False)", "Did you mean bias=?"),
    ],
)
def test_did_you_mean(text, guess, capsys):
    code, out, err = run_cli(capsys, "1x1x8x8", text)
    assert code == 2 and out == "" and guess in err


PASTED = [
    "1x1x28x28",
    ["Conv2d(1, 5, 5)", "ReLU()", "MaxPool2d(2)", "Flatten()", "Linear(720, 10)"],
]


@pytest.mark.parametrize(
    "layers",
    [
        ["conv = nn.Conv2d(1, 5, 5)", "act = nn.ReLU()", "self.pool = nn.MaxPool2d(2)"]
        + ["nn.Flatten", "fc = nn.Linear(720, 10)"],
        [
            "nn.Sequential(nn.Conv2d(1, 5, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), "
            "nn.Linear(720, 10))"
        ],
        ["Conv2d(1, 5, 5), ReLU, MaxPool2d(2), Flatten(), Linear(720, 10)"],
        ["Conv2d(1, 5, 5) ReLU MaxPool2d(2) Flatten() Linear(720, 10)"],
        ["torch.nn.Conv2d(1, 5, 5); nn.ReLU()\nMaxPool2d(2)", "Flatten Linear(720, 10)"],
        ["nn.Sequential(\n    nn.Conv2d(1, 5, 5),\n    nn.ReLU(),\n)", "MaxPool2d(2) Flatten()"]
        + ["Linear (720, 10)"],
    ],
)
def test_accepts_what_learners_paste(layers):
    want = explain_shapes(PASTED[0], PASTED[1])
    got = explain_shapes(PASTED[0], layers)
    assert got["ok"] and got["output_shape"] == want["output_shape"] == [1, 10]
    assert [e["layer"] for e in got["layers"]] == [e["layer"] for e in want["layers"]]


def test_sequential_module_and_the_note_first_example(capsys):
    import convkit.nn as nn

    model = nn.Sequential(nn.Conv2d(1, 5, 5), nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)))
    assert explain_shapes("1x1x28x28", model)["output_shape"] == [1, 5, 12, 12]
    code, out, _ = run_cli(capsys, "--json", "1x1x227x227", "conv = nn.Conv2d(1, 1, 11, stride=4)")
    assert code == 0 and json.loads(out)["output_shape"] == [1, 1, 55, 55]


def test_a_pasted_text_is_still_only_parsed(tmp_path):
    marker = tmp_path / "marker"
    for text in (
        f"ReLU, __import__('os').system('touch {marker}')",
        f"nn.Sequential(nn.ReLU(), __import__('os').system('touch {marker}'))",
        f"x = __import__('os').system('touch {marker}')",
    ):
        with pytest.raises(LayerSyntaxError):
            explain_shapes("1x4", [text])
    assert not marker.exists()


@pytest.mark.parametrize(
    "L,k,s,p", list(itertools.product([5, 8, 13, 28], [1, 3, 4], [1, 2, 3], [0, 1, 2]))
)
def test_simple_form_equals_the_general_formula_and_torch(L, k, s, p):
    text = shapes.simple_output_formula(L, k, s, p)
    value = shapes.conv_output_size(L, k, s, p, 1)
    assert text.endswith(f" = {value}")
    assert text.startswith("floor(") == bool((L - k + 2 * p) % s)
    assert f"({L} - {k} + 2*{p})/{s}" in text
    if value > 0:
        assert [1, 1, value] == _torch_shape(
            f"Conv1d(1, 1, {k}, stride={s}, padding={p})", (1, 1, L)
        )
        layer = explain_shapes(f"1x1x{L}", [f"Conv1d(1, 1, {k}, stride={s}, padding={p})"])
        assert layer["layers"][0]["simple"] == [f"L: {text}"]


def test_simple_form_only_where_it_holds_and_d_is_named():
    conv = explain_shapes("1x1x9x9", ["Conv2d(1, 1, 3, dilation=2)"])["layers"][0]
    assert conv["simple"] == [] and "d dilation" in conv["formula"]
    same = explain_shapes("1x1x9x9", ["Conv2d(1, 1, 4, padding='same')"])["layers"][0]
    assert same["simple"] == []  # (1, 2): not the same padding on both sides
    assert any("d = dilation" in n for n in same["notes"])
    ceil = explain_shapes("1x1x9", ["MaxPool1d(2, ceil_mode=True)"])["layers"][0]
    assert ceil["simple"] == [] and ceil["formula"].startswith("ceil(")
    pool = explain_shapes("1x1x9", ["MaxPool1d(2)"])["layers"][0]
    assert pool["simple"] == ["L: floor((9 - 2 + 2*0)/2) + 1 = 4"]
    seed = explain_shapes("1x1x227x227", ["Conv2d(1, 1, 11, stride=4)"])["layers"][0]
    assert "(N - F + 2P)/S + 1" in seed["formula"]
    assert seed["simple"] == ["H: (227 - 11 + 2*0)/4 + 1 = 55", "W: (227 - 11 + 2*0)/4 + 1 = 55"]
    text = str(explain_shapes("1x1x227x227", ["Conv2d(1, 1, 11, stride=4)"]))
    assert "    H: floor((227 + 2*0 - 1*(11-1) - 1)/4) + 1 = 55\n       = (227 - 11" in text


@pytest.mark.parametrize(
    "shape,layers,fixed",
    [
        # The Flatten note says Flatten(0); the Linear advice must say the same.
        (
            "1x28x28",
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten()", "Linear(720, 10)"],
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten(0)", "Linear(720, 10)"],
        ),
        (
            "1x28x28",
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Linear(720, 10)"],
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten(0)", "Linear(720, 10)"],
        ),
        (
            "1x28x28",
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten()", "Linear(100, 10)"],
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten(0)", "Linear(720, 10)"],
        ),
        (
            "1x1x28x28",
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Linear(720, 10)"],
            ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten()", "Linear(720, 10)"],
        ),
    ],
)
def test_flatten_note_and_linear_advice_agree(shape, layers, fixed):
    result = explain_shapes(shape, layers)
    assert not result["ok"]
    error = result["layers"][-1]["error"]
    notes = " ".join(n for e in result["layers"] for n in e["notes"])
    wanted_flatten = next(x for x in fixed if x.startswith("Flatten"))
    assert wanted_flatten in error
    assert "Linear(720, 10)" in error or "this Linear fits" in error or "before the Linear" in error
    if "Flatten(0)" in notes:
        assert "Flatten(0)" in error and "Use Linear(" not in error
    # Following the advice works.
    assert explain_shapes(shape, fixed)["ok"]


@pytest.mark.parametrize(
    "shape,layer,guess",
    [
        ("28x28", "Conv2d(1, 5, 5)", "1x28x28"),
        ("32x32", "Conv2d(3, 8, 3)", "3x32x32"),
        ("28x28", "MaxPool2d(2)", "1x28x28"),
        ("10", "Conv1d(2, 2, 3)", "2x10"),
    ],
)
def test_missing_channel_dimension_gets_a_guess(shape, layer, guess, capsys):
    code, out, _ = run_cli(capsys, shape, layer)
    assert code == 1 and f"Did you mean {guess}?" in out
    assert explain_shapes(guess, [layer])["ok"]


def test_json_errors_are_json(capsys):
    for argv, kind in (
        (["1x1x8x8", "conv2d(1, 1, 3)"], "LayerSyntaxError"),
        (["1xq", "ReLU"], "ShapeInputError"),
        (["1x1x8x8", "Conv2d(1, 1, 0)"], "LayerBuildError"),
    ):
        code, out, err = run_cli(capsys, "--json", *argv)
        result = json.loads(out)
        assert code == 2 and err == ""
        assert result["ok"] is False and result["kind"] == kind and result["error"]
    code, out, _ = run_cli(capsys, "--json", "--lang", "ko", "1x1x8x8", "conv2d(1, 1, 3)")
    assert "Conv2d를 쓰려던 것인가요?" in json.loads(out)["error"]
    assert cli.main(["summary", "nosuchnet", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and "unknown model" in result["error"]


@pytest.mark.parametrize(
    "argv",
    [
        ["shape", "1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)"],
        ["shape", "--json", "1x1x28x28", "Conv2d(1, 5, 5)"],
        ["summary", "lenet5"],
        ["demo"],
    ],
)
def test_a_closed_pipe_ends_quietly(argv):
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `| head -1`
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "convkit", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert proc.stderr == ""
    assert proc.returncode == 141


def test_explanation_displays_as_text_and_html():
    result = explain_shapes("1x1x28x28", ["Conv2d(1, 5, 5)", "MaxPool2d(2)"])
    assert str(result) == repr(result) == cli_text(["1x1x28x28", "Conv2d(1, 5, 5)", "MaxPool2d(2)"])
    page = result._repr_html_()
    assert page.startswith("<div class='ck'>") and "<table>" in page
    assert "floor((28 + 2*0 - 1*(5-1) - 1)/1) + 1 = 24" in page
    assert "(28 - 5 + 2*0)/1 + 1 = 24" in page and "1 x 5 x 12 x 12" in page
    assert "<script" not in page and "http" not in page
    assert json.loads(json.dumps(result)) == result.to_dict()
    korean = explain_shapes("1x1x28x28", ["Conv2d(1, 5, 5)"], lang="ko")
    assert "출력" in korean._repr_html_() and "출력" in str(korean)


def cli_text(argv):
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        cli.main(["shape", *argv])
    return buffer.getvalue()
