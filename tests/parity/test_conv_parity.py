"""conv1d/2d/3d and conv_transpose1d/2d/3d against torch: outputs and gradients, float64/32."""

import pytest

from tests.parity.cases import (
    DTYPES,
    conv_cases,
    conv_transpose_cases,
    conv_transpose_output_size_cases,
    params,
    run_case,
)

CONV = conv_cases(1, 30, seed=101) + conv_cases(2, 50, seed=102) + conv_cases(3, 20, seed=103)
CONV_T = (
    conv_transpose_cases(1, 20, seed=201)
    + conv_transpose_cases(2, 30, seed=202)
    + conv_transpose_cases(3, 12, seed=203)
)
CONV_T_SIZE = (
    conv_transpose_output_size_cases(1, 4, seed=301)
    + conv_transpose_output_size_cases(2, 6, seed=302)
    + conv_transpose_output_size_cases(3, 3, seed=303)
)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(CONV))
def test_conv(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(CONV_T))
def test_conv_transpose(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(CONV_T_SIZE))
def test_conv_transpose_output_size(case, dtype):
    """convkit's output_size= against torch's output_padding that the module would pick."""
    run_case(case, dtype)


@pytest.mark.parametrize("case", params(CONV[::5] + CONV_T[::5]))
def test_conv_strided_input(case):
    """A non-contiguous input view (every other element of a larger leaf)."""
    run_case(case, "float64", strided=True)


@pytest.mark.parametrize(
    "which",
    [
        pytest.param(0, id="input-only"),
        pytest.param(1, id="weight-only"),
        pytest.param(2, id="bias-only"),
    ],
)
@pytest.mark.parametrize(
    "case", params([c for c in CONV[::6] + CONV_T[::6] if c.tensors[2] is not None])
)
def test_conv_partial_requires_grad(case, which):
    """Only one of input/weight/bias requires grad: the others get none, that one is right."""
    run_case(case, "float64", grad_only=which)
