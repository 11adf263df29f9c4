"""layer_norm, group_norm, instance_norm, local_response_norm, normalize, rms_norm against torch;
gradient checks; errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import check_against_torch, gradcheck, same_as_torch, to_torch

rng = np.random.default_rng(0)


def _arrays(*shapes, dtype):
    return [(rng.standard_normal(s) * 2 + 0.5).astype(dtype) for s in shapes]


# (id, convkit fn, torch fn, shapes of the arguments that get gradients)
CASES = [
    (
        "layer_norm_last",
        lambda x: F.layer_norm(x, (5,)),
        lambda x: TF.layer_norm(x, (5,)),
        [(3, 4, 5)],
    ),
    (
        "layer_norm_affine",
        lambda x, w, b: F.layer_norm(x, [4, 5], w, b, 1e-3),
        lambda x, w, b: TF.layer_norm(x, [4, 5], w, b, 1e-3),
        [(3, 4, 5), (4, 5), (4, 5)],
    ),
    (
        "layer_norm_weight_only",
        lambda x, w: F.layer_norm(x, (5,), w),
        lambda x, w: TF.layer_norm(x, (5,), w),
        [(2, 5), (5,)],
    ),
    (
        "group_norm",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: TF.group_norm(x, 2, w, b),
        [(3, 4, 5, 2), (4,), (4,)],
    ),
    (
        "group_norm_no_affine",
        lambda x: F.group_norm(x, 3),
        lambda x: TF.group_norm(x, 3),
        [(2, 6, 4)],
    ),
    ("group_norm_2d", lambda x: F.group_norm(x, 1), lambda x: TF.group_norm(x, 1), [(3, 4)]),
    ("instance_norm", F.instance_norm, TF.instance_norm, [(2, 3, 5)]),
    (
        "instance_norm_affine",
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b, eps=1e-3),
        [(2, 3, 4, 4), (3,), (3,)],
    ),
    (
        "local_response_norm_3d",
        lambda x: F.local_response_norm(x, 3, 1e-2, 0.75, 2.0),
        lambda x: TF.local_response_norm(x, 3, 1e-2, 0.75, 2.0),
        [(2, 5, 4)],
    ),
    (
        "local_response_norm_4d",
        lambda x: F.local_response_norm(x, 2),
        lambda x: TF.local_response_norm(x, 2),
        [(2, 5, 3, 3)],
    ),
    (
        "local_response_norm_5d",
        lambda x: F.local_response_norm(x, 4, 0.1),
        lambda x: TF.local_response_norm(x, 4, 0.1),
        [(1, 6, 2, 2, 3)],
    ),
    ("normalize", F.normalize, TF.normalize, [(3, 4, 5)]),
    ("normalize_p1", lambda x: F.normalize(x, 1.0, 0), lambda x: TF.normalize(x, 1.0, 0), [(3, 4)]),
    (
        "normalize_p3",
        lambda x: F.normalize(x, 3.0, -1),
        lambda x: TF.normalize(x, 3.0, -1),
        [(3, 4)],
    ),
    (
        "normalize_inf",
        lambda x: F.normalize(x, float("inf"), 1),
        lambda x: TF.normalize(x, float("inf"), 1),
        [(3, 4)],
    ),
    (
        "rms_norm",
        lambda x, w: F.rms_norm(x, (4, 5), w),
        lambda x, w: TF.rms_norm(x, (4, 5), w),
        [(3, 4, 5), (4, 5)],
    ),
    (
        "rms_norm_eps",
        lambda x: F.rms_norm(x, [5], eps=0.1),
        lambda x: TF.rms_norm(x, [5], eps=0.1),
        [(3, 5)],
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,tfn,shapes", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, fn, tfn, shapes, dtype):
    check_against_torch(fn, tfn, _arrays(*shapes, dtype=dtype), dtype)


@pytest.mark.parametrize("name,fn,tfn,shapes", CASES, ids=IDS)
def test_gradcheck(name, fn, tfn, shapes):
    gradcheck(fn, *_arrays(*shapes, dtype=np.float64), rtol=1e-5, atol=1e-6)


def test_normalize_of_a_zero_vector_has_a_zero_gradient_as_torch():
    x = np.zeros((2, 3))
    x[1] = [1.0, 2.0, 2.0]
    check_against_torch(F.normalize, TF.normalize, [x], np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_running_statistics_match_torch(dtype, use_input_stats):
    x = _arrays((4, 3, 6), dtype=dtype)[0]
    rm, rv = np.linspace(-1, 1, 3).astype(dtype), np.linspace(0.5, 2, 3).astype(dtype)
    ours = [ck.tensor(rm), ck.tensor(rv)]
    theirs = [to_torch(rm.copy()), to_torch(rv.copy())]
    y = F.instance_norm(ck.tensor(x), *ours, use_input_stats=use_input_stats, momentum=0.3)
    yt = TF.instance_norm(to_torch(x), *theirs, use_input_stats=use_input_stats, momentum=0.3)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.data, yt.numpy(), **tol)
    for c, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(c.data, t.numpy(), **tol)


@pytest.mark.parametrize(
    "call,tcall,exc",
    [
        (lambda x: F.layer_norm(x, (3,)), lambda x: TF.layer_norm(x, (3,)), RuntimeError),
        (
            lambda x: F.layer_norm(x, (4,), ck.ones(3)),
            lambda x: TF.layer_norm(x, (4,), torch.ones(3)),
            RuntimeError,
        ),
        (lambda x: F.group_norm(x, 3), lambda x: TF.group_norm(x, 3), RuntimeError),
        (
            lambda x: F.group_norm(x, 2, ck.ones(3)),
            lambda x: TF.group_norm(x, 2, torch.ones(3)),
            RuntimeError,
        ),
        (lambda x: F.group_norm(x[0, 0], 1), lambda x: TF.group_norm(x[0, 0], 1), RuntimeError),
        (
            lambda x: F.instance_norm(x[:, :, :1]),
            lambda x: TF.instance_norm(x[:, :, :1]),
            ValueError,
        ),
        (
            lambda x: F.instance_norm(x, use_input_stats=False),
            lambda x: TF.instance_norm(x, use_input_stats=False),
            RuntimeError,
        ),
        (
            lambda x: F.local_response_norm(x[0], 2),
            lambda x: TF.local_response_norm(x[0], 2),
            ValueError,
        ),
        # found by the differential fuzzer: the functional forms' argument types
        (lambda x: F.layer_norm(x, 4), lambda x: TF.layer_norm(x, 4), TypeError),
        (lambda x: F.rms_norm(x, 4), lambda x: TF.rms_norm(x, 4), TypeError),
        (lambda x: F.rms_norm(x, ()), lambda x: TF.rms_norm(x, ()), RuntimeError),
        (
            lambda x: F.rms_norm(x, (4,), ck.ones(())),
            lambda x: TF.rms_norm(x, (4,), torch.ones(())),
            RuntimeError,
        ),
        (lambda x: F.group_norm(x, 2.0), lambda x: TF.group_norm(x, 2.0), TypeError),
        # rms_norm: fewer input dimensions than normalized_shape is torch's ValueError, checked
        # after the weight's shape
        (lambda x: F.rms_norm(x, (9, 2, 4, 4)), lambda x: TF.rms_norm(x, (9, 2, 4, 4)), ValueError),
        (
            lambda x: F.rms_norm(x, (9, 2, 4, 4), ck.ones(3)),
            lambda x: TF.rms_norm(x, (9, 2, 4, 4), torch.ones(3)),
            RuntimeError,
        ),
        (lambda x: F.rms_norm(x, (3, 4)), lambda x: TF.rms_norm(x, (3, 4)), RuntimeError),
        (
            lambda x: F.instance_norm(x.long(), eps=-1.0),
            lambda x: TF.instance_norm(x.long(), eps=-1.0),
            RuntimeError,
        ),
    ],
)
def test_errors_match_torch(call, tcall, exc):
    x = np.ones((2, 4, 4), dtype=np.float32)
    with pytest.raises(exc):
        tcall(to_torch(x))
    with pytest.raises(exc):
        call(ck.tensor(x))


def test_group_norm_of_one_value_per_group_is_an_error_as_torch():
    x = np.ones((1, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        TF.group_norm(to_torch(x), 2)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.group_norm(ck.tensor(x), 2)


def test_instance_norm_takes_any_eps_as_torch():
    """Unlike batch_norm, torch's instance_norm does not check eps: a negative one gives NaN."""
    x = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) % 5) / 3
    for eps in (-1.0, 0.0):
        check_against_torch(
            lambda t, e=eps: F.instance_norm(t, eps=e),
            lambda t, e=eps: TF.instance_norm(t, eps=e),
            [x],
            np.float64,
        )


@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_of_a_0d_input_matches_torch(dim):
    for value in (-2.5, 0.0):
        x = np.array(value)
        check_against_torch(
            lambda t: F.normalize(t, dim=dim), lambda t: TF.normalize(t, dim=dim), [x], np.float64
        )


@pytest.mark.parametrize(
    "values,dim", [([1, 2], 1), (3, 1), (3, 0), ([[1, 2, 3, 4]], -2), ([True, False], 0)]
)
def test_normalize_of_an_integer_input_raises_like_torch(values, dim):
    # torch's input.norm refuses a non-floating input before it looks at dim
    x = np.asarray(values)
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        TF.normalize(torch.from_numpy(x), dim=dim)
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        F.normalize(ck.tensor(x), dim=dim)


@pytest.mark.parametrize("eps", [None, 0.1])
@pytest.mark.parametrize("values", [[1, 2], [True, False]])
def test_rms_norm_of_an_integer_input_raises_like_torch(values, eps):
    x = np.asarray(values)
    with pytest.raises(NotImplementedError, match="rms_norm"):
        TF.rms_norm(torch.from_numpy(x), (2,), eps=eps)
    with pytest.raises(NotImplementedError, match="rms_norm"):
        F.rms_norm(ck.tensor(x), (2,), eps=eps)
    with pytest.raises(NotImplementedError, match="rms_norm"):
        F.rms_norm(ck.tensor(x), (2,), ck.ones(2), eps=eps)


@pytest.mark.parametrize(
    "shape,groups,error",
    [
        ((2, 1, 1, 1), 2, ValueError),  # the (N*C/G, G) batch check comes before divisibility
        ((2, 3), -1, RuntimeError),
        ((2, 3), 2, RuntimeError),
        ((1, 2), 2, ValueError),
    ],
)
def test_group_norm_check_order_matches_torch(shape, groups, error):
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(error) as want:
        TF.group_norm(torch.from_numpy(x), groups)
    with pytest.raises(error) as got:
        F.group_norm(ck.tensor(x), groups)
    assert type(got.value) is type(want.value)
    assert str(want.value).split(",")[0] in str(got.value)


def test_group_norm_zero_groups_raises_before_the_batch_check():
    # torch divides by num_groups in its python-side batch check (ZeroDivisionError); convkit
    # raises there too, a ZeroDivisionError that is also a RuntimeError (convkit's classes)
    for shape in ((2, 3), (0, 1), (1, 1)):
        x = np.ones(shape, dtype=np.float32)
        with pytest.raises(ZeroDivisionError):
            TF.group_norm(torch.from_numpy(x), 0)
        with pytest.raises(ZeroDivisionError, match="num groups to be greater than 0, got 0"):
            F.group_norm(ck.tensor(x), 0)
        with pytest.raises(RuntimeError):
            F.group_norm(ck.tensor(x), 0)


@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("shape", [(0, 4, 3), (0, 4, 2, 3), (0, 4, 0)])
def test_instance_norm_of_an_empty_batch_updates_running_stats_as_torch(shape, use_input_stats):
    """torch averages the zero per-sample updates of an empty batch: NaN statistics in training,
    untouched ones with use_input_stats=False (found by the long fuzz run, issue 10)."""
    rm0, rv0 = np.linspace(-1, 1, 4, dtype=np.float32), np.linspace(1, 2, 4, dtype=np.float32)
    got = [ck.tensor(rm0), ck.tensor(rv0)]
    want = [torch.from_numpy(rm0.copy()), torch.from_numpy(rv0.copy())]
    F.instance_norm(ck.zeros(shape), *got, use_input_stats=use_input_stats)
    TF.instance_norm(torch.zeros(shape), *want, use_input_stats=use_input_stats)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g.data, w.numpy())


@pytest.mark.parametrize("num_groups", [1.0, -1.0, True, float("nan"), "a", 2.0])
@pytest.mark.parametrize("shape", [(1, 1), (1, 1, 1), (2, 2), (4,)])
def test_group_norm_checks_the_batch_before_the_type_of_num_groups(shape, num_groups):
    # torch's Python side computes the (N*C // G, G, *spatial) batch check with whatever number
    # it is given (ValueError for one value per channel) before its parser refuses a float or
    # bool num_groups (TypeError); a 1-d input is refused before either
    same_as_torch(lambda lib: lib.nn.functional.group_norm(lib.ones(shape), num_groups))
