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

from .drawing import INK, MUTED, OUT_EDGE, WHITE, font
from .recorder import Recorder, is_leaf

__all__ = [
    "load_model",
    "draw_filters",
    "record_activations",
    "draw_feature_maps",
    "conv_layers",
    "recorded_layer",
]

_MARGIN = 16
# Grid lines between filter tiles: grey, so a near-white (near-zero) kernel still reads as a tile.
_GROUT = 175


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def load_model(
    spec: str, model: str | None = None, input_shape=None, num_classes: int | None = None
):
    """``(model, info)`` from a checkpoint file; ``info`` has name, input_shape, classes.

    A convkit training checkpoint records everything; a plain state dict (``.safetensors``, or
    PyTorch ``.pt`` read without torch) needs ``model`` (the architecture) and ``input_shape``
    (C, H, W). Loading is ``convkit.weights.open_model``'s; this adds what the pictures label.
    """
    from ..weights import open_model

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
    if model is not None and (input_shape is None or len(input_shape) != 3):
        raise ValueError(
            f"'{path}': a state dict does not record the input shape; give "
            f"--model NAME and --input CxHxW (e.g. 1x28x28), got {input_shape}"
        )
    shape = tuple(int(v) for v in input_shape) if input_shape is not None else None
    try:
        loaded = open_model(path, model, shape, num_classes)
    except ValueError as e:  # weights only: the architecture must be named
        raise ValueError(
            f"{e}; for a plain state dict give --model NAME and --input CxHxW"
        ) from None
    return loaded.model, {
        "name": loaded.name,
        "input_shape": loaded.input_shape,
        "classes": loaded.classes,
        "ink_extent": loaded.checkpoint.info.ink_extent if loaded.checkpoint else None,
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
    draw.rectangle((x, y, x + width, y + 10), outline=MUTED)
    small = font(11)
    for frac, text in ((0, f"-{vmax:.2g}"), (0.5, "0"), (1, f"+{vmax:.2g}")):
        draw.text((x + frac * width, y + 13), text, fill=MUTED, font=small, anchor="mt")


_COLOURBAR_W, _COLOURBAR_H = 120, 28


def tile_grid(
    tiles: list[np.ndarray],
    cols: int,
    labels: list[str] | None = None,
    row_labels: list[str] | None = None,
    col_labels: list[str] | None = None,
    gap: int = 2,
    grout: int = _GROUT,
):
    """Equal-sized RGB tiles (h, w, 3) in rows of ``cols``, with the channel numbers: ``labels``
    above each tile, or ``row_labels`` left of each row and ``col_labels`` above each column.
    Returns a PIL image."""
    from PIL import Image, ImageDraw

    th, tw = tiles[0].shape[:2]
    rows = math.ceil(len(tiles) / cols)
    small = font(10)
    lab_h = 12 if labels else 0
    left = (max(int(small.getlength(t)) for t in row_labels) + 6) if row_labels else 0
    top = 13 if col_labels else 0
    width = left + cols * (tw + gap) + gap
    height = top + rows * (lab_h + th + gap) + gap
    img = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(img)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        x0 = left + gap + c * (tw + gap)
        y0 = top + gap + r * (lab_h + th + gap) + lab_h
        # grout around the tile, then the tile
        draw.rectangle(
            (x0 - gap, y0 - gap, x0 + tw + gap - 1, y0 + th + gap - 1), fill=(grout,) * 3
        )
        img.paste(Image.fromarray(tile), (x0, y0))
        if labels:
            draw.text((x0 + tw / 2, y0 - 1), labels[k], fill=MUTED, font=small, anchor="mb")
    if row_labels:
        for r, text in enumerate(row_labels):
            y = top + gap + r * (lab_h + th + gap) + lab_h + th / 2
            draw.text((left - 4, y), text, fill=MUTED, font=small, anchor="rm")
    if col_labels:
        for c, text in enumerate(col_labels):
            x = left + gap + c * (tw + gap) + tw / 2
            draw.text((x, top - 1), text, fill=MUTED, font=small, anchor="mb")
    return img


def _rgb_tiles(w: np.ndarray, vmax: float) -> np.ndarray:
    """(out, 3, kh, kw) weights -> (out, kh, kw, 3) colours: each input channel is one of R, G, B,
    0 is mid-grey and +-vmax the channel's full or no intensity (one scale for the layer)."""
    return (
        (np.clip(0.5 + 0.5 * w / vmax, 0, 1) * 255).round().astype(np.uint8).transpose(0, 2, 3, 1)
    )


def _shown(n: int, limit: int) -> tuple[int, str]:
    """How many of ``n`` channels are drawn, and the words for the ones left out."""
    shown = min(n, limit)
    return shown, ("" if shown == n else f" ({n - shown} left out)")


def _filter_block(name: str, m, max_channels: int, first: bool):
    """(label lines, vmax, tile image) of one convolution layer."""
    w, note = _kernel_planes(m)
    vmax = float(np.abs(w).max()) or 1.0
    n_out, out_cut = _shown(w.shape[0], max_channels)
    kh, kw = w.shape[2:]
    # Large layers get smaller tiles so the whole layer stays on screen.
    rgb = first and w.shape[1] == 3 and not getattr(m, "transposed", False) and w.ndim == 4
    n_in, in_cut = (3, "") if rgb else _shown(w.shape[1], max_channels)
    pix = max(2, (48 if n_out * n_in <= 64 or rgb else 24) // max(kh, kw))
    label = f"{name}: {type(m).__name__}, weight {tuple(m.weight.shape)}{note}"
    if rgb:
        tiles = [np.repeat(np.repeat(t, pix, 0), pix, 1) for t in _rgb_tiles(w[:n_out], vmax)]
        cols = min(16, n_out)
        grid = tile_grid(tiles, cols, labels=[str(o) for o in range(n_out)])
        lines = [
            label,
            f"output channels 0..{n_out - 1} of {w.shape[0]}{out_cut}, numbered above each tile; "
            "each tile is one output channel's kernel in colour: input channels 0, 1, 2 as red, "
            "green, blue; grey = 0",
        ]
        return lines, None, grid
    cells: list[np.ndarray] = []
    if n_in == 1:
        cols = min(16, n_out)
        cells = [w[o, 0] for o in range(n_out)]
        tiles = [np.repeat(np.repeat(_diverging(k, vmax), pix, 0), pix, 1) for k in cells]
        grid = tile_grid(tiles, cols, labels=[str(o) for o in range(n_out)])
        axes = (
            f"one tile per output channel (numbered above it; 0..{n_out - 1} of "
            f"{w.shape[0]}{out_cut}); one input channel"
        )
    else:
        cells = [w[o, i] for o in range(n_out) for i in range(n_in)]
        tiles = [np.repeat(np.repeat(_diverging(k, vmax), pix, 0), pix, 1) for k in cells]
        grid = tile_grid(
            tiles,
            n_in,
            row_labels=[str(o) for o in range(n_out)],
            col_labels=[str(i) for i in range(n_in)],
        )
        axes = (
            f"rows: output channels 0..{n_out - 1} of {w.shape[0]}{out_cut}; "
            f"columns: input channels 0..{n_in - 1} of {w.shape[1]}{in_cut}"
        )
    return [label, axes], vmax, grid


def draw_filters(model, title: str = "", max_channels: int = 32):
    """One block per conv layer: rows = output channels, columns = input channels, numbered (a
    layer with one input channel wraps its kernels into rows of 16; a first layer on RGB input
    shows each kernel as one colour tile). Layers deeper than ``max_channels`` are cut there and
    say how many channels were left out. Returns a PIL image, wide enough for every label."""
    from PIL import Image, ImageDraw

    layers = conv_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no convolution layers to draw")
    if max_channels < 1:
        raise ValueError(f"--max-channels must be at least 1, got {max_channels}")
    blocks = [
        _filter_block(name, m, max_channels, first=k == 0) for k, (name, m) in enumerate(layers)
    ]
    head_font, label_font, small = font(15, True), font(13, True), font(12)
    note = (
        "convolution kernels: red = positive weight, blue = negative, white = 0; one colour "
        "scale per layer; channel numbers beside the tiles"
    )
    widths = [420, int(small.getlength(note)), int(head_font.getlength(title))]
    for lines, _, grid in blocks:
        widths.append(grid.size[0])
        widths.append(int(label_font.getlength(lines[0])))
        widths += [int(small.getlength(line)) for line in lines[1:]]
        widths.append(_COLOURBAR_W + 48)
    width = max(widths) + 2 * _MARGIN
    head_h = _MARGIN + (24 if title else 0) + 18
    block_h = [
        8 + 19 + 17 * (len(lines) - 1) + _COLOURBAR_H + grid.size[1] + 8
        for lines, _, grid in blocks
    ]
    img = Image.new("RGB", (width, head_h + sum(block_h) + _MARGIN), WHITE)
    draw = ImageDraw.Draw(img)
    y = _MARGIN
    if title:
        draw.text((_MARGIN, y), title, fill=INK, font=head_font)
        y += 24
    draw.text((_MARGIN, y), note, fill=MUTED, font=small)
    y += 18
    for lines, vmax, grid in blocks:
        y += 8
        draw.text((_MARGIN, y), lines[0], fill=INK, font=label_font)
        y += 19
        for line in lines[1:]:
            draw.text((_MARGIN, y), line, fill=MUTED, font=small)
            y += 17
        if vmax is not None:
            _colourbar(draw, _MARGIN + 24, y + 2, vmax)
        y += _COLOURBAR_H
        img.paste(grid, (_MARGIN, y))
        y += grid.size[1] + 8
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
    from ..models import run_model
    from ..tensor import Tensor

    with no_grad(), Recorder(model, _recorded_leaf, copy=True) as recorder:
        xt = x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))
        output = run_model(model, xt)  # a failing layer is named in a LayerError
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
    """The input image, then one grid of grayscale channels per recorded layer, each channel
    numbered above its tile."""
    from PIL import Image, ImageDraw

    from ..predict import prepare_image

    if max_channels < 1:
        raise ValueError(f"--max-channels must be at least 1, got {max_channels}")
    # (C, H, W), exactly as predict does
    x = prepare_image(image_path, info["input_shape"], info.get("ink_extent"))
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
        planes = [
            np.repeat(np.kron(g, np.ones((scale, scale), np.uint8))[..., None], 3, 2) for g in grey
        ]
        grid = tile_grid(
            planes,
            min(16, len(planes)),
            labels=[str(c) for c in range(len(planes))],
            gap=4,
            grout=170,
        )
        more = (
            f" (channels 0..{len(shown) - 1} of {len(a)}, {len(a) - len(shown)} left out)"
            if len(a) > max_channels
            else ""
        )
        span = f"values {a.min():.3g} .. {a.max():.3g}"
        tiles.append((label, f"{shape} (channels x height x width){more}, {span}", grid))

    head_font, label_font, small = font(15, True), font(13, True), font(12)
    note = (
        "each small image is one channel, numbered above it; white = the layer's largest value, "
        "black = its smallest"
        if not per_channel
        else "each small image is one channel, numbered above it, stretched to its own "
        "black..white range"
    )
    width = (
        max(
            max(t[2].size[0] for t in tiles),
            max(int(small.getlength(t[1])) for t in tiles),
            max(int(label_font.getlength(t[0])) for t in tiles),
            int(small.getlength(note)),
            int(head_font.getlength(title)),
            int(label_font.getlength(prediction)),
            420,
        )
        + 2 * _MARGIN
    )
    head = _MARGIN + (24 if title else 0) + (20 if prediction else 0) + 18
    height = head + sum(t[2].size[1] + 52 for t in tiles) + _MARGIN
    img = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(img)
    y = _MARGIN
    if title:
        draw.text((_MARGIN, y), title, fill=INK, font=head_font)
        y += 24
    if prediction:
        draw.text((_MARGIN, y), prediction, fill=OUT_EDGE, font=label_font)
        y += 20
    draw.text((_MARGIN, y), note, fill=MUTED, font=small)
    y += 18
    for label, sub, grid in tiles:
        y += 6
        draw.text((_MARGIN, y), label, fill=INK, font=label_font)
        draw.text((_MARGIN, y + 18), sub, fill=MUTED, font=small)
        y += 40
        img.paste(grid, (_MARGIN, y))
        y += grid.size[1] + 6
    return img
