"""convkit.save / convkit.io.load: every dtype kept, order kept, atomic, clear errors."""

import os

import numpy as np
import pytest

import convkit as ck
import convkit.io as cio

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64, np.bool_]


def test_roundtrip_every_dtype_and_shape(tmp_path):
    rng = np.random.default_rng(0)
    state = {}
    for i, dt in enumerate(DTYPES):
        a = (rng.standard_normal((2, 3)) * 10).astype(dt)
        state[f"t{i}.{np.dtype(dt).name}"] = ck.from_numpy(a)
    state["scalar"] = ck.tensor(5)
    state["empty"] = ck.zeros(0, 3)
    state["array"] = np.arange(4.0)
    path = tmp_path / "m.safetensors"
    cio.save(state, path)
    out = cio.load(path)
    assert list(out) == list(state)  # the caller's order, not the format's
    for key, value in state.items():
        want = value.data if isinstance(value, ck.Tensor) else value
        assert out[key].dtype == want.dtype and out[key].shape == want.shape, key
        np.testing.assert_array_equal(out[key].data, want)


def test_metadata_and_torch_reads_our_file(tmp_path):
    import safetensors.torch

    path = tmp_path / "m.safetensors"
    cio.save({"w": ck.ones(2, 2)}, path, metadata={"epoch": 3})
    tensors, meta = cio.load_safetensors(path)
    assert meta == {"epoch": "3"}
    t = safetensors.torch.load_file(str(path))
    np.testing.assert_array_equal(t["w"].numpy(), np.ones((2, 2), dtype=np.float32))


def test_model_state_roundtrip(tmp_path):
    net = ck.nn.Sequential(ck.nn.Conv2d(1, 2, 3), ck.nn.BatchNorm2d(2))
    path = tmp_path / "net.safetensors"
    cio.save(net.state_dict(), path)
    other = ck.nn.Sequential(ck.nn.Conv2d(1, 2, 3), ck.nn.BatchNorm2d(2))
    other.load_state_dict(cio.load(path))
    for (k, a), (_, b) in zip(net.state_dict().items(), other.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=k)


def test_crash_while_writing_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    cio.save({"w": ck.zeros(3)}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of writing

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        cio.save({"w": ck.ones(3)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]  # no temporary left behind


@pytest.mark.parametrize(
    "content,match",
    [
        (b"", "not a readable safetensors"),
        (b"garbage!", "not a readable safetensors"),
        (b"\xff" * 8 + b"{}", "not a readable safetensors"),
    ],
)
def test_corrupt_files_raise_clear_error(tmp_path, content, match):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=match):
        cio.load(path)


def test_truncated_file_raises(tmp_path):
    path = tmp_path / "t.safetensors"
    cio.save({"w": ck.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="t.safetensors"):
        cio.load(path)


def test_missing_file_and_bad_values(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        cio.load(tmp_path / "nope.safetensors")
    with pytest.raises(TypeError, match="key 'x'"):
        cio.save_safetensors({"x": "text"}, tmp_path / "a.safetensors")
    with pytest.raises(TypeError, match="keys must be strings"):
        cio.save_safetensors({1: ck.ones(1)}, tmp_path / "a.safetensors")
    with pytest.raises(TypeError, match="cannot store a object at '/x'"):
        cio.save({"x": object()}, tmp_path / "a.safetensors")


def test_a_killed_save_leaves_no_orphan_after_the_next_save(tmp_path):
    """kill -9 in the middle of a save leaves a temporary; the next save to that file removes it
    (and leaves a temporary of a live writer alone)."""
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "ckpt.safetensors"
    cio.save({"w": ck.zeros(3)}, path)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "import convkit as ck, convkit.io as cio\n"
            "os.fsync = lambda fd: (print('writing', flush=True), time.sleep(60))\n"
            f"cio.save({{'w': ck.ones(3)}}, {str(path)!r})\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert writer.stdout.readline() == "writing\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    orphans = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(orphans) == 1 and orphans[0].startswith(f".ckpt.safetensors.{writer.pid}-")
    live = tmp_path / f".ckpt.safetensors.{os.getppid()}-abc.tmp"  # a running process's
    live.write_bytes(b"")
    time.sleep(0.01)
    cio.save({"w": ck.full((3,), 2.0)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.safetensors", live.name])
    assert cio.load(path)["w"].tolist() == [2.0, 2.0, 2.0]


def test_files_keep_the_umask_permissions(tmp_path):
    path = tmp_path / "a.safetensors"
    cio.save({"w": ck.ones(1)}, path)
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask


def _data_area(path):
    raw = path.read_bytes()
    return raw, 8 + int.from_bytes(raw[:8], "little")


def _strip_checksum(raw: bytes) -> bytes:
    import json

    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    del header["__metadata__"][cio.files.CHECKSUM_KEY]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + raw[8 + n :]


def test_flipped_bytes_are_detected_and_a_file_without_checksum_loads(tmp_path):
    from convkit.errors import FileFormatError

    path = tmp_path / "w.safetensors"
    state = {"a": ck.arange(1000, dtype=ck.float32), "b": ck.ones(3, 3)}
    cio.save(state, path)
    raw, start = _data_area(path)
    flipped = bytearray(raw)
    for i in range(20):
        flipped[start + 37 * i] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(FileFormatError, match="w.safetensors' is corrupt: its SHA-256 checksum"):
        cio.load(path)
    # Without the checksum (as another program writes safetensors) the same file loads.
    path.write_bytes(_strip_checksum(bytes(flipped)))
    out = cio.load(path)
    assert list(out) == ["a", "b"] and not np.array_equal(out["a"].numpy(), np.arange(1000))
    # Header metadata is covered too.
    cio.save(state, path, metadata={"note": "x"})
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"note":"x"', b'"note":"y"'))
    with pytest.raises(FileFormatError, match="checksum"):
        cio.load(path)


@pytest.mark.parametrize(
    "order,match",
    [
        ('{"a": 1}', "must be a JSON list of tensor names"),
        ("[1, 2]", "must be a JSON list of tensor names"),
        ("not json", "must be a JSON list of tensor names"),
        ('["w", "x"]', "lists 2 tensor name"),
    ],
)
def test_bad_key_order_metadata(tmp_path, order, match):
    from safetensors.numpy import save_file

    from convkit.errors import FileFormatError

    path = tmp_path / "k.safetensors"
    save_file({"w": np.ones(2, np.float32)}, str(path), metadata={cio.files.ORDER_KEY: order})
    with pytest.raises(FileFormatError, match=match):
        cio.load(path)
