"""Per-op overhead of the autograd layer, side by side with torch.

``Function.apply`` and the backward engine run on every op, so their fixed cost dominates small
tensors. Three cases, each timed as the median of several repeats, interleaved with torch:

- ``add``: 10,000 ``a + b`` on 8-element float32 tensors that require grad (forward only);
- ``mul scalar``: 10,000 ``a * 2.0`` (the tensor-Python-scalar promotion path);
- ``add+backward``: a chain of 1,000 ``y = y + b`` on 8 elements, then ``y.sum().backward()``;
- ``lenet``: LeNet-5 forward, cross_entropy and backward at batch 1 (1x28x28).

    python benchmarks/bench_autograd.py            # prints microseconds and convkit/torch ratios
    python benchmarks/bench_autograd.py --quick --threads 1 --cpu   # CPU time, for a busy machine
"""

from __future__ import annotations

import argparse

import harness
import numpy as np
import torch

import convkit as ck
import convkit.nn as cnn
import convkit.nn.functional as CF


def lenet(mod):
    return mod.Sequential(
        mod.Conv2d(1, 6, 5, padding=2),
        mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Conv2d(6, 16, 5),
        mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Flatten(),
        mod.Linear(400, 120),
        mod.ReLU(),
        mod.Linear(120, 84),
        mod.ReLU(),
        mod.Linear(84, 10),
    )


def cases(lib):
    """name -> (callable, ops per call) for ``lib`` (convkit or torch)."""
    nn = cnn if lib is ck else torch.nn
    F = CF if lib is ck else torch.nn.functional
    a = lib.ones(8, requires_grad=True)
    b = lib.ones(8, requires_grad=True)

    def add():
        for _ in range(10_000):
            a + b

    def mul_scalar():
        for _ in range(10_000):
            a * 2.0

    def chain():
        y = a
        for _ in range(1_000):
            y = y + b
        y.sum().backward()

    model = lenet(nn)
    x = lib.tensor(np.random.default_rng(0).standard_normal((1, 1, 28, 28), dtype=np.float32))
    target = lib.tensor([3])

    def step():
        F.cross_entropy(model(x), target).backward()

    return {
        "add": (add, 10_000),
        "mul scalar": (mul_scalar, 10_000),
        "add+backward": (chain, 1_000),
        "lenet": (step, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    harness.add_common_args(ap)
    args = ap.parse_args()
    harness.configure(args)
    repeats = 5 if args.quick else 15
    harness.header("autograd per-op cost, convkit / torch", args.threads)
    ours, theirs = cases(ck), cases(torch)
    print(f"{'case':<14}{'convkit us/op':>15}{'torch us/op':>13}{'ratio':>8}")
    for name, (fn, n) in ours.items():
        a, b = harness.measure([fn, theirs[name][0]], repeats, min_ms=50.0)
        c, t = harness.median(a) * 1e3 / n, harness.median(b) * 1e3 / n
        print(f"{name:<14}{c:>15.2f}{t:>13.2f}{harness.median_ratio(a, b):>8.2f}")
    harness.footer()


if __name__ == "__main__":
    main()
