"""Parity of convkit.functions.reductions with torch (see harness.py)."""

from __future__ import annotations

import pytest

import convkit.functions.reductions as module
from tests.functions.harness import ALL, A, C, L, check_covered, run

XFAIL_CUMSUM_BOOL = pytest.mark.xfail(
    strict=True,
    reason="bool.cumsum_(): torch raises NotImplementedError ('cumsum_out_cpu' not implemented "
    "for 'Bool'), convkit the in-place cast's RuntimeError",
)
X = A((3, 4, 5))
NC = A((3, 4, 5), nc=True)
E = A((0, 4))
Z = A(())

CASES = [
    *(
        c
        for n in ("sum", "mean", "prod", "nansum", "nanmean", "logsumexp", "amax", "amin")
        for c in (
            C(
                n,
                X,
                1,
                _dtypes=ALL
                if n not in ("mean", "nanmean", "logsumexp")
                else ("float32", "float64"),
            ),
            C(n, NC, (0, 2), True, _id=f"{n}-dims-keepdim-nc"),
            C(n, X, -1, _id=f"{n}-negative-dim"),
            C(n, X, 3, _id=f"{n}-dim-out-of-range"),
        )
    ),
    *(C(n, X, _dtypes=ALL) for n in ("sum", "prod", "nansum", "amax", "amin")),
    *(C(n, X) for n in ("mean", "nanmean")),
    *(C(n, Z, _id=f"{n}-0d") for n in ("sum", "mean", "prod", "amax", "logsumexp")),
    C("logsumexp", Z, 0, _id="logsumexp-0d-dim"),
    C("sum", E, 0, _id="sum-empty"),
    C("sum", E, _id="sum-empty-all"),
    C("mean", E, 1, _id="mean-empty-dim"),
    C("amax", E, 0, _id="amax-empty-reduced"),
    C("prod", E, 1, _id="prod-empty"),
    C(
        "sum",
        A((3, 4), dtype="int64"),
        1,
        dtype="dtype:float64",
        _id="sum-dtype",
        _dtypes=("float64",),
    ),
    C("sum", A((3, 4), dtype="bool"), 0, _id="sum-bool", _dtypes=("float64",)),
    C("mean", X, _dtypes=("int64",), _id="mean-int-error"),
    C("prod", X, 1, dtype="dtype:float64", _id="prod-dtype"),
    C("prod", L([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]]), 1, _id="prod-zeros"),
    C("nansum", L([[1.0, float("nan")], [2.0, 3.0]]), 1, _id="nansum-nan"),
    C("nanmean", L([[1.0, float("nan")], [float("nan"), float("nan")]]), 1, _id="nanmean-nan"),
    *(
        c
        for n in ("var", "std", "var_mean", "std_mean")
        for c in (
            C(n, X),
            C(n, X, 1),
            C(n, NC, (0, 2), keepdim=True, _id=f"{n}-nc-keepdim"),
            C(n, X, 1, correction=0, _id=f"{n}-correction0"),
            C(n, X, 1, unbiased=False, _id=f"{n}-unbiased-false"),
            C(n, X, 1, False, _id=f"{n}-positional-unbiased"),
            C(n, A((1, 4)), 0, _id=f"{n}-single-sample"),
            C(n, X, _dtypes=("int64",), _id=f"{n}-int-error"),
            C(n, X, 5, _id=f"{n}-dim-out-of-range"),
        )
    ),
    *(
        c
        for n in ("max", "min", "argmax", "argmin")
        for c in (
            C(n, X, _dtypes=ALL),
            C(n, X, 1, _dtypes=ALL),
            C(n, NC, -1, True, _id=f"{n}-nc-keepdim"),
            C(n, A((3, 4), kind="big"), 0, _dtypes=("int64",), _id=f"{n}-ties"),
            C(n, Z, _id=f"{n}-0d"),
            C(n, E, 1, _id=f"{n}-empty-kept"),
            C(n, E, _id=f"{n}-empty-error"),
            C(n, X, 3, _id=f"{n}-dim-out-of-range"),
        )
    ),
    C("max", X, A((4, 5)), _id="max-binary"),
    C("min", X, A((4, 5)), _id="min-binary"),
    C("max", L([1.0, float("nan"), 2.0]), _id="max-nan"),
    C("argmax", L([1.0, float("nan"), 2.0]), _id="argmax-nan"),
    C("aminmax", X, _dtypes=ALL),
    C("aminmax", NC, dim=1, keepdim=True, _id="aminmax-dim"),
    *(
        c
        for n in ("all", "any")
        for c in (
            C(n, A((3, 4), dtype="bool"), _dtypes=("float64",)),
            C(n, A((3, 4), dtype="bool"), 1, _dtypes=("float64",), _id=f"{n}-dim"),
            C(n, A((3, 4), kind="big"), 0, True, _dtypes=ALL, _id=f"{n}-numbers"),
            C(n, E, 0, _id=f"{n}-empty"),
            C(n, E, _id=f"{n}-empty-all"),
        )
    ),
    C("count_nonzero", A((3, 4), kind="big"), _dtypes=ALL),
    C("count_nonzero", A((3, 4), kind="big"), (0, 1), _dtypes=ALL, _id="count_nonzero-dims"),
    C("count_nonzero", A((3, 4), kind="big"), 1, _id="count_nonzero-dim"),
    *(
        c
        for n in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp")
        for c in (
            C(n, X, 1, _dtypes=ALL if n != "logcumsumexp" else ("float32", "float64")),
            C(n, NC, -1, _id=f"{n}-nc"),
            C(n, Z, 0, _id=f"{n}-0d"),
            C(n, E, 0, _id=f"{n}-empty"),
            C(n, X, 3, _id=f"{n}-dim-out-of-range"),
        )
    ),
    C("cumsum", A((3, 4), dtype="int64"), 1, dtype="dtype:float32", _id="cumsum-dtype"),
    C("cumsum", A((3, 4), dtype="bool"), 0, _id="cumsum-bool", _inplace=False),
    C("cumsum_", A((3, 4), dtype="bool"), 0, _id="cumsum_-bool", _marks=(XFAIL_CUMSUM_BOOL,)),
    C("cumprod", L([[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 1.0]]), 1, _id="cumprod-zeros"),
    C("diff", X, _dtypes=ALL),
    C("diff", NC, 2, 0, _id="diff-n2-dim0"),
    C("diff", X, 1, -1, A((3, 4, 1)), A((3, 4, 2)), _id="diff-prepend-append"),
    C("diff", A((3, 4), dtype="bool"), _id="diff-bool"),
    C("cov", A((3, 6))),
    C("cov", A((3, 6), nc=True), correction=0, _id="cov-correction0"),
    C(
        "cov",
        A((3, 6)),
        fweights=L([1, 2, 1, 3, 1, 2], "int64"),
        aweights=A((6,), kind="pos", grad=False),
        _id="cov-weights",
    ),
    C("cov", A((6,)), _id="cov-1d"),
    C("corrcoef", A((3, 6))),
    C("corrcoef", A((6,)), _id="corrcoef-1d"),
    C("trapezoid", X, _dtypes=ALL),
    C("trapezoid", X, dx=0.5, dim=1, _id="trapezoid-dx"),
    C("trapezoid", A((3, 5)), A((5,), grad=False), _id="trapezoid-x"),
    C("trapz", X),
    C("trapz", A((3, 5)), A((5,), grad=False), _id="trapz-x"),
    C("cumulative_trapezoid", X, _dtypes=ALL),
    C("cumulative_trapezoid", A((3, 5)), A((5,), grad=False), dim=-1, _id="cumulative_trapezoid-x"),
    C("cumulative_trapezoid", NC, dx=2.0, dim=0, _id="cumulative_trapezoid-dx"),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


def test_every_function_has_a_case():
    check_covered(module, CASES)
