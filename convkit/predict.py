"""``convkit evaluate`` and ``convkit predict``: use a training checkpoint on data or images."""

from __future__ import annotations

import os

import numpy as np

from .autograd import no_grad
from .models import run_model
from .nn import functional as F
from .tensor import Tensor
from .training import evaluate
from .weights import model_from_checkpoint, read_checkpoint

# A prepared image whose values span less than this (on the 0..1 scale) shows nothing.
BLANK_RANGE = 0.05


def format_confusion(confusion: np.ndarray, classes: list[str]) -> str:
    """Rows are the true class, columns the predicted one."""
    labels = [str(c).split(" - ")[0][:6] for c in classes]
    width = max(4, max(len(v) for v in labels), len(str(int(confusion.max(initial=0)))))
    head = " " * (width + 2) + " ".join(f"{v:>{width}}" for v in labels)
    rows = [
        f"{lab:>{width}}  " + " ".join(f"{int(v):>{width}}" for v in row)
        for lab, row in zip(labels, confusion, strict=True)
    ]
    return "\n".join(["true \\ predicted", head, *rows])


def evaluate_checkpoint(path: str, data: str | None = None) -> str:
    """Accuracy, loss and confusion matrix of a checkpoint on the test split of its data (or of
    ``data``), its images fitted to the model's input as in training."""
    from .data import DataLoader, load_dataset

    ckpt = read_checkpoint(path)
    spec = data or ckpt.info.spec
    channels, height, width = ckpt.info.input_shape
    _, test, info = load_dataset(spec, (height, width), channels)
    if info["num_classes"] != ckpt.info.num_classes:
        raise ValueError(
            f"--data '{spec}' has {info['num_classes']} classes, but the model was trained on "
            f"{ckpt.info.num_classes}"
        )
    model = model_from_checkpoint(ckpt, path)
    result = evaluate(model, DataLoader(test, batch_size=256), ckpt.info.num_classes)
    return (
        f"{path}: model {ckpt.config.model} after {ckpt.epoch} epochs\n"
        f"test set of '{spec}': {len(test)} images\n"
        f"accuracy {result.accuracy:.4f} ({int(np.trace(result.confusion))}/{len(test)}), "
        f"loss {result.loss:.4f}\n\n" + format_confusion(result.confusion, ckpt.info.classes)
    )


def _centred(ink: np.ndarray, height: int, width: int, extent: float) -> np.ndarray:
    """The drawing's ink box scaled (keeping its aspect) to fill ``extent`` of the frame as the
    training images do, and placed at the centre of a dark ``(height, width)`` frame."""
    from PIL import Image

    from .data.imageops import ink_box

    box = ink_box(ink)
    assert box is not None  # the caller checked for a blank image
    top, left, bottom, right = box
    crop = ink[top:bottom, left:right]
    scale = extent * max(height, width) / max(crop.shape)
    h = max(1, min(height, round(crop.shape[0] * scale)))
    w = max(1, min(width, round(crop.shape[1] * scale)))
    picture = Image.fromarray((crop * 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.LANCZOS
    )
    frame = np.zeros((height, width), dtype=np.float32)
    y, x = (height - h) // 2, (width - w) // 2
    frame[y : y + h, x : x + w] = np.asarray(picture, dtype=np.float32) / 255
    return frame


def prepare_image(
    path: str, input_shape, ink_extent: float | None = None, notes: list[str] | None = None
) -> np.ndarray:
    """Read an image file as the model's input: channels, size and [0, 1] scale of its training
    data.

    A one-channel image with a light background (dark ink on paper) is inverted, because the
    digit datasets store ink as high values on a dark background. With ``ink_extent`` (how much
    of the frame the training images' ink fills), a one-channel drawing is cropped to its ink,
    scaled to fill as much and centred, as the digit datasets are. What was done, and a warning
    for an image that shows nothing, are appended to ``notes``.
    """
    from .data import load_image

    channels, height, width = input_shape
    name = os.path.basename(path)
    pixels = load_image(path, grayscale=channels == 1)
    image = pixels.astype(np.float32) / np.float32(255)  # (C, h, w)
    if channels == 1:
        border = np.concatenate([image[0, 0], image[0, -1], image[0, :, 0], image[0, :, -1]])
        if border.mean() > 0.5:
            image = 1 - image
            if notes is not None:
                notes.append(f"{name}: inverted (light background) to light ink on dark")
    blank = float(image.max() - image.min()) < BLANK_RANGE
    if blank and notes is not None:
        notes.append(
            f"warning: {name} looks blank (all pixels within {BLANK_RANGE:.0%} of "
            f"{float(image.mean()):.2f}); the prediction is a guess"
        )
    if channels == 1 and ink_extent is not None and not blank:
        if notes is not None:
            notes.append(f"{name}: drawing cropped to its ink and centred, as in the training data")
        return _centred(image[0], height, width, ink_extent)[None]  # (1, H, W)
    return _resize(image, height, width)  # (C, H, W)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(C, h, w)`` -> ``(C, height, width)`` with Pillow's bilinear filter, which widens its
    support when shrinking (antialiased), so a large photo does not alias into noise."""
    from PIL import Image

    if image.shape[1:] == (height, width):
        return image
    planes = [
        np.asarray(Image.fromarray(plane, "F").resize((width, height), Image.Resampling.BILINEAR))
        for plane in image.astype(np.float32)
    ]
    return np.stack(planes).astype(np.float32)


def predict_images(path: str, images: list[str], top: int = 3) -> tuple[str, list[str]]:
    """The ``top`` most probable classes for each image, with their probabilities; and the notes
    (what was done to each image, warnings)."""
    ckpt = read_checkpoint(path)
    model = model_from_checkpoint(ckpt, path)
    classes = ckpt.info.classes
    top = max(1, min(top, len(classes)))
    notes: list[str] = []
    batch = np.stack(
        [prepare_image(p, ckpt.info.input_shape, ckpt.info.ink_extent, notes) for p in images]
    )
    with no_grad():
        probs = F.softmax(run_model(model, Tensor._wrap(batch)), 1)._array  # (N, K)
    lines = []
    for name, p in zip(images, probs, strict=True):
        best = np.argsort(-p, kind="stable")[:top]
        lines.append(f"{name}: " + ", ".join(f"{classes[i]} ({p[i]:.3f})" for i in best))
    return "\n".join(lines), notes
