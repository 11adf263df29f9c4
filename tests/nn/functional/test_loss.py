"""cross_entropy, nll_loss, mse_loss against torch; gradient checks; errors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import (
    check_against_torch,
    gradcheck,
    outcome,
    same_as_torch,
    to_torch,
    tolerance,
)

# (input shape, target shape, classes)
SHAPES = [((6, 4), (6,)), ((2, 4, 3), (2, 3)), ((2, 4, 3, 2), (2, 3, 2)), ((4,), ())]
OPTIONS = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(ignore_index=1),
    dict(weight=True),
    dict(weight=True, ignore_index=2, reduction="mean"),
    dict(label_smoothing=0.2),
    dict(label_smoothing=0.3, weight=True, ignore_index=0),
    dict(label_smoothing=0.3, weight=True, ignore_index=0, reduction="none"),
]


def _run(lib, fn_name, x, t, opts, dtype):
    mod = TF if lib is torch else F
    conv = to_torch if lib is torch else ck.tensor
    kwargs = dict(opts)
    if kwargs.pop("weight", False):
        kwargs["weight"] = conv(np.array([0.5, 2.0, 1.0, 1.5], dtype=dtype))
    xl = to_torch(x, requires_grad=True) if lib is torch else ck.tensor(x, requires_grad=True)
    loss = getattr(mod, fn_name)(xl, conv(t), **kwargs)
    g = np.random.default_rng(9).standard_normal(tuple(loss.shape)).astype(dtype)
    loss.backward(conv(g))
    return loss, xl


# nll_loss has no label_smoothing: those pairs are left out of the grid, not skipped.
FN_OPTS = [
    (fn, opts)
    for fn in ("cross_entropy", "nll_loss")
    for opts in OPTIONS
    if not (fn == "nll_loss" and "label_smoothing" in opts)
]


@pytest.mark.parametrize("fn_name,opts", FN_OPTS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(fn_name, shape, opts, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape[0]).astype(dtype)
    t = rng.integers(0, 4, size=shape[1]).astype(np.int64)
    if t.ndim:
        t.reshape(-1)[0] = 1  # the ignored classes occur at least once
        t.reshape(-1)[-1] = 0
    loss, xl = _run(ck, fn_name, x, t, opts, dtype)
    tloss, txl = _run(torch, fn_name, x, t, opts, dtype)
    assert loss.dtype == dtype and xl.grad.dtype == dtype
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), **tolerance(dtype))
    np.testing.assert_allclose(xl.grad.data, txl.grad.numpy(), **tolerance(dtype))


@pytest.mark.parametrize(
    "opts",
    [dict(), dict(reduction="none"), dict(label_smoothing=0.1), dict(weight=True, reduction="sum")],
)
def test_cross_entropy_probability_targets(opts):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 2))
    t = rng.dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1).copy()
    for dtype in (np.float32, np.float64):
        loss, xl = _run(ck, "cross_entropy", x.astype(dtype), t.astype(dtype), opts, dtype)
        tloss, txl = _run(torch, "cross_entropy", x.astype(dtype), t.astype(dtype), opts, dtype)
        assert loss.dtype == dtype
        np.testing.assert_allclose(loss.data, tloss.detach().numpy(), **tolerance(dtype))
        np.testing.assert_allclose(xl.grad.data, txl.grad.numpy(), **tolerance(dtype))


def test_gradchecks():
    rng = np.random.default_rng(2)
    t = ck.tensor(np.array([0, 2, 1, 2, 3]))
    w = ck.tensor(np.array([0.5, 2.0, 1.0, 1.5]))
    gradcheck(lambda x: F.nll_loss(x, t, weight=w, ignore_index=1), rng.standard_normal((5, 4)))
    gradcheck(lambda x: F.nll_loss(x, t, reduction="none"), rng.standard_normal((5, 4)))
    gradcheck(lambda x: F.cross_entropy(x, t, label_smoothing=0.2), rng.standard_normal((5, 4)))
    gradcheck(
        lambda x, y: F.mse_loss(x, y), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    )
    gradcheck(
        lambda x, p: F.cross_entropy(x, p), rng.standard_normal((3, 4)), rng.uniform(size=(3, 4))
    )


def test_all_ignored_and_empty_are_nan_like_torch():
    x = ck.randn(4, 3)
    t = ck.tensor(np.full(4, -100))
    assert np.isnan(F.cross_entropy(x, t).item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
    assert np.isnan(F.nll_loss(ck.zeros(0, 3), ck.zeros(0, dtype=ck.int64)).item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "dtypes", [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)]
)
def test_mse_loss(reduction, dtypes):
    rng = np.random.default_rng(3)
    a, b = (
        rng.standard_normal((3, 4)).astype(dtypes[0]),
        rng.standard_normal((3, 4)).astype(dtypes[1]),
    )
    ca, cb = ck.tensor(a, requires_grad=True), ck.tensor(b, requires_grad=True)
    ta, tb = to_torch(a, requires_grad=True), to_torch(b, requires_grad=True)
    out, tout = F.mse_loss(ca, cb, reduction=reduction), TF.mse_loss(ta, tb, reduction=reduction)
    out.sum().backward()
    tout.sum().backward()
    assert out.dtype == np.dtype(tout.dtype.__str__().split(".")[1])
    tol = tolerance(np.float32 if np.float32 in dtypes else np.float64)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **tol)
    assert ca.grad.dtype == dtypes[0] and cb.grad.dtype == dtypes[1]
    np.testing.assert_allclose(ca.grad.data, ta.grad.numpy(), **tol)
    np.testing.assert_allclose(cb.grad.data, tb.grad.numpy(), **tol)


def test_mse_loss_broadcast_warns():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(ck.zeros(4, 1), ck.zeros(4))
    with pytest.raises(RuntimeError), pytest.warns(UserWarning):
        F.mse_loss(ck.zeros(4, 2), ck.zeros(3))


LOSS_ERRORS = [
    ("cross_entropy", (4, 3), [0, 3, 1, 2], {}, IndexError, "out of bounds"),
    ("nll_loss", (4, 3), [0, -1, 1, 2], {}, IndexError, "out of bounds"),
    ("cross_entropy", (4, 3), [0, 1, 2], {}, ValueError, "batch_size"),
    ("nll_loss", (4, 3), np.zeros((4, 1), np.int64), {}, RuntimeError, "multi-target"),
    (
        "cross_entropy",
        (2, 3, 4, 5),
        np.zeros((2, 4, 6), np.int64),
        {},
        RuntimeError,
        "size mismatch",
    ),
    ("nll_loss", (2, 3, 4), np.zeros((2, 5), np.int64), {}, RuntimeError, "target size"),
    ("cross_entropy", (4, 3), np.array([0, 1, 2, 0], np.int32), {}, RuntimeError, "Long or Byte"),
    ("nll_loss", (4, 3), np.array([0.0, 1, 2, 0]), {}, RuntimeError, "Long or Byte"),
    ("cross_entropy", (4, 3), [0, 1, 2, 0], dict(reduction="avg"), ValueError, "not a valid value"),
    (
        "cross_entropy",
        (4, 3),
        [0, 1, 2, 0],
        dict(label_smoothing=1.5),
        RuntimeError,
        "label_smoothing",
    ),
    (
        "nll_loss",
        (4, 3),
        [0, 1, 2, 0],
        dict(weight=np.ones(4, np.float32)),
        RuntimeError,
        "all 3 classes",
    ),
    (
        "cross_entropy",
        (4, 3),
        np.ones((4, 3), np.float32),
        dict(ignore_index=1),
        RuntimeError,
        "ignore_index",
    ),
]


@pytest.mark.parametrize("fn_name,shape,target,kwargs,exc,msg", LOSS_ERRORS)
def test_loss_errors_where_torch_raises(fn_name, shape, target, kwargs, exc, msg):
    target = np.asarray(target)
    if target.dtype == np.int64 or target.dtype.kind == "i" and target.dtype.itemsize == 8:
        target = target.astype(np.int64)

    def call(mod, conv):
        kw = {k: conv(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return getattr(mod, fn_name)(conv(np.zeros(shape, np.float32)), conv(target), **kw)

    with pytest.raises(exc):
        call(TF, torch.from_numpy)
    with pytest.raises(exc, match=msg) as info:
        call(F, ck.tensor)
    # Where torch raises IndexError, convkit's error is also a ValueError (its contract).
    assert isinstance(info.value, (ValueError, TypeError, RuntimeError))


def test_ignore_index_may_be_out_of_range():
    x = np.random.default_rng(4).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 5, 1, 2])
    got = F.nll_loss(ck.tensor(x), ck.tensor(t), ignore_index=5)
    want = TF.nll_loss(torch.from_numpy(x), torch.from_numpy(t), ignore_index=5)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)


# ----- the rest of torch's losses ------------------------------------------------------------

_rng = np.random.default_rng(21)


def _sign(shape):
    return np.where(_rng.random(shape) < 0.5, -1.0, 1.0)


# (id, function name, arrays (built per dtype), keyword arguments, positions with gradients)
LOSSES = [
    (
        "bce",
        "binary_cross_entropy",
        lambda: [_rng.uniform(0.02, 0.98, (4, 3)), _rng.random((4, 3))],
        {},
        [0, 1],
    ),
    (
        "bce_weight",
        "binary_cross_entropy",
        lambda: [_rng.uniform(0.02, 0.98, (4, 3)), _rng.random((4, 3)), _rng.random(3)],
        {},
        [0, 1],
    ),
    (
        "bce_logits",
        "binary_cross_entropy_with_logits",
        lambda: [_rng.standard_normal((4, 3)) * 4, _rng.random((4, 3))],
        {},
        [0, 1],
    ),
    (
        "bce_logits_pos_weight",
        "binary_cross_entropy_with_logits",
        lambda: [
            _rng.standard_normal((4, 3)) * 4,
            _rng.random((4, 3)),
            _rng.random(3),
            _rng.random(3) + 0.5,
        ],
        {},
        [0, 1, 2, 3],
    ),
    (
        "l1",
        "l1_loss",
        lambda: [_rng.standard_normal((3, 5)), _rng.standard_normal((3, 5))],
        {},
        [0, 1],
    ),
    (
        "l1_broadcast",
        "l1_loss",
        lambda: [_rng.standard_normal((3, 5)), _rng.standard_normal(5)],
        {},
        [0, 1],
    ),
    (
        "l1_weight",
        "l1_loss",
        lambda: [_rng.standard_normal((3, 5)), _rng.standard_normal((3, 5))],
        {"weight": "w35"},
        [0, 1],
    ),
    (
        "smooth_l1",
        "smooth_l1_loss",
        lambda: [_rng.standard_normal((3, 5)) * 2, _rng.standard_normal((3, 5))],
        {},
        [0, 1],
    ),
    (
        "smooth_l1_beta",
        "smooth_l1_loss",
        lambda: [_rng.standard_normal((3, 5)) * 2, _rng.standard_normal((3, 5))],
        {"beta": 0.3},
        [0, 1],
    ),
    (
        "smooth_l1_beta0",
        "smooth_l1_loss",
        lambda: [_rng.standard_normal((3, 5)) * 2, _rng.standard_normal((3, 5))],
        {"beta": 0.0},
        [0, 1],
    ),
    (
        "huber",
        "huber_loss",
        lambda: [_rng.standard_normal((3, 5)) * 2, _rng.standard_normal((3, 5))],
        {"delta": 0.7},
        [0, 1],
    ),
    (
        "huber_weight",
        "huber_loss",
        lambda: [_rng.standard_normal((3, 5)) * 2, _rng.standard_normal((3, 5))],
        {"weight": "w35"},
        [0, 1],
    ),
    (
        "kl_div",
        "kl_div",
        lambda: [np.log(_rng.dirichlet(np.ones(4), 3)), _rng.dirichlet(np.ones(4), 3)],
        {},
        [0, 1],
    ),
    (
        "kl_div_zero_target",
        "kl_div",
        lambda: [np.log(_rng.dirichlet(np.ones(4), 3)), np.eye(3, 4)],
        {},
        [0],
    ),
    (
        "kl_div_log_target",
        "kl_div",
        lambda: [np.log(_rng.dirichlet(np.ones(4), 3)), np.log(_rng.dirichlet(np.ones(4), 3))],
        {"log_target": True},
        [0, 1],
    ),
    (
        "margin_ranking",
        "margin_ranking_loss",
        lambda: [_rng.standard_normal(6), _rng.standard_normal(6), _sign(6)],
        {"margin": 0.3},
        [0, 1],
    ),
    (
        "hinge",
        "hinge_embedding_loss",
        lambda: [_rng.standard_normal((3, 4)), _sign((3, 4))],
        {"margin": 0.8},
        [0],
    ),
    (
        "soft_margin",
        "soft_margin_loss",
        lambda: [_rng.standard_normal((3, 4)) * 3, _sign((3, 4))],
        {},
        [0],
    ),
    (
        "multilabel_soft_margin",
        "multilabel_soft_margin_loss",
        lambda: [_rng.standard_normal((3, 4)), (_rng.random((3, 4)) < 0.5) * 1.0],
        {},
        [0],
    ),
    (
        "multilabel_soft_margin_weight",
        "multilabel_soft_margin_loss",
        lambda: [_rng.standard_normal((3, 4)), (_rng.random((3, 4)) < 0.5) * 1.0, _rng.random(4)],
        {},
        [0],
    ),
    (
        "multi_margin",
        "multi_margin_loss",
        lambda: [_rng.standard_normal((5, 4)), _rng.integers(0, 4, 5)],
        {},
        [0],
    ),
    (
        "multi_margin_p2",
        "multi_margin_loss",
        lambda: [_rng.standard_normal((5, 4)), _rng.integers(0, 4, 5)],
        {"p": 2, "margin": 0.5, "weight": "w4"},
        [0],
    ),
    (
        "multi_margin_unbatched",
        "multi_margin_loss",
        lambda: [_rng.standard_normal(4), np.array(2)],
        {},
        [0],
    ),
    (
        "multilabel_margin",
        "multilabel_margin_loss",
        lambda: [
            _rng.standard_normal((3, 4)),
            np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 1, 2, 0]]),
        ],
        {},
        [0],
    ),
    (
        "cosine_embedding",
        "cosine_embedding_loss",
        lambda: [_rng.standard_normal((5, 3)), _rng.standard_normal((5, 3)), _sign(5)],
        {"margin": 0.2},
        [0, 1],
    ),
    (
        "triplet",
        "triplet_margin_loss",
        lambda: [
            _rng.standard_normal((4, 3)),
            _rng.standard_normal((4, 3)),
            _rng.standard_normal((4, 3)),
        ],
        {},
        [0, 1, 2],
    ),
    (
        "triplet_swap_p1",
        "triplet_margin_loss",
        lambda: [
            _rng.standard_normal((4, 3)),
            _rng.standard_normal((4, 3)),
            _rng.standard_normal((4, 3)),
        ],
        {"p": 1, "swap": True, "margin": 2.0},
        [0, 1, 2],
    ),
    (
        "poisson",
        "poisson_nll_loss",
        lambda: [_rng.standard_normal((3, 4)), _rng.poisson(2.0, (3, 4)) * 1.0],
        {},
        [0],
    ),
    (
        "poisson_full",
        "poisson_nll_loss",
        lambda: [_rng.uniform(0.5, 3, (3, 4)), _rng.poisson(2.0, (3, 4)) * 1.0],
        {"log_input": False, "full": True},
        [0],
    ),
    (
        "gaussian",
        "gaussian_nll_loss",
        lambda: [
            _rng.standard_normal((3, 4)),
            _rng.standard_normal((3, 4)),
            _rng.uniform(0.1, 2, (3, 4)),
        ],
        {},
        [0, 1, 2],
    ),
    (
        "gaussian_homoscedastic_full",
        "gaussian_nll_loss",
        lambda: [
            _rng.standard_normal((3, 4)),
            _rng.standard_normal((3, 4)),
            _rng.uniform(0.1, 2, (3, 1)),
        ],
        {"full": True},
        [0, 1, 2],
    ),
]
LOSS_IDS = [c[0] for c in LOSSES]
_WEIGHTS = {"w35": lambda: _rng.random((3, 5)), "w4": lambda: _rng.random(4) + 0.5}


@pytest.mark.parametrize("case", LOSSES, ids=LOSS_IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_more_losses_match_torch(case, reduction, dtype):
    _, name, make, kwargs, grads = case
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in make()]
    kw = dict(kwargs, reduction=reduction)
    weight_arrays = {k: _WEIGHTS[v]().astype(dtype) for k, v in kw.items() if v in _WEIGHTS}
    if name == "multilabel_margin_loss":
        arrays[1] = arrays[1].astype(np.int64)
    if name == "binary_cross_entropy_with_logits" and len(arrays) == 4:
        arrays, extra = arrays[:2], arrays[2:]
        grads = [0, 1]  # torch has no derivative for weight and pos_weight

        def fn(x, t, w, pw, lib=F):
            return lib.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw, reduction=reduction)

        check_against_torch(fn, lambda *a: fn(*a, lib=TF), arrays + extra, dtype, grads=grads)
        return

    def call(lib, conv):
        def run(*tensors):
            extra = {k: conv(v) for k, v in weight_arrays.items()}
            return getattr(lib, name)(*tensors, **dict(kw, **extra))

        return run

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' and the broadcast warnings
        check_against_torch(call(F, ck.tensor), call(TF, to_torch), arrays, dtype, grads=grads)


@pytest.mark.parametrize(
    "name,make",
    [
        ("binary_cross_entropy", lambda r: [r.uniform(0.1, 0.9, (3, 2)), r.random((3, 2))]),
        (
            "binary_cross_entropy_with_logits",
            lambda r: [r.standard_normal((3, 2)), r.random((3, 2))],
        ),
        ("smooth_l1_loss", lambda r: [r.standard_normal((3, 2)) * 2, r.standard_normal((3, 2))]),
        ("huber_loss", lambda r: [r.standard_normal((3, 2)) * 2, r.standard_normal((3, 2))]),
        (
            "soft_margin_loss",
            lambda r: [r.standard_normal((3, 2)), np.sign(r.standard_normal((3, 2)))],
        ),
        (
            "cosine_embedding_loss",
            lambda r: [
                r.standard_normal((3, 2)),
                r.standard_normal((3, 2)),
                np.array([1.0, -1.0, -1.0]),
            ],
        ),
        (
            "triplet_margin_loss",
            lambda r: [
                r.standard_normal((3, 2)),
                r.standard_normal((3, 2)),
                r.standard_normal((3, 2)),
            ],
        ),
    ],
)
def test_more_losses_gradcheck(name, make):
    arrays = make(np.random.default_rng(22))
    # torch has no derivative for soft_margin_loss's target (and refuses one that needs it)
    grad_count = {"soft_margin_loss": 1, "cosine_embedding_loss": 2}.get(name, len(arrays))
    fixed = arrays[grad_count:]
    gradcheck(
        lambda *ts: getattr(F, name)(*ts, *[ck.tensor(a) for a in fixed], reduction="sum"),
        *arrays[:grad_count],
    )


def test_bce_at_zero_and_one_matches_torchs_clamped_logs_and_gradient():
    x = np.array([0.0, 1.0, 0.5, 1e-30])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    check_against_torch(
        F.binary_cross_entropy, TF.binary_cross_entropy, [x, t], np.float64, grads=[0]
    )


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_distances_match_torch(p):
    r = np.random.default_rng(23)
    a, b = r.standard_normal((4, 5)), r.standard_normal((4, 5))
    check_against_torch(
        lambda x, y: F.pairwise_distance(x, y, p, keepdim=True),
        lambda x, y: TF.pairwise_distance(x, y, p, keepdim=True),
        [a, b],
        np.float64,
    )
    check_against_torch(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), [a], np.float64)


def test_cosine_similarity_matches_torch_also_for_a_zero_vector():
    r = np.random.default_rng(24)
    a, b = r.standard_normal((4, 5)), r.standard_normal((4, 5))
    check_against_torch(
        lambda x, y: F.cosine_similarity(x, y, 0),
        lambda x, y: TF.cosine_similarity(x, y, 0),
        [a, b],
        np.float64,
    )
    check_against_torch(
        F.cosine_similarity, TF.cosine_similarity, [a, np.zeros((4, 5))], np.float64
    )


@pytest.mark.parametrize(
    "name,args,exc",
    [
        ("binary_cross_entropy", lambda: [np.array([1.5]), np.array([1.0])], RuntimeError),
        ("binary_cross_entropy", lambda: [np.array([0.5]), np.array([1.0, 0.0])], ValueError),
        (
            "binary_cross_entropy_with_logits",
            lambda: [np.array([0.5]), np.array([1.0, 0.0])],
            ValueError,
        ),
        ("kl_div", lambda: [np.array([0.5]), np.array([1.0])], ValueError),
        ("margin_ranking_loss", lambda: [np.ones(3), np.ones(3), np.ones((3, 1))], RuntimeError),
        ("multi_margin_loss", lambda: [np.ones((3, 4)), np.array([0, 1, 4])], RuntimeError),
        ("multi_margin_loss", lambda: [np.ones((3, 4)), np.array([0, 1])], RuntimeError),
        (
            "cosine_embedding_loss",
            lambda: [np.ones((3, 4)), np.ones((3, 4)), np.ones((3, 1))],
            RuntimeError,
        ),
        (
            "triplet_margin_loss",
            lambda: [np.ones((3, 4)), np.ones((3, 4)), np.ones(4)],
            RuntimeError,
        ),
        ("smooth_l1_loss", lambda: [np.ones(3), np.ones(3)], RuntimeError),
        ("huber_loss", lambda: [np.ones(3), np.ones(3)], RuntimeError),
        (
            "gaussian_nll_loss",
            lambda: [np.ones((3, 4)), np.ones((3, 4)), -np.ones((3, 4))],
            ValueError,
        ),
        (
            "gaussian_nll_loss",
            lambda: [np.ones((3, 4)), np.ones((3, 4)), np.ones((2, 4))],
            ValueError,
        ),
    ],
)
def test_more_loss_errors_match_torch(name, args, exc):
    kw = {
        "kl_div": dict(reduction="bogus"),
        "smooth_l1_loss": dict(beta=-1.0),
        "huber_loss": dict(delta=0.0),
    }.get(name, {})
    arrays = args()
    with pytest.raises(exc):
        getattr(TF, name)(*[to_torch(a) for a in arrays], **kw)
    with pytest.raises(exc):
        getattr(F, name)(*[ck.tensor(a) for a in arrays], **kw)


# ----- issue 10: deviations a differential fuzz found, each checked against torch -------------

_NAN_ROW = [[1.0, 2.0, 3.0], [float("nan"), 0.0, 1.0], [0.5, -1.0, 2.0]]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "loss,kwargs",
    [
        ("cross_entropy", {}),
        ("nll_loss", {}),
        ("cross_entropy", dict(label_smoothing=0.2)),
        ("cross_entropy", dict(label_smoothing=0.2, weight=[1.0, 2.0, 3.0])),
        ("nll_loss", dict(weight=[1.0, 2.0, 3.0])),
        ("cross_entropy", dict(ignore_index=1)),
    ],
)
def test_ignored_row_with_nan_is_skipped(loss, kwargs, reduction):
    """A NaN logit in a row whose target is ignore_index stays out of the loss (the gradient of
    that row is NaN in torch too: log_softmax's backward mixes the row)."""

    def run(lib):
        x = lib.tensor(_NAN_ROW, requires_grad=True)
        kw = dict(kwargs)
        if "weight" in kw:
            kw["weight"] = lib.tensor(kw["weight"])
        ignore = kw.pop("ignore_index", -100)
        target = lib.tensor([0, ignore, 2])
        y = getattr(lib.nn.functional, loss)(
            x, target, ignore_index=ignore, reduction=reduction, **kw
        )
        y.sum().backward()
        return y, x.grad

    out = same_as_torch(run)
    assert not np.isnan(out[0].detach().numpy()).any()


@pytest.mark.parametrize("module", ["CrossEntropyLoss", "NLLLoss"])
def test_loss_modules_skip_ignored_nan_rows(module):
    def run(lib):
        return getattr(lib.nn, module)()(lib.tensor(_NAN_ROW), lib.tensor([0, -100, 2]))

    same_as_torch(run)


@pytest.mark.parametrize(
    "smoothing", [float("nan"), -0.1, -float("inf"), 0, 1.0, 1.5, float("inf"), "a", True]
)
@pytest.mark.parametrize("probabilities", [False, True])
def test_label_smoothing_values_as_torch(smoothing, probabilities):
    def run(lib):
        target = lib.tensor([[0.2, 0.3, 0.5]]) if probabilities else lib.tensor([2])
        x = lib.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
        y = lib.nn.functional.cross_entropy(x, target, label_smoothing=smoothing)
        y.backward()
        return y, x.grad

    same_as_torch(run)


@pytest.mark.parametrize(
    "loss,kwargs",
    [
        ("cross_entropy", {}),
        ("nll_loss", {}),
        ("cross_entropy", dict(label_smoothing=0.1)),
        ("cross_entropy", dict(target="probabilities")),
    ],
)
@pytest.mark.parametrize("grad_mode", [True, False])
def test_weight_that_requires_grad(loss, kwargs, grad_mode):
    """torch's nll_loss is not differentiable w.r.t. weight: it refuses one that requires grad
    (outside no_grad); the probability-target cross_entropy is a composite and accepts it."""

    def run(lib):
        weight = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = lib.tensor([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])
        kw = dict(kwargs)
        target = lib.tensor([0, 2])
        if kw.pop("target", None):
            target = lib.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
        with lib.enable_grad() if grad_mode else lib.no_grad():
            return getattr(lib.nn.functional, loss)(x, target, weight=weight, **kw)

    same_as_torch(run)


def test_weight_that_requires_grad_message():
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.nll_loss(ck.zeros(2, 3), ck.tensor([0, 1]), weight=ck.ones(3, requires_grad=True))


@pytest.mark.parametrize(
    "a,b",
    [
        (((), "float64"), ((3,), "float32")),
        (((3,), "float32"), ((), "float64")),
        (((), "float64"), ((), "float32")),
        (((1,), "float64"), ((3,), "float32")),
        (((3,), "int64"), ((), "float32")),
        (((), "float32"), ((3,), "int64")),
        (((), "float16"), ((2,), "float32")),
    ],
)
def test_mse_loss_promotes_as_broadcast_tensors(a, b):
    """mse_loss broadcasts input and target first, so a 0-d float64 promotes a float32 vector."""

    def run(lib):
        rng = np.random.default_rng(1)
        x = lib.tensor(rng.standard_normal(a[0]).astype(a[1]) * 3)
        t = lib.tensor(rng.standard_normal(b[0]).astype(b[1]) * 3)
        return lib.nn.functional.mse_loss(x, t)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcasting warning, asserted elsewhere
        same_as_torch(run)


@pytest.mark.parametrize(
    "kwargs",
    [dict(ignore_index="a"), dict(ignore_index=1.0), dict(ignore_index=True)],
)
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_ignore_index_must_be_an_int(loss, kwargs):
    same_as_torch(
        lambda lib: getattr(lib.nn.functional, loss)(lib.ones(2, 3), lib.tensor([0, 1]), **kwargs)
    )


# ----- deviations found by the differential fuzzer (tests/parity/test_fuzz.py) ------------------


def _x(lib, grad=False):
    return lib.tensor([[0.2, 0.7], [0.9, 0.4]], dtype=lib.float64, requires_grad=grad)


@pytest.mark.parametrize(
    "fn",
    [
        # arguments torch has no derivative for, which it refuses when they require grad
        lambda lib: lib.nn.functional.binary_cross_entropy(_x(lib), _x(lib), weight=_x(lib, True)),
        lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
            _x(lib), _x(lib), weight=_x(lib, True)
        ),
        lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
            _x(lib), _x(lib), pos_weight=_x(lib, True)
        ),
        lambda lib: lib.nn.functional.soft_margin_loss(_x(lib), _x(lib, True)),
        lambda lib: lib.nn.functional.multi_margin_loss(
            _x(lib), lib.tensor([0, 1]), weight=lib.ones(2, dtype=lib.float64).requires_grad_()
        ),
        # dtypes
        lambda lib: lib.nn.functional.huber_loss(lib.tensor([1, 2]), lib.tensor([0, 5])),
        lambda lib: lib.nn.functional.smooth_l1_loss(lib.tensor([1, 2]), lib.tensor([0, 5])),
        lambda lib: lib.nn.functional.multi_margin_loss(_x(lib), lib.tensor([0, 1]).int()),
        lambda lib: lib.nn.functional.multi_margin_loss(_x(lib), lib.tensor([0.0, 1.0])),
        lambda lib: lib.nn.functional.multilabel_margin_loss(_x(lib), lib.tensor([[0, -1]]).int()),
        lambda lib: lib.nn.functional.gaussian_nll_loss(_x(lib), _x(lib), lib.ones(2, 2).long()),
        lambda lib: lib.nn.functional.gaussian_nll_loss(_x(lib), _x(lib), 2),
        # values
        lambda lib: lib.nn.functional.mse_loss(_x(lib), _x(lib) * 2, weight=lib.ones(2)),
        lambda lib: lib.nn.functional.cosine_similarity(_x(lib), _x(lib), eps=-1.0),
        lambda lib: lib.nn.functional.pdist(_x(lib), -1.0),
        # torch checks every target entry in [-1, C), also those after a row's ending -1
        lambda lib: lib.nn.functional.multilabel_margin_loss(
            _x(lib), lib.tensor([[-1, 2], [0, 1]])
        ),
        lambda lib: lib.nn.functional.multilabel_margin_loss(
            _x(lib), lib.tensor([[0, 1], [-2, 0]])
        ),
    ],
)
def test_argument_checks_match_torch(fn):
    same_as_torch(fn)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_weighted_mse_loss_matches_torch(reduction):
    r = np.random.default_rng(31)
    x, t, w = r.standard_normal((3, 4)), r.standard_normal((3, 4)), r.random((3, 4))
    check_against_torch(
        lambda a, b, c: F.mse_loss(a, b, weight=c, reduction=reduction),
        lambda a, b, c: TF.mse_loss(a, b, weight=c, reduction=reduction),
        [x, t, w],
        np.float64,
    )


@pytest.mark.parametrize("name,kw", [("smooth_l1_loss", "beta"), ("huber_loss", "delta")])
def test_smooth_l1_and_huber_gradients_at_infinity_match_torch(name, kw):
    """An infinite difference has slope 1 (delta for huber), not the 0 * inf = NaN that a select
    between the quadratic and the linear branch sends back."""
    x = np.array([np.inf, -np.inf, 0.3, 2.0, -5.0, 0.5])
    t = np.array([0.0, 1.0, 0.0, 0.0, np.inf, 0.0])
    for value in (0.5, 1.0):
        check_against_torch(
            lambda a, b, v=value: getattr(F, name)(a, b, reduction="none", **{kw: v}),
            lambda a, b, v=value: getattr(TF, name)(a, b, reduction="none", **{kw: v}),
            [x, t],
            np.float64,
        )


def test_poisson_nll_loss_full_target_gradient_is_torchs_masked_form():
    """torch masks the Stirling term after computing it, so a target <= 0 gets NaN."""
    x, t = np.array([0.3, -0.2, 1.0, 0.5]), np.array([-0.5, 0.5, 3.0, 0.0])
    check_against_torch(
        lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="sum"),
        lambda a, b: TF.poisson_nll_loss(a, b, full=True, reduction="sum"),
        [x, t],
        np.float64,
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.nn.functional.huber_loss(lib.ones(3, 2), lib.ones(3, 3), reduction="x"),
    ],
)
def test_more_checks_match_torch(fn):
    same_as_torch(fn)


def test_cosine_embedding_loss_epsilon_is_torchs_float32_constant():
    """A zero input2 leaves only the epsilon in its magnitude: the gradient is x1 / sqrt(|x1|^2
    eps), which tells float32(1e-12) from 1e-12 at the float64 tolerance."""
    x1, x2 = np.array([[1.52510203, 1.68798223]]), np.zeros((1, 2))
    check_against_torch(
        lambda a, b: F.cosine_embedding_loss(a, b, ck.tensor([1.0])),
        lambda a, b: TF.cosine_embedding_loss(a, b, torch.tensor([1.0])),
        [x1, x2],
        np.float64,
    )


@pytest.mark.parametrize("p", [float("inf"), -float("inf")])
def test_infinity_norm_gradient_of_a_nan_row_is_zero_as_torch(p):
    """No entry attains a NaN norm: torch's gradient there is 0 (VectorNorm's backward)."""
    x1 = np.array([[np.nan, 1.0, 2.0], [np.inf, 1.0, -3.0], [-np.inf, np.inf, 0.0], [1, -3, 3]])
    check_against_torch(
        lambda a, b: F.pairwise_distance(a, b, p, eps=0.0),
        lambda a, b: TF.pairwise_distance(a, b, p, eps=0.0),
        [x1, np.zeros((4, 3))],
        np.float64,
    )


@pytest.mark.parametrize("xs,ts", [((), ()), ((), (1,)), ((3,), ()), ((3,), (1,)), ((1, 3), ())])
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_multi_margin_loss_shapes_as_torch(xs, ts, reduction):
    """A 0-d input is one sample of one class; 'none' has the target's rank, not the input's."""
    x = np.arange(int(np.prod(xs)), dtype=np.float64).reshape(xs) / 4
    check_against_torch(
        lambda a: F.multi_margin_loss(a, ck.zeros(ts, dtype=ck.int64), reduction=reduction),
        lambda a: TF.multi_margin_loss(a, torch.zeros(ts, dtype=torch.int64), reduction=reduction),
        [x],
        np.float64,
    )


def test_cosine_similarity_of_an_integer_and_a_float_input_matches_torch():
    """The integer operand's norm is taken in the promoted float dtype, not truncated."""
    same_as_torch(
        lambda lib: lib.nn.functional.cosine_similarity(
            lib.tensor([[2, 2], [3, -1]]), lib.tensor([[0.125, -0.25], [1.5, 0.5]])
        )
    )


def test_pairwise_distance_l1_gradient_at_nan_and_l0_gradient_as_torch():
    """torch's sgn(NaN) is 0 in the 1-norm's gradient; the 0-"norm" has no gradient at all."""

    def fn(lib, p):
        a = lib.tensor([[float("nan"), 1.0, -2.0]], requires_grad=True)
        b = lib.tensor([[0.5, 0.0, 1.0]], requires_grad=True)
        lib.nn.functional.pairwise_distance(a, b, p).sum().backward()
        return (a.grad,) if p == 1 else (lib.tensor([a.grad is None, b.grad is None]),)

    same_as_torch(lambda lib: fn(lib, 1))
    same_as_torch(lambda lib: fn(lib, 0))


@pytest.mark.parametrize("d1,d2", [("float64", "float32"), ("float32", "float64")])
def test_cosine_similarity_normalises_each_float_operand_in_its_own_dtype(d1, d2):
    # torch casts only integer operands: a float32 operand is normalised in float32 even beside
    # a float64 one (the float32 rounding shows at 1e-8, far above float64's tolerance).
    a = np.random.default_rng(0).standard_normal((3, 5))
    x, y = a.astype(d1), a.astype(d2)
    expected = torch.nn.functional.cosine_similarity(torch.tensor(x), torch.tensor(y)).numpy()
    got = F.cosine_similarity(ck.tensor(x), ck.tensor(y)).numpy()
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("log_target", [1, 0, None, "yes"])
def test_kl_div_log_target_must_be_bool_like_torch(log_target):
    x, t = np.array([0.5, -0.2]), np.array([0.3, 0.7])
    with pytest.raises(TypeError, match="log_target"):
        TF.kl_div(to_torch(x), to_torch(t), reduction="sum", log_target=log_target)
    with pytest.raises(TypeError, match="log_target"):
        F.kl_div(ck.tensor(x), ck.tensor(t), reduction="sum", log_target=log_target)


@pytest.mark.parametrize(
    "x,t", [(np.array([1, 2]), np.array([0.5, 0.5])), (np.array([0.5]), np.array([True]))]
)
def test_kl_div_integral_inputs_raise_like_torch(x, t):
    with pytest.raises(RuntimeError, match="Integral inputs not supported"):
        TF.kl_div(to_torch(x), to_torch(t), reduction="sum")
    with pytest.raises(RuntimeError, match="Integral inputs not supported"):
        F.kl_div(ck.tensor(x), ck.tensor(t), reduction="sum")


def test_kl_div_target_gradient_nan_at_zero_and_negative_like_torch():
    # torch's xlogy(t, t) has d/dt = log t + t / t: NaN at t = 0 (0 / 0) and at t < 0 (log)
    x = np.array([[0.3, -0.5], [1.2, 0.1]])
    t = np.array([[0.0, 1.0], [-1.0, 0.5]])
    check_against_torch(
        lambda a, b: F.kl_div(a, b, reduction="sum"),
        lambda a, b: TF.kl_div(a, b, reduction="sum"),
        [x, t],
        "float64",
        grads=[0, 1],
    )


@pytest.mark.parametrize("shapes", [((2,), (2, 2)), ((2, 1), (2, 1, 2)), ((), (3,))])
def test_soft_margin_loss_target_may_not_grow_the_input_like_torch(shapes):
    # torch multiplies the target into an input-shaped result in place
    x, t = np.zeros(shapes[0]), np.ones(shapes[1])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        TF.soft_margin_loss(to_torch(x), to_torch(t))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        F.soft_margin_loss(ck.tensor(x), ck.tensor(t))


def test_soft_margin_loss_broadcast_target_and_mixed_dtype_match_torch():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2)).astype(np.float32)
    t = np.sign(rng.standard_normal(2))  # float64, broadcast over the rows
    for reduction in ("none", "sum"):
        got = F.soft_margin_loss(ck.tensor(x), ck.tensor(t), reduction=reduction)
        want = TF.soft_margin_loss(to_torch(x), to_torch(t), reduction=reduction)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-4)


@pytest.mark.parametrize(
    "extra",
    [
        {"weight": (2,)},
        {"pos_weight": (2,)},
        {"pos_weight": (2,), "weight": (3,)},
    ],
)
def test_bce_with_logits_weights_may_not_grow_the_input_like_torch(extra):
    x, t = np.zeros(()), np.ones(())
    with pytest.raises(RuntimeError, match=r"output with shape \[\] doesn't match"):
        TF.binary_cross_entropy_with_logits(
            to_torch(x), to_torch(t), **{k: to_torch(np.ones(s)) for k, s in extra.items()}
        )
    with pytest.raises(RuntimeError, match=r"output with shape \[\] doesn't match"):
        F.binary_cross_entropy_with_logits(
            ck.tensor(x), ck.tensor(t), **{k: ck.tensor(np.ones(s)) for k, s in extra.items()}
        )


@pytest.mark.parametrize(
    "x,t,match",
    [
        ([0.5, 0.5], [1.5, 0.5], "target"),
        ([0.5, 0.5], [-0.5, 0.5], "target"),
        ([0.5, 0.5], [math.nan, 0.5], "target"),
        ([math.nan, 0.5], [0.5, 0.5], "input"),
        ([0.5, 1.5], [1.5, 0.5], "target"),  # the first bad element decides
        ([1.5, 0.5], [0.5, 1.5], "input"),
    ],
)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_binary_cross_entropy_checks_input_then_target_range_like_torch(x, t, match, requires_grad):
    x, t = np.array(x, dtype=np.float32), np.array(t, dtype=np.float32)
    with pytest.raises(RuntimeError, match=f"all elements of {match} should be between 0 and 1"):
        TF.binary_cross_entropy(to_torch(x, requires_grad=requires_grad), to_torch(t))
    with pytest.raises(RuntimeError, match=f"all elements of {match} should be between 0 and 1"):
        F.binary_cross_entropy(ck.tensor(x, requires_grad=requires_grad), ck.tensor(t))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_byte_target_weighted_smoothed_mean_raises_like_torch(reduction):
    # only the weighted, label-smoothed mean gathers the weights by the target (int32/int64 only)
    x, t, w = np.zeros((3, 4), np.float32), np.array([0, 1, 2], np.uint8), np.ones(4, np.float32)
    kw = dict(label_smoothing=0.1, reduction=reduction)

    def ours():
        return F.cross_entropy(ck.tensor(x), ck.tensor(t), weight=ck.tensor(w), **kw)

    def theirs():
        return TF.cross_entropy(to_torch(x), to_torch(t), weight=to_torch(w), **kw)

    if reduction == "mean":
        with pytest.raises(RuntimeError, match="gather"):
            theirs()
        with pytest.raises(RuntimeError, match="gather"):
            ours()
    else:
        np.testing.assert_allclose(ours().data, theirs().numpy(), rtol=1e-4)


@pytest.mark.parametrize(
    "fn",
    [
        # found by the long fuzz run (issue 10): bce of bool or integer probabilities is
        # torch's NotImplementedError (a NumPy TypeError leaked), after the weight's broadcast
        lambda L: L.nn.functional.binary_cross_entropy(L.ones(2).bool(), L.ones(2).bool()),
        lambda L: L.nn.functional.binary_cross_entropy(L.full((2,), 3).long(), L.ones(2).long()),
        lambda L: L.nn.functional.binary_cross_entropy(
            L.ones(2).bool(), L.ones(2).bool(), L.ones(3)
        ),
        # bce_with_logits: torch's (1 - target).mul_(input).sub_(...) keeps (1 - target)'s dtype
        lambda L: L.nn.functional.binary_cross_entropy_with_logits(
            L.ones((), dtype=L.float64), L.ones(())
        ),
        lambda L: L.nn.functional.binary_cross_entropy_with_logits(
            L.linspace(-2, 2, 3, dtype=L.float64),
            L.full((3,), 0.25),
            pos_weight=L.ones(3, dtype=L.float64) * 3,
            weight=L.ones(3, dtype=L.float64) / 3,
            reduction="none",
        ),
        lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.ones(3), L.ones(3).long()),
        lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.ones(3), L.ones(3).bool()),
        # huber_loss: the weight's size is checked before delta, the reduction after both
        lambda L: L.nn.functional.huber_loss(L.ones(()), L.ones(()), delta=-1.0, weight=L.ones(2)),
        lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), "bad", -1.0, weight=L.ones(2)),
        lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), "bad", -1.0),
        # smooth_l1_loss broadcasts before it reads the reduction
        lambda L: L.nn.functional.smooth_l1_loss(
            L.ones(1, 0, 0), L.ones(1, 0, 0, 2), reduction="x"
        ),
        # the fused kernels take a bool target in the promoted dtype
        lambda L: L.nn.functional.huber_loss(L.ones(2), L.tensor([True, False])),
        lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.tensor([True, False]), beta=0.0),
        lambda L: L.nn.functional.smooth_l1_loss(L.tensor([True, False]), L.ones(2) * 0.3),
        # soft_margin_loss computes in place in an integer input's dtype
        lambda L: L.nn.functional.soft_margin_loss(L.ones(2).long(), L.ones(()).long()),
        lambda L: L.nn.functional.soft_margin_loss(L.ones(2).long(), L.ones(2).double()),
        lambda L: L.nn.functional.soft_margin_loss(L.ones(2).int(), L.ones(2)),
    ],
)
def test_fuzzed_loss_dtypes_match_torch(fn):
    same_as_torch(fn)  # values, dtypes, or the error's family
    theirs, ours = outcome(fn, torch), outcome(fn, ck)
    assert ours[0] == theirs[0]  # "ok", or torch's very class


_INF, _NAN = float("inf"), float("nan")
_SPECIAL_ROWS = [[0.5, _INF, -_INF, 1.0], [_NAN, 0.2, 0.3, 2.0], [1.0, 2.0, _INF, 0.0]]


def _margin_call(name, x, t, **kw):
    def call(L):
        xs = L.tensor(x, requires_grad=True)
        given = {k: L.tensor(v) if k == "weight" else v for k, v in kw.items()}
        y = getattr(L.nn.functional, name)(xs, L.tensor(t), **given)
        y.sum().backward()
        return y, xs.grad

    return call


@pytest.mark.parametrize(
    "call",
    [
        # torch's margin kernels add a term only where z > 0 (a NaN z adds nothing) and weight
        # only the terms they add (found by the long fuzz run, issue 10)
        _margin_call("multi_margin_loss", _SPECIAL_ROWS, [1, 2, 2], p=1, margin=0.0),
        _margin_call("multi_margin_loss", _SPECIAL_ROWS, [1, 2, 2], p=2, reduction="none"),
        _margin_call("multi_margin_loss", [[0.3, -0.2]], [0], margin=_NAN),
        _margin_call("multi_margin_loss", _SPECIAL_ROWS, [1, 0, 3], weight=[1.0, 2.0, _INF, 0.0]),
        _margin_call(
            "multilabel_margin_loss", _SPECIAL_ROWS, [[1, -1, 0, 0], [0, 2, -1, 1], [2, -1, 0, 0]]
        ),
        _margin_call("multilabel_margin_loss", [[_INF, _INF, -_INF, -_INF]], [[0, 2, -1, 1]]),
        # one sample: torch takes any target of at most one dimension with C entries
        _margin_call("multilabel_margin_loss", [0.5], 0, reduction="none"),
        _margin_call("multilabel_margin_loss", 0.5, [0]),
        _margin_call("multilabel_margin_loss", [0.5], [[0]]),
        _margin_call("multilabel_margin_loss", [[[0.5]]], [[[0]]]),
        _margin_call("multilabel_margin_loss", [], []),
        _margin_call("multilabel_margin_loss", [[0.5, 1.0]], [0, 1]),
    ],
)
def test_margin_losses_of_special_values_and_shapes_match_torch(call):
    same_as_torch(call)


@pytest.mark.parametrize("weight_size", [2, 5])
@pytest.mark.parametrize("batch", [0, 2])
def test_multi_margin_loss_weight_size_is_checked_as_torch(weight_size, batch):
    """A class weight of the wrong size raises, also for an empty batch (convkit indexed it by
    the targets and returned)."""

    def call(L):
        x, t = L.zeros(batch, 3), L.zeros(batch, dtype=L.int64)
        return L.nn.functional.multi_margin_loss(x, t, weight=L.ones(weight_size))

    assert same_as_torch(call) is RuntimeError


@pytest.mark.parametrize(
    "rows",
    [
        [[1.0, 2.0], [3.0, 2.0], [0.0, 0.0]],
        [[1.0, 2.0]],  # no pair: an empty output, a zero gradient
        [[_INF, _NAN], [1.0, _INF]],
        [[-_INF, 3.0], [-_INF, 3.0]],
    ],
)
def test_pdist_p0_counts_and_gradient_as_torch(rows):
    """torch's pdist with p = 0 counts min(ceil(|d|), 1) (NaN for a NaN difference) and its
    backward gives zeros, not None (found by the long fuzz run, issue 10)."""

    def call(L):
        x = L.tensor(rows, requires_grad=True)
        y = L.nn.functional.pdist(x, 0)
        y.backward(L.ones(y.shape))
        return y, x.grad

    same_as_torch(call)


@pytest.mark.parametrize("target", [-0.3, 0.0, 0.4])
def test_kl_div_target_gradient_through_an_empty_input_as_torch(target):
    """A 0-d target broadcast over an empty input gets a zero upstream gradient: torch's xlogy
    derivative xlogy(0, log t) stays 0 for t < 0 (convkit's 0 * NaN was NaN; the fuzz run)."""

    def call(L):
        t = L.tensor(target, requires_grad=True)
        y = L.nn.functional.kl_div(L.zeros(2, 0, dtype=L.float64), t, reduction="sum")
        y.backward()
        return y, t.grad

    same_as_torch(call)


def test_cosine_similarity_gradient_of_a_zero_vector_with_eps_zero_as_torch():
    """eps=0 and a zero x2: the output is NaN and torch's norm backward, grad * (x / |x|) masked
    to 0 at |x| = 0, keeps the NaN gradient NaN (convkit masked the gradient itself and gave
    -inf from the division; found by the long fuzz run, issue 10)."""

    def call(L):
        x1 = L.tensor([[0.1098, 0.4905]], requires_grad=True).t()
        x2 = L.tensor([[0.0, 2.0], [0.0, 2.0]], requires_grad=True)
        y = L.nn.functional.cosine_similarity(x1.expand(2, 2), x2, dim=0, eps=0.0)
        y.backward(L.tensor([0.7, -1.3]))
        return y, x1.grad, x2.grad

    same_as_torch(call)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("margin", [1.5, -1.5, 300.0, -0.5, float("nan")])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("shape", [(6,), (0, 3)])
def test_hinge_embedding_loss_of_an_integer_input_is_torchs(dtype, margin, reduction, shape):
    # torch computes in the input's dtype: the margin truncated (refused where it does not fit
    # the dtype), an integer result, and a mean it refuses, also of an empty input
    def fn(lib):
        x = lib.tensor(np.array([0, 1, 2, -3, -1, 5]).reshape(-1)[: math.prod(shape)]).reshape(
            shape
        )
        t = lib.tensor(np.array([-1, -1, 1, -1, 5, -1])[: math.prod(shape)]).reshape(shape)
        return lib.nn.functional.hinge_embedding_loss(
            x.to(getattr(lib, dtype)), t, margin=margin, reduction=reduction
        )

    same_as_torch(fn)


@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("float32", "bool"), ("int64", "float64")])
@pytest.mark.parametrize("weight_shape", [(2,), (2, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "x"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_weighted_loss_follows_torchs_python_path(name, dtypes, weight_shape, reduction):
    # with a weight torch checks its shape first (ValueError), then computes with plain tensor
    # arithmetic: integers give a result (no "mse_cpu" dtype check), a bool operand cannot be
    # subtracted, and the reduction is checked last
    def fn(lib):
        x = lib.tensor([3, 1]).to(getattr(lib, dtypes[0]))
        t = lib.tensor([1, 0]).to(getattr(lib, dtypes[1]))
        w = lib.tensor(np.arange(1, 1 + math.prod(weight_shape)).reshape(weight_shape))
        loss = getattr(lib.nn.functional, name)
        return loss(x, t, weight=w.to(x.dtype), reduction=reduction)

    same_as_torch(fn)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32")])
def test_huber_loss_is_typed_like_its_input_as_torch(shape, reduction, dtypes):
    """torch's huber kernel writes into a loss like the input: a float32 input beside a float64
    target gives a float32 loss (smooth_l1_loss promotes; the last long fuzz run's case)."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape).astype(dtypes[0])
    b = rng.standard_normal(shape).astype(dtypes[1])
    want = torch.nn.functional.huber_loss(
        torch.tensor(a), torch.tensor(b), reduction=reduction, delta=0.5
    ).numpy()
    got = F.huber_loss(ck.tensor(a), ck.tensor(b), reduction=reduction, delta=0.5).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
