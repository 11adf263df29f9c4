"""Bad (and borderline) calls: convkit raises exactly where torch raises.

Each row is run in torch at test time; torch's behaviour decides the expectation, so the table
cannot drift from torch:
- torch raises ValueError/TypeError/RuntimeError -> convkit raises an instance of that class;
- torch raises another class (IndexError, ...) -> convkit raises ValueError/TypeError/RuntimeError
  (NotImplementedError is a RuntimeError subclass and counts as RuntimeError);
- torch returns -> convkit returns the same shape and values.
convkit never leaks a NumPy internal error (broadcasting, reshape, index out of bounds).
"""

from __future__ import annotations

import inspect
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.nn.modules.conv import _ConvTransposeNd

import convkit as ck
from tests.helpers import tolerance
from tests.parity.cases import convkit_function

ALLOWED = (ValueError, TypeError, RuntimeError)
NUMPY_LEAKS = (
    "operands could not be broadcast",
    "cannot reshape array",
    "is out of bounds for axis",
    "setting an array element",
    "unsupported operand type",
    "not subscriptable",
    "zero-size array",
    "division by zero",
    "must be real number",
    "object cannot be interpreted as an integer",
)


@dataclass(frozen=True)
class T:
    """A tensor argument: shape, dtype, and optionally its exact values."""

    shape: tuple
    dtype: str = "float32"
    values: tuple | None = None


@dataclass
class Row:
    id: str
    fn: str  # a name in nn.functional, or "nn.<Module>" (args/kwargs build it)
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    input: T | None = None  # module rows: the tensor the built module is called on


def _x(*shape, dtype="float32"):
    return T(tuple(shape), dtype)


def _materialise(value, lib: str, rng: np.random.Generator):
    if isinstance(value, T):
        if value.values is not None:
            a = np.array(value.values, dtype=value.dtype).reshape(value.shape)
        elif np.dtype(value.dtype).kind == "f":
            a = rng.standard_normal(value.shape).astype(value.dtype)
        else:
            a = rng.integers(0, 5, value.shape).astype(value.dtype)
        return torch.from_numpy(a) if lib == "torch" else ck.tensor(a)
    if isinstance(value, tuple):
        return tuple(_materialise(v, lib, rng) for v in value)
    if isinstance(value, list):
        return [_materialise(v, lib, rng) for v in value]
    if isinstance(value, dict):
        return {k: _materialise(v, lib, rng) for k, v in value.items()}
    return value


def _torch_conv_transpose_output_size(n):
    """torch's functional conv_transpose has no output_size: the module's rule picks
    output_padding."""

    def call(x, w, bias=None, stride=1, padding=0, output_size=None, groups=1, dilation=1):
        st, pd, dl = (
            tuple(v) if isinstance(v, tuple) else (v,) * n for v in (stride, padding, dilation)
        )
        op = _ConvTransposeNd._output_padding(
            None, x, list(output_size), list(st), list(pd), list(w.shape[2:]), n, list(dl)
        )
        return getattr(TF, f"conv_transpose{n}d")(
            x, w, bias, stride, padding, tuple(op), groups, dilation
        )

    return call


def _run(row: Row, lib: str):
    rng = np.random.default_rng(zlib.crc32(row.id.encode()))
    args = _materialise(row.args, lib, rng)
    kwargs = _materialise(row.kwargs, lib, rng)
    if row.fn.startswith("nn."):
        if lib == "torch":
            cls = getattr(torch.nn, row.fn[3:])
        else:
            cls = getattr(ck.nn, row.fn[3:], None)
            if cls is None:
                pytest.fail(f"convkit.nn.{row.fn[3:]} does not exist")
        module = cls(*args, **kwargs)
        return module if row.input is None else module(_materialise(row.input, lib, rng))
    if row.fn.endswith("+output_size"):
        name = row.fn.split("+")[0]
        if lib == "torch":
            return _torch_conv_transpose_output_size(int(name[-2]))(*args, **kwargs)
        fn = convkit_function(name)
        if "output_size" not in inspect.signature(fn).parameters:
            pytest.fail(f"convkit's {name} has no output_size= keyword")
        return fn(*args, **kwargs)
    fn = getattr(TF, row.fn) if lib == "torch" else convkit_function(row.fn)
    return fn(*args, **kwargs)


def _first(out):
    return out[0] if isinstance(out, tuple) else out


R = Row
x1, x2, x3 = _x(1, 2, 6), _x(1, 2, 6, 6), _x(1, 2, 4, 4, 4)
w2 = _x(3, 2, 3, 3)
idx_2x2 = lambda *v: T((1, 1, 2, 2), "int64", v)  # noqa: E731 - a one-line spec builder

ROWS = [
    # ---- conv: input rank ----
    R("conv2d-input-2d", "conv2d", (_x(5, 5), w2)),
    R("conv2d-input-5d", "conv2d", (_x(1, 2, 5, 5, 5), w2)),
    R("conv1d-input-4d", "conv1d", (x2, _x(3, 2, 3))),
    R("conv3d-input-3d", "conv3d", (_x(2, 4, 4), _x(3, 2, 3, 3, 3))),
    R("conv2d-unbatched-ok", "conv2d", (_x(2, 5, 5), w2)),
    R("conv1d-unbatched-ok", "conv1d", (_x(2, 7), _x(3, 2, 3))),
    R("conv2d-input-not-tensor", "conv2d", ([[1.0, 2.0]], w2)),
    # ---- conv: channels, groups, weight, bias ----
    R("conv2d-channel-mismatch", "conv2d", (_x(1, 4, 5, 5), w2)),
    R("conv2d-groups-channel-mismatch", "conv2d", (_x(1, 4, 5, 5), _x(6, 2, 3, 3)), {"groups": 3}),
    R(
        "conv2d-out-not-divisible-by-groups",
        "conv2d",
        (_x(1, 4, 5, 5), _x(5, 2, 3, 3)),
        {"groups": 2},
    ),
    R("conv2d-groups-0", "conv2d", (x2, w2), {"groups": 0}),
    R("conv2d-groups-negative", "conv2d", (x2, w2), {"groups": -1}),
    R("conv2d-depthwise-ok", "conv2d", (x2, _x(4, 1, 3, 3)), {"groups": 2}),
    R("conv2d-weight-3d", "conv2d", (x2, _x(3, 2, 3))),
    R("conv2d-weight-5d", "conv2d", (x2, _x(3, 2, 3, 3, 1))),
    R("conv2d-bias-wrong-length", "conv2d", (x2, w2, _x(2))),
    R("conv2d-bias-2d", "conv2d", (x2, w2, _x(3, 1))),
    R("conv1d-bias-wrong-length", "conv1d", (x1, _x(3, 2, 3), _x(4))),
    # ---- conv: kernel vs input ----
    R("conv2d-kernel-larger", "conv2d", (_x(1, 1, 3, 3), _x(1, 1, 5, 5))),
    R("conv2d-kernel-larger-dilated", "conv2d", (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"dilation": 3}),
    R(
        "conv2d-kernel-fits-with-padding",
        "conv2d",
        (_x(1, 1, 3, 3), _x(1, 1, 5, 5)),
        {"padding": 1},
    ),
    R("conv3d-kernel-larger-one-dim", "conv3d", (x3, _x(1, 2, 1, 5, 1))),
    R("conv1d-kernel-equals-input", "conv1d", (x1, _x(1, 2, 6))),
    # ---- conv: stride, dilation, padding ----
    R("conv2d-stride-0", "conv2d", (x2, w2), {"stride": 0}),
    R("conv2d-stride-negative", "conv2d", (x2, w2), {"stride": -1}),
    R("conv2d-stride-tuple-one-zero", "conv2d", (x2, w2), {"stride": (1, 0)}),
    R("conv2d-dilation-0", "conv2d", (x2, w2), {"dilation": 0}),
    R("conv2d-dilation-negative", "conv2d", (x2, w2), {"dilation": -2}),
    R("conv2d-padding-negative", "conv2d", (x2, w2), {"padding": -1}),
    R("conv1d-padding-negative", "conv1d", (x1, _x(3, 2, 3)), {"padding": -1}),
    R("conv2d-padding-full", "conv2d", (x2, w2), {"padding": "full"}),
    R("conv2d-padding-SAME-uppercase", "conv2d", (x2, w2), {"padding": "SAME"}),
    R("conv2d-same-stride-2", "conv2d", (x2, w2), {"padding": "same", "stride": 2}),
    R(
        "conv3d-same-stride-one-dim-2",
        "conv3d",
        (x3, _x(1, 2, 3, 3, 3)),
        {"padding": "same", "stride": (1, 1, 2)},
    ),
    R("conv2d-same-even-kernel-ok", "conv2d", (x2, _x(3, 2, 4, 4)), {"padding": "same"}),
    R(
        "conv2d-same-even-kernel-dilated-ok",
        "conv2d",
        (x2, _x(3, 2, 4, 2)),
        {"padding": "same", "dilation": 3},
    ),
    R(
        "conv1d-same-kernel-larger-than-input-ok",
        "conv1d",
        (_x(1, 2, 3), _x(1, 2, 7)),
        {"padding": "same"},
    ),
    R(
        "conv2d-valid-kernel-larger",
        "conv2d",
        (_x(1, 1, 3, 3), _x(1, 1, 4, 4)),
        {"padding": "valid"},
    ),
    R("conv2d-padding-tuple-too-long", "conv2d", (x2, w2), {"padding": (1, 1, 1)}),
    R("conv2d-stride-tuple-too-long", "conv2d", (x2, w2), {"stride": (1, 1, 1)}),
    R("conv2d-padding-list-ok", "conv2d", (x2, w2), {"padding": [1, 0]}),
    R("conv2d-stride-float", "conv2d", (x2, w2), {"stride": 1.5}),
    R("conv2d-padding-float", "conv2d", (x2, w2), {"padding": 1.0}),
    R("conv2d-dilation-str", "conv2d", (x2, w2), {"dilation": "2"}),
    # ---- conv: dtypes ----
    R("conv2d-dtype-mismatch-input-weight", "conv2d", (_x(1, 2, 6, 6, dtype="float64"), w2)),
    R("conv2d-dtype-mismatch-bias", "conv2d", (x2, w2, _x(3, dtype="float64"))),
    R("conv2d-int-input-float-weight", "conv2d", (_x(1, 2, 6, 6, dtype="int64"), w2)),
    R(
        "conv2d-int-input-int-weight",
        "conv2d",
        (_x(1, 2, 6, 6, dtype="int64"), _x(3, 2, 3, 3, dtype="int64")),
    ),
    R(
        "conv1d-float64-ok",
        "conv1d",
        (_x(1, 2, 6, dtype="float64"), _x(3, 2, 3, dtype="float64"), _x(3, dtype="float64")),
    ),
    # ---- conv_transpose ----
    R(
        "conv_transpose2d-output-padding-equals-stride",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_padding": 2},
    ),
    R(
        "conv_transpose2d-output-padding-stride-1",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"output_padding": 1},
    ),
    R(
        "conv_transpose2d-output-padding-dilation-gt-stride-ok",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"output_padding": 1, "dilation": 2},
    ),
    R(
        "conv_transpose1d-output-padding-dilation-3-ok",
        "conv_transpose1d",
        (x1, _x(2, 1, 3)),
        {"stride": 2, "output_padding": 2, "dilation": 3},
    ),
    R(
        "conv_transpose2d-output-padding-negative",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_padding": -1},
    ),
    R("conv_transpose2d-channel-mismatch", "conv_transpose2d", (_x(1, 3, 4, 4), _x(4, 2, 3, 3))),
    R(
        "conv_transpose2d-groups-mismatch",
        "conv_transpose2d",
        (_x(1, 4, 4, 4), _x(4, 1, 3, 3)),
        {"groups": 3},
    ),
    R(
        "conv_transpose2d-negative-output",
        "conv_transpose2d",
        (_x(1, 1, 2, 2), _x(1, 1, 1, 1)),
        {"padding": 2},
    ),
    R(
        "conv_transpose2d-zero-output",
        "conv_transpose2d",
        (_x(1, 1, 2, 2), _x(1, 1, 1, 1)),
        {"padding": 1},
    ),
    R(
        "conv_transpose2d-padding-same",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"padding": "same"},
    ),
    R("conv_transpose2d-stride-0", "conv_transpose2d", (x2, _x(2, 3, 3, 3)), {"stride": 0}),
    R("conv_transpose2d-dilation-0", "conv_transpose2d", (x2, _x(2, 3, 3, 3)), {"dilation": 0}),
    R(
        "conv_transpose2d-padding-negative",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"padding": -1},
    ),
    R("conv_transpose2d-bias-in-channels", "conv_transpose2d", (x2, _x(2, 3, 3, 3), _x(2))),
    R("conv_transpose2d-input-2d", "conv_transpose2d", (_x(4, 4), _x(2, 3, 3, 3))),
    R(
        "conv_transpose2d-dtype-mismatch",
        "conv_transpose2d",
        (_x(1, 2, 6, 6, dtype="float64"), _x(2, 3, 3, 3)),
    ),
    R(
        "conv_transpose1d-unbatched-ok",
        "conv_transpose1d",
        (_x(2, 5), _x(2, 3, 3)),
        {"stride": 2, "output_padding": 1},
    ),
    # output_size (torch: the ConvTranspose module's rule; convkit: the output_size= keyword)
    R(
        "conv_transpose2d-output-size-ok",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (14, 13)},
    ),
    R(
        "conv_transpose2d-output-size-full-ok",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (1, 3, 14, 14)},
    ),
    R(
        "conv_transpose2d-output-size-too-big",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (15, 13)},
    ),
    R(
        "conv_transpose2d-output-size-too-small",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (12, 13)},
    ),
    R(
        "conv_transpose2d-output-size-wrong-length",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (13,)},
    ),
    R(
        "conv_transpose2d-output-size-3-for-batched",
        "conv_transpose2d+output_size",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (3, 13, 13)},
    ),
    R(
        "conv_transpose2d-output-size-3-for-unbatched-ok",
        "conv_transpose2d+output_size",
        (_x(2, 6, 6), _x(2, 3, 3, 3)),
        {"stride": 2, "output_size": (3, 13, 14)},
    ),
    R(
        "conv_transpose1d-output-size-dilation-gt-stride",
        "conv_transpose1d+output_size",
        (x1, _x(2, 1, 3)),
        {"dilation": 2, "output_size": (11,)},
    ),
    # ---- modules: padding_mode ----
    R("Conv2d-padding-mode-bad", "nn.Conv2d", (1, 1, 3), {"padding_mode": "bad"}),
    R(
        "Conv2d-padding-mode-zeros-ok",
        "nn.Conv2d",
        (2, 1, 3),
        {"padding_mode": "zeros", "padding": 1},
        x2,
    ),
    R(
        "Conv2d-reflect-pad-too-large",
        "nn.Conv2d",
        (1, 1, 3),
        {"padding": 3, "padding_mode": "reflect"},
        _x(1, 1, 3, 3),
    ),
    R(
        "Conv2d-circular-pad-too-large",
        "nn.Conv2d",
        (1, 1, 3),
        {"padding": 4, "padding_mode": "circular"},
        _x(1, 1, 3, 3),
    ),
    R(
        "Conv2d-circular-pad-equal-size-ok",
        "nn.Conv2d",
        (1, 1, 3),
        {"padding": 3, "padding_mode": "circular"},
        _x(1, 1, 3, 3),
    ),
    R("Conv2d-groups-not-dividing", "nn.Conv2d", (4, 6, 3), {"groups": 4}),
    R(
        "ConvTranspose2d-padding-mode-reflect",
        "nn.ConvTranspose2d",
        (1, 1, 3),
        {"padding_mode": "reflect"},
    ),
    # ---- max/avg pool ----
    R("max_pool2d-pad-gt-half-kernel", "max_pool2d", (x2, 2), {"padding": 2}),
    R("max_pool2d-pad-gt-half-kernel-3", "max_pool2d", (x2, 3), {"padding": 2}),
    R("max_pool2d-pad-half-kernel-ok", "max_pool2d", (x2, 3), {"padding": 1}),
    R(
        "max_pool2d-pad-half-dilated-kernel-ok",
        "max_pool2d",
        (x2, 2),
        {"padding": 1, "dilation": 3},
    ),
    R("max_pool2d-kernel-larger", "max_pool2d", (_x(1, 1, 2, 2), 3)),
    R("max_pool2d-ceil-kernel-larger-ok", "max_pool2d", (_x(1, 1, 1, 1), 2), {"ceil_mode": True}),
    R(
        "max_pool1d-ceil-last-window-in-padding",
        "max_pool1d",
        (_x(1, 1, 8), 3),
        {"stride": 3, "padding": 1, "ceil_mode": True},
    ),
    R("max_pool2d-stride-0", "max_pool2d", (x2, 2), {"stride": 0}),
    R("max_pool2d-stride-negative", "max_pool2d", (x2, 2), {"stride": -1}),
    R("max_pool2d-kernel-0", "max_pool2d", (x2, 0)),
    R("max_pool2d-kernel-negative", "max_pool2d", (x2, -2)),
    R("max_pool2d-dilation-0", "max_pool2d", (x2, 2), {"dilation": 0}),
    R("max_pool2d-padding-negative", "max_pool2d", (x2, 2), {"padding": -1}),
    R("max_pool2d-kernel-str", "max_pool2d", (x2, "3")),
    R("max_pool2d-kernel-float", "max_pool2d", (x2, 2.5)),
    R("max_pool2d-kernel-tuple-too-long", "max_pool2d", (x2, (2, 2, 2))),
    R("max_pool2d-input-2d", "max_pool2d", (_x(6, 6), 2)),
    R("max_pool2d-input-5d", "max_pool2d", (_x(1, 1, 1, 6, 6), 2)),
    R("max_pool1d-input-1d", "max_pool1d", (_x(6), 2)),
    R("max_pool3d-input-3d", "max_pool3d", (_x(4, 4, 4), 2)),
    R("max_pool2d-int-input", "max_pool2d", (_x(1, 1, 4, 4, dtype="int64"), 2)),
    R("max_pool2d-indices-unbatched-ok", "max_pool2d", (_x(2, 5, 5), 2), {"return_indices": True}),
    R("avg_pool2d-pad-gt-half-kernel", "avg_pool2d", (x2, 3), {"padding": 2}),
    R("avg_pool1d-pad-gt-half-kernel", "avg_pool1d", (x1, 2), {"padding": 2}),
    R("avg_pool2d-divisor-0", "avg_pool2d", (x2, 2), {"divisor_override": 0}),
    R("avg_pool2d-divisor-negative", "avg_pool2d", (x2, 2), {"divisor_override": -2}),
    R("avg_pool2d-kernel-larger", "avg_pool2d", (_x(1, 1, 2, 2), 3)),
    R("avg_pool2d-ceil-kernel-larger-ok", "avg_pool2d", (_x(1, 1, 1, 1), 2), {"ceil_mode": True}),
    R(
        "avg_pool1d-ceil-padded-ok",
        "avg_pool1d",
        (_x(1, 1, 4), 3),
        {"stride": 2, "padding": 1, "ceil_mode": True},
    ),
    R("avg_pool2d-stride-0", "avg_pool2d", (x2, 2), {"stride": 0}),
    R("avg_pool2d-int-input", "avg_pool2d", (_x(1, 1, 4, 4, dtype="int64"), 2)),
    R("avg_pool3d-input-3d-unbatched-ok", "avg_pool3d", (_x(2, 4, 4, 4), 2)),
    R("avg_pool3d-input-2d", "avg_pool3d", (_x(4, 4), 2)),
    R("avg_pool2d-kernel-float", "avg_pool2d", (x2, 2.0)),
    # ---- adaptive ----
    R("adaptive_avg_pool2d-output-size-3", "adaptive_avg_pool2d", (x2, (2, 2, 2))),
    R("adaptive_avg_pool2d-output-size-1-tuple", "adaptive_avg_pool2d", (x2, (3,))),
    R("adaptive_max_pool2d-output-size-3", "adaptive_max_pool2d", (x2, (2, 2, 2))),
    R("adaptive_avg_pool1d-output-size-2", "adaptive_avg_pool1d", (x1, (2, 2))),
    R("adaptive_avg_pool2d-negative-output", "adaptive_avg_pool2d", (x2, -1)),
    R("adaptive_max_pool2d-negative-output", "adaptive_max_pool2d", (x2, (2, -1))),
    R("adaptive_avg_pool2d-zero-output", "adaptive_avg_pool2d", (x2, 0)),
    R("adaptive_avg_pool2d-none-entry-ok", "adaptive_avg_pool2d", (x2, (None, 4))),
    R("adaptive_max_pool2d-larger-than-input-ok", "adaptive_max_pool2d", (x2, (9, 7))),
    R("adaptive_avg_pool2d-input-2d", "adaptive_avg_pool2d", (_x(6, 6), 2)),
    R("adaptive_max_pool1d-input-1d", "adaptive_max_pool1d", (_x(6), 2)),
    R("adaptive_avg_pool2d-zero-size-input", "adaptive_avg_pool2d", (_x(1, 2, 0, 4), 2)),
    R("adaptive_avg_pool2d-float-size", "adaptive_avg_pool2d", (x2, 2.5)),
    R("adaptive_avg_pool3d-none-ok", "adaptive_avg_pool3d", (x3, (None, 2, None))),
    # ---- max_unpool ----
    R(
        "max_unpool2d-index-out-of-range",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 1, 5, 100), 2),
    ),
    R("max_unpool2d-index-negative", "max_unpool2d", (_x(1, 1, 2, 2), idx_2x2(0, 1, -1, 3), 2)),
    R("max_unpool2d-index-last-ok", "max_unpool2d", (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2)),
    R(
        "max_unpool2d-indices-shape-mismatch",
        "max_unpool2d",
        (_x(1, 1, 2, 2), T((1, 1, 1, 2), "int64", (0, 1)), 2),
    ),
    R(
        "max_unpool2d-float-indices",
        "max_unpool2d",
        (_x(1, 1, 2, 2), T((1, 1, 2, 2), "float32", (0, 3, 8, 15)), 2),
    ),
    R(
        "max_unpool2d-output-size-ok",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"output_size": (5, 5)},
    ),
    R(
        "max_unpool2d-output-size-too-big",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"output_size": (7, 7)},
    ),
    R(
        "max_unpool2d-output-size-too-small",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 1, 2, 3), 2),
        {"output_size": (2, 2)},
    ),
    R(
        "max_unpool2d-output-size-wrong-length",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"output_size": (4, 4, 4)},
    ),
    R(
        "max_unpool2d-index-beyond-output-size",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"output_size": (3, 4)},
    ),
    R(
        "max_unpool1d-index-out-of-range",
        "max_unpool1d",
        (_x(1, 1, 3), T((1, 1, 3), "int64", (0, 2, 6)), 2),
    ),
    R(
        "max_unpool1d-input-4d",
        "max_unpool1d",
        (_x(1, 1, 1, 3), T((1, 1, 1, 3), "int64", (0, 2, 4)), 2),
    ),
    # ---- lp_pool ----
    R("lp_pool2d-kernel-larger", "lp_pool2d", (_x(1, 1, 2, 2), 2, 3)),
    R("lp_pool2d-stride-0", "lp_pool2d", (x2, 2, 2), {"stride": 0}),
    R("lp_pool2d-ceil-kernel-larger-ok", "lp_pool2d", (_x(1, 1, 1, 3), 2, 2), {"ceil_mode": True}),
    R("lp_pool2d-input-2d", "lp_pool2d", (_x(4, 4), 2, 2)),
    R("lp_pool1d-input-1d", "lp_pool1d", (_x(6), 2, 2)),
    # ---- pad ----
    R("pad-reflect-equal-size", "pad", (_x(1, 2, 4), (4, 0)), {"mode": "reflect"}),
    R("pad-reflect-size-minus-1-ok", "pad", (_x(1, 2, 4), (3, 3)), {"mode": "reflect"}),
    R("pad-reflect-2d-too-large", "pad", (_x(1, 2, 4, 3), (1, 1, 0, 4)), {"mode": "reflect"}),
    R("pad-circular-too-large", "pad", (_x(1, 2, 4), (5, 0)), {"mode": "circular"}),
    R("pad-circular-equal-size-ok", "pad", (_x(1, 2, 4), (4, 4)), {"mode": "circular"}),
    R("pad-circular-negative-ok", "pad", (_x(1, 2, 4), (-1, 2)), {"mode": "circular"}),
    R("pad-circular-wrap-beyond-cropped-core", "pad", (_x(1, 1, 2), (-1, 2)), {"mode": "circular"}),
    R("pad-replicate-large-ok", "pad", (_x(1, 2, 2), (7, 9)), {"mode": "replicate"}),
    R("pad-replicate-empty-dim", "pad", (_x(1, 2, 0), (1, 1)), {"mode": "replicate"}),
    R("pad-odd-length", "pad", (x2, (1, 2, 3))),
    R("pad-constant-too-many", "pad", (_x(2, 3), (1, 1, 1, 1, 1, 1))),
    R("pad-reflect-too-many-dims", "pad", (_x(1, 2, 4), (1, 1, 1, 1, 1, 1)), {"mode": "reflect"}),
    R("pad-reflect-2d-input-2d-pad", "pad", (_x(4, 4), (1, 1, 1, 1)), {"mode": "reflect"}),
    R("pad-reflect-1d-input", "pad", (_x(4), (1, 1)), {"mode": "reflect"}),
    R("pad-replicate-5d-input-1d-pad", "pad", (_x(1, 1, 2, 2, 4), (1, 1)), {"mode": "replicate"}),
    R("pad-mode-zeros", "pad", (x2, (1, 1)), {"mode": "zeros"}),
    R("pad-mode-symmetric", "pad", (x2, (1, 1)), {"mode": "symmetric"}),
    R("pad-constant-negative-crop-ok", "pad", (_x(1, 1, 5), (-2, -1))),
    R("pad-constant-negative-to-zero", "pad", (_x(1, 1, 3), (-2, -1))),
    R("pad-constant-negative-below-zero", "pad", (_x(1, 1, 3), (-2, -2))),
    R("pad-reflect-negative", "pad", (_x(1, 2, 4), (-1, 1)), {"mode": "reflect"}),
    R("pad-reflect-with-value", "pad", (_x(1, 2, 4), (1, 1)), {"mode": "reflect", "value": 1.0}),
    R("pad-float-pads", "pad", (x2, (1.5, 1))),
    R("pad-constant-empty-pad-ok", "pad", (x2, ())),
    R("pad-int-input-constant-ok", "pad", (_x(1, 4, dtype="int64"), (1, 2)), {"value": 3}),
    # ---- unfold / fold ----
    R("unfold-input-5d", "unfold", (_x(1, 1, 4, 4, 4), 2)),
    R("unfold-input-2d", "unfold", (_x(4, 4), 2)),
    R("unfold-unbatched-ok", "unfold", (_x(2, 4, 4), 2)),
    R("unfold-kernel-larger", "unfold", (_x(1, 1, 3, 3), 4)),
    R("unfold-stride-0", "unfold", (x2, 2), {"stride": 0}),
    R("unfold-dilation-0", "unfold", (x2, 2), {"dilation": 0}),
    R("unfold-padding-negative", "unfold", (x2, 2), {"padding": -1}),
    R("unfold-padding-same", "unfold", (x2, 3), {"padding": "same"}),
    R("unfold-kernel-3-tuple", "unfold", (x2, (2, 2, 2))),
    R("fold-channels-not-divisible", "fold", (_x(1, 5, 9), (4, 4), 2)),
    R("fold-wrong-block-count", "fold", (_x(1, 4, 10), (4, 4), 2)),
    R("fold-ok", "fold", (_x(1, 8, 9), (4, 4), 2)),
    R("fold-unbatched-ok", "fold", (_x(8, 9), (4, 4), 2)),
    R("fold-output-size-3", "fold", (_x(1, 4, 9), (4, 4, 4), 2)),
    R("fold-input-4d", "fold", (_x(1, 4, 3, 3), (4, 4), 2)),
    R("fold-kernel-larger-than-output", "fold", (_x(1, 25, 1), (4, 4), 5)),
    R("fold-stride-0", "fold", (_x(1, 4, 9), (4, 4), 2), {"stride": 0}),
    # ---- more borderline calls ----
    R("conv2d-padding-one-negative", "conv2d", (x2, w2), {"padding": (1, -1)}),
    R("conv1d-stride-1-tuple-ok", "conv1d", (x1, _x(3, 2, 3)), {"stride": (2,)}),
    R("conv2d-groups-float", "conv2d", (x2, _x(4, 1, 3, 3)), {"groups": 2.0}),
    R("conv2d-empty-batch", "conv2d", (_x(0, 2, 6, 6), w2)),
    R("conv2d-bias-int", "conv2d", (x2, w2, _x(3, dtype="int64"))),
    R(
        "conv_transpose2d-mixed-output-padding-ok",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"stride": (2, 1), "output_padding": (1, 0)},
    ),
    R("max_pool2d-stride-empty-list", "max_pool2d", (x2, 2), {"stride": []}),
    R("max_pool2d-empty-batch", "max_pool2d", (_x(0, 2, 6, 6), 2)),
    R("max_pool2d-kernel-bool", "max_pool2d", (x2, True)),
    R("max_pool2d-ceil-mode-str", "max_pool2d", (x2, 2), {"ceil_mode": "yes"}),
    R("max_pool2d-ceil-mode-int", "max_pool2d", (x2, 2), {"ceil_mode": 1}),
    R("max_pool2d-ceil-mode-numpy-bool", "max_pool2d", (x2, 2), {"ceil_mode": np.bool_(True)}),
    R("max_pool1d-ceil-mode-str", "max_pool1d", (x1, 2), {"ceil_mode": "yes"}),
    R("max_pool3d-ceil-mode-none", "max_pool3d", (x3, 2), {"ceil_mode": None}),
    R("avg_pool2d-ceil-mode-str", "avg_pool2d", (x2, 2), {"ceil_mode": "yes"}),
    R("avg_pool2d-count-include-pad-str", "avg_pool2d", (x2, 2), {"count_include_pad": "no"}),
    R("avg_pool1d-count-include-pad-int", "avg_pool1d", (x1, 2), {"count_include_pad": 0}),
    R("lp_pool2d-ceil-mode-str", "lp_pool2d", (x2, 2, 2), {"ceil_mode": "yes"}),
    R("pad-value-str", "pad", (x2, (1, 1)), {"value": "a"}),
    R("pad-mode-none", "pad", (x2, (1, 1)), {"mode": None}),
    R(
        "max_pool1d-indices-unbatched-ok",
        "max_pool1d",
        (_x(2, 7), 3),
        {"return_indices": True, "ceil_mode": True},
    ),
    R("avg_pool2d-divisor-float", "avg_pool2d", (x2, 2), {"divisor_override": 2.5}),
    R(
        "avg_pool2d-nocip-ceil-kernel-larger-ok",
        "avg_pool2d",
        (_x(1, 1, 1, 2), 3),
        {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    ),
    R("adaptive_max_pool2d-zero-output", "adaptive_max_pool2d", (x2, 0)),
    R("adaptive_avg_pool2d-list-none-ok", "adaptive_avg_pool2d", (x2, [2, None])),
    R("adaptive_avg_pool1d-larger-ok", "adaptive_avg_pool1d", (x1, 11)),
    R(
        "max_unpool2d-output-size-4-ok",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"output_size": (1, 1, 5, 4)},
    ),
    R("lp_pool2d-norm-0", "lp_pool2d", (x2, 0, 2)),
    R("lp_pool2d-norm-negative", "lp_pool2d", (x2, -1, 2)),
    R("pad-replicate-negative", "pad", (_x(1, 2, 5), (-1, 2)), {"mode": "replicate"}),
    R("pad-constant-int-value-ok", "pad", (x2, [1, 0, 2, 1]), {"value": 2}),
    R("unfold-kernel-1-tuple", "unfold", (x2, (2,))),
    R("fold-output-size-int-ok", "fold", (_x(1, 4, 9), 4, 2)),
    # ---- bool and 1-tuple arguments: torch's parser refuses a bool (TypeError); ATen expands a
    # 1-tuple for conv, conv_transpose and max/avg pooling, not for unfold/fold/adaptive ----
    R("conv2d-stride-bool", "conv2d", (x2, w2), {"stride": True}),
    R("conv2d-padding-bool", "conv2d", (x2, w2), {"padding": True}),
    R("conv2d-dilation-bool", "conv2d", (x2, w2), {"dilation": True}),
    R("conv2d-stride-bool-in-tuple", "conv2d", (x2, w2), {"stride": (1, True)}),
    R("conv2d-stride-1-tuple-ok", "conv2d", (x2, w2), {"stride": (2,)}),
    R("conv2d-padding-1-tuple-ok", "conv2d", (x2, w2), {"padding": (1,)}),
    R("conv3d-dilation-1-tuple-ok", "conv3d", (x3, _x(1, 2, 2, 2, 2)), {"dilation": (2,)}),
    R("conv2d-stride-empty", "conv2d", (x2, w2), {"stride": ()}),
    R("conv1d-padding-bool", "conv1d", (x1, _x(3, 2, 3)), {"padding": False}),
    R("conv_transpose2d-stride-bool", "conv_transpose2d", (x2, _x(2, 3, 3, 3)), {"stride": True}),
    R(
        "conv_transpose2d-output-padding-bool",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"stride": 2, "output_padding": (True,)},
    ),
    R(
        "conv_transpose2d-stride-1-tuple-ok",
        "conv_transpose2d",
        (x2, _x(2, 3, 3, 3)),
        {"stride": (2,), "output_padding": (1,)},
    ),
    R("max_pool2d-stride-bool", "max_pool2d", (x2, 2), {"stride": True}),
    R("max_pool2d-padding-bool", "max_pool2d", (x2, 2), {"padding": True}),
    R("max_pool2d-dilation-bool", "max_pool2d", (x2, 2), {"dilation": True}),
    R("max_pool2d-kernel-bool-in-tuple", "max_pool2d", (x2, (True,))),
    R("max_pool2d-kernel-1-tuple-ok", "max_pool2d", (x2, (3,))),
    R("max_pool3d-stride-1-tuple-ok", "max_pool3d", (x3, 2), {"stride": (1,)}),
    R("max_pool1d-stride-empty-tuple-ok", "max_pool1d", (x1, 2), {"stride": ()}),
    R("avg_pool2d-stride-bool", "avg_pool2d", (x2, 2), {"stride": True}),
    R("avg_pool1d-stride-bool", "avg_pool1d", (x1, 2), {"stride": True}),
    R("avg_pool1d-kernel-bool", "avg_pool1d", (x1, False)),
    R("avg_pool2d-kernel-1-tuple-ok", "avg_pool2d", (x2, (3,))),
    R("avg_pool2d-padding-1-tuple-ok", "avg_pool2d", (x2, 3), {"padding": (1,)}),
    R("lp_pool2d-stride-bool", "lp_pool2d", (x2, 2, 2), {"stride": True}),
    R("lp_pool2d-kernel-1-tuple", "lp_pool2d", (x2, 2, (2,))),
    R("lp_pool2d-stride-1-tuple-ok", "lp_pool2d", (x2, 2, 2), {"stride": (1,)}),
    R("unfold-stride-bool", "unfold", (x2, 2), {"stride": True}),
    R("unfold-stride-1-tuple", "unfold", (x2, 2), {"stride": (1,)}),
    R("fold-output-size-bool", "fold", (_x(1, 4, 9), (True, 4), 2)),
    R("fold-output-size-1-tuple", "fold", (_x(1, 4, 9), (4,), 2)),
    R("adaptive_avg_pool2d-output-size-bool", "adaptive_avg_pool2d", (x2, True)),
    R("adaptive_max_pool2d-output-size-bool-in-tuple", "adaptive_max_pool2d", (x2, (2, True))),
    R("adaptive_avg_pool1d-output-size-1-tuple-ok", "adaptive_avg_pool1d", (x1, (3,))),
    R("adaptive_max_pool3d-output-size-1-tuple", "adaptive_max_pool3d", (x3, (2,))),
    # max_unpool's sizes are Python arithmetic in torch: True counts as 1, a 1-tuple fails.
    R(
        "max_unpool2d-stride-bool-ok",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 1, 2, 3), 2),
        {"stride": True},
    ),
    R(
        "max_unpool2d-stride-1-tuple",
        "max_unpool2d",
        (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), 2),
        {"stride": (2,)},
    ),
    R("max_unpool2d-kernel-1-tuple", "max_unpool2d", (_x(1, 1, 2, 2), idx_2x2(0, 3, 8, 15), (2,))),
    # modules: the tensor input makes torch reach its forward, where it refuses the bool
    R("Conv2d-stride-bool", "nn.Conv2d", (2, 1, 3), {"stride": True}, x2),
    R("Conv1d-padding-bool", "nn.Conv1d", (2, 1, 3), {"padding": True}, x1),
    R("Conv3d-dilation-bool-in-tuple", "nn.Conv3d", (2, 1, 1), {"dilation": (1, True, 1)}, x3),
    R("Conv2d-stride-1-tuple-ok", "nn.Conv2d", (2, 1, 3), {"stride": (2,)}, x2),
    R("Conv2d-stride-float", "nn.Conv2d", (2, 1, 3), {"stride": 2.0}, x2),
    R("ConvTranspose2d-stride-bool", "nn.ConvTranspose2d", (2, 1, 3), {"stride": True}, x2),
    R("MaxPool2d-stride-bool", "nn.MaxPool2d", (2,), {"stride": True}, x2),
    R("MaxPool2d-stride-bool-built", "nn.MaxPool2d", (2,), {"stride": True}),
    R("MaxPool2d-kernel-1-tuple-ok", "nn.MaxPool2d", ((3,),), {}, x2),
    R("MaxPool1d-stride-empty-list-ok", "nn.MaxPool1d", (2,), {"stride": []}, x1),
    R("AvgPool1d-stride-bool", "nn.AvgPool1d", (2,), {"stride": True}, x1),
    R("AvgPool2d-padding-bool", "nn.AvgPool2d", (3,), {"padding": True}, x2),
    R("AvgPool3d-kernel-1-tuple-ok", "nn.AvgPool3d", ((2,),), {}, x3),
    R("LPPool2d-kernel-1-tuple", "nn.LPPool2d", (2, (2,)), {}, x2),
    R("AdaptiveAvgPool2d-output-bool", "nn.AdaptiveAvgPool2d", (True,), {}, x2),
]


def _first_allowed(exc: BaseException):
    for cls in (TypeError, ValueError, RuntimeError):
        if isinstance(exc, cls):
            return cls
    return None


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in ROWS])
def test_raises_where_torch_raises(row):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t_out, t_exc = _run(row, "torch"), None
        except Exception as e:
            t_out, t_exc = None, e
        try:
            c_out, c_exc = _run(row, "convkit"), None
        except pytest.fail.Exception:
            raise
        except Exception as e:
            c_out, c_exc = None, e

    if t_exc is None:
        assert c_exc is None, (
            f"torch accepts this call, convkit raised {type(c_exc).__name__}: {c_exc}"
        )
        if row.fn.startswith("nn.") and row.input is None:
            return
        t, c = _first(t_out), _first(c_out)
        assert tuple(c.shape) == tuple(t.shape), (
            f"shape: torch {tuple(t.shape)}, convkit {tuple(c.shape)}"
        )
        t_dtype = str(t.dtype).replace("torch.", "")
        assert str(np.dtype(c.dtype)) == t_dtype, f"dtype: torch {t_dtype}, convkit {c.dtype}"
        if not row.fn.startswith("nn."):  # modules draw their own random weights
            expected = t.detach().numpy()
            np.testing.assert_allclose(
                np.asarray(c.data),
                expected,
                **tolerance(expected.dtype if expected.dtype.kind == "f" else np.float64),
            )
        return

    t_name = f"{type(t_exc).__name__}: {str(t_exc).splitlines()[0] if str(t_exc) else ''}"
    got = _first(c_out)
    got = f"shape {tuple(got.shape)}" if hasattr(got, "shape") else repr(got)
    assert c_exc is not None, f"torch raises {t_name}; convkit returned {got}"
    assert isinstance(c_exc, ALLOWED), (
        f"convkit raised {type(c_exc).__name__}: {c_exc} (torch: {t_name})"
    )
    expected = _first_allowed(t_exc)
    if expected is not None:
        assert isinstance(c_exc, expected), (
            f"torch raises {t_name}; convkit raised {type(c_exc).__name__}: {c_exc}"
        )
    message = str(c_exc)
    leaks = [s for s in NUMPY_LEAKS if s in message]
    assert not leaks, f"convkit's message looks like a NumPy internal error: {message!r}"


def test_rows_have_unique_ids():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids))


def test_kernel_too_large_message_shows_formula():
    """The error spells out the output-size formula with the caller's numbers."""
    conv2d = convkit_function("conv2d")
    with pytest.raises(RuntimeError) as info:
        conv2d(ck.zeros(1, 1, 3, 3), ck.zeros(1, 1, 5, 5))
    assert "floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1" in str(info.value)


def test_pool_too_small_message_shows_formula():
    max_pool2d = convkit_function("max_pool2d")
    with pytest.raises(RuntimeError) as info:
        max_pool2d(ck.zeros(1, 1, 2, 2), 3)
    assert "floor((2 + 2*0 - 1*(3-1) - 1)/3) + 1 = 0" in str(info.value)
