"""ImageFolder: images in one subfolder per class, read with Pillow when a sample is requested.

Pillow is imported inside the functions that need it, so ``import convkit`` does not load it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..tensor import Tensor
from ._io import DatasetError
from .dataset import Dataset, apply_transforms

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def _pillow():
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImportError(
            "ImageFolder reads images with Pillow, which is not installed: "
            "pip install pillow (or convkit[images])"
        ) from None
    return Image, UnidentifiedImageError


def _normalize_size(size) -> tuple[int, int] | None:
    if size is None:
        return None
    pair = (size, size) if isinstance(size, int) and not isinstance(size, bool) else size
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair)
    ):
        raise ValueError(
            f"size must be None, a positive int or a (height, width) pair of "
            f"positive ints, got {size!r}"
        )
    return int(pair[0]), int(pair[1])


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_GRAY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "F")


def _flatten(img):
    """An 8-bit L or RGB image: transparency composited over white (a transparent background
    reads as paper), 16-bit and float greys scaled to 0..255."""
    Image, _ = _pillow()
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(paper, rgba).convert("L" if img.mode in _GRAY_MODES else "RGB")
    if img.mode in ("I", "I;16", "I;16L", "I;16B", "F"):
        values = np.asarray(img, dtype=np.float64)
        top = 255.0 if values.max(initial=0) <= 255 else 65535.0 if img.mode != "F" else 1.0
        if img.mode == "F" and values.max(initial=0) > 1:
            top = float(values.max())
        img = Image.fromarray(np.clip(values / top * 255, 0, 255).round().astype(np.uint8), "L")
    return img


def load_image(
    path: str | os.PathLike, grayscale: bool = False, size: int | tuple[int, int] | None = None
) -> np.ndarray:
    """One image file as a uint8 ``(C, H, W)`` array: C = 1 if ``grayscale`` else 3.

    Any mode Pillow reads is accepted: transparency is composited over white, 16-bit greys are
    scaled to 8 bits, colour becomes luminance for ``grayscale`` and grey is repeated for RGB.
    ``size`` (an int for a square, or ``(height, width)``) resizes with bilinear filtering.
    """
    Image, UnidentifiedImageError = _pillow()
    path = Path(path)
    hw = _normalize_size(size)
    try:
        with Image.open(path) as img:
            img = _flatten(img).convert("L" if grayscale else "RGB")
            if hw is not None and img.size != (hw[1], hw[0]):
                img = img.resize((hw[1], hw[0]), Image.BILINEAR)  # PIL sizes are (W, H)
            array = np.asarray(img, dtype=np.uint8)
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not an image file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        # Pillow reports truncated data as OSError and some corrupt headers as SyntaxError.
        raise DatasetError(
            f"{path.name}: cannot read the image in {path.parent} ({type(e).__name__}: {e})"
        ) from None
    if array.ndim == 2:
        return array[None]  # (1, H, W)
    return array.transpose(2, 0, 1)  # (3, H, W)


def image_header(path: str | os.PathLike) -> tuple[tuple[int, int], bool]:
    """``((height, width), is_grey)`` of an image file, from its header (no pixels decoded)."""
    Image, UnidentifiedImageError = _pillow()
    path = Path(path)
    try:
        with Image.open(path) as img:
            grey = img.mode in _GRAY_MODES or (
                img.mode == "P" and img.palette is not None and img.palette.mode == "L"
            )
            return (img.size[1], img.size[0]), grey
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise DatasetError(
            f"{path.name}: cannot read the image in {path.parent} ({type(e).__name__}: {e})"
        ) from None


class ImageFolder(Dataset):
    """Images arranged as ``root/<class name>/<image file>``.

    Classes are the subfolder names in sorted order (``classes``, ``class_to_idx``); samples
    are every file with an image extension (``IMG_EXTENSIONS``) in each class folder and its
    subfolders, in sorted order (``samples``: ``(path, class index)`` pairs; ``targets``).

    Args:
        root: the folder holding one subfolder per class.
        grayscale: read images as 1-channel luminance instead of 3-channel RGB.
        size: resize every image to this (an int for a square, or ``(height, width)``), so that
            images of different sizes can be batched.
        transform: applied to the float32 ``(C, H, W)`` image Tensor with values in [0, 1].
        target_transform: applied to the int label.

    Images are read from disk when a sample is requested; an unreadable file raises
    ``DatasetError`` naming it.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        grayscale: bool = False,
        size: int | tuple[int, int] | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        extensions: tuple[str, ...] = IMG_EXTENSIONS,
    ) -> None:
        root = Path(root).expanduser()
        if not root.is_dir():
            raise DatasetError(f"{root}: image folder not found")
        self.size = _normalize_size(size)
        classes = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
        if not classes:
            raise DatasetError(
                f"{root}: no class folders found (expected root/<class name>/<image files>)"
            )
        extensions = tuple(e.lower() for e in extensions)
        samples: list[tuple[str, int]] = []
        empty = []
        for index, name in enumerate(classes):
            files = sorted(
                p
                for p in (root / name).rglob("*")
                if p.is_file() and p.suffix.lower() in extensions
            )
            if not files:
                empty.append(name)
            samples.extend((str(p), index) for p in files)
        if empty:
            raise DatasetError(
                f"{root}: no image files ({', '.join(extensions)}) in the class "
                f"folder(s) {', '.join(empty)}"
            )
        self.root = root
        self.grayscale = grayscale
        self.transform = transform
        self.target_transform = target_transform
        self.classes = classes
        self.class_to_idx = {name: i for i, name in enumerate(classes)}
        self.samples = samples
        self.targets = [label for _, label in samples]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, label = self.samples[index]
        pixels = load_image(path, self.grayscale, self.size)
        image = Tensor._wrap(pixels.astype(np.float32) / np.float32(255))
        return apply_transforms(self, image, label)

    def __len__(self) -> int:
        return len(self.samples)
