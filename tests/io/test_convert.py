"""``convkit convert model.pt model.safetensors``: torch's file in, safetensors out, errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.io as cio
from convkit.cli import main

from . import pt_forge as forge


def _convert(capsys, *args):
    rc = main(["convert", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 6 * 6, 3),
    )


def test_state_dict_round_trip(tmp_path, capsys):
    net = _net()
    src, dst = tmp_path / "model.pt", tmp_path / "model.safetensors"
    torch.save(net.state_dict(), src)
    rc, out, err = _convert(capsys, src, dst)
    assert rc == 0 and err == ""
    assert f"wrote 9 tensors to {dst}" in out
    got = cio.load(dst)
    sd = net.state_dict()
    assert list(got) == list(sd)
    for key, value in sd.items():
        assert got[key].dtype == value.numpy().dtype
        np.testing.assert_array_equal(got[key].data, value.numpy())
    # the converted file drives convkit's model to torch's outputs
    model = ck.nn.Sequential(
        ck.nn.Conv2d(1, 4, 3),
        ck.nn.BatchNorm2d(4),
        ck.nn.ReLU(),
        ck.nn.Flatten(),
        ck.nn.Linear(4 * 6 * 6, 3),
    )
    model.load_state_dict(got)
    model.eval(), net.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(ck.from_numpy(x)).data, want, rtol=1e-4, atol=1e-6)
    # and torch's own safetensors reader agrees
    import safetensors.torch

    back = safetensors.torch.load_file(str(dst))
    assert all(torch.equal(back[k], v) for k, v in sd.items())


def test_nested_checkpoint_is_flattened_and_key_selects(tmp_path, capsys):
    net = torch.nn.Linear(2, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.ones(1, 2)).sum().backward()
    opt.step()
    src = tmp_path / "ckpt.pt"
    torch.save(
        {
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": 3,
            "views": [torch.arange(6.0)[::2]],
        },
        src,
    )
    rc, out, _ = _convert(capsys, src, tmp_path / "all.safetensors")
    assert rc == 0
    got = cio.load(tmp_path / "all.safetensors")
    assert list(got) == [
        "model.weight",
        "model.bias",
        "optimizer.state.0.momentum_buffer",
        "optimizer.state.1.momentum_buffer",
        "views.0",
    ]
    np.testing.assert_array_equal(got["views.0"].data, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(
        got["optimizer.state.0.momentum_buffer"].data,
        opt.state_dict()["state"][0]["momentum_buffer"].numpy(),
    )
    assert "left out 12 non-tensor value(s): optimizer.param_groups.0.lr" in out
    assert "--key model" in out

    rc, out, _ = _convert(capsys, src, tmp_path / "model.safetensors", "--key", "model")
    assert rc == 0 and "wrote 2 tensors" in out and "left out" not in out
    model = ck.nn.Linear(2, 3)
    model.load_state_dict(cio.load(tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(model.weight.data, net.weight.detach().numpy())


@pytest.mark.parametrize(
    "case, match",
    [
        ("missing", "no such file"),
        ("legacy", "legacy"),
        ("module", r"pickled model object .*torch\.save\(model\.state_dict\(\), path\)"),
        ("evil", "refusing global 'posix.system'"),
        ("list", "holds a list, not a dict of tensors"),
        ("no tensors", "holds no tensors"),
        ("bad key", "--key 'model': no entry 'model' \\(available: 'w'\\)"),
        ("same file", "source and target are the same file"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message(tmp_path, capsys, case, match):
    src, dst = tmp_path / "in.pt", tmp_path / "out.safetensors"
    extra = []
    marker = tmp_path / "MARKER"
    if case == "legacy":
        torch.save({"w": torch.ones(2)}, src, _use_new_zipfile_serialization=False)
    elif case == "module":
        torch.save(torch.nn.Linear(2, 2), src)
    elif case == "evil":

        class Evil:
            def __reduce__(self):
                return os.system, (f"touch {marker}",)

        forge.write_pt(src, forge.dumps({"w": Evil()}))
    elif case == "list":
        torch.save([torch.ones(2)], src)
    elif case == "no tensors":
        torch.save({"epoch": 3}, src)
    elif case == "bad key":
        torch.save({"w": torch.ones(2)}, src)
        extra = ["--key", "model"]
    elif case == "same file":
        torch.save({"w": torch.ones(2)}, src)
        dst = src
    rc, out, err = _convert(capsys, src, dst, *extra)
    assert rc == 1 and out == ""
    assert err.startswith("convkit convert: error: ") and err.count("\n") == 1
    assert re.search(match, err), err
    assert not marker.exists()
    if case != "same file":
        assert not dst.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_failed_conversion_keeps_an_existing_target(tmp_path, capsys):
    dst = tmp_path / "out.safetensors"
    cio.save({"old": np.ones(2)}, dst)
    (tmp_path / "bad.pt").write_bytes(b"not a zip")
    rc, _, err = _convert(capsys, tmp_path / "bad.pt", dst)
    assert rc == 1 and "not a zip archive" in err
    assert list(cio.load(dst)) == ["old"]


def test_bfloat16_is_widened_with_a_warning(tmp_path, capsys):
    src = tmp_path / "bf.pt"
    t = torch.tensor([1.0, -2.5, 3.0e38], dtype=torch.bfloat16)
    torch.save({"w": t}, src)
    with pytest.warns(UserWarning, match="bfloat16"):
        rc, _, _ = _convert(capsys, src, tmp_path / "bf.safetensors")
    assert rc == 0
    got = cio.load(tmp_path / "bf.safetensors")["w"].data
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, t.float().numpy())


def test_command_line_entry_point(tmp_path):
    src = tmp_path / "m.pt"
    torch.save({"w": torch.arange(3)}, src)
    res = subprocess.run(
        [sys.executable, "-m", "convkit", "convert", str(src), str(tmp_path / "m.safetensors")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(cio.load(tmp_path / "m.safetensors")["w"].data, [0, 1, 2])
    res = subprocess.run(
        [sys.executable, "-m", "convkit", "convert", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0 and "runs no code" not in res.stderr and "safetensors" in res.stdout
