"""The shipped 8x8 digits: the file, its parsing, the deterministic stratified split."""

import csv
import gzip
import hashlib

import numpy as np
import pytest

import convkit.data as data
from convkit import Generator
from convkit.data import DataLoader, DatasetError, Digits, load_digits, stratified_split
from convkit.data.digits import DIGITS_FILE


def _reference_parse():
    with gzip.open(DIGITS_FILE, "rt") as f:
        rows = [[int(v) for v in row] for row in csv.reader(f)]
    table = np.array(rows)
    return table[:, :64].reshape(-1, 8, 8), table[:, 64]


def test_shipped_file_is_sklearns_copy_with_license():
    raw = DIGITS_FILE.read_bytes()
    license_text = DIGITS_FILE.with_name("DIGITS-LICENSE.txt").read_text()
    assert hashlib.sha256(raw).hexdigest() in license_text
    assert "CC BY 4.0" in license_text and "Alpaydin" in license_text and "Kaynak" in license_text


def test_load_digits_matches_a_plain_csv_parse():
    images, labels = load_digits()
    ref_images, ref_labels = _reference_parse()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_array_equal(images, ref_images)
    np.testing.assert_array_equal(labels, ref_labels)
    assert images.max() == 16 and set(labels.tolist()) == set(range(10))
    assert not images.flags.writeable  # shared cache: callers cannot corrupt it


@pytest.mark.parametrize("fraction", [0.2, 0.25, 0.5, 0.1])
def test_split_is_stratified_and_deterministic(fraction):
    _, labels = load_digits()
    mask = stratified_split(labels, fraction)
    for c in range(10):
        members = np.flatnonzero(labels == c)
        chosen = members[mask[members]]
        assert len(chosen) == int(np.floor(len(members) * fraction))
        # Evenly spaced through the class: the gaps between chosen positions differ by <= 1.
        positions = np.flatnonzero(mask[members])
        gaps = np.diff(positions)
        assert gaps.max() - gaps.min() <= 1
    np.testing.assert_array_equal(mask, stratified_split(labels, fraction))


def test_train_and_test_parts_partition_the_data():
    train, test = Digits(train=True), Digits(train=False)
    images, labels = load_digits()
    assert len(train) + len(test) == len(labels) == 1797
    assert len(test) == sum(int(np.floor((labels == c).sum() * 0.2)) for c in range(10))
    both = np.concatenate([train.data, test.data])[:, 0].reshape(len(labels), -1)
    assert sorted(map(bytes, both)) == sorted(map(bytes, images.reshape(len(labels), -1)))
    assert np.bincount(test.targets).min() >= 34


def test_samples_are_scaled_float32_images():
    ds = Digits(train=False)
    images, labels = load_digits()
    test_mask = stratified_split(labels, 0.2)
    image, label = ds[3]
    assert isinstance(label, int) and label == labels[test_mask][3]
    assert image.shape == (1, 8, 8) and image.dtype == np.float32
    np.testing.assert_array_equal(image.data[0], images[test_mask][3] / np.float32(16))
    assert 0.0 <= image.data.min() and image.data.max() <= 1.0


def test_transforms_and_loader():
    ds = Digits(transform=lambda t: t.flatten(), target_transform=lambda y: y + 100)
    image, label = ds[0]
    assert image.shape == (64,) and label >= 100
    x, y = next(
        iter(
            DataLoader(Digits(), batch_size=32, shuffle=True, generator=Generator().manual_seed(0))
        )
    )
    assert x.shape == (32, 1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64


def test_bad_split():
    with pytest.raises(ValueError, match="strictly between 0 and 1, got 1.5"):
        Digits(split=1.5)


def test_corrupt_digits_files(tmp_path):
    good = gzip.decompress(DIGITS_FILE.read_bytes())
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(DIGITS_FILE.read_bytes()[:1000])
    with pytest.raises(DatasetError, match="truncated.csv.gz: truncated or corrupt gzip"):
        load_digits(truncated)
    short_rows = tmp_path / "short.csv.gz"
    short_rows.write_bytes(
        gzip.compress(b"\n".join(b",".join(line.split(b",")[1:]) for line in good.splitlines()))
    )
    with pytest.raises(DatasetError, match="short.csv.gz: expected 65 columns .* found 64"):
        load_digits(short_rows)
    text = tmp_path / "text.csv.gz"
    text.write_bytes(gzip.compress(b"a,b,c\n"))
    with pytest.raises(DatasetError, match="text.csv.gz: not a table of integers"):
        load_digits(text)
    with pytest.raises(DatasetError, match="missing.csv.gz: file not found"):
        load_digits(tmp_path / "missing.csv.gz")
    assert issubclass(data.DatasetError, RuntimeError)
