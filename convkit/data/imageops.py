"""Image arrays made to fit a model: bilinear resizing, channel conversion, the extent of the ink.

``resize_bilinear`` computes what ``torch.nn.functional.interpolate(x, size, mode="bilinear",
align_corners=False)`` computes (no antialiasing): output pixel ``i`` samples the input at
``(i + 0.5) * in / out - 0.5``, clamped at 0, between its two neighbours.
"""

from __future__ import annotations

import numpy as np

# ITU-R 601-2 luma, the weights Pillow's convert("L") uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lower index, upper index, their weights) per output position, in float32 as torch's
    CPU kernel computes them: src = (i + 0.5) * (n_in / n_out) - 0.5, clamped at 0."""
    scale = np.float32(n_in / n_out)
    src = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.maximum(src, np.float32(0))
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    upper = (src - lo).astype(np.float32)
    return lo, hi, np.float32(1) - upper, upper


def resize_bilinear(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(..., H, W)`` float array -> ``(..., h, w)`` float32, bilinear with half-pixel centres."""
    h, w = size
    x = np.asarray(images, dtype=np.float32)
    if x.shape[-2:] == (h, w):
        return x.copy()
    rows_lo, rows_hi, r0, r1 = _taps(x.shape[-2], h)
    cols_lo, cols_hi, c0, c1 = _taps(x.shape[-1], w)
    top, bottom = x[..., rows_lo, :], x[..., rows_hi, :]  # (..., h, W)
    top = top[..., cols_lo] * c0 + top[..., cols_hi] * c1  # (..., h, w)
    bottom = bottom[..., cols_lo] * c0 + bottom[..., cols_hi] * c1  # (..., h, w)
    return top * r0[:, None] + bottom * r1[:, None]


def convert_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """``(N, C, H, W)`` with C in {1, 3} -> ``channels`` channels (grey repeated, or luma)."""
    c = images.shape[1]
    if c == channels:
        return images
    if c == 1 and channels == 3:
        return np.repeat(images, 3, axis=1)  # (N, 3, H, W)
    if c == 3 and channels == 1:
        return np.einsum("nchw,c->nhw", images.astype(np.float32), _LUMA)[:, None]  # (N, 1, H, W)
    raise ValueError(f"cannot convert {c}-channel images to {channels} channels (only 1 <-> 3)")


def ink_box(image: np.ndarray, threshold: float = 0.25) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right), exclusive, of the pixels of a ``(H, W)`` image brighter than
    ``threshold`` of its range; None for a blank image."""
    low, high = float(image.min()), float(image.max())
    if high - low < 1e-6:
        return None
    rows, cols = np.nonzero(image > low + threshold * (high - low))
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


def ink_extent(images: np.ndarray) -> float | None:
    """The median over ``(N, H, W)`` images of the ink box's larger side / the image's larger
    side: how much of the frame a drawing fills in this data (1.0 for the 8x8 digits)."""
    extents = []
    for image in images:
        box = ink_box(image)
        if box is not None:
            top, left, bottom, right = box
            extents.append(max(bottom - top, right - left) / max(image.shape))
    return float(np.median(extents)) if extents else None
