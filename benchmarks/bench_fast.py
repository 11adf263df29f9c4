"""convkit[fast] (numba) against convkit's NumPy kernels and torch, side by side in one process.

Three candidates per case, interleaved in every round (``harness``): convkit with the numba
kernels, convkit with them switched off (``convkit.backends.fast.flags(enabled=False)``), and
torch. Ratios are each convkit path / torch, medians over rounds of the per-round ratio. It
reports, never asserts.

    python benchmarks/bench_fast.py [--quick] [--threads 1 --cpu]
    python benchmarks/bench_fast.py --compile   # first-call compile time, cold and cached

glibc's malloc decides how fast the libraries' big temporaries are: after other work has moved
its dynamic thresholds, a freed 16 MB output goes back to the kernel and the next one is page
faulted afresh. torch's depthwise 3x3 forward on (32, 128, 32, 32) took 7-10 ms with its output
reused and 45 ms right after convkit's NumPy path had run. Fix the thresholds for comparable
figures (both libraries then reuse their memory):

    GLIBC_TUNABLES=glibc.malloc.trim_threshold=2000000000:glibc.malloc.mmap_threshold=1000000000 \
        python benchmarks/bench_fast.py --threads 1 --cpu
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import harness
import numpy as np
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F

# name, op, input shape, keyword arguments (conv: C_out, kernel, stride, padding, groups)
CASES = [
    ("depthwise 3x3", "conv2d", (32, 128, 32, 32), dict(cout=128, k=3, s=1, p=1, groups=128)),
    ("depthwise 3x3 s2", "conv2d", (32, 128, 32, 32), dict(cout=128, k=3, s=2, p=1, groups=128)),
    ("depthwise 5x5 x2", "conv2d", (8, 64, 56, 56), dict(cout=128, k=5, s=1, p=2, groups=64)),
    (
        "max_pool k3 s2 p1",
        "max_pool2d",
        (8, 64, 112, 112),
        dict(kernel_size=3, stride=2, padding=1),
    ),
    (
        "max_pool k3 s2 p1 indices",
        "max_pool2d",
        (8, 64, 112, 112),
        dict(kernel_size=3, stride=2, padding=1, return_indices=True),
    ),
    ("max_pool k2 s2", "max_pool2d", (64, 64, 32, 32), dict(kernel_size=2, stride=2)),
]


def runners(op: str, shape, kw: dict, backward: bool):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    if op == "conv2d":
        w = rng.standard_normal((kw["cout"], 1, kw["k"], kw["k"]), dtype=np.float32) * 0.1
        b = rng.standard_normal(kw["cout"], dtype=np.float32)
        args = (kw["s"], kw["p"], 1, kw["groups"])
        cx, cw, cb = (ck.tensor(a, requires_grad=True) for a in (x, w, b))
        tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        leaves_c, leaves_t = (cx, cw, cb), (tx, tw, tb)

        def ck_call():
            return F.conv2d(cx, cw, cb, *args)

        def t_call():
            return TF.conv2d(tx, tw, tb, *args)

    else:
        cx, tx = ck.tensor(x, requires_grad=True), torch.from_numpy(x.copy()).requires_grad_()
        leaves_c, leaves_t = (cx,), (tx,)

        def ck_call():
            out = F.max_pool2d(cx, **kw)
            return out[0] if isinstance(out, tuple) else out  # (values, indices)

        def t_call():
            out = TF.max_pool2d(tx, **kw)
            return out[0] if isinstance(out, tuple) else out

    with torch.no_grad():
        g = rng.standard_normal(tuple(t_call().shape), dtype=np.float32)
    cg, tg = ck.tensor(g), torch.from_numpy(g)

    def ck_both():
        for leaf in leaves_c:
            leaf.grad = None
        ck_call().backward(cg)

    def t_both():
        for leaf in leaves_t:
            leaf.grad = None
        t_call().backward(tg)

    def ck_fwd():
        with ck.no_grad():
            ck_call()

    def t_fwd():
        with torch.no_grad():
            t_call()

    ck_both()  # every path compiled and warm
    t_both()
    ck_fn = ck_both if backward else ck_fwd

    def ck_numpy():
        with ck.backends.fast.flags(enabled=False):
            ck_fn()

    return ck_fn, ck_numpy, t_both if backward else t_fwd


def table(repeats: int, min_ms: float, only: str | None = None) -> None:
    head = f"{'case':24s} {'pass':7s} {'fast ms':>8s} {'numpy ms':>9s} {'torch ms':>9s}"
    head += f" {'fast/t':>7s} {'numpy/t':>8s}"
    print(head)
    print("-" * len(head))
    for name, op, shape, kw in CASES:
        if only and only not in name:
            continue
        for backward in (False, True):
            fast, numpy_, th = runners(op, shape, kw, backward)
            a, b, c = harness.measure([fast, numpy_, th], repeats, min_ms)
            print(
                f"{name:24s} {'fwd+bwd' if backward else 'fwd':7s} {harness.median(a):8.2f} "
                f"{harness.median(b):9.2f} {harness.median(c):9.2f} "
                f"{harness.median_ratio(a, c):7.2f} {harness.median_ratio(b, c):8.2f}",
                flush=True,
            )
    print("-" * len(head))


_FIRST_CALLS = """
import time, numpy as np
t0 = time.perf_counter()
from convkit.kernels import conv, fast, pool
x = np.ones((2, 4, 9, 9), np.float32); w = np.ones((4, 1, 3, 3), np.float32)
for dtype in (np.float32, np.float64):
    xs, ws = x.astype(dtype), w.astype(dtype)
    out = conv.conv_forward(xs, ws, ((1, 1), (1, 1)), (1, 1), (1, 1), 4)
    conv.conv_backward(xs, ws, out, ((1, 1), (1, 1)), (1, 1), (1, 1), 4)
    conv.conv_backward(xs, ws, out[..., ::2, ::2].copy(), ((1, 1), (1, 1)), (2, 2), (1, 1), 4)
    p = xs.reshape(8, 9, 9)
    y, idx = pool.max_pool_indices(p, (3, 3), (2, 2), (1, 1), (1, 1), (5, 5))
    pool.max_pool_backward(p, y, y, (3, 3), (2, 2), (1, 1), (1, 1), (5, 5), indices=idx)
print(f"{time.perf_counter() - t0:.2f}")
"""


def compile_times() -> None:
    """Wall time of the first calls of every fast kernel (float32 and float64) in a fresh
    process: with an empty cache directory (compiling), then again (loading the cache)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": root}
        for label in ("cold (compiles)", "cached"):
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALLS], env=env, capture_output=True, text=True
            )
            total = time.perf_counter() - t0
            print(f"{label:16s} first calls {out.stdout.strip():>6s} s, process {total:.2f} s")
            if out.returncode:
                print(out.stderr)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--compile", action="store_true", help="only the compile times")
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    harness.add_common_args(parser)
    args = parser.parse_args(argv)
    if not ck.backends.fast.is_available():
        sys.exit('numba is not installed: pip install "convkit[fast]"')
    if args.compile:
        print(f"# numba compile time; load average before: {harness.loadavg()}")
        compile_times()
        harness.footer()
        return
    harness.configure(args)
    repeats, min_ms = (7, 20.0) if args.quick else (15, 50.0)
    harness.header("convkit[fast] and NumPy paths / torch", args.threads)
    table(repeats, min_ms, args.only)
    harness.footer()


if __name__ == "__main__":
    main()
