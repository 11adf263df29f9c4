"""Side-by-side timing of convkit's conv2d against torch's, forward and forward+backward.

Both run in this process with 2 threads; runs are interleaved (convkit, torch, convkit, ...) and
each reported time is the median of the repeats, so machine noise hits both alike. Backward is
that of ``sum(out * g)`` w.r.t. input, weight and bias. Ratio = convkit / torch.

    python benchmarks/bench_conv.py           # full
    python benchmarks/bench_conv.py --quick   # fewer repeats (< 2 minutes)
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import torch

import convkit as ck
import convkit.nn.functional as F

# name, (N, C_in, H, W), C_out, kernel, stride, padding, groups
SUITE = [
    ("seed 227 k11 s4", (1, 1, 227, 227), 1, 11, 4, 0, 1),
    ("LeNet conv1", (64, 1, 28, 28), 6, 5, 1, 0, 1),
    ("LeNet conv2", (64, 6, 12, 12), 16, 5, 1, 0, 1),
    ("CIFAR 64 k3", (32, 64, 32, 32), 64, 3, 1, 1, 1),
    ("CIFAR 128 k3", (32, 128, 16, 16), 128, 3, 1, 1, 1),
    ("CIFAR 1x1 s2", (32, 64, 32, 32), 128, 1, 2, 0, 1),
    ("ImageNet 64 k3", (8, 64, 56, 56), 64, 3, 1, 1, 1),
    ("ImageNet stem k7", (8, 3, 224, 224), 64, 7, 2, 3, 1),
    ("ImageNet 256 k3", (8, 256, 14, 14), 256, 3, 1, 1, 1),
    ("depthwise 128", (32, 128, 32, 32), 128, 3, 1, 1, 128),
]


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def bench_case(shape, cout, k, s, p, groups, repeats: int, min_ms: float):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((cout, shape[1] // groups, k, k), dtype=np.float32) * 0.1
    b = rng.standard_normal(cout, dtype=np.float32)
    cx, cw, cb = (ck.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    with ck.no_grad():
        out_shape = F.conv2d(cx, cw, cb, s, p, 1, groups).shape
    g = rng.standard_normal(out_shape, dtype=np.float32)
    cg, tg = ck.tensor(g), torch.from_numpy(g)

    def ck_fwd():
        with ck.no_grad():
            F.conv2d(cx, cw, cb, s, p, 1, groups)

    def ck_both():
        cx.grad = cw.grad = cb.grad = None
        F.conv2d(cx, cw, cb, s, p, 1, groups).backward(cg)

    def t_fwd():
        with torch.no_grad():
            torch.nn.functional.conv2d(tx, tw, tb, s, p, 1, groups)

    def t_both():
        tx.grad = tw.grad = tb.grad = None
        torch.nn.functional.conv2d(tx, tw, tb, s, p, 1, groups).backward(tg)

    results = []
    for a, t in ((ck_fwd, t_fwd), (ck_both, t_both)):
        a(), t()  # warm-up (allocations, thread pools)
        ta, tt = [], []
        # interleave, and repeat each run enough times to cover min_ms
        inner = max(1, int(min_ms / max(min(_time(a), _time(t)), 1e-3)))
        for _ in range(repeats):
            ta.append(sum(_time(a) for _ in range(inner)) / inner)
            tt.append(sum(_time(t) for _ in range(inner)) / inner)
        results.append((statistics.median(ta), statistics.median(tt)))
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    repeats, min_ms = (5, 20.0) if args.quick else (11, 60.0)
    header = (
        f"{'case':18s} {'fwd ck ms':>10s} {'torch ms':>9s} {'ratio':>6s}   "
        f"{'f+b ck ms':>10s} {'torch ms':>9s} {'ratio':>6s}"
    )
    print(header)
    print("-" * len(header))
    ratios_f, ratios_b = [], []
    for name, shape, cout, k, s, p, groups in SUITE:
        if args.only and args.only not in name:
            continue
        (cf, tf), (cb, tb) = bench_case(shape, cout, k, s, p, groups, repeats, min_ms)
        ratios_f.append(cf / tf)
        ratios_b.append(cb / tb)
        print(
            f"{name:18s} {cf:10.2f} {tf:9.2f} {cf / tf:6.2f}   {cb:10.2f} {tb:9.2f} {cb / tb:6.2f}",
            flush=True,
        )
    gm_f = math.exp(statistics.mean(math.log(r) for r in ratios_f))
    gm_b = math.exp(statistics.mean(math.log(r) for r in ratios_b))
    print("-" * len(header))
    print(f"{'geometric mean':18s} {'':10s} {'':9s} {gm_f:6.2f}   {'':10s} {'':9s} {gm_b:6.2f}")


if __name__ == "__main__":
    main()
