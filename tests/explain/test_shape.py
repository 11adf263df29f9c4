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
