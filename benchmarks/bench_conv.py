"""Side-by-side timing of convkit's conv2d against torch's, forward and forward+backward.

Both run in this process on the same thread count (``--threads``, default 2), paired and
interleaved (``harness``); a ratio is convkit / torch, the median over rounds of the per-round
ratio. Backward is that of ``sum(out * g)`` w.r.t. input, weight and bias.

    python benchmarks/bench_conv.py            # full
    python benchmarks/bench_conv.py --quick    # fewer repeats
    python benchmarks/bench_conv.py --compete 2   # also beside 2 CPU-bound processes
"""

from __future__ import annotations

import argparse

import harness
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


def runners(shape, cout, k, s, p, groups, backward: bool):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((cout, shape[1] // groups, k, k), dtype=np.float32) * 0.1
    b = rng.standard_normal(cout, dtype=np.float32)
    cx, cw, cb = (ck.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    with ck.no_grad():
        out_shape = tuple(F.conv2d(cx, cw, cb, s, p, 1, groups).shape)
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

    return (ck_both, t_both) if backward else (ck_fwd, t_fwd)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    harness.add_common_args(parser)
    args = parser.parse_args(argv)
    harness.configure(args)
    repeats, min_ms = (7, 20.0) if args.quick else (15, 50.0)
    suite = [c for c in SUITE if not args.only or args.only in c[0]]
    harness.header("conv2d, convkit / torch", args.threads)
    gms = {}
    for backward, label in ((False, "forward"), (True, "forward+backward")):
        cases = [(c[0], lambda c=c, b=backward: runners(*c[1:], backward=b)) for c in suite]
        ratios = harness.run_table(cases, repeats, min_ms, args.compete, label=label)
        gms[label] = harness.geomean(ratios)
        print(f"{'geometric mean':18s} {gms[label]:28.2f}\n", flush=True)
    harness.footer()


if __name__ == "__main__":
    main()
