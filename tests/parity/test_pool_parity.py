"""Max/avg/adaptive/lp pooling and max_unpool against torch: outputs, indices, gradients."""

import pytest

from tests.parity.cases import (
    DTYPES,
    adaptive_cases,
    avg_pool_cases,
    lp_pool_cases,
    max_pool_cases,
    max_unpool_cases,
    params,
    run_case,
)

MAX = (
    max_pool_cases(1, 20, seed=401)
    + max_pool_cases(2, 30, seed=402)
    + max_pool_cases(3, 12, seed=403)
)
AVG = (
    avg_pool_cases(1, 20, seed=501)
    + avg_pool_cases(2, 30, seed=502)
    + avg_pool_cases(3, 12, seed=503)
)
ADAPTIVE = [
    c
    for n, count in ((1, 8), (2, 12), (3, 6))
    for kind in ("avg", "max")
    for c in adaptive_cases(kind, n, count, seed=600 + 10 * n + len(kind))
]
UNPOOL = (
    max_unpool_cases(1, 6, seed=701)
    + max_unpool_cases(2, 8, seed=702)
    + max_unpool_cases(3, 4, seed=703)
)
LP = lp_pool_cases(1, 8, seed=801) + lp_pool_cases(2, 12, seed=802) + lp_pool_cases(3, 4, seed=803)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(MAX))
def test_max_pool(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(AVG))
def test_avg_pool(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(ADAPTIVE))
def test_adaptive_pool(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(UNPOOL))
def test_max_unpool(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(LP))
def test_lp_pool(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("case", params((MAX + AVG + ADAPTIVE + LP)[::6]))
def test_pool_strided_input(case):
    """A non-contiguous input view (every other element of a larger leaf)."""
    run_case(case, "float64", strided=True)
