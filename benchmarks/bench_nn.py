"""convkit vs torch on the nn families added for issue 9 (upsampling, normalisation,
activations), side by side in one process (not a test: it reports, never asserts).

Both libraries get 2 threads; runs are interleaved so the shared machine's noise hits both
alike; medians and the ratio convkit/torch are printed, forward and forward+backward.

    python benchmarks/bench_nn.py [--repeat 9]
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

SHAPE = (8, 64, 56, 56)
CASES = [
    # (name, function name, keyword arguments, extra argument shapes)
    ("nearest x2", "interpolate", dict(scale_factor=2), []),
    ("bilinear x2", "interpolate", dict(scale_factor=2, mode="bilinear"), []),
    ("bicubic x2", "interpolate", dict(scale_factor=2, mode="bicubic"), []),
    ("group_norm 8", "group_norm", dict(num_groups=8), []),
    ("layer_norm CHW", "layer_norm", dict(normalized_shape=SHAPE[1:]), []),
    ("instance_norm", "instance_norm", {}, []),
    ("silu", "silu", {}, []),
    ("hardswish", "hardswish", {}, []),
    ("gelu", "gelu", {}, []),
    ("pixel_shuffle 2", "pixel_shuffle", dict(upscale_factor=2), []),
]


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def _pair(name: str, kwargs: dict, x: np.ndarray, backward: bool):
    ck_fn, t_fn = getattr(F, name), getattr(TF, name)
    xc, xt = ck.from_numpy(x), torch.from_numpy(x)
    if not backward:

        def run_ck():
            with ck.no_grad():
                ck_fn(xc, **kwargs)

        def run_torch():
            with torch.no_grad():
                t_fn(xt, **kwargs)

        return run_ck, run_torch
    xc.requires_grad_(True)
    xt.requires_grad_(True)
    with torch.no_grad():
        shape = t_fn(xt, **kwargs).shape
    g = np.random.default_rng(1).standard_normal(shape).astype(x.dtype)
    gc, gt = ck.from_numpy(g), torch.from_numpy(g)

    def run_ck_b():
        xc.grad = None
        ck_fn(xc, **kwargs).backward(gc)

    def run_torch_b():
        xt.grad = None
        t_fn(xt, **kwargs).backward(gt)

    return run_ck_b, run_torch_b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(2)
    x = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    print(f"input {SHAPE} float32")
    print(f"{'case':<16} {'pass':<8} {'convkit ms':>10} {'torch ms':>9} {'ratio':>6}")
    for label, name, kwargs, _ in CASES:
        for backward in (False, True):
            run_ck, run_torch = _pair(name, kwargs, x, backward)
            run_ck(), run_torch()  # warm up
            ck_ms, t_ms = [], []
            for _ in range(3):  # interleaved rounds
                ck_ms.append(_median_ms(run_ck, args.repeat))
                t_ms.append(_median_ms(run_torch, args.repeat))
            c, t = statistics.median(ck_ms), statistics.median(t_ms)
            kind = "fwd+bwd" if backward else "fwd"
            print(f"{label:<16} {kind:<8} {c:>10.2f} {t:>9.2f} {c / t:>6.2f}")


if __name__ == "__main__":
    main()
