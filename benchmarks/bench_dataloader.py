"""DataLoader throughput with worker processes: convkit vs torch (reports, never asserts).

A dataset whose ``__getitem__`` is slow, either waiting (I/O-like: ``time.sleep``) or computing
(CPU-bound NumPy work), is read in batches with num_workers = 0, 1, 2 by both libraries; the
median time of an epoch and the speed-up over num_workers=0 are printed. Workers start with
'fork'; their start-up is part of every epoch, as without persistent_workers.

    python benchmarks/bench_dataloader.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


class Waiting:
    """Each sample waits ``delay`` seconds (a disk or network read) and is a 3x32x32 image."""

    def __init__(self, n: int, delay: float) -> None:
        self.n, self.delay = n, delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        time.sleep(self.delay)
        return np.full((3, 32, 32), i, dtype=np.float32), i


class Computing:
    """Each sample costs a few milliseconds of NumPy work (decoding, augmentation)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        rng = np.random.default_rng(i)
        image = rng.random((3, 64, 64), dtype=np.float32)
        for _ in range(6):
            image = np.sqrt(np.abs(np.fft.ifft2(np.fft.fft2(image)).real))
        return image[:, :32, :32].copy(), i


def _epoch(module, dataset, workers: int) -> float:
    loader = module.DataLoader(
        dataset,
        batch_size=16,
        shuffle=True,
        num_workers=workers,
        multiprocessing_context="fork" if workers else None,
    )
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()

    import torch
    import torch.utils.data as tud

    import convkit.utils.data as cud

    torch.set_num_threads(1)
    datasets = [("waiting 5 ms", Waiting(192, 0.005)), ("computing", Computing(192))]
    print(
        f"{'dataset':14s} {'workers':>7s} {'convkit s':>10s} {'speed-up':>9s} "
        f"{'torch s':>8s} {'speed-up':>9s}"
    )
    for name, dataset in datasets:
        base: dict[str, float] = {}
        for workers in (0, 1, 2):
            times: dict[str, list[float]] = {"convkit": [], "torch": []}
            for _ in range(opts.repeat):
                times["convkit"].append(_epoch(cud, dataset, workers))
                times["torch"].append(_epoch(tud, dataset, workers))
            med = {k: statistics.median(v) for k, v in times.items()}
            if workers == 0:
                base = dict(med)
            print(
                f"{name:14s} {workers:7d} {med['convkit']:10.3f} "
                f"{base['convkit'] / med['convkit']:8.2f}x {med['torch']:8.3f} "
                f"{base['torch'] / med['torch']:8.2f}x"
            )


if __name__ == "__main__":
    main()
