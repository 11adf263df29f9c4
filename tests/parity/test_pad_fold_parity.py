"""F.pad (four modes, 1-3 padded dims, negative constant pads), unfold and fold against torch."""

import pytest

from tests.parity.cases import DTYPES, fold_cases, pad_cases, params, run_case, unfold_cases

PAD = pad_cases(48, seed=901)
UNFOLD = unfold_cases(15, seed=902)
FOLD = fold_cases(15, seed=903)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(PAD))
def test_pad(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(UNFOLD))
def test_unfold(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", params(FOLD))
def test_fold(case, dtype):
    run_case(case, dtype)


@pytest.mark.parametrize("case", params(PAD[::4] + UNFOLD[::3] + FOLD[::3]))
def test_strided_input(case):
    """A non-contiguous input view (every other element of a larger leaf)."""
    run_case(case, "float64", strided=True)
