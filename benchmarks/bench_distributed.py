"""Data-parallel training throughput on 1 and 2 (or more) ranks, convkit over MPI beside torch's
DistributedDataParallel over gloo, one BLAS thread per rank.

Each rank trains on its own batch of ``--batch`` images (weak scaling: the global batch grows
with the ranks, as with one GPU per rank), SGD with momentum; one rank runs the plain model,
several wrap it in DistributedDataParallel. Reported per case and rank count:

- step ms: the median over the timed steps of the slowest rank's step;
- images/s: ranks x batch / step time; efficiency: images/s over (ranks x the 1-rank images/s);
- allreduce ms: one all-reduce of every gradient bucket alone (no computation running), and its
  share of the step;
- waited ms: how long the end of backward still waited for the gradient reductions (convkit
  only): communication the overlap with backward did not hide, plus waiting for a slower rank.

The machine load (1-minute load average) is printed with each run: on a shared machine the
figures move by tens of percent between runs; ``--repeats`` runs each configuration again.

    python benchmarks/bench_distributed.py                 # LeNet-5 and ResNet-18, 1 and 2 ranks
    python benchmarks/bench_distributed.py --quick         # fewer steps
    python benchmarks/bench_distributed.py --ranks 1,2,4 --no-torch --repeats 3
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    # name: (input shape, classes, batch per rank)
    "LeNet-5 28x28": ((1, 28, 28), 10, 64),
    "ResNet-18 32x32": ((3, 32, 32), 10, 16),
}


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def resnet18(nn, classes=10):
    """torchvision's ResNet-18 layout with the CIFAR stem (3x3 conv, no max-pool): 11.2M
    parameters, 45 MB of float32 gradients to average every step."""

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
                )

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (x if self.down is None else self.down(x)))

    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes)]
    return nn.Sequential(*layers)


# ----- one run: every case on the ranks of this process's MPI (or torchrun) job -----------------


def one_thread(lib) -> None:
    if hasattr(lib, "set_num_threads"):
        lib.set_num_threads(1)
    if lib.__name__ == "convkit":
        from convkit.kernels import conv

        conv.THREADS = 1  # main's kernels before convkit.set_num_threads existed


def run_case(lib, dist, case: str, steps: int) -> dict:
    """Time ``steps`` training steps of ``case`` on every rank; the slowest rank counts."""
    shape, classes, batch = CASES[case]
    rank, world = dist.get_rank(), dist.get_world_size()
    lib.manual_seed(0)
    model = (lenet if case.startswith("LeNet") else resnet18)(lib.nn)
    waited: list[float] = []
    if world > 1:
        model = lib.nn.parallel.DistributedDataParallel(model)
        if lib.__name__ == "convkit":
            wait = model._wait_launched

            def timed_wait() -> None:
                t0 = time.perf_counter()
                wait()
                waited.append(time.perf_counter() - t0)

            model._wait_launched = timed_wait
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = lib.from_numpy(rng.standard_normal((batch, *shape), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, classes, batch))

    def step() -> None:
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    step()  # warm-up: first-touch allocations, buffers
    waited.clear()
    times = []
    for _ in range(steps):
        dist.barrier()
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    slowest = lib.tensor(times, dtype=lib.float64)
    dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
    # The gradient all-reduce alone: buckets of DDP's default sizes over all parameters.
    numel = sum(p.numel() for p in model.parameters())
    allreduce = []
    if world > 1:
        buffers = [lib.zeros(n) for n in _bucket_sizes(numel)]
        for _ in range(max(3, steps)):
            dist.barrier()
            t0 = time.perf_counter()
            for work in [dist.all_reduce(b, async_op=True) for b in buffers]:
                work.wait()
            allreduce.append(time.perf_counter() - t0)
    return {
        "batch": batch,
        "parameters": numel,
        "step": statistics.median(slowest.tolist()),
        "allreduce": statistics.median(allreduce) if allreduce else 0.0,
        "waited": statistics.median(waited) if waited else None,
    }


def worker(lib_name: str, steps: int, out: str) -> None:
    lib = importlib.import_module(lib_name)
    dist = importlib.import_module(lib_name + ".distributed")
    one_thread(lib)
    dist.init_process_group("gloo")
    results = {case: run_case(lib, dist, case, steps) for case in CASES}
    if dist.get_rank() == 0:
        Path(out).write_text(json.dumps({"world": dist.get_world_size(), "results": results}))
    dist.destroy_process_group()


def _bucket_sizes(numel: int) -> list[int]:
    """Elements per bucket for float32 gradients: 1 MiB first, then 25 MiB (DDP's defaults)."""
    sizes, left = [], numel
    for cap in [2**18] + [25 * 2**18] * (numel // (25 * 2**18) + 1):
        if left <= 0:
            break
        sizes.append(min(cap, left))
        left -= cap
    return sizes


# ----- the driver: launch every rank count, print the table -------------------------------------


def launch(lib_name: str, ranks: int, steps: int, out: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["CONVKIT_NUM_THREADS"] = "1"
    args = [__file__, "--worker", lib_name, "--steps", str(steps), "--out", str(out)]
    if lib_name == "convkit":
        mpiexec = Path(sys.executable).parent / "mpiexec"
        cmd = [str(mpiexec) if mpiexec.exists() else shutil.which("mpiexec") or "mpiexec"]
        cmd += ["-n", str(ranks), sys.executable, *args]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        cmd += [f"--nproc-per-node={ranks}", *args]
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2", help="comma-separated rank counts")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per run")
    parser.add_argument("--quick", action="store_true", help="fewer steps")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each configuration")
    parser.add_argument("--no-torch", action="store_true", help="convkit only")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    steps = args.steps or (3 if args.quick else 8)
    if args.worker:
        worker(args.worker, steps, args.out)
        return
    libs = ["convkit"] + ([] if args.no_torch else ["torch"])
    ranks = [int(r) for r in args.ranks.split(",")]
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_distributed_{os.getpid()}.json"
    runs: dict = {}
    for repeat in range(args.repeats):
        for lib in libs:
            for n in ranks:
                load = os.getloadavg()[0]
                got = launch(lib, n, steps, tmp)["results"]
                print(
                    f"run {repeat + 1}: {lib} {n} rank(s) done, load average {load:.1f}", flush=True
                )
                for case, r in got.items():
                    runs.setdefault((case, lib, n), []).append(r)
    tmp.unlink(missing_ok=True)
    print(
        f"\n{'case':16s} {'lib':8s} {'ranks':>5s} {'batch':>5s} {'step ms':>9s} {'images/s':>9s} "
        f"{'effic.':>7s} {'allreduce ms':>12s} {'share':>6s} {'waited ms':>10s}"
    )
    for case in CASES:
        for lib in libs:
            base = None
            for n in ranks:
                rs = runs[(case, lib, n)]
                step = statistics.median(r["step"] for r in rs)
                rate = n * rs[0]["batch"] / step
                base = rate if n == 1 else base
                eff = f"{rate / (n * base):7.2f}" if base else f"{'':7s}"
                ar = statistics.median(r["allreduce"] for r in rs)
                exp = [r["waited"] for r in rs if r["waited"] is not None]
                exp_s = f"{statistics.median(exp) * 1e3:10.1f}" if exp else f"{'':>10s}"
                spread = ""
                if len(rs) > 1:
                    lo, hi = min(r["step"] for r in rs), max(r["step"] for r in rs)
                    spread = f"  (steps {lo * 1e3:.0f}-{hi * 1e3:.0f} ms)"
                print(
                    f"{case:16s} {lib:8s} {n:5d} {rs[0]['batch']:5d} {step * 1e3:9.1f} "
                    f"{rate:9.1f} {eff} {ar * 1e3:12.1f} {ar / step:6.1%} {exp_s}{spread}"
                )


if __name__ == "__main__":
    main()
