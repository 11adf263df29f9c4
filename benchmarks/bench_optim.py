"""convkit vs torch optimiser steps, side by side in one process (not a test: it reports).

One ``step()`` over a model-sized set of float32 parameters with fixed gradients, per optimiser.
Runs are interleaved (convkit, torch, convkit, ...) so that the shared machine's noise hits both
alike; the medians and their ratio convkit/torch are printed. torch runs its default CPU path
(single-tensor, the one convkit reproduces) with 2 threads unless told; NumPy's elementwise
loops use one.

    python benchmarks/bench_optim.py [--repeat 9] [--params 4000000] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import convkit as ck
import convkit.optim as optim

CASES = [
    ("SGD momentum", "SGD", dict(lr=0.01, momentum=0.9)),
    ("Adam", "Adam", dict(lr=1e-3)),
    ("AdamW", "AdamW", dict(lr=1e-3)),
    ("RMSprop", "RMSprop", dict(lr=1e-3)),
    ("Adagrad", "Adagrad", dict(lr=1e-2)),
    ("NAdam", "NAdam", dict(lr=1e-3)),
    ("RAdam", "RAdam", dict(lr=1e-3)),
]


def shapes(total: int) -> list[tuple[int, ...]]:
    """A VGG-like mix: a few big matrices and many small vectors, ``total`` elements in all."""
    big = total // 4
    side = int(big**0.5)
    return [(side, side)] * 3 + [(total - 3 * side * side,)] + [(256,)] * 20


def setup(lib, name: str, kwargs: dict, arrays: list[np.ndarray]):
    params = [lib.nn.Parameter(lib.tensor(a)) for a in arrays]
    grads = [lib.tensor(a * 0.01) for a in arrays]
    opt = getattr(torch.optim if lib is torch else optim, name)(params, **kwargs)
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    opt.step()  # state initialised outside the timing
    return opt.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--params", type=int, default=4_000_000)
    parser.add_argument("--threads", type=int, default=2, help="torch's intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes(args.params)]
    print(f"{sum(a.size for a in arrays):,} float32 parameters in {len(arrays)} tensors")
    print(f"{'optimiser':<14} {'convkit ms':>11} {'torch ms':>9} {'ratio':>6}")
    for label, name, kwargs in CASES:
        ck_step, torch_step = setup(ck, name, kwargs, arrays), setup(torch, name, kwargs, arrays)
        times: dict[str, list[float]] = {"ck": [], "torch": []}
        for _ in range(args.repeat):
            for key, fn in (("ck", ck_step), ("torch", torch_step)):
                start = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - start)
        c, t = statistics.median(times["ck"]), statistics.median(times["torch"])
        print(f"{label:<14} {c * 1e3:11.1f} {t * 1e3:9.1f} {c / t:6.2f}")


if __name__ == "__main__":
    main()
