"""The training job: outputs on disk, resume equality, NaN stop, Ctrl-C, evaluate and predict."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from convkit.data import Digits, Subset, load_dataset
from convkit.training import TrainConfig, TrainingError, read_checkpoint, train

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def small_digits():
    """320 training and 80 test digits: enough to learn something, fast enough for CI."""
    train_set, test_set = Digits(train=True), Digits(train=False)
    info = {
        "input_shape": [1, 8, 8],
        "num_classes": 10,
        "classes": list(Digits.classes),
        "spec": "digits",
    }
    return Subset(train_set, list(range(320))), Subset(test_set, list(range(80))), info


def run(tmp_path, name, epochs, resume=False, model="seednet", **kw):
    config = TrainConfig(
        model=model, epochs=epochs, batch_size=32, out=str(tmp_path / name), progress=False, **kw
    )
    return train(config, resume=resume, log=lambda *a: None, data=small_digits())


def test_outputs_written(tmp_path):
    metrics = run(tmp_path, "a", 2)
    out = tmp_path / "a"
    assert sorted(os.listdir(out)) == ["checkpoint.safetensors", "curves.png", "metrics.json"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["epochs"] == 2 and len(saved["history"]) == 2
    assert (
        saved["test_accuracy"] == metrics["test_accuracy"] == saved["history"][-1]["test_accuracy"]
    )
    assert saved["history"][1]["train_loss"] < saved["history"][0]["train_loss"]
    ckpt = read_checkpoint(str(out / "checkpoint.safetensors"))
    assert ckpt["epoch"] == 2 and ckpt["config"]["model"] == "seednet"
    assert set(ckpt["optimizer"]) == {"state", "param_groups"}
    from PIL import Image

    with Image.open(out / "curves.png") as im:
        assert im.size[0] > 400 and im.size[1] > 200


def test_resume_gives_the_uninterrupted_history(tmp_path):
    full = run(tmp_path, "full", 3)["history"]
    run(tmp_path, "split", 1)
    resumed = run(tmp_path, "split", 3, resume=True)["history"]
    keys = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")
    assert [[h[k] for k in keys] for h in resumed] == [[h[k] for k in keys] for h in full]


def test_resume_refuses_a_different_setup(tmp_path):
    run(tmp_path, "a", 1)
    with pytest.raises(TrainingError, match="optimizer"):
        run(tmp_path, "a", 2, resume=True, optimizer="sgd")
    with pytest.raises(TrainingError, match="no checkpoint"):
        run(tmp_path, "missing", 2, resume=True)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    # 10 steps per epoch: the 9th forward call of epoch 1 returns NaN -> step 9 of epoch 1.
    with pytest.raises(TrainingError, match=r"became nan at epoch 1, step 9 of 10"):
        run(tmp_path, "nan", 3, model="tests.training_models:nan_after_8")
    assert not (tmp_path / "nan" / "checkpoint.safetensors").exists()
    saved = json.loads((tmp_path / "nan" / "metrics.json").read_text())
    assert saved["status"] == "diverged"


def test_nan_after_an_epoch_keeps_that_epochs_checkpoint(tmp_path):
    model = "tests.training_models:nan_after_10"
    with pytest.raises(
        TrainingError,
        match=r"epoch 2, step 1 of 10.*last good checkpoint "
        r"\(epoch 1\)",
    ):
        run(tmp_path, "b", 3, model=model)
    ckpt = read_checkpoint(str(tmp_path / "b" / "checkpoint.safetensors"))
    assert ckpt["epoch"] == 1
    assert all(np.isfinite(v.data).all() for v in ckpt["model"].values())


def test_ctrl_c_saves_and_exits_cleanly(tmp_path):
    logs = []
    config = TrainConfig(
        model="tests.training_models:interrupt_after_8",
        epochs=3,
        batch_size=64,
        out=str(tmp_path / "c"),
        progress=False,
    )
    # 5 steps per epoch: epoch 1 completes, the interrupt comes in epoch 2.
    metrics = train(config, log=logs.append, data=small_digits())
    assert metrics["status"] == "interrupted" and metrics["epochs"] == 1
    assert any("interrupted during epoch 2" in line for line in logs)
    assert read_checkpoint(str(tmp_path / "c" / "checkpoint.safetensors"))["epoch"] == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="--optimizer"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="--lr"):
        TrainConfig(lr=-1.0)
    with pytest.raises(ValueError, match="--data 'imagenet'"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="unknown model"):
        TrainConfig()  # fine
        from convkit.models import resolve_factory

        resolve_factory("resnet")
    from convkit.models import build_model

    with pytest.raises(TypeError, match="not a convkit.nn.Module"):
        build_model("tests.training_models:not_a_module", (1, 8, 8), 10)


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "convkit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_default_train_reaches_97_percent_and_evaluate_predict(tmp_path):
    """The README's claim: `convkit train` with no arguments reaches >= 97% on the digits."""
    out = tmp_path / "default"
    proc = cli("train", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.97
    assert "epoch  15/15" in proc.stdout
    ckpt = str(out / "checkpoint.safetensors")
    ev = cli("evaluate", ckpt)
    assert ev.returncode == 0, ev.stderr
    assert f"accuracy {metrics['test_accuracy']:.4f}" in ev.stdout
    assert "true \\ predicted" in ev.stdout
    # A digit from the test set, written as an upscaled PNG, is predicted as its label.
    from PIL import Image

    test_set = Digits(train=False)
    image, label = test_set[0]
    path = tmp_path / "digit.png"
    Image.fromarray((image.numpy()[0] * 255).astype(np.uint8)).resize((32, 32)).save(path)
    pr = cli("predict", ckpt, str(path))
    assert pr.returncode == 0, pr.stderr
    first = pr.stdout.split(": ", 1)[1].split(",")[0]
    assert first.startswith(f"{label} ("), pr.stdout
    assert pr.stdout.count("(") == 3  # top-3


def test_cli_errors_are_clear(tmp_path):
    proc = cli("train", "--data", "mnist:" + str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert proc.returncode == 1 and "convkit train: error:" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli("evaluate", str(tmp_path / "none.safetensors"))
    assert proc.returncode == 1 and "none.safetensors" in proc.stderr


def test_init_from_a_pytorch_state_dict(tmp_path):
    """Weights trained by convkit, saved by torch.save, start a new run: with a vanishing
    learning rate the first epoch's test accuracy is that of the saved weights."""
    import torch

    first = run(tmp_path, "src", 2)
    ckpt = read_checkpoint(str(tmp_path / "src" / "checkpoint.safetensors"))
    pt = tmp_path / "weights.pt"
    torch.save({k: torch.from_numpy(np.array(v.data)) for k, v in ckpt["model"].items()}, pt)
    again = run(tmp_path, "init", 1, init=str(pt), lr=1e-12)
    assert again["history"][0]["test_accuracy"] == first["test_accuracy"]
    assert again["config"]["init"] == str(pt)
    from convkit.models import load_model

    net = load_model(str(pt), "seednet", (1, 8, 8))
    assert net.classifier.weight.shape == (10, 128)
    with pytest.raises(ValueError, match="holds weights only"):
        load_model(str(pt))


def test_cli_bad_weights_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a file format")
    proc = cli("train", "--init", str(bad), "--out", str(tmp_path / "o"), "--epochs", "1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "bad.safetensors" in proc.stderr
