"""Test utilities: numerical gradient checks and comparison with torch.

The gradient check uses central differences in float64 on the scalar ``sum(f(x) * w)`` for a fixed
random ``w``: the inner-product identity <w, J v> checked coordinate by coordinate
(HIPS/autograd's test_util does the same).
"""

from __future__ import annotations

import numpy as np

import convkit as ck


def numerical_grads(fn, arrays, weight, eps=1e-6):
    """d/dx_i of sum(fn(*arrays) * weight) by central differences, for every array."""
    grads = []
    for arr in arrays:
        g = np.zeros_like(arr)
        flat, gflat = arr.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = float((np.asarray(fn(*arrays)) * weight).sum())
            flat[i] = old - eps
            minus = float((np.asarray(fn(*arrays)) * weight).sum())
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(fn, *arrays, seed=0, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Check convkit's backward of ``fn`` (Tensors in, Tensor out) against central differences.

    ``arrays`` are float64 NumPy arrays; every one gets a gradient. Returns the analytic grads.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(seed)

    def run(*xs):
        with ck.no_grad():
            return fn(*[ck.tensor(x) for x in xs]).data

    out = run(*arrays)
    weight = rng.standard_normal(out.shape)
    leaves = [ck.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*leaves)
    assert y.dtype == np.float64, f"float64 in, {y.dtype} out"
    y.backward(ck.tensor(weight))
    numeric = numerical_grads(run, arrays, weight, eps)
    analytic = []
    for i, (leaf, num) in enumerate(zip(leaves, numeric, strict=True)):
        assert leaf.grad is not None, f"input {i} got no gradient"
        assert leaf.grad.dtype == np.float64
        np.testing.assert_allclose(
            leaf.grad.data, num, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}"
        )
        analytic.append(leaf.grad.data)
    return analytic


def to_torch(a, requires_grad=False):
    import torch

    t = torch.from_numpy(np.array(a))
    return t.requires_grad_(requires_grad) if requires_grad else t


def tolerance(dtype):
    """rtol/atol for comparing with torch: float64 1e-10, float32 1e-4 (the issue's contract)."""
    if np.dtype(dtype) == np.float64:
        return dict(rtol=1e-10, atol=1e-12)
    return dict(rtol=1e-4, atol=1e-5)


def check_against_torch(fn, tfn, arrays, dtype, seed=0, grads=True):
    """Run ``fn`` (convkit) and ``tfn`` (torch) on the same arrays, backward with the same random
    upstream gradient, and compare outputs and every input's gradient at the parity tolerance.

    Non-floating arrays (targets, indices) are passed through without gradients; ``grads`` may
    also list the positions of the arrays that get one.
    """
    import torch

    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in arrays]
    chosen = range(len(arrays)) if grads is True else (grads or ())
    wants = [i in chosen and a.dtype.kind == "f" for i, a in enumerate(arrays)]
    ours = [ck.tensor(a, requires_grad=w) for a, w in zip(arrays, wants, strict=True)]
    theirs = [to_torch(a, requires_grad=w) for a, w in zip(arrays, wants, strict=True)]
    y = fn(*ours)
    yt = tfn(*theirs)
    assert tuple(y.shape) == tuple(yt.shape), (y.shape, yt.shape)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", ""), (y.dtype, yt.dtype)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tolerance(dtype))
    if any(wants):
        g = rng.standard_normal(tuple(yt.shape)).astype(yt.detach().numpy().dtype)
        y.backward(ck.tensor(g))
        yt.backward(torch.from_numpy(g))
        for i, (c, t, w) in enumerate(zip(ours, theirs, wants, strict=True)):
            if not w:
                continue
            assert c.grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(
                c.grad.data, t.grad.numpy(), err_msg=f"gradient of input {i}", **tolerance(dtype)
            )
    return y, yt


def outcome(fn, lib):
    """Run ``fn(lib)`` for ``lib`` torch or convkit: ``("ok", result)``, or the exception's class
    and its message with convkit's names written as torch's, for side-by-side checks."""
    try:
        return "ok", fn(lib)
    except Exception as e:  # the exception itself is what is compared
        return type(e), str(e).replace("convkit", "torch")[:500]


def assert_same_outcome(fn, message: bool = False):
    """``fn`` raises the same exception class (convkit's may subclass torch's, as DimensionError
    subclasses IndexError) and message, if asked, under torch and convkit, or returns equal
    values (Tensors compared as arrays). Returns convkit's outcome, the class as its name."""
    import torch

    theirs, ours = outcome(fn, torch), outcome(fn, ck)
    if theirs[0] == "ok" or ours[0] == "ok":
        assert ours[0] == theirs[0], f"torch: {theirs}, convkit: {ours}"
    else:
        assert issubclass(ours[0], theirs[0]), f"torch: {theirs}, convkit: {ours}"
        if message:
            assert ours[1] == theirs[1]
        return theirs[0].__name__, ours[1]
    a, b = theirs[1], ours[1]
    if isinstance(a, torch.Tensor):
        a, b = a.detach().numpy(), np.asarray(b.detach())
        assert a.shape == b.shape and str(a.dtype) == str(b.dtype), (a, b)
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b
    return ours
