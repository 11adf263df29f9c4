"""Shared timing rules of the benchmarks: paired, interleaved, medians of ratios, load recorded.

Every benchmark times convkit and torch side by side in one process on the same thread count.
Each round runs every candidate once (the order rotating between rounds, so neither always runs
on a warm cache), a candidate's time in a round is the mean of enough back-to-back calls to cover
``min_ms``, and a reported ratio is the median over rounds of the per-round ratio: the two
candidates of one round saw the same machine, so a shared machine's noise mostly cancels.

``--compete N`` runs N CPU-bound processes beside the suite (``competing_load``) and reports each
library's slowdown against its own quiet time: convkit's Python threads give way, torch's
OpenMP threads spin.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing as mp
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

#: The clock ``measure`` reads: wall time, or with ``--cpu`` the process's CPU time (user +
#: system, all threads), which a busy machine disturbs far less. At one thread per library the
#: CPU-time ratio is what the wall-time ratio would be on a quiet machine, up to cache effects.
clock = time.perf_counter


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time CPU time (process_time) instead of wall time; use with --threads 1",
    )
    parser.add_argument(
        "--compete",
        type=int,
        default=0,
        metavar="N",
        help="also run the suite beside N CPU-bound processes and report both slowdowns",
    )


def configure(args: argparse.Namespace) -> None:
    """Apply ``--threads`` and ``--cpu``."""
    global clock
    set_threads(args.threads)
    if args.cpu:
        clock = time.process_time


def set_threads(n: int) -> None:
    import torch

    import convkit

    torch.set_num_threads(n)
    convkit.set_num_threads(n)


def loadavg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpu}, {cores} cores available; NumPy {np.__version__}, torch {torch.__version__}, "
        f"Python {platform.python_version()}"
    )


def header(title: str, threads: int) -> None:
    what = "CPU time (process_time)" if clock is time.process_time else "wall time"
    print(f"# {title}; {what}, medians over interleaved rounds, ratio = median of round ratios")
    print(f"# machine: {machine()}")
    print(f"# threads: {threads} (convkit and torch); load average before: {loadavg()}")


def footer() -> None:
    print(f"# load average after: {loadavg()}", flush=True)


def _once(fn: Callable[[], object]) -> float:
    t0 = clock()
    fn()
    return (clock() - t0) * 1e3


def measure(fns: Sequence[Callable[[], object]], repeats: int, min_ms: float) -> list[list[float]]:
    """Per candidate, its time in ms in each of ``repeats`` interleaved rounds."""
    for fn in fns:  # warm-up: allocations, thread pools, caches
        fn()
    quickest = min(min(_once(fn) for _ in range(2)) for fn in fns)
    inner = max(1, int(min_ms / max(quickest, 1e-3)))
    times: list[list[float]] = [[] for _ in fns]
    for r in range(repeats):
        order = list(range(len(fns)))
        order = order[r % len(order) :] + order[: r % len(order)]
        for i in order:
            t0 = clock()
            for _ in range(inner):
                fns[i]()
            times[i].append((clock() - t0) * 1e3 / inner)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def median_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """The median over rounds of ``a[i] / b[i]``."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.mean(math.log(v) for v in values))


def _spin(stop: mp.synchronize.Event) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextlib.contextmanager
def competing_load(n: int) -> Iterator[None]:
    """``n`` CPU-bound processes running for the duration of the block."""
    if n <= 0:
        yield
        return
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let them reach full speed
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


Case = tuple[str, Callable[[], tuple[Callable[[], object], Callable[[], object]]]]


def run_table(
    cases: Sequence[Case], repeats: int, min_ms: float, compete: int = 0, label: str = "case"
) -> list[float]:
    """Time each case's (convkit, torch) pair and print one row per case; returns the ratios.

    With ``compete`` > 0 each case is timed again beside that many CPU-bound processes, and the
    row adds both libraries' slowdown (loaded median / quiet median) and the loaded ratio.
    """
    width = max([len(label)] + [len(name) for name, _ in cases])
    head = f"{label:{width}s} {'convkit ms':>10s} {'torch ms':>9s} {'ratio':>6s}"
    if compete:
        head += f"   {'loaded ck':>9s} {'torch':>9s} {'ck slow':>7s} {'t slow':>7s} {'ratio':>6s}"
    print(head)
    print("-" * len(head))
    ratios = []
    for name, make in cases:
        ck, th = make()
        a, b = measure([ck, th], repeats, min_ms)
        r = median_ratio(a, b)
        ratios.append(r)
        row = f"{name:{width}s} {median(a):10.2f} {median(b):9.2f} {r:6.2f}"
        if compete:
            with competing_load(compete):
                la, lb = measure([ck, th], repeats, min_ms)
            row += (
                f"   {median(la):9.2f} {median(lb):9.2f} {median(la) / median(a):7.2f} "
                f"{median(lb) / median(b):7.2f} {median_ratio(la, lb):6.2f}"
            )
        print(row, flush=True)
    print("-" * len(head))
    return ratios
