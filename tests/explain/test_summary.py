"""``convkit summary``: LeNet-5's numbers against torch and hand-computed values, the receptive
fields, the recording being undone, model loading (built-in, factory, checkpoint) and the CLI."""

import json
import sys
import types

import numpy as np
import pytest
import torch

import convkit
import convkit.nn as nn
from convkit import cli
from convkit.explain import summary
from convkit.explain.model_summary import SummaryError, load_model_for_summary
from convkit.explain.model_summary import summary as summary_function
from convkit.models import LeNet5


def torch_lenet5():
    """The same network as convkit.models.LeNet5, written in torch (the oracle)."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(400, 120),
        torch.nn.ReLU(),
        torch.nn.Linear(120, 84),
        torch.nn.ReLU(),
        torch.nn.Linear(84, 10),
    )


def test_lenet5_against_torch_and_hand_counts():
    s = summary(LeNet5((1, 28, 28), 10), (1, 1, 28, 28))
    ref = torch_lenet5()
    assert s.total_params == sum(p.numel() for p in ref.parameters()) == 61_706
    assert s.trainable_params == 61_706
    # Per layer: output shapes and parameters as torch has them.
    shapes_seen = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: shapes_seen.append(list(o.shape))) for m in ref
    ]
    ref(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    assert [row.output_shape for row in s.layers] == shapes_seen
    assert [row.params for row in s.layers] == [sum(p.numel() for p in m.parameters()) for m in ref]
    # By hand: params (C_out*C_in*k*k + C_out; in*out + out) and MACs (outputs * C_in*k*k;
    # out*in).
    assert [row.params for row in s.layers if row.params] == [
        6 * 1 * 25 + 6,
        16 * 6 * 25 + 16,
        400 * 120 + 120,
        120 * 84 + 84,
        84 * 10 + 10,
    ]
    assert [row.macs for row in s.layers if row.macs] == [
        6 * 28 * 28 * 1 * 25,
        16 * 10 * 10 * 6 * 25,
        400 * 120,
        120 * 84,
        84 * 10,
    ]
    assert s.total_macs == 117_600 + 240_000 + 48_000 + 10_080 + 840 == 416_520
    # r_out = r_in + (k-1)*d*j_in, j_out = j_in*s: conv5 -> 5; pool2 -> 6 (jump 2);
    # conv5 -> 6 + 4*2 = 14; pool2 -> 14 + 1*2 = 16 (jump 4).
    assert [row.receptive_field for row in s.layers[:6]] == [
        [5, 5],
        [5, 5],
        [6, 6],
        [14, 14],
        [14, 14],
        [16, 16],
    ]
    assert [row.jump for row in s.layers[:6]] == [[1, 1], [1, 1], [2, 2], [2, 2], [2, 2], [4, 4]]
    assert s.layers[6].receptive_field is None  # Flatten
    # Outputs of all 12 layers, 4 bytes each.
    assert s.activation_bytes == 4 * sum(torch.Size(shape).numel() for shape in shapes_seen)
    assert s.param_bytes == 4 * 61_706 and s.input_bytes == 4 * 784
    text = str(s)
    assert "Total params: 61,706" in text and "Total MACs: 416,520" in text
    assert "features.3    Conv2d" in text and "16x16" in text


def test_receptive_field_with_dilation_and_strides():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=2, dilation=2),
        nn.ReLU(),
        nn.MaxPool2d((3, 2), stride=(1, 2)),
        nn.Conv2d(2, 2, (1, 5), stride=(3, 1)),
    )
    s = summary(model, "1x1x40x40")
    # conv: r = 1 + 2*2*1 = 5, j = 2; pool: r = 5 + (3-1)*1*2 = 9 | 5 + 1*2 = 7, j = 2 | 4;
    # conv (1, 5): r = 9 + 0 = 9 | 7 + 4*4 = 23, j = 6 | 4.
    assert [row.receptive_field for row in s.layers] == [[5, 5], [5, 5], [9, 7], [9, 23]]
    assert [row.jump for row in s.layers] == [[2, 2], [2, 2], [2, 4], [6, 4]]


def test_recording_is_undone_and_modes_restored():
    model = LeNet5((1, 28, 28), 10)
    model.train()
    model.classifier[0].eval()
    summary(model, (2, 1, 28, 28))
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert not any(m._forward_hooks for m in model.modules())  # the recorder's hooks are gone
    assert model.training and not model.classifier[0].training and model.features[0].training
    out = model(convkit.zeros(2, 1, 28, 28))
    assert tuple(out.shape) == (2, 10)


def test_shared_module_counts_parameters_once():
    conv = nn.Conv2d(2, 2, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU(), conv)
    s = summary(model, (1, 2, 6, 6))
    assert [row.params for row in s.layers] == [2 * 2 * 9 + 2, 0, 0]
    assert s.total_params == 38 and s.total_macs == 2 * (2 * 36 * 18)


def test_a_failing_model_says_where():
    with pytest.raises(SummaryError, match=r"after flatten \(Flatten, output 1 x 576\)"):
        summary(LeNet5((1, 28, 28), 10), (1, 1, 32, 32))


def test_load_models(tmp_path, monkeypatch):
    model, size = load_model_for_summary("lenet5")
    assert size == (1, 1, 28, 28) and isinstance(model, LeNet5)
    model, size = load_model_for_summary("vgg-small", "3x16x16", num_classes=4)
    assert size == (1, 3, 16, 16) and model.classifier[1].out_features == 4
    with pytest.raises(ValueError, match="unknown model"):
        load_model_for_summary("nosuchnet")
    # package.module:factory
    module = types.ModuleType("summary_test_factory")
    module.tiny = lambda input_shape=(1, 8, 8), num_classes=10: nn.Sequential(
        nn.Conv2d(input_shape[0], 3, 3), nn.Flatten(), nn.Linear(3 * 6 * 6, num_classes)
    )
    monkeypatch.setitem(sys.modules, "summary_test_factory", module)
    model, size = load_model_for_summary("summary_test_factory:tiny")
    assert size == (1, 1, 8, 8) and summary(model, size).total_params == 30 + 1090
    # A PyTorch .pt state dict (read without torch) with its architecture named.
    import torch

    weights = LeNet5()
    path = tmp_path / "lenet.pt"
    torch.save(
        {k: torch.from_numpy(np.array(v.data)) for k, v in weights.state_dict().items()}, path
    )
    model, size = load_model_for_summary(str(path), "1x1x28x28", arch="lenet5")
    assert size == (1, 1, 28, 28) and summary(model, size).total_params == 61706
    np.testing.assert_array_equal(
        model.classifier[4].weight.data, weights.classifier[4].weight.data
    )
    with pytest.raises(SummaryError, match="holds weights only"):
        load_model_for_summary(str(path))
    path = tmp_path / "m.fake"
    path.write_text("x")
    with pytest.raises(SummaryError, match="cannot read .fake files"):
        load_model_for_summary(str(path))
    with pytest.raises(SummaryError, match="no such file"):
        load_model_for_summary(str(tmp_path / "missing.safetensors"))


def test_checkpoint_summary(tmp_path, capsys):
    from convkit.optim import Adam
    from convkit.weights import Checkpoint, DataInfo, RngState, TrainConfig, write_checkpoint

    model = LeNet5((1, 12, 12), 3)
    path = tmp_path / "checkpoint.safetensors"
    record = Checkpoint(
        TrainConfig(model="lenet5").resolved(),
        DataInfo("digits", (1, 12, 12), 3, ["a", "b", "c"]),
        0,
        [],
        model.state_dict(),
        Adam(model.parameters(), 0.001).state_dict(),
        RngState.capture(),
    )
    write_checkpoint(str(path), record)
    assert cli.main(["summary", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["input_size"] == [1, 1, 12, 12]
    assert result["total_params"] == sum(p.numel() for p in model.parameters())
    assert result["layers"][-1]["output_shape"] == [1, 3]


def test_cli(capsys):
    assert cli.main(["summary", "lenet5", "--input", "1x1x28x28"]) == 0
    out = capsys.readouterr().out
    assert "LeNet5 on input 1 x 1 x 28 x 28" in out and "Total params: 61,706" in out
    assert "Forward activations:" in out and "4 bytes" in out
    assert cli.main(["summary", "lenet5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total_params"] == 61_706 and result["total_macs"] == 416_520
    assert cli.main(["summary", "nosuchnet"]) == 1
    assert "unknown model" in capsys.readouterr().err
    assert cli.main(["summary", "lenet5", "--input", "1xq"]) == 2


def test_receptive_field_formula():
    from convkit import shapes

    assert shapes.receptive_field(1, 1, 5) == (5, 1)
    assert shapes.receptive_field(6, 2, 5, 1, 1) == (14, 2)
    assert shapes.receptive_field(5, 2, 3, 2, 2) == (13, 4)


def test_exported_name():
    import convkit
    import convkit.explain

    assert convkit.explain.summary is summary_function is summary is convkit.summary


def test_import_convkit_does_not_import_explain():
    import subprocess

    check = (
        "import convkit, sys; "
        "assert not any(m.startswith('convkit.explain') for m in sys.modules), "
        "[m for m in sys.modules if m.startswith('convkit.explain')]; "
        "s = convkit.summary; "
        "assert 'convkit.explain' in sys.modules and s.__module__ == "
        "'convkit.explain.model_summary'"
    )
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_summary_displays_as_a_table_in_text_and_html():
    s = summary(LeNet5((1, 28, 28), 10), "1x1x28x28")
    assert repr(s) == str(s)  # not a dataclass dump
    assert repr(s).startswith("LeNet5 on input 1 x 1 x 28 x 28\n")
    page = s._repr_html_()
    assert page.startswith("<div class='ck'>") and page.count("<tr>") == 1 + len(s.layers)
    assert "features.3" in page and "61,706" in page and "416,520" in page
    assert "<script" not in page and "http" not in page


def test_summary_in_korean(capsys):
    assert cli.main(["summary", "lenet5", "--lang", "ko"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("LeNet5, 입력 1 x 1 x 28 x 28")
    assert "전체 파라미터: 61,706" in out and "수용 영역" in out and "Total" not in out
    with pytest.raises(SummaryError) as failed:
        summary(LeNet5((1, 28, 28), 10), (1, 1, 32, 32), lang="ko")
    assert failed.value.render("ko").startswith(
        "모델이 1 x 1 x 32 x 32 입력을 flatten(Flatten, 출력 1 x 576) 다음에서 실패했습니다"
    )
    assert cli.main(["summary", "nosuchnet", "--lang", "ko"]) == 1
    assert "convkit summary: 오류: (영어 원문) unknown model" in capsys.readouterr().err
    korean = summary(LeNet5((1, 28, 28), 10), (1, 1, 28, 28), lang="ko")
    assert "학습되는 파라미터" in str(korean) and "출력 모양" in korean._repr_html_()
    assert korean.to_dict()["macs_note"].startswith("MACs: Conv, ConvTranspose, Linear 가중치")
