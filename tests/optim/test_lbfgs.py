"""LBFGS against torch 2.13: parameters, returned loss and the whole state after every step().

The closure computes the loss and gradient with NumPy from the parameters' current values (the
same code for both libraries), so the two optimisers see identical numbers for identical
parameters and only LBFGS itself is compared.

torch's dot products and sums (MKL, its own reduction order) round differently from NumPy's, and
L-BFGS magnifies such differences (on Rosenbrock's valley, iterates without line search are
chaotic). So the algorithm is checked twice: bit for bit in float32 with torch's ``dot``, ``sum``
and ``sqrt`` replaced by NumPy's for the duration of the test (everything else convkit emulates,
e.g. torch's fused multiply-adds and its ``scalar / tensor`` = ``reciprocal * scalar``), and as
is (losses, parameters, state structure and counters), on runs kept short enough that the
differences stay within the parity tolerance.
"""

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.optim as optim
from tests.helpers import tolerance

SHAPES = [(2,), (2, 3)]
FMA_KERNELS = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def rosenbrock(x):
    """The extended Rosenbrock function and its gradient (x is flat)."""
    a, b = x[:-1], x[1:]
    f = (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()
    g = np.zeros_like(x)
    g[:-1] += -400 * a * (b - a * a) - 2 * (1 - a)
    g[1:] += 200 * (b - a * a)
    return f, g


def quadratic(x):
    """A quadratic with condition number 100: f = sum(w x^2) / 2 + sum(x)."""
    w = np.geomspace(1, 100, x.size).astype(x.dtype)
    return (w * x * x).sum() / 2 + x.sum(), w * x + 1


F32, F64 = np.float32, np.float64
# (function, LBFGS arguments, dtypes, calls of step). Rosenbrock's valley is ill-conditioned: the
# runs there are kept short enough that rounding differences (torch's dot products and sums
# round differently from NumPy's) have not been amplified past the tolerance; with lr=1 and no
# line search its iterates are chaotic and diverge from torch's after about 30 evaluations even
# in float64, as they would between two torch builds.
CONFIGS = [
    (rosenbrock, dict(lr=0.5, max_iter=5, history_size=3), (F32, F64), 4),
    (rosenbrock, dict(), (F64,), 1),
    (rosenbrock, dict(line_search_fn="strong_wolfe"), (F64,), 2),
    (rosenbrock, dict(line_search_fn="strong_wolfe", max_iter=5), (F32,), 1),
    (rosenbrock, dict(line_search_fn="strong_wolfe", max_iter=7, history_size=2), (F64,), 3),
    (quadratic, dict(lr=0.3, max_iter=4, max_eval=6), (F32, F64), 4),
    (
        quadratic,
        dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, tolerance_change=1e-6),
        (F32, F64),
        4,
    ),
    # In float32 the tolerance_change stop comes one iteration earlier or later than torch's.
    (quadratic, dict(lr=0.5, history_size=1, tolerance_change=1e-4), (F64,), 3),
]
CASES = [(fn, kw, dtype, steps) for fn, kw, dtypes, steps in CONFIGS for dtype in dtypes]


def run(lib, fn, kwargs, dtype, steps):
    start = np.array([-1.2, 1.0, 0.8, -0.5, 1.5, 0.3, -0.7, 1.1], dtype=dtype)
    params, offset = [], 0
    for shape in SHAPES:
        n = int(np.prod(shape))
        params.append(lib.nn.Parameter(lib.tensor(start[offset : offset + n].reshape(shape))))
        offset += n
    opt = (torch.optim if lib is torch else optim).LBFGS(params, **kwargs)
    calls = []

    def closure():
        opt.zero_grad()
        x = np.concatenate([np.array(p.detach().numpy()).reshape(-1) for p in params])
        f, g = fn(x)
        offset = 0
        for p in params:
            n = p.numel()
            p.grad = lib.tensor(g[offset : offset + n].reshape(tuple(p.shape)))
            offset += n
        calls.append(float(f))
        return lib.tensor(f)

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        history.append(
            (
                float(loss),
                [np.array(p.detach().numpy()) for p in params],
                {k: plain(v) for k, v in state.items()},
            )
        )
    return history, calls


def plain(value):
    """State values as NumPy arrays / Python objects, marking what was a Tensor."""
    if isinstance(value, (torch.Tensor, ck.Tensor)):
        return ("tensor", np.array(value.detach().numpy()))
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def flatten(value, where):
    """A state entry as (kind, numbers): Tensors and lists of Tensors become one float vector."""
    if isinstance(value, tuple) and value[0] == "tensor":
        return "tensor", value[1].dtype, value[1].reshape(-1)
    if isinstance(value, list) and value and all(v is None for v in value):
        return "nones", None, len(value)
    if isinstance(value, list):
        parts = [flatten(v, where) for v in value if v is not None]
        kinds = {(k, d) for k, d, _ in parts}
        assert len(kinds) <= 1, where
        kind, dtype = kinds.pop() if kinds else ("empty", None)
        data = np.concatenate([x for _, _, x in parts]) if parts else np.zeros(0)
        return f"list of {kind}", dtype, (data, [v is None for v in value])
    return type(value).__name__, None, value


def assert_state_equal(ours, theirs, tol, where):
    """Same kinds and dtypes; numbers within tol. The Tensors (directions, gradient differences,
    the two-loop coefficients) are compared as vectors, by norm: their small entries are
    differences of nearby numbers, in which the rounding differences of the dot products are
    magnified relative to the entry though not to the vector."""
    kind, dtype, a = flatten(ours, where)
    t_kind, t_dtype, b = flatten(theirs, where)
    assert (kind, dtype) == (t_kind, t_dtype), f"{where}: {kind} {dtype}, torch {t_kind} {t_dtype}"
    if kind.startswith("list of"):
        (a, a_none), (b, b_none) = a, b
        assert a_none == b_none, where
    if isinstance(b, np.ndarray):
        assert a.shape == b.shape, where
        assert np.linalg.norm(a - b) <= tol["rtol"] * np.linalg.norm(b) + tol["atol"], where
    elif isinstance(b, float):
        np.testing.assert_allclose(a, b, **tol, err_msg=where)
    else:
        assert a == b, where


EXACT_CASES = [(fn, kw, steps) for fn, kw, _, steps in CONFIGS] + [
    (rosenbrock, dict(), 4),
    (rosenbrock, dict(line_search_fn="strong_wolfe"), 4),
    (rosenbrock, dict(line_search_fn="strong_wolfe", history_size=3), 6),
]


@pytest.mark.skipif(not FMA_KERNELS, reason="torch's float32 kernels here do not fuse")
@pytest.mark.parametrize(
    "fn,kwargs,steps", EXACT_CASES, ids=[f"{f.__name__}-{k}-{n}" for f, k, n in EXACT_CASES]
)
def test_lbfgs_bit_identical_given_numpy_reductions(fn, kwargs, steps, monkeypatch):
    def numpy_result(value):
        return torch.from_numpy(np.asarray(value))

    original_sum = torch.Tensor.sum
    monkeypatch.setattr(
        torch.Tensor, "dot", lambda a, b: numpy_result(np.dot(a.numpy(), b.numpy()))
    )
    monkeypatch.setattr(
        torch.Tensor,
        "sum",
        lambda a, *args, **kw: (
            original_sum(a, *args, **kw) if args or kw else numpy_result(a.numpy().sum())
        ),
    )
    monkeypatch.setattr(torch.Tensor, "sqrt", lambda a: numpy_result(np.sqrt(a.numpy())))
    theirs, t_calls = run(torch, fn, kwargs, np.float32, steps)
    ours, c_calls = run(ck, fn, kwargs, np.float32, steps)
    assert c_calls == t_calls
    exact = dict(rtol=0, atol=0)
    for step, ((c_loss, c_params, c_state), (t_loss, t_params, t_state)) in enumerate(
        zip(ours, theirs, strict=True)
    ):
        assert c_loss == t_loss
        for a, b in zip(c_params, t_params, strict=True):
            np.testing.assert_array_equal(a, b)
        assert list(c_state) == list(t_state)
        for key in t_state:
            assert_state_equal(c_state[key], t_state[key], exact, f"step {step + 1} {key}")


@pytest.mark.parametrize(
    "fn,kwargs,dtype,steps",
    CASES,
    ids=[f"{f.__name__}-{k}-{d.__name__}" for f, k, d, _ in CASES],
)
def test_lbfgs_matches_torch(fn, kwargs, dtype, steps):
    theirs, t_calls = run(torch, fn, kwargs, dtype, steps)
    ours, c_calls = run(ck, fn, kwargs, dtype, steps)
    tol = tolerance(dtype)
    assert len(c_calls) == len(t_calls)  # the same number of closure evaluations
    np.testing.assert_allclose(c_calls, t_calls, **tol)
    for step, ((c_loss, c_params, c_state), (t_loss, t_params, t_state)) in enumerate(
        zip(ours, theirs, strict=True)
    ):
        where = f"step {step + 1}"
        np.testing.assert_allclose(c_loss, t_loss, **tol, err_msg=where)
        for a, b in zip(c_params, t_params, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, **tol, err_msg=where)
        # The state's structure and counters; its values are checked bit for bit above.
        assert list(c_state) == list(t_state), where
        for key in t_state:
            c_kind, c_dtype, c_value = flatten(c_state[key], where)
            t_kind, t_dtype, t_value = flatten(t_state[key], where)
            assert (c_kind, c_dtype) == (t_kind, t_dtype), f"{where} state {key}"
            if key in ("func_evals", "n_iter"):
                assert c_value == t_value, f"{where} state {key}"
    assert t_calls[-1] < t_calls[0] / 2  # it did optimise


def test_lbfgs_requires_a_closure_and_one_group():
    p = ck.nn.Parameter(ck.zeros(2))
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS([p]).step()
    with pytest.raises(ValueError) as ours:
        optim.LBFGS([{"params": [p]}, {"params": [ck.nn.Parameter(ck.zeros(1))]}])
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS(
            [{"params": [torch.nn.Parameter(torch.zeros(2))]}, {"params": [torch.zeros(1)]}]
        )
    assert str(ours.value) == str(theirs.value)


def test_unknown_line_search_raises_like_torch():
    def attempt(lib):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = (torch.optim if lib is torch else optim).LBFGS([p], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError) as info:
            opt.step(closure)
        return str(info.value)

    assert attempt(ck) == attempt(torch) == "only 'strong_wolfe' is supported"
