"""Parity of convkit.functions.pointwise with torch: values, dtypes, gradients, method and
in-place forms, and torch's error classes (see harness.py)."""

from __future__ import annotations

import pytest

import convkit.functions.pointwise as module
from tests.functions.harness import ALL, A, C, L, check_covered, run

NC = A((3, 4), nc=True)
UNARY = {
    # name: the kind of values in its domain
    "abs": "n", "absolute": "n", "acos": "unit", "arccos": "unit", "acosh": "gt1",
    "arccosh": "gt1", "asin": "unit", "arcsin": "unit", "asinh": "n", "arcsinh": "n",
    "atan": "n", "arctan": "n", "atanh": "unit", "arctanh": "unit", "ceil": "n", "cos": "n",
    "cosh": "n", "deg2rad": "n", "erf": "n", "erfc": "n", "erfinv": "unit", "exp": "n",
    "exp2": "n", "expm1": "n", "fix": "n", "floor": "n", "frac": "n", "log": "pos",
    "log10": "pos", "log1p": "pos", "log2": "pos", "logit": "prob", "neg": "n",
    "negative": "n", "positive": "n", "rad2deg": "n", "reciprocal": "pos", "relu": "n",
    "round": "n", "rsqrt": "pos", "sgn": "n", "sigmoid": "n", "sign": "n", "signbit": "n",
    "sin": "n", "sinc": "n", "sinh": "n", "sqrt": "pos", "square": "n", "tan": "unit",
    "tanh": "n", "trunc": "n", "angle": "n", "isfinite": "n", "isinf": "n", "isnan": "n",
    "isneginf": "n", "isposinf": "n", "isreal": "n", "logical_not": "n", "nan_to_num": "n",
}  # fmt: skip
BINARY = {
    "add": "n", "sub": "n", "subtract": "n", "mul": "n", "multiply": "n", "div": "pos",
    "divide": "pos", "true_divide": "pos", "atan2": "n", "arctan2": "n", "hypot": "n",
    "fmax": "n", "fmin": "n", "fmod": "pos", "remainder": "pos", "floor_divide": "pos",
    "copysign": "n", "logaddexp": "n", "logaddexp2": "n", "xlogy": "pos", "nextafter": "n",
    "eq": "big", "ne": "big", "lt": "n", "le": "n", "gt": "n", "ge": "n", "greater": "n",
    "greater_equal": "n", "less": "n", "less_equal": "n", "not_equal": "big",
    "logical_and": "big", "logical_or": "big", "logical_xor": "big", "heaviside": "big",
    "pow": "pos", "float_power": "pos", "rsub": "n", "ldexp": "big",
}  # fmt: skip
# torch records these in the graph but has no derivative for them (backward raises)
NO_GRAD = {"floor_divide", "nextafter", "heaviside"}
INTEGER_BINARY = ["gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
                  "bitwise_left_shift", "bitwise_right_shift"]  # fmt: skip

CASES = [
    *(C(n, A(kind=k), _dtypes=ALL) for n, k in UNARY.items()),
    *(C(n, A((3, 4), kind=k, nc=True), _id=f"{n}-noncontiguous") for n, k in UNARY.items()),
    *(C(n, A((), kind=k), _id=f"{n}-0d") for n, k in UNARY.items()),
    *(C(n, A((0, 3), kind=k), _id=f"{n}-empty") for n, k in UNARY.items()),
    *(
        C(n, A(kind=k), A((4,), kind=k), _dtypes=ALL, _grad=n not in NO_GRAD)
        for n, k in BINARY.items()
    ),
    *(
        C(n, A(kind=k, nc=True), A((3, 1), kind=k), _id=f"{n}-nc", _grad=n not in NO_GRAD)
        for n, k in BINARY.items()
    ),
    *(
        C(n, A(kind=k), 2.0, _id=f"{n}-scalar", _grad=n not in NO_GRAD)
        for n, k in BINARY.items()
        if n != "ldexp"
    ),
    *(
        C(n, A(kind="pos", dtype="int64"), A((4,), kind="pos", dtype="int64"), _dtypes=("int64",))
        for n in INTEGER_BINARY
    ),
    C("bitwise_not", A(), _dtypes=("int64", "bool")),
    C("round", A(), decimals=2, _id="round-decimals"),
    C("logit", A(kind="prob"), 0.2, _id="logit-eps"),
    C(
        "nan_to_num",
        L([float("nan"), float("inf"), -float("inf"), 1.5]),
        _id="nan_to_num-nonfinite",
    ),
    C("nan_to_num", L([float("nan"), float("inf"), -1.5]), 0.5, 2.0, -3.0, _id="nan_to_num-values"),
    C("clamp", A(), -0.5, 0.5, _dtypes=ALL),
    C("clamp", A(), A((4,)), A((4,), kind="pos"), _id="clamp-tensors"),
    C("clamp", A(), None, 0.3, _id="clamp-max-only"),
    C("clip", A(), -0.5, 0.5),
    C("clamp_min", A(), 0.1, _dtypes=ALL),
    C("clamp_max", A(), 0.1, _dtypes=ALL),
    C("lerp", A(), A((4,)), 0.3),
    C("lerp", A(), A((4,)), A((3, 1), kind="prob"), _id="lerp-tensor-weight"),
    C("addcmul", A(), A((4,)), A((3, 1)), value=0.5),
    C("addcdiv", A(), A((4,)), A((3, 1), kind="pos"), value=-2.0),
    C("add", A(), A((4,)), alpha=2, _dtypes=ALL, _id="add-alpha"),
    C("sub", A(), A((4,)), alpha=0.5, _id="sub-alpha"),
    C("rsub", A(), A((4,)), alpha=3, _id="rsub-alpha"),
    C("div", A(), A((4,), kind="pos"), rounding_mode="floor", _dtypes=ALL, _id="div-floor"),
    C("div", A(), A((4,), kind="pos"), rounding_mode="trunc", _dtypes=ALL, _id="div-trunc"),
    C("pow", A(kind="pos"), 3, _dtypes=ALL, _id="pow-int-exponent"),
    C("pow", 2.0, A(), _id="pow-scalar-base"),
    C("float_power", A(kind="pos"), 2, _dtypes=ALL, _id="float_power-int"),
    C("xlogy", L([0.0, 1.0, 2.0]), L([0.0, 3.0, 0.5]), _id="xlogy-zero"),
    # torch's d/da is xlogy(g, b), zeroed only where a == 0 and b <= 0 (a = 0, b = 0.5: log 0.5)
    C(
        "xlogy",
        L([0.0, 0.0, 0.0, -0.3, 1.0, 0.0, 2.0, float("nan"), 0.0]),
        L([0.5, 0.0, -1.0, -0.3, float("inf"), float("inf"), 0.0, 1.0, -float("inf")]),
        _id="xlogy-special",
    ),
    C("frexp", A(), _grad=False),
    C("isin", A(kind="big"), A((5,), kind="big"), _dtypes=ALL),
    C("isin", A(kind="big"), A((5,), kind="big"), invert=True, _dtypes=ALL, _id="isin-invert"),
    C("equal", A(), A()),
    C("isclose", A(), A()),
    C(
        "isclose",
        L([1.0, float("nan")]),
        L([1.0 + 1e-9, float("nan")]),
        equal_nan=True,
        _id="isclose-nan",
    ),
    C("allclose", A(), A()),
    C("allclose", L([1.0, 2.0]), L([1.0, 2.0 + 1e-9]), _id="allclose-true"),
    # torch's errors for just-illegal arguments
    C("add", A((3, 4)), A((3, 5)), _id="add-shape-mismatch"),
    C("mul", A((2, 3)), A((4, 1, 2)), _id="mul-broadcast-mismatch"),
    C("add", A(), A(), alpha=0.5, _dtypes=("int64",), _id="add-float-alpha-int"),
    C("gcd", A(), A(), _dtypes=("float32",), _id="gcd-float"),
    C("bitwise_and", A(), A(), _dtypes=("float64",), _id="bitwise-float"),
    C("isclose", A(), A(dtype="float64"), _dtypes=("float32",), _id="isclose-mixed-dtype"),
    C("logical_not", "x", _id="not-a-tensor"),
    C("exp", [1.0], _id="list-not-tensor"),
    C("clamp", A(), _id="clamp-no-bounds"),
    C("div", A(), A(), rounding_mode="down", _id="div-bad-rounding-mode"),
    C("erfinv", A(), _dtypes=("int64",), _id="erfinv-int"),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


def test_every_function_has_a_case():
    check_covered(module, CASES)
