"""convkit[fast] (kernels/fast.py): the switch, the dispatch to the numba kernels and back to
NumPy, and compilation without a writable cache. The results of both paths are checked against
the loop references in test_conv.py and test_pool.py (the ``kernel_path`` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import convkit
from convkit.kernels import conv as C
from convkit.kernels import conv_ref as R
from convkit.kernels import fast
from convkit.kernels import pool as P
from tests.helpers import same_as_torch

needs_numba = pytest.mark.skipif(
    not fast.is_available() and not os.environ.get("CONVKIT_REQUIRE_FAST"),
    reason='numba is not installed (pip install "convkit[fast]")',
)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _depthwise(ndim: int, dtype=np.float32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3) + (6,) * ndim).astype(dtype)
    w = rng.standard_normal((6, 1) + (3,) * ndim).astype(dtype)
    pads = ((1, 1),) * ndim
    return x, w, pads, (1,) * ndim


def _forbid(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{name} ran: the fast path was not taken")

    monkeypatch.setattr(module, name, fail)


@needs_numba
@pytest.mark.parametrize("ndim", [1, 2])
def test_depthwise_runs_on_the_fast_path_when_enabled(ndim, monkeypatch):
    """Forward and input gradient compiled; the weight gradient stays NumPy's (faster)."""
    monkeypatch.setattr(fast, "_enabled", True)
    _forbid(monkeypatch, C, "_im2col_forward")
    numpy_gx = []
    original = C._depthwise_backward
    monkeypatch.setattr(
        C, "_depthwise_backward", lambda *a: numpy_gx.append(a[7] is not None) or original(*a)
    )
    x, w, pads, ones = _depthwise(ndim)
    out = C.conv_forward(x, w, pads, ones, ones, 3)
    gx, gw = C.conv_backward(x, w, np.ones_like(out), pads, ones, ones, 3)
    assert out.shape == (2, 6) + (6,) * ndim and gx.shape == x.shape and gw.shape == w.shape
    assert numpy_gx == [False]


def test_depthwise_runs_on_numpy_when_disabled_or_3d(monkeypatch):
    calls = []
    original = C._depthwise_backward
    monkeypatch.setattr(
        C, "_depthwise_backward", lambda *a: calls.append(len(a[1].shape)) or original(*a)
    )
    x, w, pads, ones = _depthwise(3)  # no 3-d fast kernel
    C.conv_backward(x, w, np.ones((2, 6, 6, 6, 6), np.float32), pads, ones, ones, 3)
    monkeypatch.setattr(fast, "_enabled", False)
    x, w, pads, ones = _depthwise(2)
    C.conv_backward(x, w, np.ones((2, 6, 6, 6), np.float32), pads, ones, ones, 3)
    assert calls == [5, 4]


@needs_numba
def test_max_pool_backward_from_indices_runs_on_the_fast_path(monkeypatch):
    """With saved indices (also 3-d) the compiled scatter runs; without them NumPy's kernel."""
    monkeypatch.setattr(fast, "_enabled", True)
    phases = []
    original = P._max_pool_backward_phases
    monkeypatch.setattr(
        P, "_max_pool_backward_phases", lambda *a: phases.append(a[4] is None) or original(*a)
    )
    for shape, args in (
        ((4, 9, 9), ((3, 3), (2, 2), (1, 1), (1, 1), (5, 5))),
        ((2, 5, 5, 5), ((3, 3, 3), (2, 2, 2), (1, 1, 1), (1, 1, 1), (3, 3, 3))),
    ):
        x = np.random.default_rng(1).standard_normal(shape)
        y, idx = P.max_pool_indices(x, *args)
        for indices in (idx, None):
            gx = P.max_pool_backward(x, y, np.ones_like(y), *args, indices=indices)
            assert gx.sum() == y.size  # every window's 1 landed somewhere
    assert phases == [True, True]  # only the calls without indices


@needs_numba
@pytest.mark.parametrize("ndim", [1, 2])
def test_max_pool_indices_run_on_the_fast_path(ndim, monkeypatch):
    """The forward with torch's indices and its gradient never reach NumPy's offset loops
    (``_positions`` feeds both); their results are checked in test_pool.py."""
    monkeypatch.setattr(fast, "_enabled", True)
    _forbid(monkeypatch, P, "_positions")
    x = np.random.default_rng(2).standard_normal((3,) + (8,) * ndim)
    args = ((3,) * ndim, (2,) * ndim, (1,) * ndim, (1,) * ndim, (4,) * ndim)
    y, idx = P.max_pool_indices(x, *args)
    gx = P.max_pool_backward(x, y, np.ones_like(y), *args, indices=idx)
    assert gx.sum() == y.size and idx.min() >= 0


def test_integer_gradients_take_numpy():
    g = np.zeros((1, 2, 2), np.float16)
    assert not fast.max_pool_backward(
        g, np.zeros((1, 2, 2), np.int64), np.zeros((1, 3, 3), np.float16)
    )


def test_switch_attribute_flags_and_type_check():
    before = convkit.backends.fast.enabled
    try:
        convkit.backends.fast.enabled = False
        assert not fast.is_enabled() and not convkit.backends.fast.enabled
        with convkit.backends.fast.flags(enabled=True):
            assert fast.is_enabled()
        assert not fast.is_enabled()
        with pytest.raises(TypeError, match="must be a bool"):
            convkit.backends.fast.enabled = 1
    finally:
        convkit.backends.fast.enabled = before
    assert convkit.backends.fast.is_available() == fast.is_available()


def _run(code: str, **env: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT, **env},
    )
    return out.stdout.strip()


def test_environment_variable_turns_the_fast_path_off():
    code = (
        "import sys, numpy as np, convkit; from convkit.kernels import conv; "
        "x = np.ones((1, 2, 5, 5), np.float32); w = np.ones((2, 1, 3, 3), np.float32); "
        "conv.conv_forward(x, w, ((1, 1), (1, 1)), (1, 1), (1, 1), 2); "
        "print(convkit.backends.fast.enabled, 'numba' in sys.modules)"
    )
    assert _run(code, CONVKIT_FAST="0") == "False False"


@needs_numba
def test_compiles_without_a_writable_cache():
    """numba raises at decoration when no cache locator works; the kernels then compile in
    memory. Only IPython's locator is allowed here, and it declines an ordinary file."""
    code = (
        "import numpy as np; from convkit.kernels import fast; "
        "g = np.arange(6.0).reshape(1, 6); i = np.array([[0, 2, 2, 5, 0, 1]]); "
        "gx = np.empty((1, 6)); assert fast._load() is not None; "
        "k = fast._kernels.max_pool_backward_indices; k(g, i, gx, 0, 1); "
        "print(type(k._cache).__name__, gx.tolist())"
    )
    out = _run(code, NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator")
    assert out == "NullCache [[4.0, 5.0, 3.0, 0.0, 0.0, 3.0]]"


@needs_numba
def test_writes_stay_inside_the_output(monkeypatch):
    """numba checks no bounds: a window row that starts in the padding past the last output
    (here W = 1, a 3-wide kernel, 2 padding cells before and none after) must not make the
    border loops write past the row. The outputs are views of a larger buffer whose tail must
    stay untouched."""
    monkeypatch.setattr(fast, "_enabled", True)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 4, 1))
    w = rng.standard_normal((4, 1, 3, 3))
    pads, ones = ((1, 1), (2, 0)), (1, 1)
    ref = R.conv_ref(x, w, None, pads, ones, ones, 2)
    buf = np.full(ref.size + 64, 7.0)
    out = buf[: ref.size].reshape(ref.shape)
    assert fast.depthwise_forward(x, w, pads, ones, ones, out, None)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    assert (buf[ref.size :] == 7.0).all()
    g = rng.standard_normal(ref.shape)
    buf = np.full(x.size + 64, 7.0)
    gx = buf[: x.size].reshape(x.shape)
    assert fast.depthwise_input_grad(w, g, pads, ones, ones, gx)
    with convkit.backends.fast.flags(enabled=False):
        expected = C.conv_input_grad(g, w, x.shape[2:], pads, ones, ones, 2)
    np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=1e-12)
    assert (buf[x.size :] == 7.0).all()


@needs_numba
@pytest.mark.parametrize("shape", [(0, 2, 4), (0, 1, 4, 6), (0, 3, 2, 3, 4)])
def test_max_pool_backward_of_an_empty_batch_from_indices(shape, monkeypatch):
    """An empty batch leaves the compiled scatter (it cannot view (0, -1)) for NumPy's path:
    the empty gradient, as torch's (the fast path raised NumPy's reshape error)."""
    monkeypatch.setattr(fast, "_enabled", True)
    pool = f"max_pool{len(shape) - 2}d"

    def fn(lib):
        x = lib.zeros(shape, requires_grad=True)
        y, i = getattr(lib.nn.functional, pool)(x, 2, return_indices=True)
        y.backward(lib.zeros(y.shape))
        return y, i, x.grad

    same_as_torch(fn)
