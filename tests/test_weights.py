"""convkit.weights: checkpoints read and validated in one place; every corrupted or foreign file
gives one clear line and exit code 1 in every command that reads weights, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import convkit as ck
from convkit.cli import main
from convkit.errors import FileFormatError
from convkit.io.files import CHECKSUM_KEY
from convkit.weights import Checkpoint, CheckpointError, read_checkpoint, read_state_dict
from tests.test_training import small_digits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A one-epoch checkpoint, its tree as convkit.load reads it, and a digit image."""
    from PIL import Image

    from convkit.training import TrainConfig, train

    root = tmp_path_factory.mktemp("weights")
    config = TrainConfig(epochs=1, out=str(root / "run"), progress=False)
    train(config, log=lambda *a: None, data=small_digits())
    path = root / "run" / "checkpoint.safetensors"
    Image.fromarray(np.full((16, 16), 255, np.uint8)).save(root / "digit.png")
    return path, ck.load(path), root / "digit.png"


# ----- the table: one corrupted or foreign file per row ---------------------------------------


def _tree_row(change):
    """A checkpoint whose records are wrong but whose file is intact (a valid checksum)."""

    def build(tree, good_path, path):
        tree = json.loads(json.dumps(tree, default=lambda t: "__T__"))  # a deep copy of the records
        real = ck.load(good_path)
        for key in ("model", "optimizer", "rng"):
            if key in tree:
                tree[key] = real[key]
        new = change(tree)
        ck.save(tree if new is None else new, path)

    return build


def _header_row(change, keep_checksum=False):
    """The good file with its safetensors header edited (the checksum dropped, so the edit
    itself, not the checksum, is what the reader meets)."""

    def build(tree, good_path, path):
        raw = good_path.read_bytes()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + n])
        if not keep_checksum:
            del header["__metadata__"][CHECKSUM_KEY]
        new = change(header)
        header = header if new is None else new
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])

    return build


def _bytes_row(make):
    def build(tree, good_path, path):
        path.write_bytes(make(good_path.read_bytes()))

    return build


def _flip(raw: bytes) -> bytes:
    start = 8 + int.from_bytes(raw[:8], "little")
    out = bytearray(raw)
    for i in range(20):  # 20 bytes of the data area, as the experiment did
        out[start + 97 * i] ^= 0x55
    return bytes(out)


def _torch_file(obj):
    def build(tree, good_path, path):
        import torch

        torch.save(obj() if callable(obj) else obj, path)

    return build


class _Evil:
    def __reduce__(self):
        return os.system, ("echo ran > /dev/null",)


def _set(record, key, value):
    def change(tree):
        target = tree if record is None else tree[record]
        target[key] = value

    return change


def _drop(key):
    def change(tree):
        del tree[key]

    return change


# (name, builder, where the fault is met: "file" (convkit.load refuses the file), "record"
# (read_checkpoint refuses its records) or "model" (the records are fine; the model cannot be
# built from them))
ROWS = [
    ("missing config", _tree_row(_drop("config")), "record"),
    ("missing info", _tree_row(_drop("info")), "record"),
    ("missing rng", _tree_row(_drop("rng")), "record"),
    ("missing optimizer", _tree_row(_drop("optimizer")), "record"),
    ("missing model", _tree_row(_drop("model")), "record"),
    ("missing history", _tree_row(_drop("history")), "record"),
    ("missing epoch", _tree_row(_drop("epoch")), "record"),
    ("history 5", _tree_row(_set(None, "history", 5)), "record"),
    (
        "history entry",
        _tree_row(_set(None, "history", [{"epoch": 1, "train_loss": "x"}])),
        "record",
    ),
    ("num_classes -3", _tree_row(_set("info", "num_classes", -3)), "record"),
    ("num_classes float", _tree_row(_set("info", "num_classes", 10.0)), "record"),
    ("epoch 1e308", _tree_row(_set(None, "epoch", 1e308)), "record"),
    ("epoch beyond history", _tree_row(_set(None, "epoch", 7)), "record"),
    ("epoch bool", _tree_row(_set(None, "epoch", True)), "record"),
    ("input_shape 2 numbers", _tree_row(_set("info", "input_shape", [1, 8])), "record"),
    ("input_shape huge", _tree_row(_set("info", "input_shape", [1, 8, 10**12])), "record"),
    ("classes too few", _tree_row(_set("info", "classes", ["a"])), "record"),
    ("rng key shape", _tree_row(lambda t: t["rng"].__setitem__("key", ck.zeros(5))), "record"),
    ("rng pos", _tree_row(lambda t: t["rng"].__setitem__("pos", 10**6)), "record"),
    (
        "optimizer groups",
        _tree_row(_set(None, "optimizer", {"state": {}, "param_groups": 3})),
        "record",
    ),
    ("config a list", _tree_row(_set(None, "config", [1])), "record"),
    ("config lr -1", _tree_row(_set("config", "lr", -1)), "record"),
    ("config model 5", _tree_row(_set("config", "model", 5)), "record"),
    ("config unknown model", _tree_row(_set("config", "model", "resnet")), "model"),
    ("best epoch 99", _tree_row(_set(None, "best", {"epoch": 99})), "record"),
    (
        "weights of another shape",
        _tree_row(lambda t: t.__setitem__("model", {k: ck.zeros(2) for k in t["model"]})),
        "model",
    ),
    ("model not tensors", _tree_row(_set(None, "model", {"w": 1})), "record"),
    ("layout a list", _tree_row(lambda t: [1, 2]), "record"),
    ("layout a string", _tree_row(lambda t: "hello"), "record"),
    (
        "keys not a list",
        _header_row(lambda h: h["__metadata__"].update({"convkit.keys": '{"a": 1}'})),
        "file",
    ),
    (
        "keys name missing tensors",
        _header_row(lambda h: h["__metadata__"].update({"convkit.keys": '["x"]'})),
        "file",
    ),
    (
        "layout not JSON",
        _header_row(lambda h: h["__metadata__"].update({"convkit.checkpoint": "{"})),
        "file",
    ),
    (
        "layout unknown marker",
        _header_row(lambda h: h["__metadata__"].update({"convkit.checkpoint": '{"__foo__": 1}'})),
        "file",
    ),
    (
        "layout names a missing tensor",
        _header_row(
            lambda h: h["__metadata__"].update({"convkit.checkpoint": '{"__tensor__": "nope"}'})
        ),
        "file",
    ),
    (
        "metadata not strings",
        _header_row(lambda h: h.__setitem__("__metadata__", {"a": 1})),
        "file",
    ),
    ("header a list", _header_row(lambda h: []), "file"),
    ("checksum fails (20 flipped bytes)", _bytes_row(_flip), "file"),
    (
        "checksum edited",
        _header_row(lambda h: h["__metadata__"].update({CHECKSUM_KEY: "0" * 64}), "file"),
        "file",
    ),
    ("truncated", _bytes_row(lambda raw: raw[:-100]), "file"),
    ("empty", _bytes_row(lambda raw: b""), "file"),
    ("text", _bytes_row(lambda raw: b"just some text, not weights\n" * 4), "file"),
    ("a PNG", _bytes_row(lambda raw: b"\x89PNG\r\n\x1a\n" + bytes(64)), "file"),
    (
        "torch file with code",
        _torch_file(lambda: {"w": __import__("torch").ones(1), "x": _Evil()}),
        "file",
    ),
    ("torch file holding a list", _torch_file([1, 2, 3]), "record"),
    ("damaged zip", _bytes_row(lambda raw: b"PK\x03\x04" + raw[4:200]), "file"),
]


# Commands given the architecture by the user take only the weights from a checkpoint, so an
# architecture the checkpoint names but this machine lacks does not stop them.
NAMES_THE_MODEL = {"config unknown model": ("summary", "train --init")}


def _commands(path, image, scratch):
    def fresh(name):
        out = scratch / name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        return out

    def resume():
        out = fresh("resume")
        target = out / "checkpoint.safetensors"
        if path.is_dir():
            target.mkdir()
        elif path.exists():
            shutil.copyfile(path, target)
        return ["train", "--resume", "--out", str(out), "--epochs", "2", "--no-progress"]

    return {
        "evaluate": lambda: ["evaluate", str(path)],
        "predict": lambda: ["predict", str(path), str(image)],
        "filters": lambda: ["filters", str(path), "-o", str(scratch / "f.png")],
        "featuremaps": lambda: ["featuremaps", str(path), str(image), "-o", str(scratch / "m.png")],
        "summary": lambda: ["summary", str(path), "--arch", "seednet", "--input", "1x1x8x8"],
        "train --init": lambda: [
            "train",
            "--init",
            str(path),
            "--out",
            str(fresh("init")),
            "--epochs",
            "1",
            "--no-progress",
        ],
        "train --resume": resume,
    }


def _check_one_line(capsys, command, argv, name):
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    word = command.split()[0]
    assert code == 1, (name, command, code, err)
    assert len(lines) == 1 and lines[0].startswith(f"convkit {word}: error: "), (name, err)
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("name,build,level", ROWS, ids=[r[0] for r in ROWS])
def test_every_command_reports_a_bad_file_in_one_line(good, tmp_path, capsys, name, build, level):
    from convkit.weights import model_from_checkpoint

    good_path, tree, image = good
    path = tmp_path / "bad.safetensors"
    build(tree, good_path, path)
    if level == "file":
        with pytest.raises(FileFormatError):
            ck.load(path)
    if level in ("file", "record"):
        with pytest.raises((CheckpointError, FileFormatError)):
            read_checkpoint(path)
    else:
        with pytest.raises((CheckpointError, ValueError)):
            model_from_checkpoint(read_checkpoint(path), str(path))
    for command, argv in _commands(path, image, tmp_path / "scratch").items():
        if command in NAMES_THE_MODEL.get(name, ()):
            assert main(argv()) == 0, (name, command, capsys.readouterr().err)
            continue
        line = _check_one_line(capsys, command, argv(), name)
        assert "bad.safetensors" in line or "checkpoint.safetensors" in line, (name, command, line)


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_a_directory_or_a_missing_file(good, tmp_path, capsys, kind):
    _, _, image = good
    path = tmp_path / "weights.safetensors"
    if kind == "directory":
        path.mkdir()
    for command, argv in _commands(path, image, tmp_path / "scratch").items():
        line = _check_one_line(capsys, command, argv(), kind)
        expected = ("is a directory",) if kind == "directory" else ("no such", "no checkpoint")
        assert any(e in line for e in expected), (command, line)


def test_one_line_in_a_real_process_too(good, tmp_path):
    good_path, _, _ = good
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(_flip(good_path.read_bytes()))
    proc = subprocess.run(
        [sys.executable, "-m", "convkit", "evaluate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "is corrupt: its SHA-256 checksum" in proc.stderr


# ----- what a good checkpoint holds -----------------------------------------------------------


def test_the_record_round_trips_and_is_typed(good, tmp_path):
    good_path, tree, _ = good
    ckpt = read_checkpoint(good_path)
    assert isinstance(ckpt, Checkpoint) and ckpt.epoch == 1 and len(ckpt.history) == 1
    assert ckpt.info.input_shape == (1, 8, 8) and ckpt.info.num_classes == 10
    assert ckpt.config.lr == 0.003 and ckpt.config.weight_decay == 0.0
    assert ckpt.rng.key.shape == (624,) and ckpt.rng.key.dtype == np.uint32
    assert 0.5 < ckpt.info.ink_extent <= 1
    copy = tmp_path / "copy.safetensors"
    from convkit.weights import write_checkpoint

    write_checkpoint(copy, ckpt)
    again = read_checkpoint(copy)
    assert again.to_tree().keys() == ckpt.to_tree().keys()
    assert again.history == ckpt.history and again.config == ckpt.config
    for key, value in ckpt.model.items():
        np.testing.assert_array_equal(again.model[key].numpy(), value.numpy())


def test_state_dicts_of_every_kind(good, tmp_path):
    import torch

    good_path, _, _ = good
    model = read_state_dict(good_path)
    assert list(model) == list(read_checkpoint(good_path).model)
    as_torch = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.items()}
    torch.save(as_torch, tmp_path / "plain.pt")
    torch.save({"epoch": 3, "model_state_dict": as_torch}, tmp_path / "general.pt")
    torch.save({"nets": [{"g": as_torch}]}, tmp_path / "nested.pt")
    ck.save(model, tmp_path / "plain.safetensors")
    for path, key in [
        ("plain.pt", None),
        ("general.pt", None),
        ("nested.pt", "nets.0.g"),
        ("plain.safetensors", None),
    ]:
        got = read_state_dict(tmp_path / path, key)
        assert list(got) == list(model), path
        for k, v in model.items():
            np.testing.assert_array_equal(got[k].numpy(), v.numpy())
    with pytest.raises(CheckpointError, match=r"no entry 'nets.1.g' \(at '1'"):
        read_state_dict(tmp_path / "nested.pt", "nets.1.g")
    with pytest.raises(CheckpointError, match="does not hold a state dict"):
        read_state_dict(tmp_path / "nested.pt")


def test_corrupt_weights_evaluate_to_an_error_not_to_a_worse_network(good, tmp_path):
    """The issue's experiment: 20 flipped data bytes used to evaluate silently (16.9% accuracy);
    now the file is refused, and only with its checksum stripped does it load."""
    good_path, _, _ = good
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(_flip(good_path.read_bytes()))
    with pytest.raises(FileFormatError, match="checksum"):
        read_checkpoint(bad)
    _header_row(lambda h: None)(None, bad, tmp_path / "unchecked.safetensors")
    assert read_checkpoint(tmp_path / "unchecked.safetensors").epoch == 1


def test_a_checkpoint_from_convkit_0_1_0_still_reads(good, tmp_path):
    """0.1.0 wrote every dict as {"__dict__": pairs} and named tensors "/model/x" in the layout
    (and "model/x" in the file), with no checksum."""
    from convkit.io import save_safetensors
    from convkit.io.tree import LAYOUT_KEY, flatten

    good_path, _, _ = good
    layout, arrays = flatten(ck.load(good_path))
    old = layout.replace('"__odict__"', '"__dict__"').replace(
        '{"__tensor__": "', '{"__tensor__": "/'
    )
    save_safetensors(arrays, tmp_path / "old.safetensors", {LAYOUT_KEY: old})
    ckpt = read_checkpoint(tmp_path / "old.safetensors")
    assert list(ckpt.model) == list(read_checkpoint(good_path).model) and ckpt.epoch == 1
