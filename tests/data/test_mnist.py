"""MNIST / Fashion-MNIST IDX files (raw and gzip) written in tmp_path, good and broken."""

import gzip
import struct

import numpy as np
import pytest

from convkit.data import MNIST, DataLoader, DatasetError, FashionMNIST, read_idx


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """IDX encoding written from the format description (independent of the reader)."""
    big = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = struct.pack(">HBB", 0, code, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(big).tobytes()


def write(path, payload: bytes, gz: bool):
    if gz:
        path = path.with_name(path.name + ".gz")
        payload = gzip.compress(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def make_split(folder, prefix, n, gz, seed=0, size=28):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    write(folder / f"{prefix}-images-idx3-ubyte", idx_bytes(images), gz)
    write(folder / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels), gz)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reads_idx_files(tmp_path, gz, train):
    images, labels = make_split(tmp_path, "train" if train else "t10k", 12, gz, seed=int(train))
    ds = MNIST(tmp_path, train=train)
    assert len(ds) == 12 and ds.data.shape == (12, 1, 28, 28)
    np.testing.assert_array_equal(ds.targets, labels)
    image, label = ds[5]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    np.testing.assert_array_equal(image.data[0], images[5].astype(np.float32) / 255)
    assert label == int(labels[5]) and isinstance(label, int)
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and y.dtype == np.int64


def test_fashion_mnist_in_torchvision_layout(tmp_path):
    images, labels = make_split(tmp_path / "FashionMNIST" / "raw", "t10k", 3, gz=True)
    ds = FashionMNIST(tmp_path, train=False, transform=lambda t: t * 2)
    assert ds.classes[9] == "Ankle boot"
    np.testing.assert_allclose(ds[0][0].data[0], images[0] / 255 * 2, rtol=1e-6)


@pytest.mark.parametrize(
    "code,dtype",
    [
        (0x08, np.uint8),
        (0x09, np.int8),
        (0x0B, np.int16),
        (0x0C, np.int32),
        (0x0D, np.float32),
        (0x0E, np.float64),
    ],
)
def test_read_idx_all_types(tmp_path, code, dtype):
    rng = np.random.default_rng(1)
    array = (rng.standard_normal((2, 3, 4)) * 50).astype(dtype)
    path = write(tmp_path / "x-idx3", idx_bytes(array, code), gz=False)
    out = read_idx(path)
    assert out.dtype == dtype and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_missing_file_names_it_and_where_we_looked(tmp_path):
    make_split(tmp_path, "train", 2, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(
        DatasetError,
        match=r"train-labels-idx1-ubyte or "
        r"train-labels-idx1-ubyte.gz not found .*MNIST/raw",
    ):
        MNIST(tmp_path)


def test_truncated_images_gzip(tmp_path):
    images = np.zeros((60000, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images)[:1000]
    write(tmp_path / "train-images-idx3-ubyte", raw, gz=True)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(60000, np.uint8)), gz=True)
    with pytest.raises(DatasetError) as err:
        MNIST(tmp_path)
    assert str(err.value) == (
        "train-images-idx3-ubyte.gz: expected 47040016 bytes of image data "
        "for 60000 28x28 images, found 1000"
    )


def test_truncated_labels_and_count_mismatch(tmp_path):
    make_split(tmp_path, "train", 5, gz=False)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(
        DatasetError,
        match="train-labels-idx1-ubyte: expected 13 bytes of label data for 5 labels, found 11",
    ):
        MNIST(tmp_path)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(4, np.uint8)), gz=False)
    with pytest.raises(
        DatasetError, match="holds 5 images but train-labels-idx1-ubyte holds 4 labels"
    ):
        MNIST(tmp_path)


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"\x00\x00", "2 bytes is too short for an IDX header"),
        (b"\x1f\x8b\x08\x03" + bytes(20), "bad magic number 0x1f8b0803"),
        (b"\x00\x00\x07\x03" + bytes(20), "bad magic number 0x00000703"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated header: 3 dimensions need 16 bytes, found 6"),
    ],
)
def test_corrupt_headers(tmp_path, payload, message):
    make_split(tmp_path, "t10k", 2, gz=False)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(payload)
    with pytest.raises(DatasetError, match=f"t10k-images-idx3-ubyte: {message}"):
        MNIST(tmp_path, train=False)


def test_wrong_kind_of_idx_file(tmp_path):
    make_split(tmp_path, "t10k", 2, gz=False)
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((2, 28), np.uint8)), False)
    with pytest.raises(DatasetError, match="expected uint8 images of 3 dimensions"):
        MNIST(tmp_path, train=False)
    make_split(tmp_path, "t10k", 2, gz=False)
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.array([1, 12], np.uint8)), False)
    with pytest.raises(DatasetError, match=r"labels must lie in 0..9, found 12"):
        MNIST(tmp_path, train=False)


def test_corrupt_gzip(tmp_path):
    make_split(tmp_path, "train", 2, gz=True)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(
        DatasetError, match="train-images-idx3-ubyte.gz: truncated or corrupt gzip file"
    ):
        MNIST(tmp_path)
