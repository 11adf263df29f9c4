"""convkit.io.load_torch: files written by torch 2.13 read exactly; hostile files refused.

Each hostile payload would create a marker file if any of it ran; every test checks it never does.
"""

from __future__ import annotations

import builtins
import importlib
import os
import pickle
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.io as cio
from convkit.io import TorchFileError, load_torch

from . import pt_forge as forge


def _save(tmp_path, obj, name="f.pt", **kw):
    path = tmp_path / name
    torch.save(obj, path, **kw)
    return path


def _same(got, want: torch.Tensor):
    want_np = (want.float() if want.dtype == torch.bfloat16 else want).resolve_conj().numpy()
    assert isinstance(got, np.ndarray)
    assert got.dtype == want_np.dtype and got.shape == want_np.shape
    assert got.flags.c_contiguous and got.flags.writeable
    np.testing.assert_array_equal(got, want_np)


# ----- files written by torch -----------------------------------------------------------------


def _lenet_torch():
    tn = torch.nn
    return tn.Sequential(
        tn.Conv2d(1, 6, 5, padding=2),
        tn.BatchNorm2d(6),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Conv2d(6, 16, 5),
        tn.BatchNorm2d(16),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Flatten(),
        tn.Linear(16 * 5 * 5, 120),
        tn.ReLU(),
        tn.Linear(120, 84),
        tn.ReLU(),
        tn.Linear(84, 10),
    )


def _lenet_convkit():
    cn = ck.nn
    return cn.Sequential(
        cn.Conv2d(1, 6, 5, padding=2),
        cn.BatchNorm2d(6),
        cn.ReLU(),
        cn.MaxPool2d(2),
        cn.Conv2d(6, 16, 5),
        cn.BatchNorm2d(16),
        cn.ReLU(),
        cn.MaxPool2d(2),
        cn.Flatten(),
        cn.Linear(16 * 5 * 5, 120),
        cn.ReLU(),
        cn.Linear(120, 84),
        cn.ReLU(),
        cn.Linear(84, 10),
    )


def test_lenet_state_dict_loads_into_convkit_and_matches_torch(tmp_path):
    torch.manual_seed(0)
    net = _lenet_torch()
    net.train()
    with torch.no_grad():  # a few batches give the batch norms non-default running statistics
        for _ in range(3):
            net(torch.randn(4, 1, 28, 28) * 2 + 0.5)
    net.eval()
    sd = net.state_dict()
    path = _save(tmp_path, sd, "lenet.pt")

    loaded = load_torch(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(sd)
    for key, value in sd.items():
        _same(loaded[key], value)
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    assert int(loaded["1.num_batches_tracked"]) == 3
    assert loaded._metadata == sd._metadata

    model = _lenet_convkit()
    model.load_state_dict(load_torch(path))
    model.eval()
    x = np.random.default_rng(1).standard_normal((2, 1, 28, 28)).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    got = model(ck.from_numpy(x)).data
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "dtype",
    [
        torch.float32,
        torch.float64,
        torch.float16,
        torch.bfloat16,
        torch.int64,
        torch.int32,
        torch.int16,
        torch.int8,
        torch.uint8,
        torch.bool,
        torch.complex64,
        torch.uint16,
    ],
)
def test_every_dtype(tmp_path, dtype):
    torch.manual_seed(0)
    t = torch.randn(3, 5) * 50
    t = t.to(dtype) if dtype != torch.complex64 else torch.complex(t, -t)
    if dtype == torch.uint16:  # no randn for uint16; saved through _rebuild_tensor_v3
        t = torch.arange(15, dtype=torch.int32).reshape(3, 5).mul(4000).to(torch.uint16)
    path = _save(tmp_path, {"t": t, "v": t[1:, 1::2]})
    if dtype == torch.bfloat16:
        with pytest.warns(UserWarning, match="bfloat16"):
            out = load_torch(path)
    else:
        out = load_torch(path)
    _same(out["t"], t)
    _same(out["v"], t[1:, 1::2])


def test_views_share_one_storage(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = {
        "base": base,
        "slice": base[1:, ::2],
        "T": base.T,
        "narrow": base.narrow(1, 2, 3),
        "row": base[2],
        "elem": base[3, 4],
        "flat": base.view(-1)[5:17],
        "expand": base[0, :1].expand(3, 5),
        "perm": base.reshape(2, 3, 4).permute(2, 0, 1),
    }
    path = _save(tmp_path, views)
    with zipfile.ZipFile(path) as zf:  # torch wrote one storage for all of them
        assert sum("/data/" in n for n in zf.namelist()) == 1
    out = load_torch(path)
    assert list(out) == list(views)
    for key, value in views.items():
        _same(out[key], value)
    out["slice"][0, 0] = -1.0  # copies: writing one does not change another
    assert out["base"][1, 0] == 6.0


def test_big_endian_file_is_converted(tmp_path):
    values = np.array([1.5, -2.25, 3e38, np.inf], dtype=np.float32)
    pkl = forge.dumps({"w": forge.tensor(forge.Storage("0", 4), 1, (3,), (1,))})
    path = tmp_path / "be.pt"
    forge.write_pt(path, pkl, {"0": values.astype(">f4").tobytes()}, byteorder=b"big")
    out = load_torch(path)
    assert out["w"].dtype == np.dtype("float32") and out["w"].dtype.isnative
    np.testing.assert_array_equal(out["w"], values[1:])


def test_nested_checkpoint_with_optimizer_and_plain_values(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    ckpt = {
        "model": net.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "name": "run-1",
        "best": 0.25,
        "notes": None,
        "shape": torch.Size([2, 3]),
        "dtype": torch.float16,
        "device": torch.device("cpu"),
        "flags": (True, [1, 2.5]),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(7.5, dtype=torch.float64),
        "param": torch.nn.Parameter(torch.ones(2)),
    }
    out = load_torch(_save(tmp_path, ckpt))
    assert list(out) == list(ckpt)
    for key, value in net.state_dict().items():
        _same(out["model"][key], value)
    osd, got = opt.state_dict(), out["optimizer"]
    assert got["param_groups"] == osd["param_groups"]
    assert sorted(got["state"]) == sorted(osd["state"]) == [0, 1, 2, 3]
    for idx, state in osd["state"].items():
        for name, value in state.items():
            _same(got["state"][idx][name], value)
    assert (out["epoch"], out["name"], out["best"], out["notes"]) == (3, "run-1", 0.25, None)
    assert out["shape"] == (2, 3) and out["dtype"] == "torch.float16" and out["device"] == "cpu"
    assert out["flags"] == (True, [1, 2.5])
    _same(out["empty"], ckpt["empty"])
    _same(out["scalar"], ckpt["scalar"])
    assert out["scalar"].shape == ()
    _same(out["param"], ckpt["param"].detach())


def test_conj_flag_and_zero_sized_storage(tmp_path):
    c = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64).conj()
    out = load_torch(_save(tmp_path, {"c": c, "e": torch.empty(0), "e2": torch.ones(5)[5:]}))
    _same(out["c"], c)
    assert out["e"].shape == (0,) and out["e2"].shape == (0,)


def test_load_state_dict_accepts_the_result_and_torch_is_never_imported(tmp_path):
    net = torch.nn.Conv2d(2, 3, 3)
    path = _save(tmp_path, net.state_dict())
    code = (
        "import sys, convkit as ck, convkit.io as cio\n"
        f"sd = cio.load_torch({str(path)!r})\n"
        "m = ck.nn.Conv2d(2, 3, 3); m.load_state_dict(sd)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print(float(m.weight.data.sum()))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert float(res.stdout) == pytest.approx(float(net.weight.detach().sum()), rel=1e-6)


# ----- hostile and broken files ---------------------------------------------------------------


class Payload:
    """Pickles as ``fn(*args)``: what a malicious file would run on a plain pickle.load."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _payloads(marker: str):
    touch = f"open({marker!r}, 'w').close()"
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "builtins.eval": Payload(builtins.eval, touch),
        "builtins.exec": Payload(builtins.exec, touch),
        "subprocess.Popen": Payload(subprocess.Popen, ["touch", marker]),
        "builtins.getattr": Payload(
            builtins.getattr, Payload(importlib.import_module, "os"), "system"
        ),
        "builtins.open": Payload(builtins.open, marker, "w"),
    }


def _refuses(path, match, marker=None, **kw):
    with pytest.raises(TorchFileError, match=match) as info:
        load_torch(path, **kw)
    if marker is not None:
        assert not os.path.exists(marker), "the payload ran"
    return str(info.value)


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "builtins.eval",
        "builtins.exec",
        "subprocess.Popen",
        "builtins.getattr",
        "builtins.open",
    ],
)
@pytest.mark.parametrize("protocol", [2, 4])
def test_reduce_payloads_are_refused(tmp_path, name, protocol):
    marker = str(tmp_path / "MARKER")
    payload = _payloads(marker)[name]
    module, attr = name.split(".")
    # hidden deep inside an otherwise valid torch file, next to real tensors
    sd = OrderedDict(w=torch.ones(2), extra={"a": [1, {"b": (2, payload)}]})
    path = tmp_path / "evil.pt"
    torch.save(sd, path, pickle_protocol=protocol)
    msg = _refuses(path, "refusing global", marker)
    assert f".{attr}'" in msg and "state_dict()" in msg


def _opcode_files(marker: str) -> dict:
    cmd = f"touch {marker}".encode()
    return {
        # protocol 0 INST: MARK, argument, INST module\nname\n
        "INST": b"(S'" + cmd + b"'\nios\nsystem\n.",
        # OBJ: MARK, GLOBAL, argument, OBJ
        "OBJ": b"(cos\nsystem\nS'" + cmd + b"'\no.",
        # REDUCE of a GLOBAL
        "REDUCE": b"\x80\x02cposix\nsystem\nX" + len(cmd).to_bytes(4, "little") + cmd + b"\x85R.",
        # STACK_GLOBAL (protocol 4): module and name pushed as strings
        "STACK_GLOBAL": b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c"
        + bytes([len(cmd)])
        + cmd
        + b"\x85R.",
        # a GLOBAL inside a dict inside a list, never called
        "nested GLOBAL": b"\x80\x02]q\x00(}q\x01X\x01\x00\x00\x00ac__builtin__\neval\nsa.",
    }


@pytest.mark.parametrize("kind", ["INST", "OBJ", "REDUCE", "STACK_GLOBAL", "nested GLOBAL"])
def test_opcode_payloads_are_refused(tmp_path, kind):
    marker = str(tmp_path / "MARKER")
    path = tmp_path / "evil.pt"
    forge.write_pt(path, _opcode_files(marker)[kind])
    _refuses(path, r"refusing global '(os|posix|__builtin__)\.(system|eval)'", marker)


def test_pickled_module_is_refused_with_state_dict_advice(tmp_path):
    path = _save(tmp_path, torch.nn.Sequential(torch.nn.Linear(2, 2)))
    msg = _refuses(path, "pickled model object")
    assert "torch.nn.modules.container.Sequential" in msg
    assert "torch.save(model.state_dict(), path)" in msg


def test_tensor_subclass_state_and_other_torch_globals_are_refused(tmp_path):
    t = torch.ones(3)
    t.note = "hi"  # saved through torch._tensor._rebuild_from_type_v2
    _refuses(_save(tmp_path, {"t": t}), "torch._tensor._rebuild_from_type_v2")
    path = tmp_path / "f.pt"
    forge.write_pt(path, forge.dumps({"f": forge.Rebuild(torch.load, "x.pt")}))
    _refuses(path, "torch.serialization.load")


def test_legacy_and_non_zip_files(tmp_path):
    marker = str(tmp_path / "MARKER")
    legacy = _save(
        tmp_path, {"w": torch.ones(2)}, "legacy.pt", _use_new_zipfile_serialization=False
    )
    _refuses(legacy, "legacy")
    raw = tmp_path / "raw.pt"  # a bare pickle, as pickle.dump would write it
    raw.write_bytes(pickle.dumps(_payloads(marker)["os.system"]))
    _refuses(raw, "not a zip archive", marker)
    (tmp_path / "text.pt").write_text("hello")
    _refuses(tmp_path / "text.pt", "not a zip archive")
    (tmp_path / "empty.pt").write_bytes(b"")
    _refuses(tmp_path / "empty.pt", "not a zip archive")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_torch(tmp_path / "missing.pt")


def test_truncated_and_corrupt_zips(tmp_path):
    good = _save(tmp_path, {"w": torch.arange(64.0)}, "good.pt")
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        _refuses(tmp_path / "cut.pt", "damaged zip archive")
    # flip a byte inside the storage: the CRC check catches it
    with zipfile.ZipFile(good) as zf:
        info = next(i for i in zf.infolist() if "/data/" in i.filename)
    name_len, extra_len = (
        int.from_bytes(data[info.header_offset + i :][:2], "little") for i in (26, 28)
    )  # the local header's lengths, not the directory's
    start = info.header_offset + 30 + name_len + extra_len
    corrupt = bytearray(data)
    corrupt[start + 10] ^= 0xFF
    (tmp_path / "bad.pt").write_bytes(bytes(corrupt))
    _refuses(tmp_path / "bad.pt", "cannot be read: Bad CRC-32")


def test_missing_records(tmp_path):
    path = tmp_path / "f.pt"
    forge.write_pt(path, None)
    _refuses(path, "without a '<name>/data.pkl'")
    forge.write_pt(path, forge.dumps({"w": forge.tensor(forge.Storage("7", 4))}), {"0": bytes(16)})
    _refuses(path, "record 'archive/data/7' named in data.pkl is not in the archive")
    forge.write_pt(path, forge.dumps({}), byteorder=b"middle")
    _refuses(path, "byteorder")
    forge.write_pt(path, forge.dumps({}), extra={"constants.pkl": b"", "code/x.py": b""})
    _refuses(path, "TorchScript")


@pytest.mark.parametrize(
    "args, match",
    [
        ((forge.Storage("0", 4), 0, (5,), (1,)), "reaches element 4 of storage '0'.*only 4"),
        ((forge.Storage("0", 4), 3, (2,), (1,)), "reaches element 4"),
        ((forge.Storage("0", 4), 0, (2, 2), (3, 1)), "reaches element 4"),
        ((forge.Storage("0", 4), 5, (0,), (1,)), "reaches element 4"),
        ((forge.Storage("0", 4), -1, (2,), (1,)), "storage_offset must be an int in"),
        ((forge.Storage("0", 4), 0, (-2,), (1,)), "size must be a tuple"),
        ((forge.Storage("0", 4), 0, (2,), (-1,)), "stride must be a tuple"),
        ((forge.Storage("0", 4), 0, (2.0,), (1,)), "size must be a tuple"),
        ((forge.Storage("0", 4), 0, (True,), (1,)), "size must be a tuple"),
        ((forge.Storage("0", 4), 0, "ab", (1,)), "size must be a tuple"),
        ((forge.Storage("0", 4), 0, (2, 2), (1,)), "differ in length"),
        ((forge.Storage("0", 4), 0, (4,), (1,), 1), "requires_grad must be a bool"),
        ((forge.Storage("0", 4), 0, (4,), (1,), False, {"h": 1}), "backward hooks"),
        ((forge.Storage("0", 4), 0, (4,), (1,), False, None, {"evil": 1}), "tensor metadata"),
        ((forge.Storage("0", 4), 0, (4,), (1,), False, None, {"conj": True}), "conj flag"),
        (("not a storage", 0, (4,), (1,)), "first argument must be a typed storage"),
        ((forge.Storage("0", 1 << 40), 0, (4,), (1,)), "holds 16 bytes but data.pkl declares"),
        ((forge.Storage("0", -4), 0, (4,), (1,)), "expected an int in"),
        ((forge.Storage("0", 4), 0, (10**5000,), (1,)), "size must be a tuple.*got a tuple"),
        ((forge.Storage("0", 4), 0, (2**62, 2), (1, 2**62)), "reaches element 9223372036854775807"),
        ((forge.Storage("0", 4), 0, (0, 2**62, 2**62), (1, 1, 1)), "empty tensor .* too large"),
        ((forge.Storage("0", 4, location=5), 0, (4,), (1,)), "bad storage key"),
        ((forge.Storage(7, 4), 0, (4,), (1,)), "bad storage key"),
        ((forge.Storage("../../x", 4), 0, (4,), (1,)), "bad storage key"),
        ((forge.Storage("0", 4, cls=torch.float32), 0, (4,), (1,)), "storage class"),
        ((forge.Storage("0", 4), 0, (10**6, 10**6), (0, 0)), "memory bound"),
    ],
)
def test_bad_tensor_arguments(tmp_path, args, match):
    path = tmp_path / "f.pt"
    storage, (offset, size, stride), rest = args[0], args[1:4], args[4:]
    requires_grad = rest[0] if rest else False
    hooks = rest[1] if len(rest) > 1 else None
    tensor = forge.tensor(storage, offset, size, stride, requires_grad, hooks, *rest[2:])
    forge.write_pt(path, forge.dumps(OrderedDict(w=tensor)), {"0": bytes(16)})
    _refuses(path, match)


def test_bad_call_shapes_of_allowed_globals(tmp_path):
    path = tmp_path / "f.pt"
    cases = {
        "takes 6 or 7 arguments": forge.Rebuild(torch._utils._rebuild_tensor_v2, 1, 2),
        "_rebuild_parameter expects a tensor": forge.Rebuild(
            torch._utils._rebuild_parameter, "x", False, OrderedDict()
        ),
        "torch.device": forge.Rebuild(torch.device, 3.5),
        "malformed": forge.Rebuild(OrderedDict, 5),  # OrderedDict(5): TypeError inside pickle
        "FloatStorage object outside a tensor": torch.FloatStorage,  # a bare class as a value
    }
    for match, obj in cases.items():
        forge.write_pt(path, forge.dumps({"w": obj}), {"0": bytes(16)})
        _refuses(path, match)


def test_build_cannot_change_stand_ins(tmp_path):
    # BUILD (setstate) on the shared dtype stand-in would make every later file read wrongly.
    path = tmp_path / "f.pt"
    pkl = b"\x80\x02ctorch\nfloat32\n}X\x08\x00\x00\x00np_dtypeX\x01\x00\x00\x00Osb."
    forge.write_pt(path, pkl)
    _refuses(path, "set attributes")
    pkl = forge.dumps(OrderedDict(w=forge.tensor(forge.Storage("0", 4))))
    build_on_tensor = pkl[:-1] + b"}X\x01\x00\x00\x00aK\x01sb."  # BUILD on the top OrderedDict
    forge.write_pt(path, build_on_tensor, {"0": bytes(16)})
    _refuses(path, r"attributes \{'a': 1\} on an OrderedDict")
    # a good file still reads after those attempts
    sd = load_torch(_save(tmp_path, {"w": torch.ones(2)}))
    _same(sd["w"], torch.ones(2))


def test_malformed_pickles(tmp_path):
    path = tmp_path / "f.pt"
    cases = {
        b"\x80\x02}q\x00": "does not end with STOP|not a valid pickle",  # truncated
        b"\x80\x02r\xff\xff\xff\x7f}.": "memo index",  # LONG_BINPUT 2**31 - 1
        b"\x80\x04\x8e" + (1 << 40).to_bytes(8, "little") + b"ab.": "not a valid pickle",
        b"\x80\x02\x82\x01.": "EXT1",
        b"\x80\x02].": "",  # fine: an empty list
        b"\x80\x02]q\x00h\x00a.": "contains itself",  # a list appended to itself
        b"\x80\x02R.": "malformed",  # REDUCE on an empty stack
        b"\x80\x02\x8a\x01\x05}Q.": "persistent id",  # BINPERSID with a dict
    }
    for pkl, match in cases.items():
        forge.write_pt(path, pkl)
        if not match:
            assert load_torch(path) == []
        else:
            _refuses(path, match)


def test_zip_bomb_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.pt"
    numel = 8 << 20  # 32 MiB of zeros, about 32 KiB compressed
    pkl = forge.dumps({"w": forge.tensor(forge.Storage("0", numel), 0, (numel,), (1,))})
    forge.write_pt(path, pkl, {"0": bytes(4 * numel)}, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    _refuses(path, "record 'archive/data/0' needs 33554432 bytes.*memory bound", max_bytes=1 << 20)
    assert load_torch(path, max_bytes=1 << 27)["w"].shape == (numel,)


def test_exports():
    assert cio.load_torch is load_torch and issubclass(TorchFileError, RuntimeError)


@pytest.mark.parametrize("protocol", [4, 5])
def test_newer_pickle_protocols(tmp_path, protocol):
    sd = torch.nn.Linear(3, 2).state_dict()
    out = load_torch(_save(tmp_path, sd, pickle_protocol=protocol))
    for key, value in sd.items():
        _same(out[key], value)


def test_gpu_location_reads_the_same_bytes_and_sizes_must_agree(tmp_path):
    path = tmp_path / "f.pt"
    raw = np.arange(4, dtype="<f4").tobytes()
    pkl = forge.dumps({"w": forge.tensor(forge.Storage("0", 4, location="cuda:0"))})
    forge.write_pt(path, pkl, {"0": raw})
    np.testing.assert_array_equal(load_torch(path)["w"], np.arange(4, dtype=np.float32))
    pkl = forge.dumps(
        {
            "a": forge.tensor(forge.Storage("0", 4)),
            "b": forge.tensor(forge.Storage("0", 2), 0, (2,)),
        }
    )
    forge.write_pt(path, pkl, {"0": raw})
    _refuses(path, "declared with two different sizes")
