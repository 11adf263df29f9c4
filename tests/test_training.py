"""The training job: outputs on disk, resume equality, runs that are never lost or muddled, NaN
stop, Ctrl-C, schedules, validation split and best checkpoint, evaluate and predict, the curves
figure, notebooks."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from convkit.cli import main
from convkit.data import Digits, Subset, load_dataset
from convkit.training import TrainConfig, TrainingError, train
from convkit.weights import read_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def run(tmp_path, name, epochs, resume=False, model="seednet", log=None, overwrite=False, **kw):
    config = TrainConfig(
        model=model, epochs=epochs, batch_size=32, out=str(tmp_path / name), progress=False, **kw
    )
    return train(
        config,
        resume=resume,
        overwrite=overwrite,
        log=log or (lambda *a: None),
        data=small_digits(),
    )


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "convkit", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": ROOT},
    )


def test_outputs_written(tmp_path):
    result = run(tmp_path, "a", 2)
    out = tmp_path / "a"
    assert sorted(os.listdir(out)) == [
        "best.safetensors",
        "checkpoint.safetensors",
        "curves.png",
        "metrics.json",
    ]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["epochs"] == 2 and len(saved["history"]) == 2
    assert saved["test_accuracy"] == result.metrics["test_accuracy"]
    assert saved["test_accuracy"] == saved["history"][-1]["test_accuracy"]
    assert saved["history"][1]["train_loss"] < saved["history"][0]["train_loss"]
    assert result.history == saved["history"] and result.status == "completed"
    ckpt = read_checkpoint(str(out / "checkpoint.safetensors"))
    assert ckpt.epoch == 2 and ckpt.config.model == "seednet"
    assert set(ckpt.optimizer) == {"state", "param_groups"}
    from PIL import Image

    with Image.open(out / "curves.png") as im:
        assert im.size[0] > 400 and im.size[1] > 200


def test_resume_gives_the_uninterrupted_history(tmp_path):
    full = run(tmp_path, "full", 3).history
    run(tmp_path, "split", 1)
    resumed = run(tmp_path, "split", 3, resume=True).history
    keys = ("lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
    assert [[h[k] for k in keys] for h in resumed] == [[h[k] for k in keys] for h in full]


def test_resume_refuses_a_different_setup(tmp_path):
    run(tmp_path, "a", 1)
    with pytest.raises(TrainingError, match="--optimizer adam; it cannot continue with sgd"):
        run(tmp_path, "a", 2, resume=True, optimizer="sgd")
    with pytest.raises(TrainingError, match="--batch-size 32; it cannot continue with 16"):
        train(
            TrainConfig(epochs=2, batch_size=16, out=str(tmp_path / "a"), progress=False),
            resume=True,
            log=lambda *a: None,
            data=small_digits(),
        )
    with pytest.raises(TrainingError, match="no checkpoint"):
        run(tmp_path, "missing", 2, resume=True)
    with pytest.raises(TrainingError, match="--init starts a new run"):
        run(tmp_path, "a", 2, resume=True, init="w.pt")


# ----- a run is never lost or muddled ----------------------------------------------------------


def test_a_folder_holding_a_run_is_refused_unless_resume_or_overwrite(tmp_path):
    run(tmp_path, "a", 2)
    before = (tmp_path / "a" / "checkpoint.safetensors").read_bytes()
    with pytest.raises(TrainingError, match="already holds a run.*--resume.*--overwrite"):
        run(tmp_path, "a", 1)
    assert (tmp_path / "a" / "checkpoint.safetensors").read_bytes() == before
    again = run(tmp_path, "a", 1, overwrite=True)
    assert again.status == "completed" and read_checkpoint(tmp_path / "a" / CKPT).epoch == 1
    with pytest.raises(TrainingError, match="give one"):
        train(TrainConfig(out=str(tmp_path / "a")), resume=True, overwrite=True)


CKPT = "checkpoint.safetensors"


def test_resume_applies_and_records_a_changed_lr(tmp_path):
    """The new lr is the one the optimiser uses: with a vanishing lr the weights stay put."""
    run(tmp_path, "a", 1)
    first = read_checkpoint(tmp_path / "a" / CKPT)
    logs = []
    result = run(tmp_path, "a", 2, resume=True, lr=1e-12, log=logs.append)
    second = read_checkpoint(tmp_path / "a" / CKPT)
    assert [h["lr"] for h in result.history] == [0.003, 1e-12]
    assert second.config.lr == 1e-12
    assert second.optimizer["param_groups"][0]["lr"] == 1e-12
    assert second.resumes == [
        {"after_epoch": 1, "changes": {"epochs": [1, 2], "lr": [0.003, 1e-12]}}
    ]
    assert any("--lr changed from 0.003 to 1e-12 from epoch 2" in line for line in logs)
    for key, value in first.model.items():
        if key.endswith("weight"):
            np.testing.assert_allclose(second.model[key].numpy(), value.numpy(), atol=1e-8)
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["config"]["lr"] == 1e-12 and metrics["resumes"] == second.resumes


def test_resume_keeps_the_options_not_given_again(tmp_path):
    run(tmp_path, "a", 1, lr=0.01, weight_decay=1e-4)
    result = train(
        TrainConfig(epochs=2, out=str(tmp_path / "a"), progress=False),
        resume=True,
        given={"epochs", "out"},  # what `convkit train --resume --epochs 2 --out ...` gives
        log=lambda *a: None,
        data=small_digits(),
    )
    ckpt = read_checkpoint(tmp_path / "a" / CKPT)
    assert [h["lr"] for h in result.history] == [0.01, 0.01]
    assert ckpt.config.weight_decay == 1e-4 and ckpt.resumes == [
        {"after_epoch": 1, "changes": {"epochs": [1, 2]}}
    ]


def test_resume_with_nothing_left_to_do_says_so(tmp_path):
    run(tmp_path, "a", 2)
    before = (tmp_path / "a" / CKPT).read_bytes()
    logs = []
    result = run(tmp_path, "a", 2, resume=True, log=logs.append)
    assert result.status == "nothing to do" and len(result.history) == 2
    assert logs == [
        f"nothing to do: '{tmp_path / 'a'}' already holds 2 epochs (--epochs 2); give a larger "
        "--epochs to train further"
    ]
    with pytest.raises(TrainingError, match="already holds 2 epochs, more than --epochs 1"):
        run(tmp_path, "a", 1, resume=True)
    assert (tmp_path / "a" / CKPT).read_bytes() == before


def test_cli_refuses_and_reports(tmp_path, capsys):
    out = str(tmp_path / "r")
    args = ["train", "--out", out, "--epochs", "1", "--no-progress"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith(f"convkit train: error: '{out}' already holds a run")
        and err.count("\n") == 1
    )
    assert main([*args, "--resume"]) == 0 and "nothing to do" in capsys.readouterr().out
    assert (
        main(["train", "--out", out, "--epochs", "2", "--resume", "--lr", "0.001", "--no-progress"])
        == 0
    )
    assert "--lr changed from 0.003 to 0.001 from epoch 2 on" in capsys.readouterr().out
    assert read_checkpoint(os.path.join(out, CKPT)).history[1]["lr"] == 0.001


# ----- stops -----------------------------------------------------------------------------------


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    # 10 steps per epoch: the 9th forward call of epoch 1 returns NaN -> step 9 of epoch 1.
    with pytest.raises(TrainingError, match=r"became nan at epoch 1, step 9 of 10"):
        run(tmp_path, "nan", 3, model="tests.training_models:nan_after_8")
    assert not (tmp_path / "nan" / CKPT).exists()
    saved = json.loads((tmp_path / "nan" / "metrics.json").read_text())
    assert saved["status"] == "diverged"


def test_nan_after_an_epoch_keeps_that_epochs_checkpoint(tmp_path):
    model = "tests.training_models:nan_after_10"
    with pytest.raises(
        TrainingError, match=r"epoch 2, step 1 of 10.*last good checkpoint \(epoch 1\)"
    ):
        run(tmp_path, "b", 3, model=model)
    ckpt = read_checkpoint(str(tmp_path / "b" / CKPT))
    assert ckpt.epoch == 1
    assert all(np.isfinite(v.numpy()).all() for v in ckpt.model.values())


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
    result = train(config, log=logs.append, data=small_digits())
    assert result.status == "interrupted" and result.metrics["epochs"] == 1
    assert any("interrupted during epoch 2" in line for line in logs)
    assert read_checkpoint(str(tmp_path / "c" / CKPT)).epoch == 1


def test_chance_level_is_reported(tmp_path):
    logs = []
    result = run(tmp_path, "chance", 2, model="tests.training_models:constant", log=logs.append)
    assert result.metrics["at_chance"] is True
    assert any("is at chance level" in line and "learnt nothing" in line for line in logs)
    assert run(tmp_path, "fine", 2).metrics["at_chance"] is False


def test_bad_arguments():
    with pytest.raises(ValueError, match="--optimizer"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="--lr"):
        TrainConfig(lr=-1.0)
    with pytest.raises(ValueError, match="--lr-schedule"):
        TrainConfig(lr_schedule="exp")
    with pytest.raises(ValueError, match="--val-split"):
        TrainConfig(val_split=1.0)
    with pytest.raises(ValueError, match="--epochs"):
        TrainConfig(epochs=1.5)
    with pytest.raises(ValueError, match="--data 'imagenet'"):
        load_dataset("imagenet")
    from convkit.models import build_model, resolve_factory

    with pytest.raises(ValueError, match="unknown model"):
        resolve_factory("resnet")
    with pytest.raises(TypeError, match="not a convkit.nn.Module"):
        build_model("tests.training_models:not_a_module", (1, 8, 8), 10)


# ----- schedules, weight decay, validation, best checkpoint --------------------------------------


def interrupt_after(epochs):
    """A log function that presses Ctrl-C once ``epochs`` epoch lines were printed."""
    lines = []

    def log(line):
        lines.append(line)
        if line.startswith("epoch") and sum(x.startswith("epoch") for x in lines) == epochs:
            raise KeyboardInterrupt

    return log


@pytest.mark.parametrize(
    "schedule,torch_scheduler",
    [
        ("step", lambda opt: __import__("torch").optim.lr_scheduler.StepLR(opt, 2, 0.5)),
        ("cosine", lambda opt: __import__("torch").optim.lr_scheduler.CosineAnnealingLR(opt, 5)),
    ],
)
def test_lr_schedules_follow_torch_and_survive_resume(tmp_path, schedule, torch_scheduler):
    import torch

    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.003)
    sched = torch_scheduler(opt)
    expected = []
    for _ in range(5):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    kw = {"lr_schedule": schedule, "lr_step_size": 2, "lr_gamma": 0.5}
    full = run(tmp_path, "full", 5, **kw).history
    assert [h["lr"] for h in full] == expected
    stopped = run(tmp_path, "split", 5, log=interrupt_after(2), **kw)
    assert stopped.status == "interrupted" and len(stopped.history) == 2
    resumed = run(tmp_path, "split", 5, resume=True, **kw).history
    assert [dict(h, seconds=0) for h in resumed] == [dict(h, seconds=0) for h in full]


def test_a_longer_cosine_schedule_applies_from_the_resumed_epoch(tmp_path):
    import torch

    def cosine(t_max, epochs):
        opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.003)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, t_max)
        lrs = []
        for _ in range(epochs):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return lrs

    run(tmp_path, "c", 2, lr_schedule="cosine")
    history = run(tmp_path, "c", 4, resume=True, lr_schedule="cosine").history
    assert [h["lr"] for h in history] == cosine(2, 2) + cosine(4, 4)[2:]


def test_weight_decay_is_the_optimizers_and_recorded(tmp_path):
    run(tmp_path, "w", 1, optimizer="adamw")
    ckpt = read_checkpoint(tmp_path / "w" / CKPT)
    assert ckpt.config.weight_decay == 0.01  # torch's AdamW default
    assert ckpt.optimizer["param_groups"][0]["weight_decay"] == 0.01
    run(tmp_path, "s", 1, optimizer="sgd", weight_decay=5e-4)
    assert (
        read_checkpoint(tmp_path / "s" / CKPT).optimizer["param_groups"][0]["weight_decay"] == 5e-4
    )


def test_validation_split_and_best_checkpoint(tmp_path):
    from convkit.data import stratified_split

    logs = []
    result = run(tmp_path, "v", 3, val_split=0.25, log=logs.append)
    targets = np.asarray([small_digits()[0][i][1] for i in range(320)])
    n_val = int(stratified_split(targets, 0.25).sum())
    assert 70 <= n_val <= 80 and f"{320 - n_val} train / {n_val} validation / 80 test" in logs[0]
    assert all("val_accuracy" in h for h in result.history)
    values = [h["val_accuracy"] for h in result.history]
    best_epoch = values.index(max(values)) + 1
    best = read_checkpoint(tmp_path / "v" / "best.safetensors")
    assert best.epoch == best_epoch
    assert result.metrics["best"] == {
        "epoch": best_epoch,
        "metric": "val_accuracy",
        "value": max(values),
    }
    last = read_checkpoint(tmp_path / "v" / CKPT)
    assert last.epoch == 3 and last.best == result.metrics["best"]


# ----- Python use: figures and notebooks --------------------------------------------------------


MISCLASSIFIED = "misclassified test images (true -> predicted)"


def test_python_training_returns_the_figure_and_keeps_the_callers_backend(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        figures = plt.get_fignums()
        result = train(
            model="seednet",
            epochs=3,
            out=str(tmp_path / "nb"),
            progress=False,
            log=lambda *a: None,
            data=small_digits(),
        )
        assert matplotlib.get_backend() == "svg" and plt.get_fignums() == figures
    finally:
        matplotlib.use(backend)
    fig = result.figure
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure) and result.model is not None
    acc = result.history[-1]["test_accuracy"]
    assert fig._suptitle.get_text() == f"seednet on digits: test accuracy {acc:.4f} after 3 epochs"
    axes = {ax.get_title(): ax for ax in fig.get_axes()}
    for name in ("loss", "accuracy"):
        ticks = [t for t in axes[name].get_xticks() if 1 <= t <= 3]
        assert ticks and all(float(t).is_integer() for t in ticks)
    losses = [h[k] for h in result.history for k in ("train_loss", "test_loss")]
    spans_decade = max(losses) / min(losses) > 10
    assert axes["loss"].get_yscale() == ("log" if spans_decade else "linear")
    confusion = axes["confusion matrix (test set)"].get_images()[0].get_array()
    assert confusion.shape == (10, 10) and confusion.sum() == 80
    assert np.trace(confusion) / 80 == acc
    captions = [t for t in axes[MISCLASSIFIED].texts if " -> " in t.get_text()]
    assert len(captions) == min(16, 80 - int(np.trace(confusion)))


def test_log_scale_only_when_the_loss_spans_decades(tmp_path):
    from convkit.training import _Run, curves_figure

    def figure(losses):
        history = [
            {
                "epoch": i + 1,
                "train_loss": v,
                "train_accuracy": 0.5,
                "test_loss": v,
                "test_accuracy": 0.5,
            }
            for i, v in enumerate(losses)
        ]
        config = TrainConfig(model="m", data="d")
        r = _Run(config, None, None, None, None, {}, history, None, [], print)
        return {ax.get_title(): ax for ax in curves_figure(r).get_axes()}

    assert figure([2.0, 1.0, 0.5])["loss"].get_yscale() == "linear"
    assert figure([2.0, 0.5, 0.1])["loss"].get_yscale() == "log"


def test_progress_bar_in_a_notebook(monkeypatch, capsys):
    import types

    from convkit import training

    class ZMQInteractiveShell:
        config = {}

    monkeypatch.setitem(
        sys.modules, "IPython", types.SimpleNamespace(get_ipython=ZMQInteractiveShell)
    )
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed: a text bar on stdout
    bar = training.progress_bar(range(3), 3, "epoch 1")
    from tqdm import std

    assert type(bar) is std.tqdm and not bar.disable  # on although stdout is not a terminal
    assert list(bar) == [0, 1, 2]
    assert "epoch 1" in capsys.readouterr().out

    made = []
    notebook = types.ModuleType("tqdm.notebook")
    notebook.tqdm = lambda it, **kw: made.append(kw) or it
    monkeypatch.setitem(sys.modules, "ipywidgets", types.ModuleType("ipywidgets"))
    monkeypatch.setitem(sys.modules, "tqdm.notebook", notebook)
    assert list(training.progress_bar(range(2), 2, "epoch 2")) == [0, 1]
    assert made == [{"total": 2, "desc": "epoch 2", "leave": False}]
    assert training.progress_bar(range(2), 2, "x", enabled=False) == range(2)


# ----- models and data the CLI takes -----------------------------------------------------------


def test_lenet5_trains_on_the_default_digits(tmp_path):
    out = tmp_path / "lenet"
    proc = cli("train", "--model", "lenet5", "--epochs", "1", "--out", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "images of shape (1, 8, 8) are made (1, 28, 28)" in proc.stdout
    ckpt = read_checkpoint(out / CKPT)
    assert ckpt.info.input_shape == (1, 28, 28) and ckpt.info.source_shape == (1, 8, 8)
    assert ckpt.history[0]["test_accuracy"] > 0.5
    ev = cli("evaluate", str(out / CKPT))  # evaluate fits the digits to the model the same way
    assert ev.returncode == 0 and f"accuracy {ckpt.history[0]['test_accuracy']:.4f}" in ev.stdout


def test_shape_errors_name_the_layer(tmp_path):
    proc = cli(
        "train",
        "--model",
        "tests.training_models:wrong_classifier",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "w"),
        "--no-progress",
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(
        "convkit train: error: net.classifier: Linear(in_features=100, out_features=10, "
        "bias=True) with input of shape (32, 128): "
    )
    from convkit.models import LayerError, build_model

    with pytest.raises(LayerError, match=r"features\.3: Conv2d\(6, 16, kernel_size=\(5, 5\)"):
        build_model("lenet5", (1, 8, 8), 10)


def test_factory_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "my_nets.py").write_text(
        "from convkit.models import SeedNet\n"
        "def tiny(input_shape, num_classes):\n"
        "    return SeedNet(input_shape, num_classes, channels=(2, 4))\n"
    )
    monkeypatch.chdir(tmp_path)
    # As under the `convkit` console script: the current folder is not on sys.path.
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    from convkit.models import build_model

    net = build_model("my_nets:tiny", (1, 8, 8), 10)
    assert net.features[0].out_channels == 2
    assert str(tmp_path) not in sys.path
    net = build_model(str(tmp_path / "my_nets.py") + ":tiny", (1, 8, 8), 3)
    assert net.classifier.out_features == 3


# ----- evaluate and predict --------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """`convkit train` with no options (the README's main job), once for the tests below."""
    out = tmp_path_factory.mktemp("default") / "run"
    proc = cli("train", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_default_train_reaches_97_percent_and_evaluate(default_run):
    """The README's claim: `convkit train` with no arguments reaches >= 97% on the digits."""
    out, proc = default_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.97 and metrics["at_chance"] is False
    assert "epoch  15/15" in proc.stdout
    ev = cli("evaluate", str(out / CKPT))
    assert ev.returncode == 0, ev.stderr
    assert f"accuracy {metrics['test_accuracy']:.4f}" in ev.stdout
    assert "true \\ predicted" in ev.stdout


def digit_image(label_index=0, size=32):
    """A test-set digit as dark ink on white paper, upscaled: (PIL image, label)."""
    from PIL import Image

    image, label = Digits(train=False)[label_index]
    ink = (image.numpy()[0] * 255).astype(np.uint8)
    return Image.fromarray(255 - ink).resize((size, size), Image.NEAREST), label


def top_class(stdout):
    return stdout.split(": ", 1)[1].split(" (")[0]


def test_predict_a_digit(default_run, tmp_path):
    out, _ = default_run
    image, label = digit_image()
    path = tmp_path / "digit.png"
    image.save(path)
    pr = cli("predict", str(out / CKPT), str(path))
    assert pr.returncode == 0, pr.stderr
    assert top_class(pr.stdout) == str(label), pr.stdout
    assert pr.stdout.count("(") == 3  # top-3
    assert "inverted" in pr.stderr and "warning" not in pr.stderr


def test_predict_centres_a_small_off_centre_digit(default_run, tmp_path):
    """A digit drawn small in a corner of a large page is found, scaled and centred."""
    from PIL import Image

    out, _ = default_run
    paths, labels = [], []
    for i in range(10):
        digit, label = digit_image(i, size=40)
        page = Image.new("L", (200, 160), 255)
        page.paste(digit, (150, 10))
        paths.append(str(tmp_path / f"page{i}.png"))
        page.save(paths[-1])
        labels.append(str(label))
    pr = cli("predict", str(out / CKPT), *paths)
    assert pr.returncode == 0, pr.stderr
    right = sum(
        top_class(line) == label for line, label in zip(pr.stdout.splitlines(), labels, strict=True)
    )
    assert right >= 9, pr.stdout
    assert pr.stderr.count("cropped to its ink and centred") == 10


def test_predict_warns_on_a_blank_image(default_run, tmp_path):
    from PIL import Image

    out, _ = default_run
    Image.new("RGB", (30, 30), (250, 250, 250)).save(tmp_path / "blank.png")
    pr = cli("predict", str(out / CKPT), str(tmp_path / "blank.png"))
    assert pr.returncode == 0
    assert "warning: blank.png looks blank" in pr.stderr


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
    ckpt = read_checkpoint(str(tmp_path / "src" / CKPT))
    pt = tmp_path / "weights.pt"
    torch.save({k: torch.from_numpy(np.array(v.numpy())) for k, v in ckpt.model.items()}, pt)
    again = run(tmp_path, "init", 1, init=str(pt), lr=1e-12)
    assert again.history[0]["test_accuracy"] == first.metrics["test_accuracy"]
    assert again.metrics["config"]["init"] == str(pt)
    from convkit.weights import load_model

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


def test_given_options_are_the_ones_on_the_command_line():
    from convkit.cli import build_parser
    from convkit.commandline import given_options

    parser = build_parser()
    argv = ["train", "--resume", "--lr", "0.003", "--epochs", "20"]
    assert given_options(parser, "train", argv) == {"resume", "lr", "epochs"}
    assert parser.parse_args(argv).batch_size == 32  # the defaults are back afterwards
    assert math.isclose(parser.parse_args(["train"]).lr_gamma, 0.1)
    assert main  # the entry point the console script calls
