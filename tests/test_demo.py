"""The seed note's examples, run with convkit, give the shapes torch gives for the same code."""

import subprocess
import sys

import torch

from convkit.examples import seed_note


def test_five_examples_match_torch():
    ours = seed_note.run_examples(print_fn=lambda *a: None)
    for (h, w, k, s, p), shape in zip(seed_note.EXAMPLES, ours, strict=True):
        conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p)
        assert shape == tuple(conv(torch.Tensor(1, 1, h, w)).shape)


def test_cnn_cell_matches_torch():
    out, out2 = seed_note.run_cnn_cell(print_fn=lambda *a: None)
    t_out = torch.nn.Conv2d(1, 5, 5)(torch.Tensor(1, 1, 28, 28))
    assert out == tuple(t_out.shape)
    assert out2 == tuple(torch.nn.MaxPool2d(2)(t_out).shape)


def test_demo_command_prints_the_note():
    proc = subprocess.run(
        [sys.executable, "-m", "convkit", "demo"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "Convolution : Conv2d(1, 1, kernel_size=(11, 11), stride=(4, 4))" in lines
    assert "outputs shape: convkit.Size([1, 1, 55, 55])" in lines
    assert "  H: floor((227 + 2*0 - 1*(11-1) - 1)/4) + 1 = 55" in lines
    assert lines[-1] == "convkit.Size([1, 5, 12, 12])"
