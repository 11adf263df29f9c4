"""Parity of convkit.functions.linalg (and convkit.linalg) with torch (see harness.py)."""

from __future__ import annotations

import pytest
import torch

import convkit as ck
import convkit.functions.linalg as module
import convkit.linalg as linalg_module
from tests.functions.harness import ALL, A, C, Case, check_covered, run

M34, M45, V3, V4, V5 = A((3, 4)), A((4, 5)), A((3,)), A((4,)), A((5,))
B = (2,)

CASES = [
    C("mm", M34, M45, _dtypes=ALL),
    C("mm", A((3, 4), nc=True), M45, _id="mm-nc"),
    C("mm", M34, A((5, 4)), _id="mm-mismatch"),
    C("mm", M34, A((4, 5), dtype="float64"), _dtypes=("float32",), _id="mm-dtype-mismatch"),
    C("mm", V4, M45, _id="mm-1d-error"),
    C("bmm", A((2, 3, 4)), A((2, 4, 5)), _dtypes=ALL),
    C("bmm", A((2, 3, 4)), A((3, 4, 5)), _id="bmm-batch-mismatch"),
    C("mv", M34, V4, _dtypes=ALL),
    C("mv", M34, V3, _id="mv-mismatch"),
    C("dot", V4, V4, _dtypes=ALL),
    C("dot", V4, V3, _id="dot-mismatch"),
    C("dot", M34, M34, _id="dot-2d-error"),
    C("vdot", V4, V4, _dtypes=ALL),
    C("inner", M34, A((5, 4)), _dtypes=ALL),
    C("inner", V4, V4, _id="inner-1d"),
    C("inner", A(()), M34, _id="inner-0d"),
    C("outer", V3, V4, _dtypes=ALL),
    C("ger", V3, V4),
    C("matmul", A((2, 3, 4)), A((4, 5)), _dtypes=ALL),
    C("matmul", V4, A((2, 4, 5)), _id="matmul-1d-3d"),
    C("matmul", A((2, 1, 3, 4)), A((3, 4, 2)), _id="matmul-broadcast"),
    C("matmul", V4, V4, _id="matmul-1d-1d"),
    C("matmul", M34, V3, _id="matmul-mismatch"),
    C("matmul", A(()), V4, _id="matmul-0d-error"),
    C("addmm", A((3, 5)), M34, M45, beta=0.5, alpha=2.0, _dtypes=ALL[:2]),
    C("addmm", V5, M34, M45, _dtypes=ALL, _id="addmm-broadcast"),
    C("addmv", V3, M34, V4, beta=2.0, alpha=-1.0),
    C("addmv", V3, M34, V4, _dtypes=("int64",), _id="addmv-int"),
    C("addr", M34, V3, V4, alpha=0.5),
    C("baddbmm", A((2, 3, 5)), A((2, 3, 4)), A((2, 4, 5)), beta=0.0),
    C("addbmm", A((3, 5)), A((2, 3, 4)), A((2, 4, 5)), alpha=3.0),
    C("addmm", A((3, 5)), M34, M45, beta=0.5, _dtypes=("int64",), _id="addmm-float-beta-int"),
    C("cross", A((4, 3)), A((4, 3)), dim=1, _dtypes=ALL),
    C("cross", A((3, 4)), A((3, 4)), _id="cross-default-dim"),
    C("cross", A((4, 4)), A((4, 4)), dim=1, _id="cross-not-3"),
    C("einsum", "ij,jk->ik", M34, M45, _dtypes=ALL),
    C("einsum", "bij,bjk->bik", A((2, 3, 4)), A((2, 4, 5)), _id="einsum-batched"),
    C("einsum", "ii->i", A((4, 4)), _id="einsum-diagonal"),
    C("einsum", "i,i", V4, V4, _id="einsum-implicit"),
    C("einsum", "...ij->...ji", A((2, 3, 4), nc=True), _id="einsum-ellipsis"),
    C("einsum", "ij,jk->ik", [M34, M45], _id="einsum-list"),
    C("einsum", M34, [0, 1], M45, [1, 2], [0, 2], _id="einsum-sublist"),
    C("einsum", "ij,jk->ik", M34, M34, _id="einsum-mismatch"),
    C("tensordot", A((2, 3, 4)), A((3, 4, 5)), _dtypes=ALL),
    C("tensordot", A((2, 3, 4)), A((4, 3, 5)), ([1, 2], [1, 0]), _id="tensordot-lists"),
    C("tensordot", M34, M45, 1, _id="tensordot-int"),
    C("kron", A((2, 3)), A((3, 2)), _dtypes=ALL),
    C("kron", V3, A((2, 2)), _id="kron-mixed-ndim"),
    C("chain_matmul", M34, M45, A((5, 2))),
    C("norm", M34, _dtypes=("float32", "float64")),
    C("norm", M34, 1, 1, _id="norm-p1-dim"),
    C("norm", A((2, 3, 4), nc=True), "fro", (1, 2), True, _id="norm-fro"),
    C("norm", M34, "nuc", _id="norm-nuc"),
    C("norm", M34, float("inf"), 0, _id="norm-inf"),
    C("norm", M34, 0, _id="norm-p0"),
    C("norm", M34, 3.0, dtype="dtype:float64", _id="norm-dtype"),
    C("norm", M34, _dtypes=("int64",), _id="norm-int-error"),
    C("frobenius_norm", A((2, 3, 4)), (1, 2)),
    C("frobenius_norm", A((2, 3, 4)), _id="frobenius_norm-dim-required"),
    C("frobenius_norm", M34, (0,), True, _id="frobenius_norm-dim"),
    C("nuclear_norm", M34),
    C("nuclear_norm", A((2, 3, 4)), (1, 2), _id="nuclear_norm-batched"),
    C("dist", M34, V4),
    C("dist", M34, V4, 1, _id="dist-p1"),
    C("dist", M34, V4, float("inf"), _id="dist-inf"),
    C("dist", M34, V4, 0, _id="dist-p0", _grad=False),  # torch 2.13's backward fails
    C("cdist", A((2, 3, 4)), A((2, 5, 4))),
    C("cdist", A((3, 4)), A((5, 4)), 1.0, _id="cdist-p1"),
    C("cdist", A((3, 4)), A((5, 4)), float("inf"), _id="cdist-inf"),
    C("cdist", A((3, 4)), A((5, 4)), compute_mode="use_mm_for_euclid_dist", _id="cdist-mm"),
    C("cdist", A((3, 4)), A((5, 3)), _id="cdist-mismatch"),
    C("renorm", A((3, 4, 5)), 2, 0, 1.0),
    C("renorm", A((3, 4, 5), nc=True), 1, 1, 0.5, _id="renorm-p1-nc"),
    C("renorm", A((3, 4, 5)), 2, 3, 1.0, _id="renorm-dim-out-of-range"),
]

LINALG_CASES = [
    C("cross", A((4, 3)), A((4, 3)), _dtypes=ALL),
    C("matmul", A((2, 3, 4)), M45, _dtypes=ALL),
    C("multi_dot", [M34, M45, A((5, 2))]),
    C("multi_dot", [V3, A((3, 4)), V4], _id="multi_dot-vectors"),
    C("vector_norm", M34),
    C("vector_norm", A((2, 3, 4), nc=True), 3.0, (0, 2), True, _id="vector_norm-p3-dims"),
    C("vector_norm", M34, float("-inf"), 1, _id="vector_norm-neg-inf"),
    C("vector_norm", M34, 0, _id="vector_norm-p0"),
    C("vector_norm", M34, dtype="dtype:float64", _dtypes=("float32",), _id="vector_norm-dtype"),
    C("vector_norm", M34, _dtypes=("int64",), _id="vector_norm-int-error"),
    C("matrix_norm", A((2, 3, 4))),
    *(
        C("matrix_norm", M34, o, _id=f"matrix_norm-{o}")
        for o in ("nuc", 1, -1, float("inf"), 2, -2)
    ),
    C("matrix_norm", V4, _id="matrix_norm-1d-error"),
    C("matrix_norm", M34, 3, _id="matrix_norm-bad-ord"),
    C("norm", M34),
    C("norm", V4, 3.0, _id="norm-vector-ord"),
    C("norm", M34, "fro", (0, 1), True, _id="norm-matrix"),
    C("norm", A((2, 3, 4)), 2, (1, 2), _id="norm-spectral"),
    C("svdvals", A((2, 3, 4))),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


@pytest.mark.parametrize("case", [c.param() for c in LINALG_CASES])
def test_linalg_parity(case, monkeypatch):
    # run() calls lib.<name>: point both libraries' names at their linalg namespaces
    monkeypatch.setattr(ck, case.name, getattr(ck.linalg, case.name), raising=False)
    monkeypatch.setattr(torch, case.name, getattr(torch.linalg, case.name), raising=False)
    run(
        Case(case.name, case.args, case.kwargs, case.dtypes, case.grad, method=False, inplace=False)
    )


def test_every_function_has_a_case():
    check_covered(module, CASES)
    check_covered(linalg_module, LINALG_CASES)
