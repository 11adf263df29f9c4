"""Parity of convkit.functions.indexing with torch (see harness.py)."""

from __future__ import annotations

import pytest

import convkit.functions.indexing as module
from tests.functions.harness import ALL, A, C, I, L, check_covered, run

M = A((3, 4))
NC = A((3, 4), nc=True)
MASK = A((3, 4), dtype="bool")
IDX = I([[0, 2, 1, 0], [2, 2, 0, 1]])  # (2, 4) indices into dim 0 of M
UNIQ = I([[0, 1, 2, 0], [2, 0, 1, 1]])  # distinct along dim 1 per row

CASES = [
    C("gather", M, 0, IDX, _dtypes=ALL),
    C("gather", NC, 1, I([[3, 0], [1, 1], [2, 3]]), _id="gather-nc"),
    C("gather", M, 0, I([[3, 0, 0, 0]]), _id="gather-index-out-of-range"),
    C("gather", M, 2, IDX, _id="gather-dim-out-of-range"),
    C("gather", M, 0, L([[0.0, 1.0]]), _id="gather-float-index"),
    C("take_along_dim", M, I([[0], [2], [1]]), 1, _dtypes=ALL),
    C("take_along_dim", M, I([5, 0, 11]), _id="take_along_dim-flat"),
    C("take", NC, I([[0, 5], [11, -1]]), _dtypes=ALL),
    C("take", M, I([12]), _id="take-out-of-range"),
    C("index_select", M, 1, I([3, 0, 0]), _dtypes=ALL),
    C("index_select", NC, 0, I([2]), _id="index_select-nc"),
    C("index_select", M, 0, I([3]), _id="index_select-out-of-range"),
    C("index_select", M, 0, I([[0]]), _id="index_select-2d-index"),
    C("index_add", M, 0, I([0, 2, 0]), A((3, 4)), _dtypes=ALL),
    C("index_add", M, 1, I([1, 1]), A((3, 2)), alpha=2.0, _id="index_add-alpha"),
    C("index_add", M, 0, I([0, 2]), A((3, 4)), _id="index_add-mismatch"),
    C("index_copy", M, 0, I([2, 0]), A((2, 4)), _dtypes=ALL),
    C("index_fill", M, 1, I([0, 3]), -1.5, _dtypes=("float32", "float64")),
    C("index_fill", M, 1, I([0, 3]), 2, _dtypes=("int64",), _id="index_fill-int"),
    C("index_reduce", M, 0, I([0, 2, 0]), A((3, 4)), "prod", _dtypes=ALL),
    *(
        C(
            "index_reduce",
            M,
            0,
            I([0, 2, 0]),
            A((3, 4)),
            r,
            include_self=False,
            _id=f"index_reduce-{r}",
        )
        for r in ("mean", "amax", "amin")
    ),
    C("index_reduce", M, 0, I([0]), A((1, 4)), "sum", _id="index_reduce-bad-reduce"),
    C("index_put", M, (I([0, 2]), I([1, 3])), A((2,)), _dtypes=ALL),
    C("index_put", M, (I([0, 0]), I([1, 1])), A((2,)), True, _id="index_put-accumulate"),
    C("index_put", M, (MASK,), L(1.5), _id="index_put-mask", _grad=False),
    C("index_put_", M, (I([1]),), A((4,)), _grad=False),
    C("masked_fill", M, MASK, -2.0, _dtypes=ALL),
    C("masked_fill", NC, A((4,), dtype="bool"), L(3.0), _id="masked_fill-tensor-value"),
    C("masked_fill", M, A((3, 4)), 0.0, _id="masked_fill-float-mask"),
    C("masked_select", M, MASK, _dtypes=ALL),
    C("masked_select", NC, A((4,), dtype="bool"), _id="masked_select-broadcast"),
    C("masked_scatter", M, MASK, A((12,)), _dtypes=ALL),
    C("masked_scatter", M, A((3, 4), dtype="float64"), A((12,)), _id="masked_scatter-float-mask"),
    C("nonzero", A((3, 4), kind="big"), _dtypes=ALL),
    C("nonzero", A((3, 4), kind="big"), as_tuple=True, _id="nonzero-tuple"),
    C("nonzero", A(()), _id="nonzero-0d"),
    C("nonzero_static", A((3, 4), kind="big"), size=20, fill_value=-7, _dtypes=ALL),
    C("nonzero_static", A((3, 4), kind="big"), size=2, _id="nonzero_static-truncated"),
    C("argwhere", A((3, 4), kind="big"), _dtypes=ALL),
    C("argwhere", A((0, 2)), _id="argwhere-empty"),
    C("where", MASK, M, A((4,)), _dtypes=ALL),
    C("where", MASK, NC, 0.0, _id="where-scalar"),
    C("where", A((3, 4), kind="big"), _id="where-one-argument"),
    C("where", M, M, M, _id="where-float-condition"),
    C("where", MASK, A((3, 4)), A((2, 4)), _id="where-mismatch"),
    C("scatter", M, 0, IDX, A((2, 4)), _dtypes=ALL, _id="scatter"),
    C("scatter", M, 1, UNIQ, -1.0, _id="scatter-value"),
    C(
        "scatter",
        M,
        1,
        UNIQ,
        A((2, 4)),
        reduce="multiply",
        _id="scatter-reduce-multiply",
        _grad=False,
    ),
    C("scatter", M, 0, I([[3, 0, 0, 0]]), A((1, 4)), _id="scatter-out-of-range"),
    C("scatter_add", M, 0, IDX, A((2, 4)), _dtypes=ALL),
    C("scatter_add", NC, 1, I([[0, 0], [1, 3], [2, 2]]), A((3, 2)), _id="scatter_add-nc"),
    *(
        C(
            "scatter_reduce",
            M,
            0,
            IDX,
            A((2, 4)),
            r,
            include_self=s,
            _id=f"scatter_reduce-{r}-{s}",
            _dtypes=ALL,
        )
        for r in ("sum", "prod", "mean", "amax", "amin")
        for s in (True, False)
    ),
    C(
        "scatter_reduce", M, 0, IDX, A((2, 4)), "max", _id="scatter_reduce-max-alias", _grad=False
    ),  # torch: no backward for it
    C("scatter_reduce", M, 0, IDX, A((2, 4)), "maximum", _id="scatter_reduce-bad-reduce"),
    C("put", M, I([0, 5, 11]), A((3,)), _dtypes=ALL),
    C("put", M, I([0, 0]), A((2,)), True, _id="put-accumulate"),
    C("put", M, I([12]), A((1,)), _id="put-out-of-range"),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


def test_every_function_has_a_case():
    check_covered(module, CASES)
