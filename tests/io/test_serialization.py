"""convkit.save / convkit.load of anything torch.save takes, checked against torch 2.13 both ways:
torch's zip format for .pt (and any non-.safetensors path or file object), safetensors for
.safetensors, torch's map_location / weights_only / pickle_module rules, no code run on load."""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.io as cio
from convkit.errors import FileFormatError
from convkit.io import TorchFileError

from . import pt_forge as forge

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    np.int64,
    np.int32,
    np.int16,
    np.int8,
    np.uint8,
    np.bool_,
    np.uint16,
    np.uint32,
    np.uint64,
    np.complex64,
]


def nets():
    """The same small net in convkit and torch, with equal weights."""
    ck.manual_seed(0)
    cnet = ck.nn.Sequential(
        ck.nn.Conv2d(1, 3, 3), ck.nn.BatchNorm2d(3), ck.nn.Flatten(), ck.nn.Linear(48, 4)
    )
    tnet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3),
        torch.nn.BatchNorm2d(3),
        torch.nn.Flatten(),
        torch.nn.Linear(48, 4),
    )
    tnet.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in cnet.state_dict().items()}
    )
    return cnet, tnet


def convkit_steps(net, opt_name, n=2):
    opt = {"adam": ck.optim.Adam, "sgd": lambda p, lr: ck.optim.SGD(p, lr, momentum=0.9)}[opt_name](
        net.parameters(), 0.01
    )
    x = ck.from_numpy(np.linspace(-1, 1, 2 * 36, dtype=np.float32).reshape(2, 1, 6, 6))
    for _ in range(n):
        opt.zero_grad()
        (net(x) ** 2).sum().backward()
        opt.step()
    return opt


def torch_steps(net, opt_name, n=2):
    opt = {
        "adam": torch.optim.Adam,
        "sgd": lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9),
    }[opt_name](net.parameters(), 0.01)
    x = torch.linspace(-1, 1, 2 * 36).reshape(2, 1, 6, 6)
    for _ in range(n):
        opt.zero_grad()
        (net(x) ** 2).sum().backward()
        opt.step()
    return opt


def general(state_dict, optimizer_state):
    """What torch's "saving and loading a general checkpoint" recipe saves, and then some."""
    return {
        "epoch": 5,
        "model_state_dict": state_dict,
        "optimizer_state_dict": optimizer_state,
        "loss": 0.4,
        "name": "run-α",
        "none": None,
        "flags": (True, False),
        "big": 2**70,
        "negative": -123456789,
        "inf": math.inf,
        "nested": [{"a": [1, 2.5, "x"], 3: (None, b"\x00\xff")}, []],
        "empty": {},
    }


def same(a, b, path="/"):
    """Values equal across libraries: tensors by dtype, shape and content; the rest by type."""
    if isinstance(b, torch.Tensor) or isinstance(a, torch.Tensor):
        ta, tb = (a, b) if isinstance(a, torch.Tensor) else (b, a)
        assert isinstance(tb, (ck.Tensor, np.ndarray)), path
        want = ta.detach().numpy()
        got = tb.numpy() if isinstance(tb, ck.Tensor) else tb
        assert got.dtype == want.dtype and got.shape == want.shape, path
        np.testing.assert_array_equal(got, want, err_msg=path)
        return
    if isinstance(a, ck.Tensor) or isinstance(b, ck.Tensor):
        assert isinstance(a, ck.Tensor) and isinstance(b, ck.Tensor), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=path)
        return
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), (path, a, b)
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}{k}/")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}{i}/")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b, path


# ----- convkit writes, torch reads ------------------------------------------------------------


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
def test_general_checkpoint_convkit_to_torch(tmp_path, opt_name):
    cnet, tnet = nets()
    copt = convkit_steps(cnet, opt_name)
    topt = torch_steps(tnet, opt_name)
    path = tmp_path / "ckpt.pt"
    ck.save(general(cnet.state_dict(), copt.state_dict()), path)
    loaded = torch.load(path, weights_only=True)
    same(loaded, general(cnet.state_dict(), copt.state_dict()))
    # The state continues in torch exactly as torch's own does after the same steps.
    tnet2 = nets()[1]
    tnet2.load_state_dict(loaded["model_state_dict"])
    topt2 = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[opt_name](tnet2.parameters(), 0.1)
    topt2.load_state_dict(loaded["optimizer_state_dict"])
    theirs, ours = topt.state_dict(), topt2.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    for k, v in theirs["state"].items():
        for name, value in v.items():
            mine = ours["state"][k][name]
            assert mine.dtype == value.dtype and mine.shape == value.shape, (k, name)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype_and_odd_shapes_convkit_to_torch(tmp_path, dtype):
    rng = np.random.default_rng(0)
    base = (rng.standard_normal((3, 4)) * 50).astype(dtype)
    values = {
        "matrix": base,
        "transposed": base.T,  # not contiguous: written as its own contiguous copy
        "scalar": np.array(base[0, 0]),  # 0-d
        "empty": base[:0],
    }
    if base.dtype.kind != "c":  # convkit has no complex dtype; NumPy arrays are written as is
        values["tensor"] = ck.from_numpy(base.copy())
    path = tmp_path / "d.pt"
    ck.save(values, path)
    loaded = torch.load(path, weights_only=True)
    if base.dtype.kind == "c":
        with pytest.raises(TorchFileError, match="complex64 tensor, and convkit has no complex"):
            ck.load(path)
        assert cio.load_torch(path)["matrix"].dtype == np.complex64
    for key, value in values.items():
        same(loaded[key], value if isinstance(value, ck.Tensor) else np.array(value, order="C"))


def test_parameters_requires_grad_dtypes_sizes_and_shared_tensors(tmp_path):
    p = ck.nn.Parameter(ck.ones(2, 2))
    q = ck.nn.Parameter(ck.zeros(3), requires_grad=False)
    t = ck.ones(3).requires_grad_(True)
    shared = ck.arange(4)
    path = tmp_path / "p.pt"
    ck.save(
        {
            "p": p,
            "q": q,
            "t": t,
            "dtype": ck.float64,
            "size": ck.Size([1, 2]),
            "a": shared,
            "b": shared,
        },
        path,
    )
    loaded = torch.load(path, weights_only=True)
    assert type(loaded["p"]) is torch.nn.Parameter and loaded["p"].requires_grad
    assert type(loaded["q"]) is torch.nn.Parameter and not loaded["q"].requires_grad
    assert type(loaded["t"]) is torch.Tensor and loaded["t"].requires_grad
    assert loaded["dtype"] is torch.float64 and loaded["size"] == torch.Size([1, 2])
    assert loaded["a"] is loaded["b"]  # one object in, one object out, as pickle memoises
    back = ck.load(path)
    assert type(back["p"]) is ck.nn.Parameter and back["p"].requires_grad
    assert not back["q"].requires_grad and back["t"].requires_grad
    assert back["dtype"] == ck.float64 and back["a"] is back["b"]


def test_torch_reads_it_memory_mapped_and_from_a_file_object(tmp_path):
    """Each record's data starts at a multiple of 64 bytes, as torch aligns them for mmap."""
    cnet, _ = nets()
    path = tmp_path / "m.pt"
    ck.save(cnet.state_dict(), path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "m/data.pkl" and "m/byteorder" in names and "m/version" in names
        raw = path.read_bytes()
        for info in zf.infolist():
            offset = info.header_offset
            n = int.from_bytes(raw[offset + 26 : offset + 28], "little")
            e = int.from_bytes(raw[offset + 28 : offset + 30], "little")
            assert (offset + 30 + n + e) % 64 == 0, info.filename
    mapped = torch.load(path, weights_only=True, mmap=True)
    same(mapped, cnet.state_dict())
    buffer = io.BytesIO()
    ck.save(cnet.state_dict(), buffer)
    buffer.seek(0)
    same(torch.load(buffer, weights_only=True), cnet.state_dict())


def test_save_is_atomic_and_refuses_what_torch_format_cannot_hold(tmp_path):
    path = tmp_path / "x.pt"
    ck.save({"w": ck.ones(2)}, path)
    with pytest.raises(TypeError, match=r"cannot store a object at '/w/0'"):
        ck.save({"w": [object()]}, path)
    assert sorted(os.listdir(tmp_path)) == ["x.pt"]  # the old file kept, no temporary left
    same(ck.load(path), {"w": ck.ones(2)})
    with pytest.raises(ValueError, match="_use_new_zipfile_serialization"):
        ck.save({}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="pickle_protocol"):
        ck.save({}, path, pickle_protocol=1)
    with pytest.raises(ValueError, match="metadata= applies to .safetensors"):
        ck.save({}, path, metadata={"a": "b"})


# ----- torch writes, convkit reads ------------------------------------------------------------


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
def test_general_checkpoint_torch_to_convkit(tmp_path, opt_name):
    """A torch checkpoint resumes in convkit: the next step equals torch's next step."""
    cnet, tnet = nets()
    topt = torch_steps(tnet, opt_name)
    path = tmp_path / "t.pt"
    torch.save(general(tnet.state_dict(), topt.state_dict()), path)
    loaded = ck.load(path)
    same(loaded, general(tnet.state_dict(), topt.state_dict()))
    cnet.load_state_dict(loaded["model_state_dict"])
    copt = {"adam": ck.optim.Adam, "sgd": ck.optim.SGD}[opt_name](cnet.parameters(), 0.1)
    copt.load_state_dict(loaded["optimizer_state_dict"])
    # One more step on each side from the same state and the same gradients.
    topt.zero_grad()
    (tnet(torch.linspace(-1, 1, 72).reshape(2, 1, 6, 6)) ** 2).sum().backward()
    for cp, tp in zip(cnet.parameters(), tnet.parameters(), strict=True):
        cp.grad = ck.from_numpy(tp.grad.numpy().copy())
    topt.step()
    copt.step()
    pairs = zip(cnet.named_parameters(), tnet.named_parameters(), strict=True)
    for (k, a), (_, b) in pairs:
        np.testing.assert_allclose(
            a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-9, err_msg=k
        )


def test_torch_values_of_every_kind_read_back(tmp_path):
    p = torch.nn.Parameter(torch.ones(2))
    obj = {
        "p": p,
        "grad": torch.ones(2, requires_grad=True) * 2,
        "view": torch.arange(10.0)[2:8:2],
        "bf16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
        "dtype": torch.int64,
        "size": torch.Size([2, 3]),
        "set": {1, 2},
        "bytes": b"\x00\x01\xfe",
        "tuple_key": {(1, "a"): 3},
        "device": torch.device("cpu"),
    }
    path = tmp_path / "v.pt"
    torch.save(obj, path)
    with pytest.warns(UserWarning, match="bfloat16"):
        back = ck.load(path)
    assert type(back["p"]) is ck.nn.Parameter and back["p"].requires_grad
    assert back["grad"].requires_grad and back["view"].tolist() == [2.0, 4.0, 6.0]
    assert back["bf16"].dtype == np.float32 and back["bf16"].tolist() == [1.5, -2.0]
    assert back["dtype"] == ck.int64 and back["size"] == (2, 3)
    assert back["set"] == {1, 2} and back["bytes"] == b"\x00\x01\xfe"
    assert back["tuple_key"] == {(1, "a"): 3} and back["device"] == "cpu"


def test_map_location_as_torch_on_a_machine_without_cuda(tmp_path):
    path = tmp_path / "gpu.pt"
    raw = np.arange(4, dtype="<f4").tobytes()
    pkl = forge.dumps({"w": forge.tensor(forge.Storage("0", 4, location="cuda:0"))})
    forge.write_pt(path, pkl, {"0": raw})
    with pytest.raises(RuntimeError) as theirs:
        torch.load(path, weights_only=True)
    with pytest.raises(RuntimeError) as ours:
        ck.load(path)
    assert str(ours.value) == str(theirs.value)
    for where in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert torch.load(path, map_location=where, weights_only=True)["w"].tolist() == [0, 1, 2, 3]
        assert ck.load(path, map_location=where)["w"].tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="torch.cuda.is_available"):
        ck.load(path, map_location="cuda")


def test_load_signature_rules_as_torch(tmp_path):
    import pickle

    path = tmp_path / "a.pt"
    torch.save({"a": torch.ones(1)}, path)
    with pytest.raises(RuntimeError) as theirs:
        torch.load(path, pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError) as ours:
        ck.load(path, pickle_module=pickle, weights_only=True)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="mmap"):
        ck.load(io.BytesIO(path.read_bytes()), mmap=True)
    assert ck.load(path, weights_only=False, encoding="latin1")["a"].tolist() == [1.0]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        ck.load(path, colour=1)


def test_loading_never_runs_code_even_with_weights_only_false(tmp_path):
    marker = tmp_path / "MARKER"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(1), "x": Payload()}, path)
    for weights_only in (None, True, False):
        with pytest.raises(TorchFileError, match="refusing global 'posix.system'"):
            ck.load(path, weights_only=weights_only)
    assert not marker.exists()


# ----- safetensors --------------------------------------------------------------------------


def test_nested_structures_in_safetensors(tmp_path):
    cnet, _ = nets()
    copt = convkit_steps(cnet, "adam")
    obj = general(cnet.state_dict(), copt.state_dict())
    obj["nan"] = math.nan
    obj["dtype"] = ck.float16
    path = tmp_path / "n.safetensors"
    ck.save(obj, path)
    back = ck.load(path)
    same(back, obj)
    assert type(back["model_state_dict"]) is OrderedDict and type(back["empty"]) is dict
    import safetensors.numpy

    assert set(safetensors.numpy.load_file(path)) >= {"model_state_dict/0.weight"}


def test_a_flat_state_dict_is_a_plain_safetensors_file(tmp_path):
    import safetensors.torch

    cnet, _ = nets()
    path = tmp_path / "w.safetensors"
    ck.save(cnet.state_dict(), path)
    # safetensors readers list tensors in the format's own order; convkit.load keeps the caller's.
    same(
        dict(sorted(safetensors.torch.load_file(path).items())),
        dict(sorted(cnet.state_dict().items())),
    )
    same(ck.load(path), cnet.state_dict())
    safetensors.torch.save_file({"w": torch.ones(2)}, tmp_path / "other.safetensors")
    assert ck.load(tmp_path / "other.safetensors")["w"].tolist() == [1.0, 1.0]


def test_format_follows_content_not_name(tmp_path):
    """A safetensors file named .pt and a torch file named .bin both load."""
    ck.save({"w": ck.ones(1)}, tmp_path / "a.safetensors")
    os.rename(tmp_path / "a.safetensors", tmp_path / "a.pt")
    assert ck.load(tmp_path / "a.pt")["w"].tolist() == [1.0]
    torch.save({"w": torch.zeros(1)}, tmp_path / "b.bin")
    assert ck.load(tmp_path / "b.bin")["w"].tolist() == [0.0]
    (tmp_path / "c.pt").write_bytes(b"hello, world")
    with pytest.raises(FileFormatError, match="neither a torch.save archive nor a safetensors"):
        ck.load(tmp_path / "c.pt")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        ck.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        ck.load(tmp_path / "missing.pt")
