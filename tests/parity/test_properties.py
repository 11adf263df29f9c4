"""Property tests: for arguments drawn across the whole space, convkit raises exactly when torch
raises, and otherwise gives torch's shape and values (float64), as shapes.py predicts.

Derandomized so CI sees the same examples every run.
"""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit as ck
import convkit.nn.functional as F
from convkit import shapes

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True)


def both(ours, theirs):
    """(convkit result or exception class, torch result or exception class)."""
    out = []
    for fn in (ours, theirs):
        try:
            out.append(fn())
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            out.append(type(e))
    return out


@SETTINGS
@given(
    L=st.integers(1, 9),
    W=st.integers(1, 9),
    k=st.integers(1, 5),
    s=st.integers(1, 3),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
    groups=st.sampled_from([1, 2]),
    cout=st.sampled_from([2, 4]),
)
def test_conv2d_matches_torch_everywhere(L, W, k, s, p, d, groups, cout):
    rng = np.random.default_rng(L * 1000 + W * 100 + k * 10 + s)
    x = rng.standard_normal((1, 2, L, W))
    w = rng.standard_normal((cout, 2 // groups, k, k))
    ours, theirs = both(
        lambda: (
            F.conv2d(
                ck.tensor(x), ck.tensor(w), stride=s, padding=p, dilation=d, groups=groups
            ).data
        ),
        lambda: torch.nn.functional.conv2d(
            torch.tensor(x), torch.tensor(w), stride=s, padding=p, dilation=d, groups=groups
        ).numpy(),
    )
    predicted = (shapes.conv_output_size(L, k, s, p, d), shapes.conv_output_size(W, k, s, p, d))
    if isinstance(theirs, type):
        assert isinstance(ours, type) and min(predicted) <= 0
        return
    assert not isinstance(ours, type), ours
    assert ours.shape == theirs.shape == (1, cout) + predicted
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(
    L=st.integers(1, 10),
    k=st.integers(1, 4),
    s=st.integers(1, 4),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
    ceil=st.booleans(),
    kind=st.sampled_from(["max", "avg"]),
    include=st.booleans(),
)
def test_pool1d_matches_torch_everywhere(L, k, s, p, d, ceil, kind, include):
    x = np.random.default_rng(L * 10 + k).standard_normal((2, 3, L))
    if kind == "max":
        ours, theirs = both(
            lambda: F.max_pool1d(ck.tensor(x), k, s, p, d, ceil_mode=ceil).data,
            lambda: torch.nn.functional.max_pool1d(
                torch.tensor(x), k, s, p, d, ceil_mode=ceil
            ).numpy(),
        )
    else:
        ours, theirs = both(
            lambda: F.avg_pool1d(ck.tensor(x), k, s, p, ceil, include).data,
            lambda: torch.nn.functional.avg_pool1d(torch.tensor(x), k, s, p, ceil, include).numpy(),
        )
    if isinstance(theirs, type):
        assert isinstance(ours, type), (ours, theirs)
        return
    assert not isinstance(ours, type), ours
    dil = d if kind == "max" else 1
    assert ours.shape == theirs.shape == (2, 3, shapes.pool_output_size(L, k, s, p, dil, ceil))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(
    L=st.integers(1, 6),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
    op=st.integers(0, 2),
)
def test_conv_transpose1d_matches_torch_everywhere(L, k, s, p, d, op):
    rng = np.random.default_rng(L * 100 + k * 10 + s)
    x, w = rng.standard_normal((1, 2, L)), rng.standard_normal((2, 3, k))
    ours, theirs = both(
        lambda: (
            F.conv_transpose1d(
                ck.tensor(x), ck.tensor(w), stride=s, padding=p, output_padding=op, dilation=d
            ).data
        ),
        lambda: torch.nn.functional.conv_transpose1d(
            torch.tensor(x), torch.tensor(w), stride=s, padding=p, output_padding=op, dilation=d
        ).numpy(),
    )
    if isinstance(theirs, type):
        assert isinstance(ours, type), (ours, theirs)
        return
    assert not isinstance(ours, type), ours
    assert (
        ours.shape[-1] == theirs.shape[-1] == shapes.conv_transpose_output_size(L, k, s, p, d, op)
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
