"""Building VGG-11's layers: convkit vs torch, time and peak memory (reports, never asserts).

Each layer is built from the same seed by both libraries, which must give the same weights bit
for bit (checked here too), in two ways: the modules' own init (kaiming_uniform_, the default)
and torchvision's VGG init (kaiming_normal_ fan_out for convolutions, normal_(0, 0.01) for the
linear layers), which is float32 normals.

Timing: runs are interleaved (convkit, torch, convkit, ...) in one process, the medians and
their ratio convkit/torch are printed. torch uses one thread (its random kernels are serial).
Memory: each layer is also built once in a fresh child process per library, which reports its
peak resident memory above what it held after the imports (VmHWM, Linux).

    python benchmarks/bench_init.py [--repeat 3] [--only classifier]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

LAYERS = [
    ("conv 3->64", "Conv2d", (3, 64, 3), {"padding": 1}),
    ("conv 128->256", "Conv2d", (128, 256, 3), {"padding": 1}),
    ("conv 512->512", "Conv2d", (512, 512, 3), {"padding": 1}),
    ("fc 25088->4096", "Linear", (25088, 4096), {}),
    ("fc 4096->4096", "Linear", (4096, 4096), {}),
    ("fc 4096->1000", "Linear", (4096, 1000), {}),
]


def _build(lib: str, kind: str, args: tuple, kwargs: dict, init: str):
    import importlib

    mod = importlib.import_module(lib)
    nn = importlib.import_module(lib + ".nn")
    mod.manual_seed(0)
    layer = getattr(nn, kind)(*args, **kwargs)
    if init == "torchvision":
        if kind == "Conv2d":
            nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(layer.bias, 0)
        else:
            nn.init.normal_(layer.weight, 0, 0.01)
            nn.init.constant_(layer.bias, 0)
    return layer


def _peak_mb() -> float:
    """This process's resident-memory high-water mark (VmHWM; ru_maxrss would include the
    parent's, which Linux carries over an exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(lib: str, index: int, init: str) -> None:
    """Build one layer in this fresh process and print its peak memory above the baseline."""
    import numpy  # noqa: F401  (imported before the baseline, as the libraries import it)

    __import__(lib + ".nn")
    if lib == "torch":
        import torch

        torch.set_num_threads(1)
    base = _peak_mb()
    _, kind, args, kwargs = LAYERS[index]
    start = time.perf_counter()
    _build(lib, kind, args, kwargs, init)
    took = time.perf_counter() - start
    print(json.dumps({"seconds": took, "peak_mb": _peak_mb() - base}))


def _memory(lib: str, index: int, init: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", lib, str(index), init],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="layers whose name contains this")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        _child(opts.child[0], int(opts.child[1]), opts.child[2])
        return

    import numpy as np
    import torch

    torch.set_num_threads(1)
    print(
        f"{'layer':16s} {'init':12s} {'weights':>8s} {'convkit s':>10s} {'torch s':>8s} "
        f"{'ratio':>6s} {'convkit MB':>11s} {'torch MB':>9s}"
    )
    for index, (name, kind, args, kwargs) in enumerate(LAYERS):
        if opts.only not in name:
            continue
        for init in ("default", "torchvision"):
            ours = _build("convkit", kind, args, kwargs, init)
            theirs = _build("torch", kind, args, kwargs, init)
            for key, value in theirs.state_dict().items():
                if not np.array_equal(ours.state_dict()[key].numpy(), value.numpy()):
                    raise SystemExit(f"{name} {init}: {key} differs from torch's")
            weight_mb = sum(v.numel() for v in theirs.state_dict().values()) * 4 / 2**20
            del ours, theirs
            times: dict[str, list[float]] = {"convkit": [], "torch": []}
            for _ in range(opts.repeat):
                for lib in ("convkit", "torch"):
                    start = time.perf_counter()
                    _build(lib, kind, args, kwargs, init)
                    times[lib].append(time.perf_counter() - start)
            mem = {lib: _memory(lib, index, init)["peak_mb"] for lib in ("convkit", "torch")}
            ck_t, t_t = statistics.median(times["convkit"]), statistics.median(times["torch"])
            print(
                f"{name:16s} {init:12s} {weight_mb:7.0f}M {ck_t:10.3f} {t_t:8.3f} "
                f"{ck_t / t_t:6.2f} {mem['convkit']:11.0f} {mem['torch']:9.0f}"
            )


if __name__ == "__main__":
    main()
