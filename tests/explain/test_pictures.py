"""convkit filters and convkit featuremaps on a tiny checkpoint trained in the test."""

import numpy as np
import pytest

import convkit as ck
from convkit import nn
from convkit.cli import main
from convkit.explain import pictures as P
from convkit.nn import functional as F
from convkit.predict import prepare_image
from convkit.training import TrainConfig, train
from convkit.weights import read_checkpoint
from tests.test_training import small_digits


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A one-epoch seednet checkpoint and a digit image (dark ink on white paper, 24x24)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("pictures")
    config = TrainConfig(
        model="seednet", epochs=1, batch_size=32, out=str(root / "run"), progress=False
    )
    train(config, log=lambda *a: None, data=small_digits())
    digit = np.asarray(small_digits()[1][0][0].data)[0]  # (8, 8) in [0, 1], ink high
    paper = (255 - digit / digit.max() * 255).astype(np.uint8)
    Image.fromarray(paper).resize((24, 24), Image.NEAREST).save(root / "digit.png")
    return root / "run" / "checkpoint.safetensors", root / "digit.png"


def run_cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_load_model_from_a_training_checkpoint(trained):
    ckpt_path, _ = trained
    model, info = P.load_model(str(ckpt_path))
    assert info["input_shape"] == (1, 8, 8) and len(info["classes"]) == 10
    saved = read_checkpoint(str(ckpt_path)).model
    np.testing.assert_array_equal(model.features[0].weight.data, saved["features.0.weight"].data)
    assert [name for name, _ in P.conv_layers(model)] == ["features.0", "features.3"]


def test_load_model_from_state_dicts(trained, tmp_path):
    ckpt_path, _ = trained
    model, _ = P.load_model(str(ckpt_path))
    plain = tmp_path / "weights.safetensors"
    ck.save(model.state_dict(), plain)
    with pytest.raises(ValueError, match="holds weights only.*--model NAME"):
        P.load_model(str(plain))
    again, info = P.load_model(str(plain), model="seednet", input_shape=(1, 8, 8))
    np.testing.assert_array_equal(again.classifier.weight.data, model.classifier.weight.data)
    with pytest.raises(ValueError, match="--input CxHxW"):
        P.load_model(str(plain), model="seednet")
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(ValueError, match="expected a convkit training checkpoint"):
        P.load_model(str(tmp_path / "w.txt"))
    with pytest.raises(FileNotFoundError):
        P.load_model(str(tmp_path / "missing.safetensors"))


def test_load_model_from_a_torch_pt_file(trained, tmp_path):
    torch = pytest.importorskip("torch")
    ckpt_path, _ = trained
    model, _ = P.load_model(str(ckpt_path))
    pt = tmp_path / "w.pt"
    torch.save({k: torch.from_numpy(np.array(v.data)) for k, v in model.state_dict().items()}, pt)
    with pytest.raises(ValueError, match="--model NAME"):
        P.load_model(str(pt))
    again, info = P.load_model(str(pt), model="seednet", input_shape=(1, 8, 8))
    assert info["name"] == "seednet (state dict)"
    np.testing.assert_array_equal(again.features[3].weight.data, model.features[3].weight.data)


def test_filters_picture(trained, tmp_path, capsys):
    from PIL import Image

    ckpt_path, _ = trained
    out = tmp_path / "filters.png"
    code, text, err = run_cli(["filters", str(ckpt_path), "-o", str(out)], capsys)
    assert code == 0, err
    with Image.open(out) as im:
        w, h = im.size
        assert 420 <= w <= 2000 and 300 <= h <= 3000


def test_filters_show_the_sign_of_the_weights():
    red, blue, white = P._diverging(np.array([1.0, -1.0, 0.0]), 1.0)
    assert red[0] > red[2] + 50 and blue[2] > blue[0] + 50 and white.min() > 240
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    net[0].weight.data[...] = np.abs(net[0].weight.data) + 0.1
    arr = np.asarray(P.draw_filters(net)).reshape(-1, 3).astype(int)
    reddish = (arr[:, 0] - arr[:, 2] > 60).sum()
    bluish = (arr[:, 2] - arr[:, 0] > 60).sum()
    assert reddish > 4 * 9 * 16  # the 4 tiles of 3x3 weights, each many pixels
    assert bluish < reddish / 10  # only the colour bar's negative half
    with pytest.raises(ValueError, match="no convolution layers"):
        P.draw_filters(nn.Sequential(nn.Linear(3, 2)))


def test_record_activations_matches_a_step_by_step_run(trained):
    ckpt_path, image = trained
    model, info = P.load_model(str(ckpt_path))
    x = prepare_image(str(image), info["input_shape"])[None]  # (1, 1, 8, 8)
    records, output = P.record_activations(model, x)
    assert [name for name, _, _ in records] == [f"features.{i}" for i in range(6)]
    assert [a.shape for _, _, a in records] == [
        (1, 16, 8, 8),
        (1, 16, 8, 8),
        (1, 16, 4, 4),
        (1, 32, 4, 4),
        (1, 32, 4, 4),
        (1, 32, 2, 2),
    ]
    h = ck.tensor(x)
    for (_name, module, recorded), layer in zip(records, model.features, strict=True):
        assert module is layer
        h = layer(h)
        np.testing.assert_array_equal(recorded, h.data)
    first = F.conv2d(ck.tensor(x), model.features[0].weight, model.features[0].bias, padding=1)
    np.testing.assert_allclose(records[0][2], first.data, rtol=1e-6)
    np.testing.assert_array_equal(output.data, model(ck.tensor(x)).data)
    assert all("forward" not in m.__dict__ for m in model.modules())  # restored
    assert not any(m._forward_hooks for m in model.modules())


def test_record_activations_restores_forward_after_an_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), Boom())
    with pytest.raises(ValueError, match="boom"):
        P.record_activations(net, np.zeros((1, 1, 5, 5), np.float32))
    assert all("forward" not in m.__dict__ for m in net.modules())
    assert not any(m._forward_hooks for m in net.modules())
    records, _ = P.record_activations(
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), np.zeros((1, 1, 5, 5), np.float32)
    )
    assert [n for n, _, _ in records] == ["0", "1"]


def test_featuremaps_picture(trained, tmp_path, capsys):
    from PIL import Image

    ckpt_path, image = trained
    out = tmp_path / "maps.png"
    code, _, err = run_cli(
        ["featuremaps", str(ckpt_path), str(image), "-o", str(out), "--max-channels", "8"], capsys
    )
    assert code == 0, err
    with Image.open(out) as im:
        assert 420 <= im.size[0] <= 1200 and 300 <= im.size[1] <= 2000
    code, _, err = run_cli(
        ["featuremaps", str(ckpt_path), str(tmp_path / "nope.png"), "-o", str(out)], capsys
    )
    assert code == 1 and "convkit featuremaps: error:" in err
    code, _, err = run_cli(["filters", str(tmp_path / "nope.safetensors")], capsys)
    assert code == 1 and "no such file" in err


# ----------------------------------------------------------------------------------------------
# Filters: nothing clipped, channel numbers, RGB first layers in colour, deep layers capped
# ----------------------------------------------------------------------------------------------


def _touches_edge(img):
    """Whether anything but white lies on the picture's right or bottom edge."""
    arr = np.asarray(img.convert("L"))
    return (arr[:, -1] < 250).any() or (arr[-1, :] < 250).any()


def test_filter_pictures_are_not_clipped():
    from convkit.explain.drawing import font

    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 3))
    title = "a very long title " * 8
    img = P.draw_filters(net, title=title)
    assert img.size[0] >= int(font(15, True).getlength(title)) + 2 * 16
    assert not _touches_edge(img)
    wide = nn.Sequential(nn.Conv2d(40, 1, 3))  # one row of 32 tiles, the widest block
    img = P.draw_filters(wide)
    assert not _touches_edge(img)


def test_filter_blocks_carry_channel_numbers_and_cap_deep_layers():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 64, 3), nn.Conv2d(64, 40, 3))
    lines, vmax, grid = P._filter_block("1", net[1], 32, first=False)
    assert (
        lines[1]
        == "rows: output channels 0..31 of 64 (32 left out); columns: input channels 0..3 of 4"
    )
    lines, _, _ = P._filter_block("2", net[2], 32, first=False)
    assert "(8 left out)" in lines[1] and "(32 left out)" in lines[1]
    # The numbers are drawn: ink left of each row and above each column of tiles.
    plain = P.tile_grid([np.full((6, 6, 3), 255, np.uint8)] * 4, 2)
    numbered = P.tile_grid(
        [np.full((6, 6, 3), 255, np.uint8)] * 4, 2, row_labels=["0", "1"], col_labels=["0", "1"]
    )
    assert numbered.size[0] > plain.size[0] and numbered.size[1] > plain.size[1]
    ink = np.asarray(numbered.convert("L"))
    assert (ink[:12, :] < 200).any() and (ink[:, :8] < 200).any()


def test_rgb_first_layer_is_drawn_as_colour_tiles():
    conv = nn.Conv2d(3, 2, 2, bias=False)
    w = np.zeros((2, 3, 2, 2), np.float32)
    w[0, 0] = 1.0  # output 0 looks at red only
    w[1, 2] = -1.0  # output 1 dislikes blue
    conv.weight.data[...] = w
    lines, vmax, grid = P._filter_block("0", conv, 32, first=True)
    assert vmax is None and "red, green, blue" in lines[1]
    arr = np.asarray(grid)
    gap, label = 2, 12
    tile = 48 // 2 * 2  # 2x2 kernel, 24 pixels a weight
    first = arr[gap + label + 2, gap + 2]
    second = arr[gap + label + 2, gap + tile + gap + 2]
    assert tuple(first) == (255, 128, 128)  # +1 in red, 0 (mid-grey) elsewhere
    assert tuple(second) == (128, 128, 0)  # -1 in blue
    # Not the first layer, or not 3 input channels: the red/blue tiles per input channel.
    assert P._filter_block("1", conv, 32, first=False)[1] is not None
    assert P._filter_block("0", nn.Conv2d(4, 2, 2), 32, first=True)[1] is not None


def test_feature_maps_are_numbered(trained, tmp_path):
    ckpt_path, image = trained
    model, info = P.load_model(str(ckpt_path))
    img = P.draw_feature_maps(model, str(image), info, max_channels=8)
    assert not _touches_edge(img)
    grid = P.tile_grid([np.zeros((8, 8, 3), np.uint8)] * 3, 3, labels=["0", "1", "2"], gap=4)
    ink = np.asarray(grid.convert("L"))[:12]
    assert (ink < 200).any()  # the numbers above the tiles
