"""convkit vs torch pooling, side by side in one process (not a test: it reports, never asserts).

Both libraries get 2 threads. Runs are interleaved (convkit, torch, convkit, ...) so that the
shared machine's noise hits both alike; the medians and their ratio convkit/torch are printed.

    python benchmarks/bench_pool.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _runners(op: str, x: np.ndarray, kwargs: dict, backward: bool):
    ck_fn, t_fn = getattr(F, op), getattr(TF, op)
    xt = torch.from_numpy(x)
    xc = ck.from_numpy(x)
    if backward:
        xt.requires_grad_(True)
        xc.requires_grad_(True)
        with torch.no_grad():
            out_shape = t_fn(xt, **kwargs).shape
        g = np.random.default_rng(1).standard_normal(out_shape).astype(x.dtype)
        gt, gc = torch.from_numpy(g), ck.from_numpy(g)

        def run_ck():
            xc.grad = None
            ck_fn(xc, **kwargs).backward(gc)

        def run_torch():
            xt.grad = None
            t_fn(xt, **kwargs).backward(gt)

        return run_ck, run_torch

    def run_ck_fwd():
        with ck.no_grad():
            ck_fn(xc, **kwargs)

    def run_torch_fwd():
        with torch.no_grad():
            t_fn(xt, **kwargs)

    return run_ck_fwd, run_torch_fwd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(
        f"{'op':<11} {'case':<9} {'shape':<19} {'pass':<8} {'convkit ms':>10} "
        f"{'torch ms':>9} {'ratio':>6}"
    )
    for op in ("max_pool2d", "avg_pool2d"):
        for name, shape, kwargs in CASES:
            x = rng.standard_normal(shape).astype(np.float32)
            for backward in (False, True):
                run_ck, run_torch = _runners(op, x, kwargs, backward)
                run_ck(), run_torch()  # warm up (thread pool, allocator)
                ck_times, t_times = [], []
                for _ in range(args.repeat):
                    ck_times.append(_timed(run_ck))
                    t_times.append(_timed(run_torch))
                ck_ms = statistics.median(ck_times) * 1e3
                t_ms = statistics.median(t_times) * 1e3
                label = "fwd+bwd" if backward else "fwd"
                print(
                    f"{op:<11} {name:<9} {str(shape):<19} {label:<8} {ck_ms:>10.2f} "
                    f"{t_ms:>9.2f} {ck_ms / t_ms:>6.2f}"
                )


if __name__ == "__main__":
    main()
