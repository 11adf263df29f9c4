"""The VectorNorm primitive (ops/norm.py) against torch: gradients where the norm is infinite,
NaN or attained by several entries."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import same_as_torch

_ROWS = np.array(
    [
        [1.0, np.inf, 2.0],  # an infinite norm: x / inf-norm's backward sends a NaN gradient
        [np.nan, 1.0, 0.0],  # a NaN norm
        [3.0, -np.inf, np.inf],  # attained twice
        [0.0, 0.0, 0.0],
        [1.0, -3.0, 3.0],
        [np.nan, np.nan, 1.0],
    ]
)


@pytest.mark.parametrize("p", [np.inf, -np.inf])
def test_infinity_norm_gradient_is_torchs(p):
    # torch's sgn(x) * (g / count * hit), a product: a NaN share makes the whole row NaN, where
    # a select would leave the entries that do not attain the norm at 0
    cot = np.arange(_ROWS.size, dtype=np.float64).reshape(_ROWS.shape) / 7

    def fn(lib):
        x = lib.tensor(_ROWS, requires_grad=True)
        y = lib.nn.functional.normalize(x, p=p, dim=1)
        (y * lib.tensor(cot)).sum().backward()
        x2 = lib.tensor(_ROWS, requires_grad=True)
        n = lib.linalg.vector_norm(x2, ord=p, dim=1)
        (n * lib.tensor(cot[:, 0])).sum().backward()
        return y, x.grad, n, x2.grad

    same_as_torch(fn)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "rows",
    [
        [[1.0, 3.0], [4.0, 0.0], [2.0, 2.0]],  # pairs whose two differences tie
        [[np.nan, 1.0], [0.0, 0.0], [np.inf, 1.0]],
        [[np.inf, 2.0], [-np.inf, 2.0], [1.0, 5.0]],
        [[0.0, 0.0], [0.0, 0.0]],
    ],
)
def test_pdist_infinity_gradient_gives_each_tied_entry_the_whole_gradient(rows, dtype):
    # torch's pdist backward: g * sign(d) * (1 - min(1, ceil(||d| - dist|))) per entry, where
    # vector_norm's gradient would share g between the tied entries
    def fn(lib):
        x = lib.tensor(np.array(rows, dtype=dtype), requires_grad=True)
        y = lib.nn.functional.pdist(x, float("inf"))
        y.backward(lib.tensor(np.arange(1, y.numel() + 1, dtype=dtype)))
        return y, x.grad

    same_as_torch(fn)
