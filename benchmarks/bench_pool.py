"""convkit vs torch pooling, side by side in one process (it reports, never asserts).

Paired and interleaved on the same thread count (``harness``); ratio = convkit / torch.

    python benchmarks/bench_pool.py [--quick] [--threads 2] [--compete 2]
"""

from __future__ import annotations

import argparse

import harness
import numpy as np
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F

CASES = [
    # (name, shape, kwargs)
    ("k2 s2", (64, 64, 32, 32), dict(kernel_size=2, stride=2)),
    ("k3 s2 p1", (8, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1)),
]


def runners(op: str, shape, kwargs: dict, backward: bool):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ck_fn, t_fn = getattr(F, op), getattr(TF, op)
    xt = torch.from_numpy(x).requires_grad_(backward)
    xc = ck.tensor(x, requires_grad=backward)
    with torch.no_grad():
        out_shape = t_fn(xt, **kwargs).shape
    g = np.random.default_rng(1).standard_normal(out_shape).astype(np.float32)
    gt, gc = torch.from_numpy(g), ck.tensor(g)

    def ck_both():
        xc.grad = None
        ck_fn(xc, **kwargs).backward(gc)

    def t_both():
        xt.grad = None
        t_fn(xt, **kwargs).backward(gt)

    def ck_fwd():
        with ck.no_grad():
            ck_fn(xc, **kwargs)

    def t_fwd():
        with torch.no_grad():
            t_fn(xt, **kwargs)

    return (ck_both, t_both) if backward else (ck_fwd, t_fwd)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    harness.add_common_args(parser)
    args = parser.parse_args(argv)
    harness.configure(args)
    repeats, min_ms = (7, 20.0) if args.quick else (15, 50.0)
    harness.header("pooling, convkit / torch", args.threads)
    cases = []
    for op in ("max_pool2d", "avg_pool2d"):
        for name, shape, kwargs in CASES:
            for backward in (False, True):
                label = f"{op} {name} {shape} {'fwd+bwd' if backward else 'fwd'}"
                cases.append(
                    (label, lambda o=op, s=shape, k=kwargs, b=backward: runners(o, s, k, b))
                )
    harness.run_table(cases, repeats, min_ms, args.compete, label="op case shape pass")
    harness.footer()


if __name__ == "__main__":
    main()
