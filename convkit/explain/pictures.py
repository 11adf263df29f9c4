"""``convkit filters`` and ``convkit featuremaps``: what a trained network's layers hold and see.

- ``load_model(spec)`` builds the model from a convkit training checkpoint (``.safetensors``), or
  from a plain state dict (``.safetensors`` or PyTorch ``.pt``) given the architecture's name and
  input shape.
- ``draw_filters(model)``: every convolution's weights, one small tile per (output, input) channel
  pair, coloured red for positive and blue for negative on one symmetric scale per layer, so the
  sign of each weight is visible and tiles of one layer compare.
- ``record_activations(model, x)`` runs the model once and keeps the output of every convolution,
  pooling and activation layer (forward hooks, removed afterwards: ``recorder.Recorder``).
  ``draw_feature_maps`` draws them.
"""

from __future__ import annotations

import math
import os

import numpy as np

from .animate import _font
from .recorder import Recorder, is_leaf

__all__ = [
    "load_model",
    "draw_filters",
    "record_activations",
    "draw_feature_maps",
    "conv_layers",
    "recorded_layer",
]

_WHITE, _INK, _MUTED = (255, 255, 255), (33, 33, 33), (97, 97, 97)
_MARGIN = 16


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def load_model(
    spec: str, model: str | None = None, input_shape=None, num_classes: int | None = None
):
    """``(model, info)`` from a checkpoint file; ``info`` has name, input_shape, classes.

    A convkit training checkpoint records everything; a plain state dict (``.safetensors``, or
    PyTorch ``.pt`` read without torch) needs ``model`` (the architecture) and ``input_shape``
    (C, H, W). Loading is ``convkit.models.load_model``'s; this adds what the pictures label.
    """
    from ..models import load_model as load_weights
    from ..training import read_checkpoint

    path = os.fspath(spec)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: '{path}'")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".safetensors", ".pt", ".pth"):
        raise ValueError(
            f"'{path}': expected a convkit training checkpoint (.safetensors) or a "
            f"state dict (.safetensors, or PyTorch .pt/.pth), got a "
            f"'{ext or 'extensionless'}' file"
        )
    if ext == ".safetensors" and model is None:
        try:
            ckpt = read_checkpoint(path)
        except RuntimeError as e:  # a plain state dict: the architecture must be named
            raise ValueError(
                f"{e}; for a plain state dict give --model NAME and --input CxHxW"
            ) from None
        return load_weights(path), {
            "name": f"{ckpt['config']['model']} after {ckpt['epoch']} epoch(s)",
            "input_shape": tuple(int(v) for v in ckpt["info"]["input_shape"]),
            "classes": list(ckpt["info"].get("classes") or []) or None,
        }
    if input_shape is None or len(input_shape) != 3:
        raise ValueError(
            f"'{path}': a state dict does not record the input shape; give "
            f"--model NAME and --input CxHxW (e.g. 1x28x28), got {input_shape}"
        )
    net = load_weights(path, model, tuple(int(v) for v in input_shape), num_classes)
    return net, {
        "name": f"{model} (state dict)",
        "input_shape": tuple(input_shape),
        "classes": None,
    }


# ----------------------------------------------------------------------------------------------
# Filters
# ----------------------------------------------------------------------------------------------


def conv_layers(model) -> list:
    """``(name, module)`` of every convolution (transposed ones too), in definition order."""
    from ..nn.conv import _ConvNd

    return [(name, m) for name, m in model.named_modules() if isinstance(m, _ConvNd)]


def _diverging(values: np.ndarray, vmax: float) -> np.ndarray:
    """RdBu reversed: -vmax blue, 0 white, +vmax red; uint8 RGB with a trailing axis of 3."""
    from matplotlib import colormaps

    scaled = 0.5 + 0.5 * np.clip(values / vmax, -1, 1)
    return (colormaps["RdBu_r"](scaled)[..., :3] * 255).round().astype(np.uint8)


def _kernel_planes(module) -> tuple[np.ndarray, str]:
    """The weight as (out, in, kh, kw) plus a note: 1-D kernels are one row, 3-D ones the middle
    depth slice; a transposed conv stores (in, out, ...) and is swapped to (out, in, ...)."""
    w = np.asarray(module.weight._array, dtype=np.float64)
    note = ""
    if getattr(module, "transposed", False):
        w = w.swapaxes(0, 1)
    if w.ndim == 3:
        w = w[:, :, None, :]  # (out, in, 1, k)
    elif w.ndim == 5:
        note = f", middle depth slice {w.shape[2] // 2} of {w.shape[2]}"
        w = w[:, :, w.shape[2] // 2]
    return w, note


def _colourbar(draw, x: int, y: int, vmax: float, width: int = 120) -> None:
    ramp = _diverging(np.linspace(-vmax, vmax, width)[None, :], vmax)[0]
    for i, rgb in enumerate(ramp):
        draw.line([(x + i, y), (x + i, y + 10)], fill=tuple(int(v) for v in rgb))
    draw.rectangle((x, y, x + width, y + 10), outline=_MUTED)
    font = _font(11)
    for frac, text in ((0, f"-{vmax:.2g}"), (0.5, "0"), (1, f"+{vmax:.2g}")):
        draw.text((x + frac * width, y + 13), text, fill=_MUTED, font=font, anchor="mt")


def draw_filters(model, title: str = "", max_channels: int = 32):
    """One block per conv layer: rows = output channels, columns = input channels (a layer with
    one input channel wraps its kernels into rows of 16). Returns a PIL image."""
    from PIL import Image, ImageDraw

    layers = conv_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no convolution layers to draw")
    if max_channels < 1:
        raise ValueError(f"--max-channels must be at least 1, got {max_channels}")
    blocks = []
    for name, m in layers:
        w, note = _kernel_planes(m)
        full_shape = tuple(m.weight.shape)
        n_out, n_in = min(w.shape[0], max_channels), min(w.shape[1], max_channels)
        if w.shape[:2] != (n_out, n_in):
            note += f", first {n_out} x {n_in} of {w.shape[0]} x {w.shape[1]} channels shown"
        vmax = float(np.abs(w).max()) or 1.0
        w = w[:n_out, :n_in]
        kh, kw = w.shape[2:]
        # Large layers get smaller tiles so the whole layer stays on screen.
        pix = max(2, (48 if n_out * n_in <= 64 else 24) // max(kh, kw))
        th, tw = kh * pix, kw * pix
        if n_in == 1:
            cols = min(16, n_out)
            cells = [(i // cols, i % cols, w[i, 0]) for i in range(n_out)]
            rows = math.ceil(n_out / cols)
            axes = "one tile per output channel (one input channel)"
        else:
            cols, rows = n_in, n_out
            cells = [(o, i, w[o, i]) for o in range(n_out) for i in range(n_in)]
            axes = "rows: output channels, columns: input channels"
        # Grey grout between tiles, so a near-white (near-zero) kernel still reads as a tile.
        gap = 2
        arr = np.full((rows * (th + gap) + gap, cols * (tw + gap) + gap, 3), 255, np.uint8)
        arr[: rows * (th + gap) + gap, : cols * (tw + gap) + gap] = 175
        if n_in == 1 and rows * cols > n_out:  # the unused end of the last wrapped row
            arr[(rows - 1) * (th + gap) + gap :, (n_out % cols) * (tw + gap) + gap :] = 255
        for r, c, k in cells:
            tile = np.repeat(np.repeat(_diverging(k, vmax), pix, 0), pix, 1)  # (th, tw, 3)
            y0, x0 = gap + r * (th + gap), gap + c * (tw + gap)
            arr[y0 : y0 + th, x0 : x0 + tw] = tile
        label = f"{name}: {type(m).__name__}, weight {full_shape}{note}"
        blocks.append((label, axes, vmax, Image.fromarray(arr)))

    head_font, label_font, small = _font(15, True), _font(13, True), _font(12)
    head_h = _MARGIN + (24 if title else 0) + 18
    width = max(
        max(b[3].size[0] for b in blocks) + 2 * _MARGIN,
        max(int(label_font.getlength(b[0])) for b in blocks) + 2 * _MARGIN,
        420,
    )
    height = head_h + sum(b[3].size[1] + 66 for b in blocks) + _MARGIN
    img = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(img)
    y = _MARGIN
    if title:
        draw.text((_MARGIN, y), title, fill=_INK, font=head_font)
        y += 24
    draw.text(
        (_MARGIN, y),
        "convolution kernels: red = positive weight, blue = negative, white "
        "= 0; one colour scale per layer",
        fill=_MUTED,
        font=small,
    )
    y += 18
    for label, axes, vmax, tiles in blocks:
        y += 8
        draw.text((_MARGIN, y), label, fill=_INK, font=label_font)
        draw.text((_MARGIN, y + 19), axes, fill=_MUTED, font=small)
        _colourbar(draw, width - _MARGIN - 130, y + 18, vmax)
        y += 50
        img.paste(tiles, (_MARGIN, y))
        y += tiles.size[1] + 8
    return img


# ----------------------------------------------------------------------------------------------
# Feature maps
# ----------------------------------------------------------------------------------------------


def recorded_layer(module) -> bool:
    """Convolutions, pooling and activations: the layers whose outputs are pictures."""
    from .. import nn
    from ..nn.conv import _ConvNd

    kinds = [_ConvNd] + [
        getattr(nn, n)
        for n in (
            "MaxPool1d",
            "MaxPool2d",
            "MaxPool3d",
            "AvgPool1d",
            "AvgPool2d",
            "AvgPool3d",
            "AdaptiveAvgPool1d",
            "AdaptiveAvgPool2d",
            "AdaptiveAvgPool3d",
            "AdaptiveMaxPool1d",
            "AdaptiveMaxPool2d",
            "AdaptiveMaxPool3d",
            "LPPool1d",
            "LPPool2d",
            "ReLU",
            "LeakyReLU",
            "Sigmoid",
            "Tanh",
            "GELU",
            "ELU",
            "SiLU",
            "ReLU6",
            "Hardtanh",
            "Softplus",
        )
        if hasattr(nn, n)
    ]
    return isinstance(module, tuple(kinds))


def record_activations(model, x) -> tuple[list, object]:
    """Run ``model(x)`` once without gradients; ``([(name, module, output array)], output)``.

    A forward hook on each recorded leaf module (``recorder.Recorder``) keeps a copy of its
    output; the hooks are removed afterwards, also when the forward raises. A module called
    twice is recorded twice ("name (call 2)").
    """
    from ..autograd import no_grad
    from ..tensor import Tensor

    with no_grad(), Recorder(model, _recorded_leaf, copy=True) as recorder:
        xt = x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))
        output = model(xt)
    return [(c.label, c.module, c.output) for c in recorder.calls], output


def _recorded_leaf(module) -> bool:
    return recorded_layer(module) and is_leaf(module)


def _gray(planes: np.ndarray, per_channel: bool) -> np.ndarray:
    """(C, h, w) floats -> uint8 0..255; one range per layer (or per channel)."""
    axis = (1, 2) if per_channel else None
    lo = planes.min(axis=axis, keepdims=True)
    hi = planes.max(axis=axis, keepdims=True)
    span = np.where(hi > lo, hi - lo, 1.0)
    return ((planes - lo) / span * 255).round().astype(np.uint8)


def draw_feature_maps(
    model,
    image_path: str,
    info: dict,
    max_channels: int = 32,
    per_channel: bool = False,
    title: str = "",
):
    """The input image, then one grid of grayscale channels per recorded layer, labelled."""
    from PIL import Image, ImageDraw

    from ..predict import prepare_image

    if max_channels < 1:
        raise ValueError(f"--max-channels must be at least 1, got {max_channels}")
    x = prepare_image(image_path, info["input_shape"])  # (C, H, W), exactly as predict does
    records, output = record_activations(model, x[None])
    maps = [(name, m, a[0]) for name, m, a in records if a.ndim >= 3]  # spatial layers only
    if not maps:
        raise ValueError(
            f"{type(model).__name__} has no convolution, pooling or activation "
            f"layer with a spatial output to draw"
        )
    prediction = ""
    logits = np.asarray(getattr(output, "data", output), dtype=np.float64)
    if logits.ndim == 2 and logits.shape[0] == 1:
        p = np.exp(logits[0] - logits[0].max())
        p /= p.sum()
        best = int(p.argmax())
        classes = info.get("classes")
        label = classes[best] if classes and best < len(classes) else f"class {best}"
        prediction = f"predicted: {label} (probability {p[best]:.3f})"

    blocks = [("input (as the model sees it)", f"{x.shape[0]}x{x.shape[1]}x{x.shape[2]}", x)]
    for name, m, a in maps:
        if a.ndim == 2:
            a = a[:, None, :]  # 1-D layers: each channel one row
        elif a.ndim == 4:
            a = a[:, a.shape[1] // 2]  # 3-D layers: the middle depth slice
        blocks.append((f"{name}: {type(m).__name__}", "x".join(str(v) for v in a.shape), a))

    tiles = []
    for label, shape, a in blocks:
        shown = a[:max_channels].astype(np.float64)
        h, w = shown.shape[1:]
        scale = max(1, min(12, 64 // max(h, w)))
        grey = _gray(shown, per_channel)
        cols = min(16, len(shown))
        rows = math.ceil(len(shown) / cols)
        th, tw, gap = h * scale, w * scale, 4
        arr = np.full((rows * (th + gap) - gap, cols * (tw + gap) - gap), 255, np.uint8)
        for k, plane in enumerate(grey):
            r, c = divmod(k, cols)
            arr[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = (
                np.kron(plane, np.ones((scale, scale), np.uint8))
            )
        more = f" (first {max_channels} of {len(a)} channels)" if len(a) > max_channels else ""
        span = f"values {a.min():.3g} .. {a.max():.3g}"
        tiles.append(
            (
                label,
                f"{shape} (channels x height x width){more}, {span}",
                Image.fromarray(arr),
                (th, tw, gap, cols, len(shown)),
            )
        )

    head_font, label_font, small = _font(15, True), _font(13, True), _font(12)
    note = (
        "each small image is one channel; white = the layer's largest value, black = its smallest"
        if not per_channel
        else "each small image is one channel, stretched to its own black..white range"
    )
    width = max(
        max(t[2].size[0] for t in tiles) + 2 * _MARGIN,
        max(int(small.getlength(t[1])) for t in tiles) + 2 * _MARGIN,
        int(small.getlength(note)) + 2 * _MARGIN,
        420,
    )
    head = _MARGIN + (24 if title else 0) + (20 if prediction else 0) + 18
    height = head + sum(t[2].size[1] + 52 for t in tiles) + _MARGIN
    img = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(img)
    y = _MARGIN
    if title:
        draw.text((_MARGIN, y), title, fill=_INK, font=head_font)
        y += 24
    if prediction:
        draw.text((_MARGIN, y), prediction, fill=(13, 71, 161), font=label_font)
        y += 20
    draw.text((_MARGIN, y), note, fill=_MUTED, font=small)
    y += 18
    for label, sub, grid, (th, tw, gap, cols, count) in tiles:
        y += 6
        draw.text((_MARGIN, y), label, fill=_INK, font=label_font)
        draw.text((_MARGIN, y + 18), sub, fill=_MUTED, font=small)
        y += 40
        img.paste(grid, (_MARGIN, y))
        for k in range(count):  # a thin frame makes an all-black channel visible as a tile
            r, c = divmod(k, cols)
            x0, y0 = _MARGIN + c * (tw + gap), y + r * (th + gap)
            draw.rectangle((x0 - 1, y0 - 1, x0 + tw, y0 + th), outline=(170, 170, 170))
        y += grid.size[1] + 6
    return img
