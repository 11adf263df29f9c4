"""The window-slicing helper shared by conv, pooling and unfold (kernels/windows.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convkit.kernels import windows as win

# (spatial, kernel, stride, dilation)
CASES = [
    ((7,), (3,), (2,), (1,)),
    ((9, 8), (3, 2), (1, 2), (2, 1)),
    ((5, 6, 7), (2, 3, 1), (2, 1, 3), (1, 2, 1)),
    ((4, 4), (4, 4), (1, 1), (1, 1)),
]


def _out(spatial, kernel, stride, dilation):
    return tuple(
        (L - d * (k - 1) - 1) // s + 1
        for L, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
    )


@pytest.mark.parametrize("case", CASES)
def test_view_and_slices_match_a_loop(case):
    spatial, kernel, stride, dilation = case
    out = _out(*case)
    x = np.arange(2 * 3 * int(np.prod(spatial)), dtype=np.float64).reshape((2, 3) + spatial)
    v = win.view(x, kernel, stride, dilation, out)
    assert v.shape == (2, 3) + kernel + out
    assert not v.flags.writeable
    offsets = list(win.offsets(kernel))
    assert offsets == list(itertools.product(*(range(k) for k in kernel)))  # row-major
    pairs = win.all_offset_slices(kernel, stride, dilation, out)
    assert [j for j, _ in pairs] == offsets
    for j, sl in pairs:
        np.testing.assert_array_equal(
            x[(Ellipsis,) + sl], v[(Ellipsis,) + j + (slice(None),) * len(out)]
        )
        for o in itertools.product(*(range(n) for n in out)):
            cell = tuple(
                oi * s + ji * d for oi, s, ji, d in zip(o, stride, j, dilation, strict=True)
            )
            np.testing.assert_array_equal(v[(Ellipsis,) + j + o], x[(Ellipsis,) + cell])


def test_view_with_one_lead_axis():
    x = np.arange(30.0).reshape(3, 10)
    v = win.view(x, (3,), (3,), (1,), (3,))
    np.testing.assert_array_equal(v[1, :, 2], x[1, 6:9])
