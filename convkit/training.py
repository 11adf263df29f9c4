"""The training job behind ``convkit train``, ``convkit evaluate`` and ``convkit predict``.

One epoch = a shuffled pass over the training set, then an evaluation on the test set, then an
atomic checkpoint (model, optimiser, RNG state, history) and ``metrics.json``. Because the RNG
state is saved at every epoch boundary, ``--resume`` continues with exactly the draws an
uninterrupted run would have made, so the loss history is identical.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import nn, optim
from . import random as ck_random
from .autograd import no_grad
from .io.checkpoint import load_checkpoint, save_checkpoint
from .io.files import atomic_write
from .models import build_model, read_state_dict
from .nn import functional as F
from .tensor import Tensor

CHECKPOINT = "checkpoint.safetensors"
METRICS = "metrics.json"
CURVES = "curves.png"

OPTIMIZERS = {
    "sgd": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "adam": lambda params, lr: optim.Adam(params, lr=lr),
    "adamw": lambda params, lr: optim.AdamW(params, lr=lr),
}
DEFAULT_LR = {"sgd": 0.05, "adam": 0.003, "adamw": 0.003}


class TrainingError(RuntimeError):
    """Training stopped for a reason the user must see (a NaN loss, a bad checkpoint)."""


@dataclass
class TrainConfig:
    model: str = "seednet"
    data: str = "digits"
    epochs: int = 15
    batch_size: int = 32
    lr: float | None = None
    optimizer: str = "adam"
    seed: int = 0
    out: str = "runs/convkit"
    progress: bool = True
    init: str | None = None

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"--optimizer must be one of {sorted(OPTIMIZERS)}, got '{self.optimizer}'"
            )
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"--epochs and --batch-size must be >= 1, got {self.epochs} and {self.batch_size}"
            )
        if self.lr is None:
            self.lr = DEFAULT_LR[self.optimizer]
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"--lr must be a positive number, got {self.lr}")


# ----------------------------------------------------------------------------------------------
# One epoch
# ----------------------------------------------------------------------------------------------


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:  # progress is a nicety; training works without it
        return iterable
    return tqdm(
        iterable, total=total, desc=desc, leave=False, dynamic_ncols=True, disable=None
    )  # None: off when stderr is not a terminal


def train_one_epoch(model: nn.Module, loader, optimizer, epoch: int, show_progress: bool = True):
    """One pass over ``loader``; returns (mean loss, accuracy). Raises TrainingError on NaN/inf."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = _progress(loader, len(loader), f"epoch {epoch}", show_progress)
    for step, (x, y) in enumerate(bar, start=1):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingError(
                f"the loss became {value} at epoch {epoch}, step {step} of "
                f"{len(loader)}: training stopped (try a smaller --lr)"
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = x.shape[0]
        total_loss += value * n
        correct += int((logits._array.argmax(1) == y._array).sum())
        seen += n
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
    return total_loss / seen, correct / seen


def evaluate(model: nn.Module, loader, num_classes: int):
    """(mean loss, accuracy, confusion matrix with rows = true class, columns = predicted)."""
    model.eval()
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    total_loss, seen = 0.0, 0
    with no_grad():
        for x, y in loader:
            logits = model(x)
            total_loss += F.cross_entropy(logits, y, reduction="sum").item()
            np.add.at(confusion, (y._array, logits._array.argmax(1)), 1)
            seen += x.shape[0]
    return total_loss / max(seen, 1), float(np.trace(confusion)) / max(seen, 1), confusion


# ----------------------------------------------------------------------------------------------
# Checkpoints
# ----------------------------------------------------------------------------------------------


def _rng_state() -> dict:
    # torch's own 5056-byte generator state (see convkit.random), stored as a uint8 array.
    return {"torch_cpu_state": ck_random.get_rng_state()._array.copy()}


def _set_rng_state(saved: dict) -> None:
    if "torch_cpu_state" not in saved:  # written before convkit kept torch's layout
        key = saved["key"]
        key = key._array if isinstance(key, Tensor) else np.asarray(key)
        ck_random.default_generator._set_mt19937(key.astype(np.uint32), int(saved["pos"]))
        return
    state = saved["torch_cpu_state"]
    state = state._array if isinstance(state, Tensor) else np.asarray(state)
    ck_random.set_rng_state(state.astype(np.uint8))


def write_checkpoint(
    path: str, model, optimizer, config: TrainConfig, info: dict, epoch: int, history: list
) -> None:
    save_checkpoint(
        {
            "format": "convkit-train-1",
            "config": asdict(config),
            "info": info,
            "epoch": epoch,
            "history": history,
            "model": dict(model.state_dict()),
            "optimizer": optimizer.state_dict(),
            "rng": _rng_state(),
        },
        path,
    )


def read_checkpoint(path: str) -> dict:
    ckpt = load_checkpoint(path)
    if ckpt.get("format") != "convkit-train-1":
        raise TrainingError(f"'{path}' is not a convkit training checkpoint")
    return ckpt


def model_from_checkpoint(ckpt: dict) -> nn.Module:
    info = ckpt["info"]
    model = build_model(
        ckpt["config"]["model"], tuple(info["input_shape"]), int(info["num_classes"])
    )
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model


# ----------------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------------


def write_metrics(out: str, config: TrainConfig, history: list, status: str) -> dict:
    last = history[-1] if history else {}
    metrics = {
        "test_accuracy": last.get("test_accuracy"),
        "test_loss": last.get("test_loss"),
        "epochs": len(history),
        "status": status,
        "config": asdict(config),
        "history": history,
    }
    with atomic_write(os.path.join(out, METRICS), "w") as f:
        json.dump(metrics, f, indent=2)
    return metrics


def plot_curves(out: str, history: list) -> str | None:
    """Loss and accuracy per epoch as a PNG; None where matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax1.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax1.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax2.plot(epochs, [h["train_accuracy"] for h in history], "o-", label="train")
    ax2.plot(epochs, [h["test_accuracy"] for h in history], "s-", label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.01))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = os.path.join(out, CURVES)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------------------------
# The job
# ----------------------------------------------------------------------------------------------


def train(config: TrainConfig, resume: bool = False, log=print, data=None) -> dict:
    """Train ``config.model`` on ``config.data``; returns the metrics dict written to disk.

    ``data`` may pass already-loaded (train, test, info) datasets (the tests use small ones).
    """
    from .data import DataLoader, load_dataset

    os.makedirs(config.out, exist_ok=True)
    ckpt_path = os.path.join(config.out, CHECKPOINT)
    ckpt = None
    if resume:
        if not os.path.exists(ckpt_path):
            raise TrainingError(f"--resume: no checkpoint at '{ckpt_path}'")
        ckpt = read_checkpoint(ckpt_path)
        saved = ckpt["config"]
        for key in ("model", "data", "optimizer", "seed", "batch_size"):
            if saved[key] != getattr(config, key):
                raise TrainingError(
                    f"--resume: the checkpoint was trained with {key}="
                    f"{saved[key]!r}, not {getattr(config, key)!r}; resume "
                    f"with the same {key}"
                )
    ck_random.manual_seed(config.seed)
    train_set, test_set, info = data if data is not None else load_dataset(config.data)
    model = build_model(config.model, tuple(info["input_shape"]), int(info["num_classes"]))
    if config.init and ckpt is None:
        # Start from given weights (a .pt from PyTorch, a state dict or a convkit checkpoint).
        model.load_state_dict(read_state_dict(config.init))
        log(f"initial weights from '{config.init}'")
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config.lr)
    history: list = []
    start = 1
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        _set_rng_state(ckpt["rng"])
        history = list(ckpt["history"])
        start = int(ckpt["epoch"]) + 1
        log(f"resuming from '{ckpt_path}' after epoch {start - 1}")
    train_loader: DataLoader[Any] = DataLoader(
        train_set, batch_size=config.batch_size, shuffle=True
    )
    test_loader: DataLoader[Any] = DataLoader(test_set, batch_size=256)
    n_params = sum(p.numel() for p in model.parameters())
    log(
        f"model {config.model}: {n_params:,} parameters; data {config.data}: "
        f"{len(train_set)} train / {len(test_set)} test images of shape "
        f"{tuple(info['input_shape'])}, {info['num_classes']} classes"
    )
    status = "completed"
    epoch = start - 1
    try:
        for epoch in range(start, config.epochs + 1):
            t0 = time.perf_counter()
            train_loss, train_acc = train_one_epoch(
                model, train_loader, optimizer, epoch, config.progress
            )
            test_loss, test_acc, _ = evaluate(model, test_loader, int(info["num_classes"]))
            seconds = time.perf_counter() - t0
            history.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "train_accuracy": train_acc,
                    "test_loss": test_loss,
                    "test_accuracy": test_acc,
                    "seconds": seconds,
                }
            )
            write_checkpoint(ckpt_path, model, optimizer, config, info, epoch, history)
            write_metrics(config.out, config, history, "running")
            log(
                f"epoch {epoch:3d}/{config.epochs}  train loss {train_loss:.4f}  "
                f"acc {train_acc:.4f}  |  test loss {test_loss:.4f}  acc {test_acc:.4f}  "
                f"({seconds:.1f}s)"
            )
    except KeyboardInterrupt:
        status = "interrupted"
        log(
            f"\ninterrupted during epoch {epoch}: the checkpoint holds the {len(history)} "
            f"completed epoch(s); continue with --resume"
        )
    except TrainingError as e:
        status = "diverged"
        write_metrics(config.out, config, history, status)
        kept = (
            f"the last good checkpoint (epoch {len(history)}) is kept in '{ckpt_path}'"
            if history
            else "no epoch completed, so no checkpoint was written"
        )
        raise TrainingError(f"{e}; {kept}") from None
    metrics = write_metrics(config.out, config, history, status)
    if history:
        plot_curves(config.out, history)
    return metrics
