"""Elementwise primitives (ops/basic.py) against torch where the formula of a gradient decides
its rounding."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import same_as_torch


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_division_gradient_of_the_divisor_is_torchs_formula(dtype):
    # torch's -g * ((a / b) / b): where a * b * b would underflow (b = 1e-30 in float32) or
    # overflow, and in the rounding that decides a cancelling sum (the gradient of a
    # cosine_similarity of one-element vectors, exactly 0, is torch's -6.1e-05 in float32)
    a = np.array([1.0, -3.0, 2e-30, 0.0018544, 5e20], dtype=dtype)
    b = np.array([1e-30, 7.0, 1e-30, 0.0018544, 3e20], dtype=dtype)
    g = np.array([0.5, -1.25, 2.0, -1.423825, 1.0], dtype=dtype)

    def fn(lib):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        (x / y).backward(lib.tensor(g))
        u = lib.tensor(a[3:4], requires_grad=True)
        v = lib.tensor(a[3:4], requires_grad=True)
        lib.nn.functional.cosine_similarity(u, v, dim=0).backward(lib.tensor(g[3]))
        return x.grad, y.grad, u.grad, v.grad

    same_as_torch(fn, rtol=0, atol=0)
