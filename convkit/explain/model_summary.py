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
from .i18n import ExplainError, Text, translator
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


class SummaryError(ExplainError):
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


@dataclass(repr=False)
class ModelSummary:
    """What ``summary`` found: ``str()``/``repr()`` is the table, ``to_dict()`` the JSON form, and
    in a notebook it shows as an HTML table (``_repr_html_``). ``lang`` is the language of the
    text ('en' or 'ko')."""

    model: str
    input_size: list[int]
    layers: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_macs: int = 0
    input_bytes: int = 0
    param_bytes: int = 0
    activation_bytes: int = 0
    lang: str = "en"

    def to_dict(self, lang: str | None = None) -> dict:
        t = translator(lang or self.lang)
        out = asdict(self)
        del out["lang"]
        out["activation_note"] = t("summary_activation_note")
        out["macs_note"] = t("summary_macs_note")
        return out

    def __str__(self) -> str:
        return render_summary(self)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return render_summary_html(self)


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


def _record_leaf_calls(model, x) -> list[tuple[str, Any, tuple | None, tuple | None]]:
    """Run ``model(x)`` with a forward hook on every leaf; return the calls in order as
    (name, module, input shape, output shape)."""
    recorder = Recorder(model)
    try:
        with recorder:
            model(x)
    except Exception as e:
        calls = recorder.calls
        where = (
            Text(
                "summary_after",
                name=calls[-1].name,
                type=type(calls[-1].module).__name__,
                shape=fmt_shape(_first_shape(calls[-1].output) or ()),
            )
            if calls
            else Text("summary_first_layer")
        )
        raise SummaryError(
            "summary_failed",
            shape=fmt_shape(tuple(x.shape)),
            where=where,
            error=f"{type(e).__name__}: {e}",
        ) from None
    return [
        (c.name, c.module, _first_shape(c.inputs), _first_shape(c.output)) for c in recorder.calls
    ]


def summary(model, input_size: str | Sequence[int], dtype=None, lang: str = "en") -> ModelSummary:
    """Summarise ``model`` on an input of ``input_size`` (batch included, e.g. ``(1, 1, 28, 28)``
    or ``"1x1x28x28"``): a row per leaf-layer call with its output shape, parameters, MACs,
    receptive field and jump, then totals and a memory estimate. The model runs once on zeros
    in eval mode under ``no_grad``; its modes are restored afterwards. ``lang`` ('en', 'ko'):
    the language the result prints in."""
    translator(lang)  # refuse an unknown language before running the model
    from ..autograd import no_grad
    from ..tensor import zeros

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
    result = ModelSummary(type(model).__name__, list(size), lang=lang)
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


def _cells(values) -> str:
    return "x".join(str(v) for v in values) if values is not None else "-"


def _rows(s: ModelSummary) -> list[tuple[str, ...]]:
    return [
        (
            r.name,
            r.type,
            fmt_shape(r.output_shape),
            f"{r.params:,}",
            f"{r.macs:,}",
            _cells(r.receptive_field),
            _cells(r.jump),
        )
        for r in s.layers
    ]


def _header(t) -> tuple[str, ...]:
    return tuple(
        t(k)
        for k in (
            "summary_layer",
            "summary_type",
            "summary_output_shape",
            "summary_params",
            "summary_macs",
            "summary_receptive_field",
            "summary_jump",
        )
    )


def _totals(s: ModelSummary, t) -> list[str]:
    return [
        t("summary_total_params", n=f"{s.total_params:,}"),
        t("summary_trainable_params", n=f"{s.trainable_params:,}"),
        t("summary_frozen_params", n=f"{s.total_params - s.trainable_params:,}"),
        t("summary_total_macs", n=f"{s.total_macs:,}"),
        t("summary_input_bytes", size=_size(s.input_bytes, t)),
        t("summary_param_bytes", size=_size(s.param_bytes, t)),
        t("summary_activation_bytes", size=_size(s.activation_bytes, t)),
    ]


def _notes(t) -> list[str]:
    return [t("summary_rf_note"), t("summary_macs_note") + ".", t("summary_activation_note") + "."]


def _size(num_bytes: int, t) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if num_bytes >= scale:
            return t("bytes_scaled", value=f"{num_bytes / scale:.2f} {unit}", n=f"{num_bytes:,}")
    return t("bytes", n=f"{num_bytes:,}")


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide characters (Hangul) take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_summary(s: ModelSummary, lang: str | None = None) -> str:
    """The summary as a text table with totals and notes, in ``lang`` (default: ``s.lang``)."""
    t = translator(lang or s.lang)
    header = _header(t)
    rows = _rows(s)
    widths = [max(_display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {3, 4}

    def pad(text: str, width: int, right_align: bool) -> str:
        gap = " " * (width - _display_width(text))
        return gap + text if right_align else text + gap

    def line(row):
        return "  ".join(
            pad(str(v), w, i in right) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "-" * _display_width(line(header))
    out = [t("summary_title", model=s.model, shape=fmt_shape(s.input_size)), rule, line(header)]
    out += [rule, *(line(row) for row in rows), rule, *_totals(s, t), "", *_notes(t)]
    return "\n".join(out) + "\n"


def render_summary_html(s: ModelSummary, lang: str | None = None) -> str:
    """The summary as one self-contained HTML table (no scripts, no network)."""
    from .html import cell, escape, table

    t = translator(lang or s.lang)
    rows = [
        [
            cell(v, cls="ck-num" if i in (3, 4) else "ck-out" if i == 2 else "")
            for i, v in enumerate(row)
        ]
        for row in _rows(s)
    ]
    footer = (
        "<div>"
        + "<br>".join(escape(line) for line in _totals(s, t))
        + "</div><div class='ck-muted'>"
        + "<br>".join(escape(line) for line in _notes(t))
        + "</div>"
    )
    title = t("summary_title", model=s.model, shape=fmt_shape(s.input_size))
    return table(_header(t), rows, title=title, footer=footer)


# ----------------------------------------------------------------------------------------------
# Loading a model from the command line's MODEL argument
# ----------------------------------------------------------------------------------------------

#: Files a MODEL argument may name: convkit training checkpoints and weights-only state dicts
#: (safetensors, or PyTorch .pt/.pth read without torch), all read by ``convkit.weights``.
MODEL_FILE_SUFFIXES = (".safetensors", ".pt", ".pth")


def _load_model_file(path: str, arch: str | None, size, num_classes: int | None):
    """(model, default input size with batch or None) for a weights file."""
    from ..weights import open_model

    if arch is None:
        loaded = open_model(path)  # a training checkpoint knows its architecture and input
        assert loaded.input_shape is not None
        return loaded.model, (1, *loaded.input_shape)
    if size is None:
        raise SummaryError("summary_weights_only", path=path)
    return open_model(path, arch, size[1:], num_classes).model, size


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
                "summary_bad_suffix",
                spec=spec,
                suffix=suffix or "extensionless",
                supported=", ".join(MODEL_FILE_SUFFIXES),
            )
        if os.path.isdir(spec):
            raise SummaryError("summary_is_dir", spec=spec)
        if not os.path.isfile(spec):
            raise SummaryError("summary_no_file", spec=spec)
        try:
            model, default = _load_model_file(spec, arch, size, num_classes_given)
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            raise SummaryError("summary_load_failed", spec=spec, error=str(e)) from None
        return model, size or default

    from ..models import build_model, resolve_factory

    factory = resolve_factory(spec)
    if size is None:
        try:
            default = inspect.signature(factory).parameters["input_shape"].default
        except (KeyError, TypeError, ValueError):
            default = inspect.Parameter.empty
        if default is inspect.Parameter.empty:
            raise SummaryError("summary_no_default_input", spec=spec)
        size = (1, *default)
    if len(size) != 4:
        raise SummaryError("summary_input_ndim", shape=fmt_shape(size))
    try:
        model = build_model(spec, (size[1], size[2], size[3]), num_classes)
    except (RuntimeError, ValueError, TypeError) as e:
        raise SummaryError(
            "summary_build_failed", spec=spec, shape=fmt_shape(size), error=str(e)
        ) from None
    return model, size
