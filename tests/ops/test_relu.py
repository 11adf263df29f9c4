"""The Relu primitive (ops/basic.py) against torch at the edges: NaN, signed zeros, infinities."""

from __future__ import annotations

import numpy as np
import torch

import convkit as ck


def test_relu_gradient_passes_through_nan_like_torch():
    """torch's relu backward is threshold_backward: g unless the output is <= 0 (issue 10)."""
    v = [float("nan"), -0.0, 0.0, 1.0, -1.0, float("inf"), -float("inf"), 2.5]
    g = [float("inf"), 2.0, 3.0, float("nan"), 6.0, 7.0, float("-inf"), -1.0]
    for dtype in (np.float32, np.float64):
        tx = torch.tensor(np.array(v, dtype=dtype), requires_grad=True)
        torch.relu(tx).backward(torch.tensor(np.array(g, dtype=dtype)))
        cx = ck.tensor(np.array(v, dtype=dtype), requires_grad=True)
        cx.relu().backward(ck.tensor(np.array(g, dtype=dtype)))
        np.testing.assert_array_equal(cx.grad.numpy(), tx.grad.numpy())
