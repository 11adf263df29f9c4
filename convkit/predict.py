"""``convkit evaluate`` and ``convkit predict``: use a training checkpoint on data or images."""

from __future__ import annotations

import numpy as np

from .autograd import no_grad
from .nn import functional as F
from .tensor import Tensor
from .training import evaluate, model_from_checkpoint, read_checkpoint


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
    """Accuracy, loss and confusion matrix of a checkpoint on the test split of its data."""
    from .data import DataLoader, load_dataset

    ckpt = read_checkpoint(path)
    spec = data or ckpt["info"]["spec"]
    _, test, info = load_dataset(spec)
    if list(info["input_shape"]) != list(ckpt["info"]["input_shape"]):
        raise ValueError(
            f"--data '{spec}' has images of shape {tuple(info['input_shape'])}, but "
            f"the model was trained on {tuple(ckpt['info']['input_shape'])}"
        )
    model = model_from_checkpoint(ckpt)
    loss, acc, confusion = evaluate(
        model, DataLoader(test, batch_size=256), int(ckpt["info"]["num_classes"])
    )
    return (
        f"{path}: model {ckpt['config']['model']} after {ckpt['epoch']} epochs\n"
        f"test set of '{spec}': {len(test)} images\n"
        f"accuracy {acc:.4f} ({int(np.trace(confusion))}/{len(test)}), loss {loss:.4f}\n\n"
        + format_confusion(confusion, ckpt["info"]["classes"])
    )


def prepare_image(path: str, input_shape) -> np.ndarray:
    """Read an image file as the model's input: channels, size and [0, 1] scale of its training
    data. A one-channel image with a light background (dark ink on paper) is inverted, because
    the digit datasets store ink as high values on a dark background."""
    from .data import load_image

    channels, height, width = input_shape
    pixels = load_image(path, grayscale=channels == 1, size=(height, width))
    image = pixels.astype(np.float32) / np.float32(255)  # (C, H, W)
    if channels == 1:
        border = np.concatenate([image[0, 0], image[0, -1], image[0, :, 0], image[0, :, -1]])
        if border.mean() > 0.5:
            image = 1 - image
    return image


def predict_images(path: str, images: list[str], top: int = 3) -> str:
    """The ``top`` most probable classes for each image, with their probabilities."""
    ckpt = read_checkpoint(path)
    model = model_from_checkpoint(ckpt)
    classes = ckpt["info"]["classes"]
    top = max(1, min(top, len(classes)))
    batch = np.stack([prepare_image(p, ckpt["info"]["input_shape"]) for p in images])
    with no_grad():
        probs = F.softmax(model(Tensor._wrap(batch)), 1)._array  # (N, K)
    lines = []
    for name, p in zip(images, probs, strict=True):
        best = np.argsort(-p, kind="stable")[:top]
        lines.append(f"{name}: " + ", ".join(f"{classes[i]} ({p[i]:.3f})" for i in best))
    return "\n".join(lines)
