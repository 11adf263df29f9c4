"""ImageFolder with PNGs written by Pillow in tmp_path; unreadable files raise DatasetError."""

import subprocess
import sys

import numpy as np
import pytest

from convkit.data import DataLoader, DatasetError, ImageFolder

Image = pytest.importorskip("PIL.Image")


def make_folder(root, sizes=((5, 7), (5, 7), (6, 4))):
    rng = np.random.default_rng(0)
    arrays = {}
    for cls, count in (("dog", 2), ("cat", 3)):
        (root / cls).mkdir(parents=True)
        for i in range(count):
            h, w = sizes[i % len(sizes)]
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            path = root / cls / f"img{i}.png"
            Image.fromarray(pixels, "RGB").save(path)
            arrays[str(path)] = pixels
    (root / "cat" / "notes.txt").write_text("not an image")
    return arrays


def test_classes_samples_and_pixels(tmp_path):
    arrays = make_folder(tmp_path)
    ds = ImageFolder(tmp_path)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 5 and ds.targets == [0, 0, 0, 1, 1]
    assert [p.split("/")[-1] for p, _ in ds.samples] == [
        "img0.png",
        "img1.png",
        "img2.png",
        "img0.png",
        "img1.png",
    ]
    for i, (path, label) in enumerate(ds.samples):
        image, got = ds[i]
        assert got == label and image.dtype == np.float32
        expected = arrays[path].transpose(2, 0, 1).astype(np.float32) / 255
        np.testing.assert_array_equal(image.data, expected)


def test_grayscale_and_resize(tmp_path):
    arrays = make_folder(tmp_path)
    ds = ImageFolder(tmp_path, grayscale=True, size=(3, 6))
    path = ds.samples[2][0]
    image, _ = ds[2]
    expected = np.asarray(Image.fromarray(arrays[path]).convert("L").resize((6, 3), Image.BILINEAR))
    assert image.shape == (1, 3, 6)
    np.testing.assert_array_equal(image.data[0], expected / np.float32(255))
    x, y = next(iter(DataLoader(ImageFolder(tmp_path, size=4), batch_size=5)))
    assert x.shape == (5, 3, 4, 4) and y.tolist() == [0, 0, 0, 1, 1]


def test_transform(tmp_path):
    make_folder(tmp_path)
    ds = ImageFolder(tmp_path, transform=lambda t: t.shape, target_transform=str)
    assert ds[4] == ((3, 5, 7), "1")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_unreadable_image_names_the_file(tmp_path, damage):
    make_folder(tmp_path)
    path = tmp_path / "dog" / "img1.png"
    blob = path.read_bytes()
    path.write_bytes(b"\x89PNG garbage" if damage == "garbage" else blob[: len(blob) // 2])
    ds = ImageFolder(tmp_path)
    with pytest.raises(DatasetError, match="img1.png: cannot read the image in .*dog"):
        ds[4]


def test_folder_errors(tmp_path):
    with pytest.raises(DatasetError, match="image folder not found"):
        ImageFolder(tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="no class folders found"):
        ImageFolder(tmp_path)
    make_folder(tmp_path / "data")
    (tmp_path / "data" / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"no image files .* in the class folder\(s\) empty"):
        ImageFolder(tmp_path / "data")
    with pytest.raises(ValueError, match="size must be None, a positive int"):
        ImageFolder(tmp_path / "data", size=(0, 3))


def test_importing_convkit_data_does_not_import_pillow():
    code = "import sys, convkit.data, convkit.optim; print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
