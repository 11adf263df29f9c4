"""convkit vs torch on F.gelu (approximate 'none' and 'tanh'), float32 and float64, forward and
forward+backward, side by side in one process (not a test: it reports, never asserts).

Uses bench_nn's interleaved median timing; prints medians and the ratio convkit/torch.

    python benchmarks/bench_gelu.py [--repeat 9] [--shape 8 64 56 56]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from bench_nn import _median_ms, _pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--shape", type=int, nargs="+", default=[8, 64, 56, 56])
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"input {tuple(args.shape)}, 2 threads")
    print(f"{'case':<22} {'pass':<8} {'convkit ms':>10} {'torch ms':>9} {'ratio':>6}")
    for dtype in (np.float32, np.float64):
        x = np.random.default_rng(0).standard_normal(args.shape).astype(dtype)
        for approximate in ("none", "tanh"):
            for backward in (False, True):
                run_ck, run_torch = _pair("gelu", dict(approximate=approximate), x, backward)
                run_ck(), run_torch()  # warm up
                ck_ms, t_ms = [], []
                for _ in range(3):  # interleaved rounds
                    ck_ms.append(_median_ms(run_ck, args.repeat))
                    t_ms.append(_median_ms(run_torch, args.repeat))
                c, t = statistics.median(ck_ms), statistics.median(t_ms)
                label = f"gelu {approximate} {np.dtype(dtype).name}"
                kind = "fwd+bwd" if backward else "fwd"
                print(f"{label:<22} {kind:<8} {c:>10.2f} {t:>9.2f} {c / t:>6.2f}")


if __name__ == "__main__":
    main()
