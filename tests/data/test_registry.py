"""load_dataset: --data specs, images fitted to one size and channel count (folders of mixed
images, the digits for a model that declares 28x28), and the bilinear resize against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convkit.data import DataLoader
from convkit.data.imageops import convert_channels, ink_box, ink_extent, resize_bilinear
from convkit.data.registry import load_dataset

Image = pytest.importorskip("PIL.Image")


def mixed_folder(root):
    """Two classes of images in every mode a user's folder holds: grey, RGB, RGBA with a
    transparent background, grey with alpha, 16-bit grey and a palette image; several sizes."""
    rng = np.random.default_rng(0)
    images = {
        "cat": [
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L"),
            Image.fromarray(rng.integers(0, 256, (32, 24, 3), dtype=np.uint8), "RGB"),
            Image.fromarray(rng.integers(0, 256, (28, 28, 4), dtype=np.uint8), "RGBA"),
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L").convert("P"),
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L"),
        ],
        "dog": [
            Image.fromarray(rng.integers(0, 256, (28, 28, 2), dtype=np.uint8), "LA"),
            Image.fromarray(rng.integers(0, 65536, (40, 40), dtype=np.uint16)),  # I;16
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L"),
            Image.fromarray(rng.integers(0, 256, (28, 28, 3), dtype=np.uint8), "RGB"),
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L"),
        ],
    }
    for cls, imgs in images.items():
        (root / cls).mkdir(parents=True)
        for i, img in enumerate(imgs):
            img.save(root / cls / f"{i}.png")


def test_a_folder_of_mixed_sizes_and_modes_trains(tmp_path):
    mixed_folder(tmp_path)
    train, test, info = load_dataset(f"folder:{tmp_path}")
    assert info["input_shape"] == [3, 28, 28] and info["source_shape"] == [3, 28, 28]
    assert any("2 of 10 are resized to 28x28, the most common" in n for n in info["notes"])
    x, y = next(iter(DataLoader(train, batch_size=len(train))))
    assert x.shape == (len(train), 3, 28, 28) and len(train) + len(test) == 10
    assert 0 <= float(x.numpy().min()) and float(x.numpy().max()) <= 1

    train, test, info = load_dataset(f"folder:{tmp_path}", image_size=(16, 20), channels=1)
    assert info["input_shape"] == [1, 16, 20]
    x, _ = next(iter(DataLoader(test, batch_size=len(test))))
    assert x.shape == (len(test), 1, 16, 20)


def test_a_grey_folder_stays_one_channel_and_transparency_reads_as_paper(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ink = np.zeros((8, 8, 2), dtype=np.uint8)
    ink[2:6, 3, 1] = 255  # a black stroke on a transparent background
    for i in range(5):
        Image.fromarray(ink, "LA").save(tmp_path / "a" / f"{i}.png")
        Image.fromarray(np.full((8, 8), 9, np.uint8), "L").save(tmp_path / "b" / f"{i}.png")
    train, _, info = load_dataset(f"folder:{tmp_path}")
    assert info["input_shape"] == [1, 8, 8] and info["notes"] == []
    image = train[0][0].numpy()[0]
    assert image[0, 0] == 1.0 and image[3, 3] == 0.0  # transparent -> white paper, ink black


def test_the_digits_resized_for_a_model(tmp_path):
    train, test, info = load_dataset("digits", image_size=(28, 28))
    assert info["input_shape"] == [1, 28, 28] and info["source_shape"] == [1, 8, 8]
    assert info["notes"] == ["images of shape (1, 8, 8) are made (1, 28, 28) (bilinear resize)"]
    plain, _, _ = load_dataset("digits")
    want = torch.nn.functional.interpolate(
        torch.from_numpy(plain[0][0].numpy()[None]), size=(28, 28), mode="bilinear"
    )[0]
    np.testing.assert_allclose(train[0][0].numpy(), want.numpy(), rtol=1e-4, atol=1e-7)
    _, _, info = load_dataset("digits", channels=3)
    assert info["input_shape"] == [3, 8, 8]


@pytest.mark.parametrize("size", [(28, 28), (3, 5), (8, 8), (16, 3), (1, 1)])
def test_resize_bilinear_is_torchs_interpolate(size):
    x = np.random.default_rng(1).random((2, 3, 8, 5)).astype(np.float32)
    want = torch.nn.functional.interpolate(
        torch.from_numpy(x), size=size, mode="bilinear", align_corners=False
    ).numpy()
    np.testing.assert_allclose(resize_bilinear(x, size), want, rtol=1e-4, atol=1e-7)


def test_channels_and_ink():
    rgb = np.random.default_rng(2).random((2, 3, 4, 4)).astype(np.float32)
    grey = convert_channels(rgb, 1)
    np.testing.assert_allclose(
        grey[:, 0], 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2], rtol=1e-6
    )
    assert convert_channels(grey, 3).shape == (2, 3, 4, 4)
    with pytest.raises(ValueError, match="only 1 <-> 3"):
        convert_channels(np.zeros((1, 2, 4, 4)), 3)
    image = np.zeros((10, 10))
    image[2:5, 3:9] = 1
    assert ink_box(image) == (2, 3, 5, 9) and ink_box(np.zeros((3, 3))) is None
    assert ink_extent(np.stack([image, image])) == 0.6
