"""The training job behind ``convkit train`` (and ``convkit.training.train`` from Python).

A run lives in one folder (``--out``): ``checkpoint.safetensors`` (the last epoch: model,
optimiser, RNG state, history), ``best.safetensors`` (the epoch with the best validation accuracy,
or test accuracy without ``--val-split``), ``metrics.json`` and ``curves.png``. Each epoch is one
call of ``run_epoch`` (a shuffled pass over the training set, then the evaluations), followed by
``save_progress``, the one place that writes the folder. Because the RNG state is saved at every
epoch boundary, ``--resume`` continues with exactly the draws an uninterrupted run would have made.

Under an MPI launcher (``mpiexec -n N convkit train``, or ``convkit train --ranks N``) the N
processes train one model data-parallel (``DistributedDataParallel``, BatchNorm made
``SyncBatchNorm``). ``--batch-size`` stays the global batch: every rank draws the single-process
shuffle (rank 0's order is broadcast, so the ranks cannot disagree) and takes its contiguous
part of each batch, and each rank's loss is weighted so that DDP's average of the gradients is
the gradient of the global batch's mean loss. The same seed and batch size therefore give the
single-process history, to float32 rounding (sums taken in another order). The step's loss sum
and correct count, and the evaluations (each rank takes a contiguous part of the set), are
summed over the ranks, so every rank sees the one history; rank 0 alone prints and writes the
folder. The checkpoint holds no per-rank state, so a run resumes on any number of ranks.

What a run never does:

- overwrite another run: a folder that holds one is refused unless ``resume`` (continue it) or
  ``overwrite`` (replace it) is asked for;
- record one hyper-parameter and use another: resuming with a changed ``lr``, ``weight_decay``,
  ``epochs`` or learning-rate schedule applies the new value from the next epoch and records it
  (each history entry has the epoch's ``lr``; ``resumes`` lists the changes); a change to what
  defines the run (model, data, optimiser, batch size, seed, split, image size) is refused;
- succeed silently: resuming a run that already reached ``epochs`` says so, and a run whose test
  accuracy stays at chance level says so.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Callable, Iterable

import numpy as np

from . import optim
from . import random as ck_random
from .autograd import no_grad
from .errors import UserError
from .io import atomic_write
from .models import build_model, chw, declared_input_size, resolve_factory, run_model
from .nn import Module
from .nn import functional as F
from .tensor import Tensor
from .weights import (
    Checkpoint,
    CheckpointError,
    DataInfo,
    RngState,
    TrainConfig,
    load_weights_into,
    read_checkpoint,
    read_state_dict,
    write_checkpoint,
)

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
METRICS = "metrics.json"
CURVES = "curves.png"
RUN_FILES = (CHECKPOINT, BEST, METRICS, CURVES)
_MISCLASSIFIED_SHOWN = 16

__all__ = [
    "CHECKPOINT",
    "TrainConfig",
    "TrainResult",
    "TrainingError",
    "evaluate",
    "train",
    "train_one_epoch",
]


class TrainingError(UserError, RuntimeError):
    """Training stopped, or would not start, for a reason the user must see."""


@dataclass
class Evaluation:
    """One pass over an evaluation set: the mean loss, the accuracy, the confusion matrix (rows
    the true class, columns the predicted one) and the first misclassified images."""

    loss: float
    accuracy: float
    confusion: np.ndarray
    misclassified: list[tuple[np.ndarray, int, int]] = field(default_factory=list)


@dataclass
class TrainResult:
    """What ``train`` returns: ``status`` is "completed", "interrupted" or "nothing to do"."""

    status: str
    history: list[dict[str, Any]]
    metrics: dict[str, Any]
    figure: Any = None  # the curves as a matplotlib Figure (None without matplotlib)
    model: Module | None = None
    out: str = ""
    rank: int = 0  # this process's rank in a data-parallel run (only rank 0 wrote the files)


# ----------------------------------------------------------------------------------------------
# One epoch
# ----------------------------------------------------------------------------------------------


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and (
        type(shell).__name__ == "ZMQInteractiveShell"
        or "IPKernelApp" in getattr(shell, "config", {})
    )


def progress_bar(iterable: Iterable, total: int, desc: str, enabled: bool = True) -> Iterable:
    """A live progress bar over ``iterable``: tqdm's notebook widget in Jupyter where ipywidgets
    is installed, a text bar elsewhere in Jupyter and on a terminal; nothing when output goes to
    a file or a pipe, when ``enabled`` is False, or without tqdm."""
    if not enabled:
        return iterable
    try:
        from tqdm import std
    except ImportError:  # progress is a nicety; training works without it
        return iterable
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar is an ipywidgets widget)
            from tqdm.notebook import tqdm as notebook_bar
        except ImportError:
            return std.tqdm(iterable, total=total, desc=desc, leave=False, file=sys.stdout)
        return notebook_bar(iterable, total=total, desc=desc, leave=False)
    # disable=None: off when stderr is not a terminal.
    return std.tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True, disable=None)


def train_one_epoch(
    model: Module,
    loader: Any,
    optimizer: Any,
    epoch: int,
    show_progress: bool = True,
    ranks: _Ranks | None = None,
) -> tuple[float, float]:
    """One pass over ``loader``; returns (mean loss, accuracy). Raises TrainingError on NaN/inf.

    With ``ranks`` of several processes, ``model`` is the DistributedDataParallel replica and
    ``loader`` yields this rank's parts of the global batches (``_RankBatches``); the figures
    returned are those of the global batches, the same on every rank."""
    ranks = ranks or _Ranks()
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = progress_bar(loader, len(loader), f"epoch {epoch}", show_progress)
    for step, (x, y) in enumerate(bar, start=1):
        n_all = x.shape[0]
        if ranks.size > 1:
            n_all = loader.batch_sampler.global_sizes[step - 1]
            if ranks.part(n_all).size == 0:  # the stand-in image of an empty part
                x, y = x[:0], y[:0]
        logits = run_model(model, x)
        n = x.shape[0]
        if ranks.size == 1:
            loss = F.cross_entropy(logits, y)
        else:
            if n * ranks.size == n_all:  # equal parts: DDP's average is the batch's mean
                loss = F.cross_entropy(logits, y)
            else:  # DDP divides the summed gradients by the world size
                loss = F.cross_entropy(logits, y, reduction="sum") * (ranks.size / n_all)
        # This rank's share of the batch's loss sum, and its correct answers; summed over the
        # ranks while backward runs.
        stats = Tensor._wrap(
            np.array(
                [loss.item() * n_all / ranks.size, (logits._array.argmax(1) == y._array).sum()],
                dtype=np.float64,
            )
        )
        pending = ranks.start_sum(stats)
        optimizer.zero_grad()
        loss.backward()
        if pending is not None:
            pending.wait()
        batch_loss, batch_correct = stats._array
        value = float(batch_loss) / n_all
        if not math.isfinite(value):  # every rank sees the same value and stops here
            raise TrainingError(
                f"the loss became {value} at epoch {epoch}, step {step} of "
                f"{len(loader)}: training stopped (try a smaller --lr)"
            )
        optimizer.step()
        total_loss += float(batch_loss)
        correct += int(batch_correct)
        seen += n_all
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
    return total_loss / seen, correct / seen


def evaluate(model: Module, loader: Any, num_classes: int) -> Evaluation:
    """Loss, accuracy, confusion matrix and the first misclassified images of ``model``."""
    total_loss, confusion, wrong = _evaluation_sums(model, loader, num_classes)
    n = max(int(confusion.sum()), 1)
    return Evaluation(total_loss / n, float(np.trace(confusion)) / n, confusion, wrong)


def _evaluation_sums(
    model: Module, loader: Any, num_classes: int
) -> tuple[float, np.ndarray, list[tuple[np.ndarray, int, int]]]:
    """The summed loss, the confusion matrix and the first misclassified images."""
    model.eval()
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    wrong: list[tuple[np.ndarray, int, int]] = []
    total_loss = 0.0
    with no_grad():
        for x, y in loader:
            logits = run_model(model, x)
            total_loss += F.cross_entropy(logits, y, reduction="sum").item()
            predicted = logits._array.argmax(1)
            np.add.at(confusion, (y._array, predicted), 1)
            for i in np.flatnonzero(predicted != y._array)[: _MISCLASSIFIED_SHOWN - len(wrong)]:
                wrong.append((np.array(x._array[i]), int(y._array[i]), int(predicted[i])))
    return total_loss, confusion, wrong


def _evaluate_on_ranks(model: Module, loader: Any, num_classes: int, ranks: _Ranks) -> Evaluation:
    """``evaluate`` where each rank holds a contiguous part of the set: the sums of all parts,
    and the first misclassified images in the set's order."""
    if ranks.size == 1:
        return evaluate(model, loader, num_classes)
    from .distributed import all_gather_object

    total_loss, confusion, wrong = _evaluation_sums(model, loader, num_classes)
    sums = Tensor._wrap(np.concatenate([[total_loss], confusion.ravel()]).astype(np.float64))
    work = ranks.start_sum(sums)
    assert work is not None
    work.wait()
    total_loss = float(sums._array[0])
    confusion = sums._array[1:].reshape(num_classes, num_classes).round().astype(np.int64)
    gathered: list[Any] = [None] * ranks.size
    all_gather_object(gathered, wrong)
    wrong = [item for part in gathered for item in part][:_MISCLASSIFIED_SHOWN]
    n = max(int(confusion.sum()), 1)
    return Evaluation(total_loss / n, float(np.trace(confusion)) / n, confusion, wrong)


# ----------------------------------------------------------------------------------------------
# Ranks: one process, or one of an MPI job training one model
# ----------------------------------------------------------------------------------------------

#: How long a rank waits for the others in one collective before the job is stopped: torch's
#: default for NCCL (10 minutes), ample for rank 0 writing a checkpoint while the others wait.
DEFAULT_RANK_TIMEOUT = 600.0


@dataclass
class _Ranks:
    """This process's place in the job: rank ``rank`` of ``size`` (1: a single process, which
    never touches MPI). ``owned``: ``train`` initialised the process group, so it closes it."""

    rank: int = 0
    size: int = 1
    owned: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0

    def start_sum(self, values: Tensor) -> Any:
        """Start summing ``values`` (float64) over the ranks, in place: the Work to wait for, or
        None for a single process."""
        if self.size == 1:
            return None
        from .distributed import all_reduce

        return all_reduce(values, async_op=True)

    def broadcast(self, values: np.ndarray) -> np.ndarray:
        """Rank 0's ``values`` (an array of the same shape and dtype on every rank)."""
        if self.size == 1:
            return values
        from .distributed import broadcast

        tensor = Tensor._wrap(np.ascontiguousarray(values))
        broadcast(tensor, src=0)
        return tensor._array

    def on_main(self, action: Callable[[], None]) -> None:
        """Run ``action`` on rank 0 alone; its exception, if any, is raised on every rank (so
        that no rank goes on to wait for one that stopped)."""
        if self.size == 1:
            action()
            return
        from .distributed import broadcast_object_list

        box: list[Any] = [None]
        if self.main:
            try:
                action()
            except Exception as e:  # re-raised below, on every rank
                box[0] = e
        broadcast_object_list(box, src=0)
        if box[0] is not None:
            raise box[0]

    def part(self, n: int) -> np.ndarray:
        """This rank's contiguous part of ``range(n)`` (sizes differ by at most one)."""
        return np.array_split(np.arange(n), self.size)[self.rank]


def _join_ranks(timeout: float | None) -> _Ranks:
    """The job this process is in: the process group already initialised by the caller, or one
    initialised here when a launcher started several processes; else a single process."""
    from . import distributed as dist
    from .distributed.run import launcher_world_size

    if dist.is_initialized():
        return _Ranks(dist.get_rank(), dist.get_world_size())
    if launcher_world_size() <= 1:
        return _Ranks()
    seconds = DEFAULT_RANK_TIMEOUT if timeout is None else timeout
    dist.init_process_group(timeout=timedelta(seconds=seconds))
    return _Ranks(dist.get_rank(), dist.get_world_size(), owned=True)


class _RankBatches:
    """The batches of a single-process run (``batches``: shuffled as ``DataLoader(shuffle=True)``
    shuffles, drawing the same random numbers), each cut into ``ranks.size`` contiguous parts;
    this rank's parts are yielded. The order is rank 0's, broadcast at the start of each epoch.
    ``global_sizes`` holds the whole batches' sizes once iteration has begun."""

    def __init__(self, batches: Any, ranks: _Ranks) -> None:
        self.batches = batches
        self.ranks = ranks
        self.global_sizes: list[int] = []

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Any:
        batches = list(self.batches)
        self.global_sizes = [len(b) for b in batches]
        order = self.ranks.broadcast(np.array([i for b in batches for i in b], dtype=np.int64))
        start = 0
        for n in self.global_sizes:
            part = start + self.ranks.part(n)
            # A batch of fewer images than ranks leaves some ranks nothing, but each must still
            # join the step's collectives: it gets one stand-in image, which
            # train_one_epoch drops before the forward pass (the loader cannot batch nothing).
            yield order[part if part.size else [start]].tolist()
            start += n


# ----------------------------------------------------------------------------------------------
# The run: its folder, its state, one epoch, one place that saves
# ----------------------------------------------------------------------------------------------


@dataclass
class _Run:
    config: TrainConfig
    info: DataInfo
    model: Module
    optimizer: Any
    scheduler: Any
    loaders: dict[str, Any]  # "train", "val" (with --val-split), "test"
    history: list[dict[str, Any]]
    best: dict[str, Any] | None
    resumes: list[dict[str, Any]]
    log: Callable[..., Any]
    ranks: _Ranks = field(default_factory=lambda: _Ranks())
    trainer: Module | None = None  # what trains: the model, or its DistributedDataParallel
    sizes: dict[str, int] = field(default_factory=dict)  # images per split (all ranks together)
    last_test: Evaluation | None = None

    def path(self, name: str) -> str:
        return os.path.join(self.config.out, name)

    @property
    def monitored(self) -> str:
        return "val_accuracy" if "val" in self.loaders else "test_accuracy"


def _refuse_or_clear(config: TrainConfig, resume: bool, overwrite: bool) -> None:
    """A new run may not mix with an old one in the same folder."""
    out = config.out
    if os.path.exists(out) and not os.path.isdir(out):
        raise TrainingError(f"--out '{out}' is a file, not a folder")
    existing = [name for name in RUN_FILES if os.path.exists(os.path.join(out, name))]
    if resume or not existing:
        return
    if not overwrite:
        raise TrainingError(
            f"'{out}' already holds a run ({', '.join(existing)}); pass --resume to continue "
            "it, --overwrite to replace it, or another --out"
        )
    for name in existing:
        os.remove(os.path.join(out, name))


def _resumed_config(
    saved: Checkpoint, config: TrainConfig, given: set[str], where: str
) -> tuple[TrainConfig, dict[str, list]]:
    """The checkpoint's configuration with the options given now applied; the changes."""
    if "init" in given and config.init:
        raise TrainingError("--init starts a new run; --resume continues from the checkpoint")
    old = saved.config
    for name in TrainConfig.FIXED:
        if name in given and getattr(config, name) != getattr(old, name):
            raise TrainingError(
                f"--resume: the run in '{where}' was trained with --{name.replace('_', '-')} "
                f"{_show(getattr(old, name))}; it cannot continue with "
                f"{_show(getattr(config, name))} (give the same value, or --overwrite or "
                "another --out for a new run)"
            )
    now = {name: getattr(config, name) for name in TrainConfig.TUNABLE if name in given}
    merged = replace(old, **now, out=config.out, progress=config.progress).resolved()
    changes = {
        name: [getattr(old, name), getattr(merged, name)]
        for name in TrainConfig.TUNABLE
        if getattr(old, name) != getattr(merged, name)
    }
    return merged, changes


def _show(value: object) -> str:
    return "x".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


def _make_optimizer(config: TrainConfig, params: Any) -> Any:
    assert config.lr is not None and config.weight_decay is not None  # a resolved config
    if config.optimizer == "sgd":
        return optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
    cls = optim.Adam if config.optimizer == "adam" else optim.AdamW
    return cls(params, lr=config.lr, weight_decay=config.weight_decay)


def _make_scheduler(config: TrainConfig, optimizer: Any, epochs_done: int) -> Any:
    """The learning-rate schedule, stepped once per completed epoch; on a resumed run it is
    replayed up to ``epochs_done``, so the lr follows from the options given now."""
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] = config.lr
        group["weight_decay"] = config.weight_decay
    if config.lr_schedule == "constant":
        return None
    scheduler: Any
    if config.lr_schedule == "step":
        assert config.lr_step_size is not None  # a resolved config
        scheduler = optim.lr_scheduler.StepLR(optimizer, config.lr_step_size, config.lr_gamma)
    else:
        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, config.epochs)
    with warnings.catch_warnings():
        # Replaying the schedule steps it before this run's first optimizer.step().
        warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
        for _ in range(epochs_done):
            scheduler.step()
    return scheduler


def _ink_extent(dataset: Any, input_shape: tuple[int, int, int]) -> float | None:
    """How much of the frame a one-channel training image's ink fills (median of a sample)."""
    from .data.imageops import ink_extent

    if input_shape[0] != 1 or len(dataset) == 0:
        return None
    picks = np.linspace(0, len(dataset) - 1, num=min(len(dataset), 256)).astype(int)
    images = np.stack([np.asarray(dataset[int(i)][0]._array)[0] for i in picks])  # (n, H, W)
    return ink_extent(images)


def _prepare(
    config: TrainConfig,
    resume: bool,
    overwrite: bool,
    given: set[str],
    log,
    data,
    ranks: _Ranks | None = None,
) -> tuple[_Run | None, Checkpoint | None, dict[str, list]]:
    """Check the folder, read what a resume continues, load the data, build the model."""
    from .data import DataLoader, Subset, stratified_split
    from .data.registry import dataset_targets, load_dataset
    from .utils.data import BatchSampler, RandomSampler

    ranks = ranks or _Ranks()
    if resume and overwrite:
        raise TrainingError("--resume continues a run and --overwrite replaces it: give one")
    # Rank 0 alone clears the folder; the others must not look at it meanwhile.
    ranks.on_main(lambda: _refuse_or_clear(config, resume, overwrite))
    ckpt_path = os.path.join(config.out, CHECKPOINT)
    ckpt: Checkpoint | None = None
    changes: dict[str, list] = {}
    if resume:
        if not os.path.exists(ckpt_path):
            raise TrainingError(f"--resume: no checkpoint at '{ckpt_path}'")
        ckpt = read_checkpoint(ckpt_path)
        config, changes = _resumed_config(ckpt, config, given, config.out)
        try:
            resolve_factory(config.model)
        except ValueError as e:
            raise CheckpointError(
                f"'{ckpt_path}' records model '{config.model}', which cannot be built here: {e}"
            ) from None
        if config.epochs < ckpt.epoch:
            raise TrainingError(
                f"--resume: '{config.out}' already holds {ckpt.epoch} epochs, more than "
                f"--epochs {config.epochs}; give a larger --epochs to train further"
            )
        if config.epochs == ckpt.epoch:
            log(
                f"nothing to do: '{config.out}' already holds {ckpt.epoch} epochs "
                f"(--epochs {config.epochs}); give a larger --epochs to train further"
            )
            return None, ckpt, changes
    else:
        config = config.resolved()

    ck_random.manual_seed(config.seed)
    if data is not None:
        train_set, test_set, raw_info = data
    else:
        size = config.image_size or declared_input_size(config.model)
        train_set, test_set, raw_info = load_dataset(config.data, size, config.channels)
    for note in raw_info.get("notes", []):
        log(f"note: {note}")
    input_shape = chw(raw_info["input_shape"])
    if ckpt is not None:
        if input_shape != ckpt.info.input_shape:
            raise TrainingError(
                f"--resume: the data now gives images of shape {input_shape}, but the run "
                f"was trained on {ckpt.info.input_shape}"
            )
        info = ckpt.info
    else:
        source = raw_info.get("source_shape")
        info = DataInfo(
            str(raw_info.get("spec", config.data)),
            input_shape,
            int(raw_info["num_classes"]),
            [str(c) for c in raw_info["classes"]],
            chw(source) if source else None,
            _ink_extent(train_set, input_shape),
        )

    evaluated: dict[str, Any] = {"test": test_set}
    if config.val_split > 0:
        is_val = stratified_split(dataset_targets(train_set), config.val_split)
        evaluated["val"] = Subset(train_set, np.flatnonzero(is_val).tolist())
        train_set = Subset(train_set, np.flatnonzero(~is_val).tolist())
    sizes = {"train": len(train_set), **{k: len(v) for k, v in evaluated.items()}}
    loaders: dict[str, DataLoader] = {}
    if ranks.size == 1:
        loaders["train"] = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    else:
        # DataLoader(shuffle=True)'s own sampler, so the shuffle draws what one process draws.
        batches = BatchSampler(RandomSampler(train_set), config.batch_size, drop_last=False)
        loaders["train"] = DataLoader(train_set, batch_sampler=_RankBatches(batches, ranks))
    for name in ("val", "test"):
        if name in evaluated:
            part = evaluated[name]
            if ranks.size > 1:
                part = Subset(part, ranks.part(len(part)).tolist())
            loaders[name] = DataLoader(part, batch_size=256)

    model = build_model(config.model, info.input_shape, info.num_classes)
    if ranks.size > 1:
        from .nn import SyncBatchNorm

        # Batch statistics over the global batch, as one process computes them.
        model = SyncBatchNorm.convert_sync_batchnorm(model)
    if config.init and ckpt is None:
        # Start from given weights (a .pt from PyTorch, a state dict or a convkit checkpoint).
        load_weights_into(model, read_state_dict(config.init), config.init, config.model)
        log(f"initial weights from '{config.init}'")
    optimizer = _make_optimizer(config, model.parameters())
    history: list[dict[str, Any]] = []
    best, resumes = None, []
    if ckpt is not None:
        load_weights_into(model, ckpt.model, ckpt_path, config.model)
        try:
            optimizer.load_state_dict(ckpt.optimizer)
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"'{ckpt_path}': the optimizer state does not fit: {e}") from None
        ckpt.rng.restore()
        history, best, resumes = list(ckpt.history), ckpt.best, list(ckpt.resumes)
        if changes:
            resumes.append({"after_epoch": ckpt.epoch, "changes": changes})
        log(f"resuming from '{ckpt_path}' after epoch {ckpt.epoch}")
        for name, (before, after) in changes.items():
            log(
                f"--{name.replace('_', '-')} changed from {before} to {after} from epoch "
                f"{ckpt.epoch + 1} on (recorded in the checkpoint and metrics.json)"
            )
    scheduler = _make_scheduler(config, optimizer, len(history))
    trainer = model
    if ranks.size > 1:
        from .nn.parallel import DistributedDataParallel

        trainer = DistributedDataParallel(model)
    run = _Run(
        config,
        info,
        model,
        optimizer,
        scheduler,
        loaders,
        history,
        best,
        resumes,
        log,
        ranks,
        trainer,
        sizes,
    )
    return run, ckpt, changes


def run_epoch(run: _Run, epoch: int) -> dict[str, Any]:
    """Train one epoch, then evaluate: the epoch's history record."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {"epoch": epoch, "lr": float(run.optimizer.param_groups[0]["lr"])}
    loss, acc = train_one_epoch(
        run.trainer or run.model,
        run.loaders["train"],
        run.optimizer,
        epoch,
        run.config.progress and run.ranks.main,
        run.ranks,
    )
    record.update(train_loss=loss, train_accuracy=acc)
    k = run.info.num_classes
    if "val" in run.loaders:
        val = _evaluate_on_ranks(run.model, run.loaders["val"], k, run.ranks)
        record.update(val_loss=val.loss, val_accuracy=val.accuracy)
    run.last_test = _evaluate_on_ranks(run.model, run.loaders["test"], k, run.ranks)
    record.update(test_loss=run.last_test.loss, test_accuracy=run.last_test.accuracy)
    record["seconds"] = time.perf_counter() - t0
    if run.scheduler is not None:
        run.scheduler.step()
    return record


def save_progress(run: _Run, status: str) -> None:
    """The one place that writes the run's folder: checkpoint (and best) after an epoch, then
    metrics.json. Every write is atomic; of several ranks, rank 0 alone writes."""
    if not run.ranks.main:
        return
    if run.history and status == "running":
        record = run.history[-1]
        value = record[run.monitored]
        if run.best is None or value > run.best["value"]:
            run.best = {"epoch": record["epoch"], "metric": run.monitored, "value": value}
        checkpoint = Checkpoint(
            run.config,
            run.info,
            len(run.history),
            run.history,
            run.model.state_dict(),
            run.optimizer.state_dict(),
            RngState.capture(),
            run.best,
            run.resumes,
        )
        write_checkpoint(run.path(CHECKPOINT), checkpoint)
        if run.best["epoch"] == record["epoch"]:
            with open(run.path(CHECKPOINT), "rb") as src, atomic_write(run.path(BEST)) as dst:
                shutil.copyfileobj(src, dst)
    with atomic_write(run.path(METRICS), "w") as f:
        json.dump(_metrics(run, status), f, indent=2)


def _chance(run: _Run) -> float:
    """The accuracy of always answering the test set's most frequent class."""
    if run.last_test is None:
        return 1.0 / run.info.num_classes
    counts = run.last_test.confusion.sum(1)
    return float(counts.max() / max(counts.sum(), 1))


def _at_chance(run: _Run) -> bool:
    if run.last_test is None or not run.history:
        return False
    p, n = _chance(run), int(run.last_test.confusion.sum())
    # Three standard errors of a guesser's accuracy on n images: above that, something was learnt.
    return run.history[-1]["test_accuracy"] <= p + 3 * math.sqrt(p * (1 - p) / max(n, 1))


def _metrics(run: _Run, status: str) -> dict[str, Any]:
    last = run.history[-1] if run.history else {}
    return {
        "test_accuracy": last.get("test_accuracy"),
        "test_loss": last.get("test_loss"),
        "epochs": len(run.history),
        "status": status,
        "best": run.best,
        "at_chance": _at_chance(run) if status == "completed" else None,
        "config": run.config.to_dict(),
        "data": run.info.to_dict(),
        "resumes": run.resumes,
        "history": run.history,
    }


def _epoch_line(record: dict[str, Any], epochs: int, show_lr: bool) -> str:
    parts = [f"epoch {record['epoch']:3d}/{epochs}"]
    if show_lr:
        parts.append(f"lr {record['lr']:.3g}")
    parts.append(f"train loss {record['train_loss']:.4f}  acc {record['train_accuracy']:.4f}")
    line = "  ".join(parts)
    if "val_loss" in record:
        line += f"  |  val loss {record['val_loss']:.4f}  acc {record['val_accuracy']:.4f}"
    line += f"  |  test loss {record['test_loss']:.4f}  acc {record['test_accuracy']:.4f}"
    return line + f"  ({record['seconds']:.1f}s)"


# ----------------------------------------------------------------------------------------------
# The job
# ----------------------------------------------------------------------------------------------


def train(
    config: TrainConfig | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    given: Iterable[str] | None = None,
    log: Callable[..., Any] = print,
    data: Any = None,
    rank_timeout: float | None = None,
    **options: Any,
) -> TrainResult:
    """Train a CNN; returns the history, the metrics written to ``metrics.json``, the curves
    figure and the model.

    Give a ``TrainConfig`` or its fields as keywords (``train(model="lenet5", epochs=5)``).
    ``resume`` continues the run in ``out``; the options chosen (``given``: by default the
    keywords, or the fields of ``config`` that differ from their defaults) override the
    checkpoint's where allowed (see the module's docstring). ``overwrite`` replaces a run.
    ``data`` may pass already-loaded ``(train, test, info)`` datasets. The caller's matplotlib
    state (backend, current figure) is never touched: the figure is a standalone ``Figure``.

    Run under an MPI launcher, or after ``convkit.distributed.init_process_group``, the processes
    train one model data-parallel (see the module's docstring); ``rank_timeout`` (seconds,
    default ``DEFAULT_RANK_TIMEOUT``) bounds each wait for the other ranks, after which the job
    is stopped with the reason. Only rank 0 logs and writes files.
    """
    if config is None:
        config = TrainConfig(**options)
        chosen = set(options)
    else:
        if options:
            config = replace(config, **options)
        chosen = config.explicit() | set(options)
    ranks = _join_ranks(rank_timeout)
    if not ranks.main:
        log = _silent
    run, ckpt, _ = _prepare(
        config, resume, overwrite, set(given) if given is not None else chosen, log, data, ranks
    )
    if run is None:  # a resumed run that already reached its epochs
        assert ckpt is not None
        if ranks.owned:
            from . import distributed as dist

            dist.destroy_process_group()
        last = ckpt.history[-1] if ckpt.history else {}
        return TrainResult(
            "nothing to do",
            ckpt.history,
            {"status": "nothing to do", "epochs": ckpt.epoch, **_last_metrics(last)},
            out=config.out,
        )
    n_params = sum(p.numel() for p in run.model.parameters())
    info = run.info
    sizes = f"{run.sizes['train']} train / "
    if "val" in run.sizes:
        sizes += f"{run.sizes['val']} validation / "
    log(
        f"model {run.config.model}: {n_params:,} parameters; data {run.config.data}: {sizes}"
        f"{run.sizes['test']} test images of shape {info.input_shape}, "
        f"{info.num_classes} classes"
    )
    if ranks.size > 1:
        log(
            f"data-parallel on {ranks.size} ranks: each takes 1/{ranks.size} of every batch of "
            f"{run.config.batch_size} images"
        )
    status = "completed"
    epoch = len(run.history)
    show_lr = run.config.lr_schedule != "constant"
    try:
        for epoch in range(len(run.history) + 1, run.config.epochs + 1):
            run.history.append(run_epoch(run, epoch))
            save_progress(run, "running")
            log(_epoch_line(run.history[-1], run.config.epochs, show_lr))
    except KeyboardInterrupt:
        status = "interrupted"
        log(
            f"\ninterrupted during epoch {epoch}: the checkpoint holds the {len(run.history)} "
            f"completed epoch(s); continue with --resume"
        )
    except TrainingError as e:
        save_progress(run, "diverged")
        kept = (
            f"the last good checkpoint (epoch {len(run.history)}) is kept in "
            f"'{run.path(CHECKPOINT)}'"
            if run.history
            else "no epoch completed, so no checkpoint was written"
        )
        raise TrainingError(f"{e}; {kept}") from None
    except Exception as e:
        if ranks.size > 1:  # the other ranks would wait for this one in their next collective
            _stop_every_rank(ranks, e)
        raise
    save_progress(run, status)
    metrics = _metrics(run, status)
    if metrics["at_chance"]:
        log(
            f"warning: test accuracy {metrics['test_accuracy']:.4f} is at chance level "
            f"({_chance(run):.4f} by always answering the most frequent class): the network "
            f"has learnt nothing. Try another --lr (now {run.config.lr:g}), more --epochs, or "
            "check that the labels match the images"
        )
    figure = None
    if run.history and ranks.main:
        figure = curves_figure(run)
        if figure is not None:
            with atomic_write(run.path(CURVES)) as f:
                figure.savefig(f, format="png", dpi=100)
    if ranks.owned:
        from . import distributed as dist

        dist.destroy_process_group()
    return TrainResult(status, run.history, metrics, figure, run.model, run.config.out, ranks.rank)


def _stop_every_rank(ranks: _Ranks, error: Exception) -> None:
    """Report ``error`` (raised on this rank alone, as far as it knows) and end the whole job."""
    import traceback

    from .distributed import _mpi

    traceback.print_exc()
    print(
        f"convkit train: rank {ranks.rank} of {ranks.size} stopped ({type(error).__name__}: "
        f"{error}); stopping every rank (MPI_Abort) so that none waits for it",
        file=sys.stderr,
        flush=True,
    )
    _mpi.abort(1)


def _silent(*args: Any, **kwargs: Any) -> None:
    """The log of ranks other than 0."""


def _last_metrics(last: dict[str, Any]) -> dict[str, Any]:
    return {"test_accuracy": last.get("test_accuracy"), "test_loss": last.get("test_loss")}


# ----------------------------------------------------------------------------------------------
# The curves
# ----------------------------------------------------------------------------------------------


def curves_figure(run: _Run) -> Any:
    """Loss and accuracy per epoch, the last confusion matrix and misclassified test images, as a
    matplotlib ``Figure`` made without pyplot (so no backend is chosen or changed); None when
    matplotlib is not installed. Four axes on a fixed grid (no layout engine) keep it fast."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None
    history = run.history
    epochs = [h["epoch"] for h in history]
    fig = Figure(figsize=(11, 8.5))
    grid = fig.add_gridspec(2, 2, left=0.07, right=0.97, bottom=0.06, top=0.9, hspace=0.3)
    ax_loss, ax_acc = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    splits = [s for s in ("train", "val", "test") if f"{s}_loss" in history[0]]
    markers = {"train": "o-", "val": "^-", "test": "s-"}
    losses = []
    for split in splits:
        ys = [h[f"{split}_loss"] for h in history]
        losses += ys
        ax_loss.plot(epochs, ys, markers[split], label=split)
        ax_acc.plot(epochs, [h[f"{split}_accuracy"] for h in history], markers[split], label=split)
    positive = [v for v in losses if v > 0]
    if positive and max(positive) / min(positive) > 10:  # the loss spans more than a decade
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.01))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    last = history[-1]
    fig.suptitle(
        f"{run.config.model} on {run.config.data}: test accuracy {last['test_accuracy']:.4f} "
        f"after {last['epoch']} epoch{'s' if last['epoch'] != 1 else ''}"
    )
    if run.last_test is not None:
        _draw_confusion(fig.add_subplot(grid[1, 0]), run.last_test.confusion, run.info.classes)
        _draw_misclassified(
            fig.add_subplot(grid[1, 1]), run.last_test.misclassified, run.info.classes
        )
    return fig


def _draw_confusion(ax: Any, confusion: np.ndarray, classes: list[str]) -> None:
    k = len(classes)
    ax.imshow(confusion, cmap="Blues")
    ax.set(title="confusion matrix (test set)", xlabel="predicted", ylabel="true")
    if k <= 20:
        labels = [c.split(" - ")[0][:8] for c in classes]
        ax.set_xticks(range(k), labels, rotation=90 if k > 10 else 0)
        ax.set_yticks(range(k), labels)
    if k <= 12:
        top = confusion.max(initial=0)
        for (i, j), v in np.ndenumerate(confusion):
            if v:
                color = "white" if v > top / 2 else "black"
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color=color)


def _draw_misclassified(ax: Any, wrong: list, classes: list[str]) -> None:
    """The misclassified images as one mosaic (4 per row), each captioned "true -> predicted"."""
    ax.set_title("misclassified test images (true -> predicted)")
    ax.set_axis_off()
    if not wrong:
        ax.text(0.5, 0.5, "none: every test image is right", ha="center", va="center")
        return
    cols = 4
    rows = math.ceil(len(wrong) / cols)
    c, h, w = wrong[0][0].shape
    pad = max(2, h // 2)  # room for each caption above its tile
    mosaic = np.ones((rows * (h + pad), cols * (w + 1), c), dtype=np.float32)
    for n, (image, true, predicted) in enumerate(wrong):
        y, x = (n // cols) * (h + pad) + pad, (n % cols) * (w + 1)
        mosaic[y : y + h, x : x + w] = np.clip(image.transpose(1, 2, 0), 0, 1)  # (h, w, C)
        label = f"{classes[true][:6]} -> {classes[predicted][:6]}"
        ax.text(x + w / 2, y - 0.8, label, ha="center", va="bottom", fontsize=8)
    ax.imshow(mosaic[..., 0] if c == 1 else mosaic, cmap="gray" if c == 1 else None)
