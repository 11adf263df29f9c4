"""Side-by-side timing of one LeNet-5 training step in convkit and in torch.

The step is zero_grad, forward, cross_entropy, backward and SGD(lr=0.01, momentum=0.9).step() on
a (B, 1, 28, 28) float32 batch. The torch model starts from the convkit model's weights. Both run
in this process with 2 threads; steps are interleaved (convkit, torch, convkit, ...) and each
reported time is the median, so machine noise hits both alike. Ratio = convkit / torch.

    python benchmarks/bench_train_step.py             # batches 64 and 256
    python benchmarks/bench_train_step.py --quick     # fewer repeats
    python benchmarks/bench_train_step.py --profile   # also where convkit's step spends its time
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import numpy as np
import torch

import convkit as ck
import convkit.nn as nn
import convkit.nn.functional as F
import convkit.optim as optim


def lenet(mod):
    """LeNet-5 for 1x28x28 inputs from ``mod`` (``convkit.nn`` or ``torch.nn``)."""
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


def make_pair(batch: int, seed: int = 0):
    """(convkit step, torch step, check) on the same weights and data."""
    ck.manual_seed(seed)
    cm = lenet(nn)
    tm = lenet(torch.nn)
    with torch.no_grad():
        for (name, cp), (tname, tp) in zip(
            cm.named_parameters(), tm.named_parameters(), strict=True
        ):
            assert name == tname and tuple(cp.shape) == tuple(tp.shape), (name, tname)
            tp.copy_(torch.from_numpy(np.array(cp.data)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    cx, cy = ck.tensor(x), ck.tensor(y)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    copt = optim.SGD(cm.parameters(), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)

    def ck_step():
        copt.zero_grad()
        loss = F.cross_entropy(cm(cx), cy)
        loss.backward()
        copt.step()
        return float(loss.item())

    def t_step():
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(tx), ty)
        loss.backward()
        topt.step()
        return float(loss.item())

    return ck_step, t_step


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def bench(batch: int, repeats: int) -> tuple[float, float]:
    ck_step, t_step = make_pair(batch)
    # the first steps agree (same weights, same data): a guard against timing different work
    for _ in range(3):
        lc, lt = ck_step(), t_step()
        assert abs(lc - lt) <= 1e-3 * max(1.0, abs(lt)), (lc, lt)
    tc, tt = [], []
    for _ in range(repeats):
        tc.append(_time(ck_step))
        tt.append(_time(t_step))
    return statistics.median(tc), statistics.median(tt)


def profile(batch: int, steps: int = 50) -> None:
    """cProfile of convkit's step, by own time and by cumulative time."""
    ck_step, _ = make_pair(batch)
    for _ in range(5):
        ck_step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        ck_step()
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"\nconvkit step, batch {batch}, {steps} steps; times are totals over the steps")
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(30)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--profile", action="store_true", help="cProfile convkit's step")
    parser.add_argument("--batches", default="64,256", help="comma-separated batch sizes")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    repeats = 30 if args.quick else 100
    batches = [int(b) for b in args.batches.split(",")]
    print(f"{'batch':>6s} {'convkit ms':>11s} {'torch ms':>9s} {'ratio':>6s}")
    for b in batches:
        tc, tt = bench(b, repeats)
        print(f"{b:6d} {tc:11.2f} {tt:9.2f} {tc / tt:6.2f}", flush=True)
    if args.profile:
        for b in batches:
            profile(b)


if __name__ == "__main__":
    main()
