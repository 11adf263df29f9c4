"""``convkit summary``: a table of a model's layers with shapes, parameters, multiply-adds and
receptive fields.

The shapes are the real ones: the model runs once on zeros while a forward hook on each leaf
module (``recorder.Recorder``) records its input and output shapes in execution order.
Receptive field and jump follow ``convkit.shapes.receptive_field`` through every convolution and
pooling window; they are shown as "-" once a layer mixes positions in a way a single window does
not describe (transposed convolution, adaptive pooling, Flatten, Linear, Unfold/Fold, modules the
summary does not know). Operations a model's ``forward`` does itself (``F.relu(x)``, ``x.view``)
are not modules and do not appear.
"""

from __future__ import annotations

import inspect
import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from .. import nn, shapes
from .recorder import Recorder
from .shape import fmt_shape, parse_shape

_WINDOW = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
    nn.LPPool1d,
    nn.LPPool2d,
)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
# Layers that act on each position separately: they keep the receptive field and the jump.
_POINTWISE = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.Identity,
    nn.Dropout,
    nn.Dropout2d,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
)

ACTIVATION_NOTE = (
    "forward activations: the output of every layer in the table, batch included, "
    "at its dtype's size (float32: 4 bytes); the input, the parameters, gradients "
    "and what backward keeps are not counted"
)
MACS_NOTE = (
    "MACs: multiply-adds of Conv, ConvTranspose and Linear weights (bias adds, "
    "pooling, activations and normalisation not counted), for the whole batch"
)


class SummaryError(ValueError):
    """The model could not be loaded or run for a summary."""


@dataclass
class LayerRow:
    name: str
    type: str
    input_shape: list[int]
    output_shape: list[int]
    params: int
    trainable: int
    macs: int
    receptive_field: list[int] | None
    jump: list[int] | None


@dataclass
class ModelSummary:
    """What ``summary`` found; ``str()`` is the table, ``to_dict()`` the JSON form."""

    model: str
    input_size: list[int]
    layers: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_macs: int = 0
    input_bytes: int = 0
    param_bytes: int = 0
    activation_bytes: int = 0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["activation_note"] = ACTIVATION_NOTE
        out["macs_note"] = MACS_NOTE
        return out

    def __str__(self) -> str:
        return render_summary(self)


# ----------------------------------------------------------------------------------------------
# Counting
# ----------------------------------------------------------------------------------------------


def layer_macs(module, input_shape: Sequence[int], output_shape: Sequence[int]) -> int:
    """Multiply-adds of a layer's weights for one call.

    Conv: ``output elements * (C_in/groups) * prod(kernel)`` (each output is one dot product);
    ConvTranspose: ``input elements * (C_out/groups) * prod(kernel)`` (each input is scattered
    through the kernel); Linear: ``output elements * in_features``; anything else 0.
    """
    if isinstance(module, _CONV_T):
        per = module.out_channels // module.groups * math.prod(module.kernel_size)
        return math.prod(input_shape) * per
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        per = module.in_channels // module.groups * math.prod(module.kernel_size)
        return math.prod(output_shape) * per
    if isinstance(module, nn.Linear):
        return math.prod(output_shape) * module.in_features
    return 0


def _window(module, n: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """kernel, stride, dilation of a convolution or pooling module as n-tuples."""
    kernel = shapes.ntuple(module.kernel_size, n, "kernel_size")
    stride = getattr(module, "stride", None)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else shapes.ntuple(stride, n, "stride")
    dilation = shapes.ntuple(getattr(module, "dilation", 1), n, "dilation")
    return kernel, stride, dilation


def _first_shape(value) -> tuple[int, ...] | None:
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else None


def _record_leaf_calls(model, x) -> list[tuple[str, Any, tuple, tuple]]:
    """Run ``model(x)`` with a forward hook on every leaf; return the calls in order as
    (name, module, input shape, output shape)."""
    recorder = Recorder(model)
    try:
        with recorder:
            model(x)
    except Exception as e:
        calls = recorder.calls
        where = (
            f" after {calls[-1].name} ({type(calls[-1].module).__name__}, output "
            f"{fmt_shape(_first_shape(calls[-1].output) or ())})"
            if calls
            else " in its first layer"
        )
        raise SummaryError(
            f"the model failed on an input of {fmt_shape(tuple(x.shape))}{where}: "
            f"{type(e).__name__}: {e}"
        ) from None
    return [
        (c.name, c.module, _first_shape(c.inputs), _first_shape(c.output))
        for c in recorder.calls
    ]


def summary(model, input_size: str | Sequence[int], dtype=None) -> ModelSummary:
    """Summarise ``model`` on an input of ``input_size`` (batch included, e.g. ``(1, 1, 28, 28)``
    or ``"1x1x28x28"``): a row per leaf-layer call with its output shape, parameters, MACs,
    receptive field and jump, then totals and a memory estimate. The model runs once on zeros
    in eval mode under ``no_grad``; its modes are restored afterwards."""
    from .. import no_grad, zeros

    if not isinstance(model, nn.Module):
        raise TypeError(f"summary needs a convkit.nn.Module, got {type(model).__name__}")
    size = parse_shape(input_size)
    params = list(model.parameters())
    if dtype is None:
        dtype = next((p.dtype for p in params if p.dtype.kind == "f"), None)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            calls = _record_leaf_calls(model, zeros(*size, dtype=dtype))
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)

    itemsize = zeros(1, dtype=dtype)._array.itemsize
    n = max(len(size) - 2, 1)
    field_, jump = [1] * n, [1] * n
    tracking = True
    seen: set[int] = set()
    result = ModelSummary(type(model).__name__, list(size))
    for name, module, in_shape, out_shape in calls:
        in_shape, out_shape = in_shape or (), out_shape or ()
        own, trainable = 0, 0
        if id(module) not in seen:  # a module called twice has its parameters counted once
            seen.add(id(module))
            for p in module.parameters(recurse=False):
                own += p.numel()
                trainable += p.numel() if p.requires_grad else 0
        if tracking and isinstance(module, _WINDOW):
            kernel, stride, dilation = _window(module, n)
            pairs = [
                shapes.receptive_field(r, j, k, s, d)
                for r, j, k, s, d in zip(field_, jump, kernel, stride, dilation, strict=True)
            ]
            field_, jump = [r for r, _ in pairs], [j for _, j in pairs]
        elif not isinstance(module, _POINTWISE):
            tracking = False
        result.layers.append(
            LayerRow(
                name,
                type(module).__name__,
                list(in_shape),
                list(out_shape),
                own,
                trainable,
                layer_macs(module, in_shape, out_shape),
                list(field_) if tracking else None,
                list(jump) if tracking else None,
            )
        )
        result.activation_bytes += math.prod(out_shape) * itemsize
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    result.total_macs = sum(row.macs for row in result.layers)
    result.param_bytes = sum(p.numel() * p._array.itemsize for p in params)
    result.input_bytes = math.prod(size) * itemsize
    return result


# ----------------------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------------------


def _size(num_bytes: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.2f} {unit} ({num_bytes:,} bytes)"
    return f"{num_bytes:,} bytes"


def render_summary(s: ModelSummary) -> str:
    def cells(values):
        return "x".join(str(v) for v in values) if values is not None else "-"

    header = ("Layer", "Type", "Output shape", "Params", "MACs", "Receptive field", "Jump")
    rows = [
        (
            r.name,
            r.type,
            fmt_shape(r.output_shape),
            f"{r.params:,}",
            f"{r.macs:,}",
            cells(r.receptive_field),
            cells(r.jump),
        )
        for r in s.layers
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    right = {3, 4}

    def line(row):
        return "  ".join(
            str(v).rjust(w) if i in right else str(v).ljust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "-" * len(line(header))
    out = [f"{s.model} on input {fmt_shape(s.input_size)}", rule, line(header), rule]
    out += [line(row) for row in rows]
    out += [
        rule,
        f"Total params: {s.total_params:,}",
        f"Trainable params: {s.trainable_params:,}",
        f"Non-trainable params: {s.total_params - s.trainable_params:,}",
        f"Total MACs: {s.total_macs:,}",
        f"Input: {_size(s.input_bytes)}",
        f"Parameters: {_size(s.param_bytes)}",
        f"Forward activations: {_size(s.activation_bytes)}",
        "",
        "Receptive field and jump (per spatial dimension, in input cells): "
        "r_out = r_in + (k-1)*d*j_in, j_out = j_in*s; '-' once a layer is not one window.",
        MACS_NOTE + ".",
        ACTIVATION_NOTE[0].upper() + ACTIVATION_NOTE[1:] + ".",
    ]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# Loading a model from the command line's MODEL argument
# ----------------------------------------------------------------------------------------------

#: Files a MODEL argument may name: convkit training checkpoints and weights-only state dicts
#: (safetensors, or PyTorch .pt/.pth read without torch), all read by ``convkit.models``.
MODEL_FILE_SUFFIXES = (".safetensors", ".pt", ".pth")


def _load_model_file(path: str, arch: str | None, size, num_classes: int | None):
    """(model, default input size with batch or None) for a weights file."""
    from ..models import load_model
    from ..training import read_checkpoint

    if path.lower().endswith(".safetensors") and arch is None:
        ckpt = read_checkpoint(path)
        return load_model(path), (1, *ckpt["info"]["input_shape"])
    if size is None:
        raise SummaryError(
            f"'{path}' holds weights only: give --input N x C x H x W (and "
            f"--arch, the architecture they belong to)"
        )
    return load_model(path, arch, size[1:], num_classes), size


def load_model_for_summary(
    spec: str,
    input_size: str | Sequence[int] | None = None,
    num_classes: int | None = None,
    arch: str | None = None,
) -> tuple[Any, tuple[int, ...]]:
    """The model and input size for ``convkit summary MODEL [--input ...]``.

    ``spec`` is a file with a suffix in ``MODEL_FILE_SUFFIXES`` (a training checkpoint, or a
    weights-only state dict whose architecture ``arch`` names), a built-in name (seednet, lenet5,
    vgg-small) or ``package.module:factory`` (called as
    ``factory(input_shape=(C, H, W), num_classes=K)``). ``input_size`` is the input with its batch
    dimension; a 3-D ``C x H x W`` gets batch 1. Without it, a checkpoint's
    recorded input or the factory's default ``input_shape`` is used.
    """
    num_classes_given = num_classes
    num_classes = 10 if num_classes is None else num_classes
    size = parse_shape(input_size) if input_size is not None else None
    if size is not None and len(size) == 3:
        size = (1, *size)
    suffix = os.path.splitext(spec)[1].lower()
    if suffix in MODEL_FILE_SUFFIXES or os.path.isfile(spec):
        if suffix not in MODEL_FILE_SUFFIXES:
            raise SummaryError(
                f"'{spec}': cannot read {suffix or 'this kind of'} files; "
                f"supported: {', '.join(MODEL_FILE_SUFFIXES)}"
            )
        if not os.path.isfile(spec):
            raise SummaryError(f"no such file: '{spec}'")
        try:
            model, default = _load_model_file(spec, arch, size, num_classes_given)
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            raise SummaryError(f"cannot load '{spec}': {e}") from None
        return model, size or default

    from ..models import build_model, resolve_factory

    factory = resolve_factory(spec)
    if size is None:
        try:
            default = inspect.signature(factory).parameters["input_shape"].default
        except (KeyError, TypeError, ValueError):
            default = inspect.Parameter.empty
        if default is inspect.Parameter.empty:
            raise SummaryError(f"model '{spec}' has no default input_shape: give --input")
        size = (1, *default)
    if len(size) != 4:
        raise SummaryError(
            f"--input for a model factory should be N x C x H x W, got {fmt_shape(size)}"
        )
    try:
        model = build_model(spec, tuple(size[1:]), num_classes)
    except (RuntimeError, ValueError, TypeError) as e:
        raise SummaryError(
            f"cannot build model '{spec}' for input {fmt_shape(size)}: {e}"
        ) from None
    return model, size
