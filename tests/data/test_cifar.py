"""CIFAR-10 python batches written with pickle + NumPy in tmp_path, and hostile pickles refused."""

import pickle

import numpy as np
import pytest

from convkit.data import CIFAR10, DatasetError, SafeUnpickler, read_cifar_batch


def batch_dict(n, seed, str_keys=False):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, n).tolist()
    d = {
        b"batch_label": b"testing batch",
        b"labels": labels,
        b"data": data,
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    if str_keys:
        d = {k.decode(): v for k, v in d.items()}
    return d


def write_cifar(folder, n=4, protocol=pickle.HIGHEST_PROTOCOL, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    names = names or [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    written = {}
    for seed, name in enumerate(names):
        d = batch_dict(n, seed)
        (folder / name).write_bytes(pickle.dumps(d, protocol=protocol))
        written[name] = d
    return written


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
def test_reads_batches_for_every_pickle_protocol(tmp_path, protocol):
    written = write_cifar(tmp_path, protocol=protocol)
    train = CIFAR10(tmp_path, train=True)
    assert len(train) == 20 and train.data.shape == (20, 3, 32, 32)
    expected = np.concatenate([written[f"data_batch_{i}"][b"data"] for i in range(1, 6)])
    np.testing.assert_array_equal(train.data.reshape(20, 3072), expected)
    labels = sum((written[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    assert train.targets.tolist() == labels
    test = CIFAR10(tmp_path, train=False)
    image, label = test[2]
    assert image.shape == (3, 32, 32) and image.dtype == np.float32 and isinstance(label, int)
    # The 3072 values are the R, G and B planes in turn, each 32x32 row-major.
    raw = written["test_batch"][b"data"][2]
    np.testing.assert_array_equal(image.data[1], raw[1024:2048].reshape(32, 32) / np.float32(255))
    assert label == written["test_batch"][b"labels"][2]


def test_numpy1_style_global_names_and_archive_folder(tmp_path):
    # Batches written under NumPy 1.x (like the official files) name numpy.core.multiarray.
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    d = batch_dict(3, 0)
    payload = pickle.dumps(d, protocol=2).replace(
        b"numpy._core.multiarray", b"numpy.core.multiarray"
    )
    assert b"numpy.core.multiarray" in payload
    (folder / "test_batch").write_bytes(payload)
    ds = CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(ds.data.reshape(3, -1), d[b"data"])


def test_str_keys_are_accepted(tmp_path):
    d = batch_dict(2, 1, str_keys=True)
    (tmp_path / "test_batch").write_bytes(pickle.dumps(d))
    data, labels = read_cifar_batch(tmp_path / "test_batch")
    assert labels.tolist() == d["labels"]


class _Payload:
    """Pickles as ``func(arg)``: what a hostile dataset file would contain."""

    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


def _hostile_payloads(marker):
    import builtins
    import os

    shell = f"touch {marker}"
    code = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": _Payload(os.system, shell),
        "builtins.eval": _Payload(builtins.eval, code),
        "builtins.exec": _Payload(builtins.exec, code),
    }


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "builtins.exec"])
@pytest.mark.parametrize("where", ["top", "labels"])
def test_hostile_pickles_are_refused_and_never_run(tmp_path, name, where):
    marker = tmp_path / "marker"
    payload = _hostile_payloads(marker)[name]
    d = batch_dict(2, 0)
    obj = payload if where == "top" else {**d, b"labels": payload}
    (tmp_path / "test_batch").write_bytes(pickle.dumps(obj, protocol=2))
    with pytest.raises(DatasetError) as err:
        CIFAR10(tmp_path, train=False)
    module, _, func = name.partition(".")
    assert "test_batch: unsafe pickle: refusing to load global" in str(err.value)
    assert func in str(err.value)
    assert not marker.exists()


def test_the_hostile_payload_would_run_under_plain_pickle(tmp_path):
    # Proof that the refusal test above can fail: a general Unpickler runs the payload.
    marker = tmp_path / "marker"
    blob = pickle.dumps(_hostile_payloads(marker)["builtins.eval"])
    pickle.loads(blob)
    assert marker.exists()


def test_restricted_codecs_encode(tmp_path):
    import io

    # Protocol 2 writes bytes as _codecs.encode(str, 'latin1'); any other encoding is refused.
    blob = pickle.dumps(b"\xff\x00abc", protocol=2)
    assert SafeUnpickler(io.BytesIO(blob)).load() == b"\xff\x00abc"
    hostile = blob.replace(b"latin1", b"zlib_c")
    with pytest.raises(pickle.UnpicklingError, match="only \\(str, 'latin1'\\)"):
        SafeUnpickler(io.BytesIO(hostile)).load()


def test_missing_batch_is_named(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match="data_batch_3 not found"):
        CIFAR10(tmp_path)


def test_truncated_and_corrupt_batches(tmp_path):
    write_cifar(tmp_path, n=5)
    path = tmp_path / "test_batch"
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match="test_batch: truncated or corrupt pickle"):
        CIFAR10(tmp_path, train=False)
    path.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(DatasetError, match="test_batch: truncated or corrupt pickle"):
        CIFAR10(tmp_path, train=False)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.pop(b"labels"), "has no 'labels' entry"),
        (
            lambda d: d.update({b"data": d[b"data"][:, :100]}),
            r"'data' must be a uint8 array of shape \(N, 3072\), "
            r"found a uint8 array of shape \[3, 100\]",
        ),
        (lambda d: d.update({b"data": d[b"data"].astype(np.float32)}), "found a float32 array"),
        (
            lambda d: d.update({b"labels": d[b"labels"][:2]}),
            "3 images but 'labels' has shape \\[2\\]",
        ),
        (lambda d: d.update({b"labels": [0, 10, 1]}), r"labels must lie in 0..9, found 0..10"),
    ],
)
def test_malformed_batch_contents(tmp_path, change, message):
    d = batch_dict(3, 0)
    change(d)
    (tmp_path / "test_batch").write_bytes(pickle.dumps(d))
    with pytest.raises(DatasetError, match="test_batch: .*" + message):
        CIFAR10(tmp_path, train=False)


def test_not_a_dict(tmp_path):
    (tmp_path / "test_batch").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(DatasetError, match="test_batch: expected a pickled dict, found list"):
        CIFAR10(tmp_path, train=False)
