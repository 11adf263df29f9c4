"""Weights files and training checkpoints: one place that reads them, checks them and builds models.

Three kinds of file hold a network's weights, and every command that takes one (``train --init``
and ``--resume``, ``evaluate``, ``predict``, ``summary``, ``filters``, ``featuremaps``) reads it
here:

- a convkit training checkpoint (``convkit train`` writes ``checkpoint.safetensors``): the weights
  plus everything needed to rebuild and continue the run, the ``Checkpoint`` record below;
- a plain state dict in safetensors (``convkit.save(model.state_dict(), "w.safetensors")``);
- a PyTorch file (``torch.save(model.state_dict(), "w.pt")``, or a general checkpoint dict that
  holds one under ``model``/``state_dict``/``model_state_dict``), read without torch.

The format is told by the content, never by the file name. ``Checkpoint.from_tree`` validates every
record of a training checkpoint (types, ranges, consistency) and raises ``CheckpointError`` naming
the file, the record and the value, so a damaged or foreign file is one clear message, never a
``KeyError`` from deep inside training.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Mapping, Sequence

import numpy as np

from . import random as ck_random
from .errors import FileFormatError
from .io import load, save
from .models import build_model, chw
from .nn import Module
from .tensor import Tensor

CHECKPOINT_FORMAT = "convkit-train-1"
OPTIMIZERS = ("adam", "adamw", "sgd")
DEFAULT_LR = {"adam": 0.003, "adamw": 0.003, "sgd": 0.05}
# torch's own defaults for each optimiser's weight_decay.
DEFAULT_WEIGHT_DECAY = {"adam": 0.0, "adamw": 0.01, "sgd": 0.0}
LR_SCHEDULES = ("constant", "step", "cosine")
STATE_DICT_KEYS = ("model", "state_dict", "model_state_dict")
_MAX_SIDE = 1 << 16  # an image side or a class count beyond this is a corrupt record


class CheckpointError(FileFormatError):
    """A weights file or training checkpoint that cannot be used; names the file and the fault."""


# ----------------------------------------------------------------------------------------------
# The training configuration (recorded in every checkpoint)
# ----------------------------------------------------------------------------------------------


@dataclass
class TrainConfig:
    """What ``convkit train`` does; each field is the command-line option of the same name.

    ``None`` means "the default for the other choices": ``lr`` 0.003 for adam/adamw and 0.05 for
    sgd; ``weight_decay`` the optimiser's own (0.01 for adamw, else 0); ``lr_step_size`` a third
    of ``epochs``; ``image_size`` the model's declared input size, else the data's; ``channels``
    the data's. ``resolved()`` fills them in; a checkpoint records the resolved values.
    """

    model: str = "seednet"
    data: str = "digits"
    epochs: int = 15
    batch_size: int = 32
    lr: float | None = None
    optimizer: str = "adam"
    weight_decay: float | None = None
    lr_schedule: str = "constant"
    lr_step_size: int | None = None
    lr_gamma: float = 0.1
    val_split: float = 0.0
    image_size: tuple[int, int] | None = None
    channels: int | None = None
    seed: int = 0
    out: str = "runs/convkit"
    progress: bool = True
    init: str | None = None

    # Options that may change when a run is resumed: the new value applies from the next epoch
    # and is recorded. The others define the run; resuming with a different one is refused.
    TUNABLE = ("epochs", "lr", "weight_decay", "lr_schedule", "lr_step_size", "lr_gamma")
    FIXED = (
        "model",
        "data",
        "optimizer",
        "batch_size",
        "seed",
        "val_split",
        "image_size",
        "channels",
    )

    def __post_init__(self) -> None:
        _check_str("--model", self.model)
        _check_str("--data", self.data)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got '{self.optimizer}'"
            )
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"--lr-schedule must be one of {', '.join(LR_SCHEDULES)}, got '{self.lr_schedule}'"
            )
        for name in ("epochs", "batch_size"):
            _check_int(f"--{name.replace('_', '-')}", getattr(self, name), 1, 10**9)
        _check_int("--seed", self.seed, 0, 2**64 - 1)
        if self.lr_step_size is not None:
            _check_int("--lr-step-size", self.lr_step_size, 1, 10**9)
        if self.lr is not None:
            _check_float("--lr", self.lr, positive=True)
        if self.weight_decay is not None:
            _check_float("--weight-decay", self.weight_decay)
        _check_float("--lr-gamma", self.lr_gamma, positive=True)
        _check_float("--val-split", self.val_split)
        if not 0 <= self.val_split < 1:
            raise ValueError(f"--val-split must lie in [0, 1), got {self.val_split}")
        if self.image_size is not None:
            size = tuple(self.image_size)
            if len(size) != 2:
                raise ValueError(f"--image-size must be H x W, got {self.image_size!r}")
            for n in size:
                _check_int("--image-size", n, 1, _MAX_SIDE)
            self.image_size = (int(size[0]), int(size[1]))
        if self.channels is not None and self.channels not in (1, 3):
            raise ValueError(f"--channels must be 1 or 3, got {self.channels!r}")

    def resolved(self) -> "TrainConfig":
        """This config with the data-independent defaults filled in (``lr``, ``weight_decay``,
        ``lr_step_size``)."""
        return replace(
            self,
            lr=DEFAULT_LR[self.optimizer] if self.lr is None else self.lr,
            weight_decay=(
                DEFAULT_WEIGHT_DECAY[self.optimizer]
                if self.weight_decay is None
                else self.weight_decay
            ),
            lr_step_size=max(1, self.epochs // 3)
            if self.lr_step_size is None
            else self.lr_step_size,
        )

    def explicit(self) -> set[str]:
        """The fields that differ from their defaults (what a Python caller chose)."""
        default = TrainConfig()
        return {f.name for f in fields(self) if getattr(self, f.name) != getattr(default, f.name)}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["image_size"] = list(self.image_size) if self.image_size else None
        return d

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "TrainConfig":
        """Build from a recorded dict; unknown keys (from a newer convkit) are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        if isinstance(values.get("image_size"), (list, tuple)):
            values["image_size"] = tuple(values["image_size"])
        return cls(**values)


def _check_str(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:  # bool and float are refused
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _check_float(name: str, value: object, positive: bool = False) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (positive and value == 0)
    ):
        rule = "a positive" if positive else "a non-negative"
        raise ValueError(f"{name} must be {rule} finite number, got {value!r}")


# ----------------------------------------------------------------------------------------------
# The checkpoint record
# ----------------------------------------------------------------------------------------------


@dataclass
class DataInfo:
    """What the network was trained on: the ``--data`` spec, the input it takes (after any resize
    or channel conversion), the classes, and how the data's own images were shaped."""

    spec: str
    input_shape: tuple[int, int, int]
    num_classes: int
    classes: list[str]
    source_shape: tuple[int, int, int] | None = None
    # The median extent of the ink (the larger side of its bounding box) as a fraction of the
    # image side, for one-channel data: ``predict`` scales a user's drawing to match it.
    ink_extent: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["input_shape"] = list(self.input_shape)
        d["source_shape"] = list(self.source_shape) if self.source_shape else None
        return d


@dataclass
class RngState:
    """convkit's global generator (MT19937) at an epoch boundary, so a resumed run draws exactly
    what the uninterrupted run would have drawn."""

    key: np.ndarray  # (624,) uint32
    pos: int
    has_gauss: int
    gauss: float

    @classmethod
    def capture(cls) -> "RngState":
        # the MT19937 words and position, and the normal torch's generator keeps for its next
        # draw (one Box-Muller pair gives two), recorded in the has_gauss/gauss fields
        key, pos, cached = ck_random.default_generator._mt19937()
        return cls(key, pos, int(cached is not None), 0.0 if cached is None else cached)

    def restore(self) -> None:
        cached = self.gauss if self.has_gauss else None
        ck_random.default_generator._set_mt19937(self.key.astype(np.uint32), self.pos, cached)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "pos": self.pos, "has_gauss": self.has_gauss, "gauss": self.gauss}


@dataclass
class Checkpoint:
    """A training checkpoint: the run's configuration, its data, the epochs done and their
    history, the model, optimiser and RNG state, and the best epoch so far."""

    config: TrainConfig
    info: DataInfo
    epoch: int
    history: list[dict[str, Any]]
    model: "OrderedDict[str, Tensor]"
    optimizer: dict[str, Any]
    rng: RngState
    best: dict[str, Any] | None = None  # {"epoch": e, "metric": "val_accuracy", "value": v}
    resumes: list[dict[str, Any]] = field(default_factory=list)

    def to_tree(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "config": self.config.to_dict(),
            "info": self.info.to_dict(),
            "epoch": self.epoch,
            "history": self.history,
            "model": dict(self.model),
            "optimizer": self.optimizer,
            "rng": self.rng.to_dict(),
            "best": self.best,
            "resumes": self.resumes,
        }

    @classmethod
    def from_tree(cls, tree: object, where: str) -> "Checkpoint":
        """Validate what ``load`` read from a checkpoint file; ``CheckpointError`` on any fault."""
        return _Validator(where).checkpoint(tree)


def is_checkpoint_tree(obj: object) -> bool:
    """Whether a loaded object claims to be a training checkpoint (before validation)."""
    return isinstance(obj, dict) and obj.get("format") == CHECKPOINT_FORMAT


class _Validator:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, record: str, message: str) -> CheckpointError:
        return CheckpointError(f"'{self.where}': training checkpoint record '{record}' {message}")

    def need(self, tree: dict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        if key not in tree:
            raise CheckpointError(
                f"'{self.where}': training checkpoint has no '{key}' record (the file is "
                "damaged or was not written by convkit train)"
            )
        value = tree[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"must be {what}, got {_describe(value)}")
        return value

    def checkpoint(self, tree: object) -> Checkpoint:
        if not isinstance(tree, dict):
            raise CheckpointError(
                f"'{self.where}' is not a convkit training checkpoint: it holds "
                f"{_describe(tree)}, not a record"
            )
        if tree.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(
                f"'{self.where}' is not a convkit training checkpoint (format "
                f"{_describe(tree.get('format'))}, expected '{CHECKPOINT_FORMAT}'); a plain "
                "state dict needs the architecture named (--model / --arch)"
            )
        config = self.config(self.need(tree, "config", dict, "a dict of options"))
        info = self.info(self.need(tree, "info", dict, "a dict"))
        epoch = self.need(tree, "epoch", int, "a whole number of epochs")
        history = self.history(self.need(tree, "history", list, "a list of per-epoch records"))
        if not 0 <= epoch <= 10**9 or epoch != len(history):
            raise self.fail("epoch", f"is {epoch}, but the history holds {len(history)} epoch(s)")
        model = self.state_dict(self.need(tree, "model", dict, "a state dict"))
        optimizer = self.optimizer(self.need(tree, "optimizer", dict, "an optimizer state dict"))
        rng = self.rng(self.need(tree, "rng", dict, "a dict"))
        best = tree.get("best")
        if best is not None and not (
            isinstance(best, dict)
            and type(best.get("epoch")) is int
            and 1 <= best["epoch"] <= epoch
            and isinstance(best.get("metric"), str)
            and isinstance(best.get("value"), (int, float))
        ):
            raise self.fail(
                "best", f"must be None or {{epoch, metric, value}}, got {_describe(best)}"
            )
        resumes = tree.get("resumes", [])
        if not isinstance(resumes, list) or not all(isinstance(r, dict) for r in resumes):
            raise self.fail("resumes", f"must be a list of dicts, got {_describe(resumes)}")
        return Checkpoint(config, info, epoch, history, model, optimizer, rng, best, resumes)

    def config(self, record: dict) -> TrainConfig:
        if not all(isinstance(k, str) for k in record):
            raise self.fail("config", "must have string keys")
        try:
            return TrainConfig.from_dict(record).resolved()
        except (ValueError, TypeError) as e:
            raise self.fail("config", f"is invalid: {e}") from None

    def info(self, record: dict) -> DataInfo:
        spec = self.need(record, "spec", str, "a --data spec") if "spec" in record else "?"
        shape = self.shape(record.get("input_shape"), "info.input_shape")
        num_classes = record.get("num_classes")
        if type(num_classes) is not int or not 1 <= num_classes <= _MAX_SIDE:
            raise self.fail(
                "info.num_classes",
                f"must be an integer from 1 to {_MAX_SIDE}, got {_describe(num_classes)}",
            )
        classes = record.get("classes")
        if classes is None:
            classes = [str(i) for i in range(num_classes)]
        if (
            not isinstance(classes, list)
            or len(classes) != num_classes
            or not all(isinstance(c, str) for c in classes)
        ):
            raise self.fail(
                "info.classes", f"must be a list of {num_classes} names, got {_describe(classes)}"
            )
        source = record.get("source_shape")
        source_shape = None if source is None else self.shape(source, "info.source_shape")
        extent = record.get("ink_extent")
        if extent is not None and not (
            isinstance(extent, (int, float)) and not isinstance(extent, bool) and 0 < extent <= 1
        ):
            raise self.fail(
                "info.ink_extent", f"must be None or in (0, 1], got {_describe(extent)}"
            )
        return DataInfo(spec, shape, num_classes, list(classes), source_shape, extent)

    def shape(self, value: object, record: str) -> tuple[int, int, int]:
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 3
            or not all(type(n) is int and 1 <= n <= _MAX_SIDE for n in value)
        ):
            raise self.fail(
                record,
                f"must be [C, H, W], three integers from 1 to {_MAX_SIDE}, got {_describe(value)}",
            )
        return (value[0], value[1], value[2])

    def history(self, records: list) -> list[dict[str, Any]]:
        for i, entry in enumerate(records, start=1):
            if not isinstance(entry, dict) or entry.get("epoch") != i:
                raise self.fail(
                    "history", f"entry {i} must be a dict with epoch {i}, got {_describe(entry)}"
                )
            for key, value in entry.items():
                if not isinstance(key, str) or not (
                    value is None
                    or (isinstance(value, (int, float)) and not isinstance(value, bool))
                ):
                    raise self.fail(
                        "history", f"entry {i} has {key!r}: {_describe(value)} (numbers only)"
                    )
        return records

    def state_dict(self, record: dict) -> "OrderedDict[str, Tensor]":
        if not record or not all(
            isinstance(k, str) and isinstance(v, Tensor) for k, v in record.items()
        ):
            raise self.fail("model", "must map parameter names to tensors")
        return OrderedDict(record)

    def optimizer(self, record: dict) -> dict[str, Any]:
        state, groups = record.get("state"), record.get("param_groups")
        if not isinstance(state, dict) or not isinstance(groups, list) or not groups:
            raise self.fail("optimizer", "must hold 'state' (a dict) and 'param_groups' (a list)")
        for group in groups:
            if (
                not isinstance(group, dict)
                or not isinstance(group.get("params"), list)
                or not all(type(p) is int for p in group["params"])
                or not isinstance(group.get("lr"), (int, float))
            ):
                raise self.fail("optimizer", f"has a malformed parameter group: {_describe(group)}")
        return record

    def rng(self, record: dict) -> RngState:
        key = record.get("key")
        array = key._array if isinstance(key, Tensor) else None
        if (
            array is None
            or array.shape != (624,)
            or array.dtype.kind not in "iu"
            or array.min(initial=0) < 0
            or array.max(initial=0) >= 2**32
        ):
            raise self.fail("rng", f"key must be 624 32-bit words, got {_describe(key)}")
        pos, has_gauss, gauss = record.get("pos"), record.get("has_gauss"), record.get("gauss")
        if type(pos) is not int or not 0 <= pos <= 624:
            raise self.fail("rng", f"pos must be an integer from 0 to 624, got {_describe(pos)}")
        if has_gauss not in (0, 1) or isinstance(has_gauss, bool):
            raise self.fail("rng", f"has_gauss must be 0 or 1, got {_describe(has_gauss)}")
        if isinstance(gauss, bool) or not isinstance(gauss, (int, float)):
            raise self.fail("rng", f"gauss must be a number, got {_describe(gauss)}")
        return RngState(array.astype(np.uint32), pos, int(has_gauss), float(gauss))


def _describe(value: object, limit: int = 60) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(value).__name__} {text}" if not isinstance(value, (dict, list)) else text


def write_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> None:
    """Write a training checkpoint atomically (safetensors with a checksum)."""
    save(checkpoint.to_tree(), path)


def read_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate a training checkpoint; ``CheckpointError`` naming the fault."""
    where = os.fspath(path)
    return Checkpoint.from_tree(load(where), where)


# ----------------------------------------------------------------------------------------------
# Weights of any kind, and models built from them
# ----------------------------------------------------------------------------------------------


def read_state_dict(path: str | os.PathLike, key: str | None = None) -> "OrderedDict[str, Any]":
    """The model weights in ``path``, as an ordered name -> Tensor mapping.

    A training checkpoint gives its model; a plain state dict is returned as it is; a general
    checkpoint dict (torch's recipe) is entered at ``key`` (a dotted path such as ``model`` or
    ``nets.0``) or else at the one of ``model``/``state_dict``/``model_state_dict`` it holds.
    """
    where = os.fspath(path)
    obj = load(where)
    if key is not None:
        obj = _select(obj, key, where)
    elif is_checkpoint_tree(obj):
        return Checkpoint.from_tree(obj, where).model
    elif isinstance(obj, dict) and not any(isinstance(v, Tensor) for v in obj.values()):
        for name in STATE_DICT_KEYS:
            if isinstance(obj.get(name), dict):
                obj = obj[name]
                break
    if not (
        isinstance(obj, dict)
        and obj
        and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())
    ):
        raise CheckpointError(
            f"'{where}' does not hold a state dict of tensors (it holds {_describe(obj)}); save "
            "one with torch.save(model.state_dict(), path) or convkit.save(...)"
        )
    return OrderedDict(obj)


def _select(obj: Any, key: str, where: str) -> Any:
    node = obj
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            have = ", ".join(repr(k) for k in node) if isinstance(node, dict) else _describe(node)
            raise CheckpointError(f"'{where}' has no entry '{key}' (at '{part}': {have})")
    return node


@dataclass
class LoadedModel:
    """A model rebuilt from a file, with what pictures and predictions label it by."""

    model: Module
    name: str
    input_shape: tuple[int, int, int] | None
    classes: list[str] | None
    checkpoint: Checkpoint | None = None


def model_from_checkpoint(checkpoint: Checkpoint, where: str = "checkpoint") -> Module:
    """The checkpoint's architecture with its weights, in eval mode."""
    info, arch = checkpoint.info, checkpoint.config.model
    try:
        net = build_model(arch, info.input_shape, info.num_classes)
    except (ValueError, TypeError, RuntimeError) as e:  # unknown, unimportable or unfit model
        detail = " ".join(str(e).split())
        raise CheckpointError(
            f"'{where}' records model '{arch}', which cannot be built here: {detail}"
        ) from None
    load_weights_into(net, checkpoint.model, where, arch)
    net.eval()
    return net


def load_weights_into(net: Module, state: Mapping[str, Any], where: str, arch: str) -> None:
    """``net.load_state_dict(state)``, with a mismatch reported as ``CheckpointError``."""
    try:
        net.load_state_dict(state)
    except (RuntimeError, ValueError) as e:
        detail = " ".join(str(e).split())
        raise CheckpointError(
            f"'{where}': the weights do not fit model '{arch}': {detail}"
        ) from None


def open_model(
    path: str | os.PathLike,
    model: str | None = None,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    key: str | None = None,
) -> LoadedModel:
    """A model with the weights of ``path``.

    A training checkpoint rebuilds its own architecture; any other weights file needs ``model``
    (a built-in name or ``package.module:factory``) and ``input_shape`` (C, H, W).
    ``num_classes`` defaults to the rows of the last 2-d weight in the file.
    """
    where = os.fspath(path)
    obj = load(where)
    if key is None and is_checkpoint_tree(obj):
        ckpt = Checkpoint.from_tree(obj, where)
        if model is None:
            return LoadedModel(
                model_from_checkpoint(ckpt, where),
                f"{ckpt.config.model} after {ckpt.epoch} epoch(s)",
                ckpt.info.input_shape,
                ckpt.info.classes,
                ckpt,
            )
        state: Mapping[str, Any] = ckpt.model
        input_shape = input_shape or ckpt.info.input_shape
    else:
        state = read_state_dict(where, key)
    if model is None or input_shape is None:
        raise ValueError(
            f"'{where}' holds weights only: say which architecture they belong to (a model "
            "name such as lenet5, or package.module:factory) and the input shape C x H x W"
        )
    if num_classes is None:
        matrices = [v for v in state.values() if len(getattr(v, "shape", ())) == 2]
        if not matrices:
            raise ValueError(
                f"'{where}': cannot infer the number of classes (no 2-d weight); give it explicitly"
            )
        num_classes = int(matrices[-1].shape[0])
    shape = chw(input_shape)
    net = build_model(model, shape, int(num_classes))
    load_weights_into(net, state, where, model)
    net.eval()
    return LoadedModel(net, f"{model} (state dict)", shape, None)


def load_model(
    path: str | os.PathLike,
    model: str | None = None,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    key: str | None = None,
) -> Module:
    """``open_model(...).model``: just the network."""
    return open_model(path, model, input_shape, num_classes, key).model
