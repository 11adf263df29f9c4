"""Peak memory of one large convolution's forward+backward, convkit against torch.

Each library runs in a fresh subprocess: it imports, builds the input, weight and output gradient
(float32), records its resident set size (RSS), runs conv2d forward and backward once, and
reports the peak RSS added over that baseline (``ru_maxrss``; Linux). convkit also reports
tracemalloc's peak, which counts NumPy's buffers alone. Both the result (the gradients) and the
temporary buffers count, so the floor is x.grad + w.grad + the output: about 3 x 103 MB here.

    python benchmarks/bench_memory.py [--threads 2] [--shape 8,64,224,224]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import harness

CHILD = r"""
import json, resource, sys, tracemalloc
lib, threads, shape, cout = sys.argv[1], int(sys.argv[2]), eval(sys.argv[3]), int(sys.argv[4])
import numpy as np

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

rng = np.random.default_rng(0)
x = rng.standard_normal(shape, dtype=np.float32)
w = rng.standard_normal((cout, shape[1], 3, 3), dtype=np.float32) * 0.05
out_shape = (shape[0], cout) + tuple(shape[2:])
g = rng.standard_normal(out_shape, dtype=np.float32)
if lib == "torch":
    import torch
    torch.set_num_threads(threads)
    tx, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
    tg = torch.from_numpy(g)
    run = lambda: torch.nn.functional.conv2d(tx, tw, None, 1, 1).backward(tg)
else:
    import convkit
    convkit.set_num_threads(threads)
    cx, cw = convkit.tensor(x, requires_grad=True), convkit.tensor(w, requires_grad=True)
    cg = convkit.tensor(g)
    run = lambda: convkit.nn.functional.conv2d(cx, cw, None, 1, 1).backward(cg)
before = rss_mb()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
run()
traced = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"added_mb": peak - max(before, peak_before), "rss_before_mb": before,
                  "traced_peak_mb": traced if lib == "convkit" else None}))
"""


def measure(lib: str, threads: int, shape: tuple[int, ...], cout: int) -> dict:
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, lib, str(threads), repr(shape), str(cout)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shape", default="8,64,224,224", help="N,C,H,W of the input")
    parser.add_argument("--cout", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2, help="fresh processes per library")
    args = parser.parse_args(argv)
    shape = tuple(int(v) for v in args.shape.split(","))
    harness.header(
        f"peak memory of conv2d {shape} -> {args.cout}, 3x3, forward+backward", args.threads
    )
    mb = 4 * shape[0] * args.cout * shape[2] * shape[3] / 2**20
    print(
        f"# one output (and its gradient) is {mb:.0f} MB; x.grad {mb * shape[1] / args.cout:.0f} MB"
    )
    print(f"{'library':8s} {'added MB (peak RSS)':>20s} {'tracemalloc peak MB':>20s}")
    for _ in range(args.repeat):
        for lib in ("convkit", "torch"):
            r = measure(lib, args.threads, shape, args.cout)
            traced = "" if r["traced_peak_mb"] is None else f"{r['traced_peak_mb']:.0f}"
            print(f"{lib:8s} {r['added_mb']:20.0f} {traced:>20s}", flush=True)
    harness.footer()


if __name__ == "__main__":
    main()
