"""Exhaustive check behind the fast path of convkit's float32 normals (not a timing).

torch's vectorised float32 Box-Muller evaluates ``log`` on u1 = 1 - k * 2**-24 and ``sin``/``cos``
on 2*pi*k * 2**-24 for k in [0, 2**24): 2**24 possible inputs each. kernels/rng.py emulates the
fused multiply-adds of those polynomials either exactly (``fma_f32``: a check for float64 sums
that land on a float32 halfway point, then rounding to odd) or plainly (``fma_f32_plain``: one
float64 sum rounded to float32). This script evaluates both on every possible input and reports
where they differ; convkit uses the plain one for log and sincos because this finds none.

    python benchmarks/prove_box_muller.py          # about a minute on one core
"""

from __future__ import annotations

import sys
import time

import numpy as np

from convkit.kernels import rng as K

BLOCK = 1 << 18


def main() -> int:
    start = time.perf_counter()
    bad_log = bad_sin = bad_cos = 0
    two_pi = np.float32(2.0 * np.pi)
    for lo in range(0, 1 << 24, BLOCK):
        k = np.arange(lo, lo + BLOCK, dtype=np.uint32)
        u = k.astype(np.float32) * np.float32(2.0**-24)
        u1 = np.float32(1.0) - u
        bad_log += int(np.sum(K.log_f32(u1) != K.log_f32(u1, K.fma_f32_plain)))
        theta = two_pi * u
        s_exact, c_exact = K.sincos_f32(theta)
        s_plain, c_plain = K.sincos_f32(theta, K.fma_f32_plain)
        bad_sin += int(np.sum(s_exact != s_plain))
        bad_cos += int(np.sum(c_exact != c_plain))
    took = time.perf_counter() - start
    print(
        f"2**24 inputs each, {took:.0f} s: log differs at {bad_log}, sin at {bad_sin}, "
        f"cos at {bad_cos}"
    )
    return 1 if bad_log or bad_sin or bad_cos else 0


if __name__ == "__main__":
    sys.exit(main())
