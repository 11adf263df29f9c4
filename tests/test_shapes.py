"""Every formula in shapes.py against the shapes torch really produces, and the worked text."""

import itertools

import numpy as np
import pytest
import torch

from convkit import shapes

GRID = list(itertools.product([1, 5, 8, 13], [1, 2, 3, 4], [1, 2, 3], [0, 1, 2], [1, 2]))


@pytest.mark.parametrize("L,k,s,p,d", GRID)
def test_conv_output_size_matches_torch(L, k, s, p, d):
    ours = shapes.conv_output_size(L, k, s, p, d)
    x = torch.zeros(1, 1, L)
    w = torch.zeros(1, 1, k)
    if ours <= 0:
        with pytest.raises(RuntimeError):
            torch.nn.functional.conv1d(x, w, stride=s, padding=p, dilation=d)
        return
    assert torch.nn.functional.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1] == ours


@pytest.mark.parametrize("L,k,s,p,d", GRID)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_matches_torch(L, k, s, p, d, ceil_mode):
    x = torch.zeros(1, 1, L)
    if p > k // 2:
        with pytest.raises(RuntimeError):
            shapes.pool_output_shape("max_pool1d", (L,), (k,), (s,), (p,), (d,), ceil_mode)
        with pytest.raises(RuntimeError):
            torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode=ceil_mode)
        return
    ours = shapes.pool_output_size(L, k, s, p, d, ceil_mode)
    try:
        theirs = torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode=ceil_mode).shape[-1]
    except RuntimeError:
        assert ours <= 0
        return
    assert theirs == ours


@pytest.mark.parametrize(
    "L,k,s,p,ceil,expected",
    [
        (32, 1, 2, 0, True, 16),  # k < s: ceil must not add a window starting past the input
        (8, 3, 3, 1, True, 3),  # the last window would start in the right padding
        (1, 2, 2, 0, True, 1),  # a kernel larger than the input still gives output
        (25, 2, 2, 0, False, 12),  # floor drops the last row
    ],
)
def test_pool_output_size_semantics_examples(L, k, s, p, ceil, expected):
    assert shapes.pool_output_size(L, k, s, p, 1, ceil) == expected


@pytest.mark.parametrize(
    "L,k,s,p,d,op",
    [
        (L, k, s, p, d, op)
        for L, k, s, p, d in itertools.product([1, 3, 6], [1, 2, 3], [1, 2, 3], [0, 1], [1, 2])
        for op in range(max(s, d))
    ],
)
def test_conv_transpose_output_size_matches_torch(L, k, s, p, d, op):
    ours = shapes.conv_transpose_output_size(L, k, s, p, d, op)
    x = torch.zeros(1, 1, L)
    w = torch.zeros(1, 1, k)
    try:
        theirs = torch.nn.functional.conv_transpose1d(
            x, w, stride=s, padding=p, output_padding=op, dilation=d
        ).shape[-1]
    except RuntimeError:
        assert ours <= 0
        return
    assert theirs == ours


@pytest.mark.parametrize("L,out", [(10, 3), (7, 7), (5, 8), (13, 4), (1, 3), (6, 4)])
def test_adaptive_bins_match_torch(L, out):
    bins = shapes.adaptive_pool_bins(L, out)
    x = torch.arange(L, dtype=torch.float64).reshape(1, 1, L)
    want = torch.nn.functional.adaptive_avg_pool1d(x, out).reshape(-1).numpy()
    got = np.array([np.mean(np.arange(a, b)) for a, b in bins])
    np.testing.assert_allclose(got, want)
    assert shapes.adaptive_pool_bins(10, 3) == [(0, 4), (3, 7), (6, 10)]


@pytest.mark.parametrize("k,d", [(1, 1), (2, 1), (3, 1), (4, 1), (4, 3), (5, 2), (3, 3)])
def test_same_padding_split_matches_torch(k, d):
    before, after = shapes.same_padding(k, d)
    L = 9
    x = torch.arange(L, dtype=torch.float64).reshape(1, 1, L)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    w[0, 0, 0] = 1.0  # picks the first tap: output[i] = padded[i], which reveals the left pad
    out = torch.nn.functional.conv1d(x, w, padding="same", dilation=d).reshape(-1).numpy()
    padded = np.concatenate([np.zeros(before), np.arange(L), np.zeros(after)])
    np.testing.assert_array_equal(out, padded[:L])
    assert before + after == d * (k - 1)


def test_same_padding_examples():
    assert shapes.same_padding(4, 1) == (1, 2)
    assert shapes.same_padding(4, 3) == (4, 5)


def test_worked_formula_text():
    assert shapes.conv_output_formula(3, 5) == "floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1"
    assert shapes.conv_output_formula(227, 11, 4) == "floor((227 + 2*0 - 1*(11-1) - 1)/4) + 1 = 55"
    with pytest.raises(RuntimeError) as e:
        shapes.conv_output_shape("conv2d", (3, 3), (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1))
    msg = str(e.value)
    assert "floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1" in msg
    assert "padding >= 1" in msg and "kernel of at most 3" in msg


def test_pool_shape_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of kernel size"):
        shapes.pool_output_shape("max_pool2d", (5, 5), (3, 3), (1, 1), (2, 2), (1, 1), False)
    with pytest.raises(RuntimeError, match="too small"):
        shapes.pool_output_shape("max_pool2d", (2, 2), (3, 3), (1, 1), (0, 0), (1, 1), False)


def test_transpose_output_size_argument():
    out, op = shapes.conv_transpose_output_shape("t", (4,), (3,), (2,), (1,), (1,), (0,), (8,))
    assert out == (8,) and op == (1,)
    with pytest.raises(ValueError, match="valid sizes range"):
        shapes.conv_transpose_output_shape("t", (4,), (3,), (2,), (1,), (1,), (0,), (9,))
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        shapes.conv_transpose_output_shape("t", (4,), (3,), (2,), (1,), (1,), (2,))


@pytest.mark.parametrize(
    "value,n,expected", [(3, 2, (3, 3)), ((1, 2), 2, (1, 2)), ([4], 3, (4, 4, 4))]
)
def test_ntuple(value, n, expected):
    assert shapes.ntuple(value, n, "kernel_size") == expected


@pytest.mark.parametrize(
    "value,exc",
    # A float element is a TypeError, as torch's argument parser gives for F.conv2d(kernel...) and
    # nn.Conv2d(1, 1, (1.0, 2)); a bool too (torch: "must be tuple of ints, not bool").
    [
        ((1, 2, 3), ValueError),
        ("3", TypeError),
        (2.5, TypeError),
        ((1.0, 2), TypeError),
        (True, TypeError),
        ((False, 2), TypeError),
        (None, TypeError),
        ((), ValueError),
    ],
)
def test_ntuple_rejects(value, exc):
    with pytest.raises(exc, match="kernel_size"):
        shapes.ntuple(value, 2, "kernel_size")


@pytest.mark.parametrize(
    "value,kwargs,expected",
    [
        (3, {}, (3, 3)),
        ((3,), {}, (3, 3)),
        ([1, 2], {}, (1, 2)),
        (np.int64(2), {}, (2, 2)),
        ((np.int32(2), 1), {}, (2, 1)),
        (True, dict(bools=True), (1, 1)),
        ((False, 2), dict(bools=True), (0, 2)),
        # torch checks the type of the first entry only: a later bool is read as an int
        ((2, True), {}, (2, 1)),
    ],
)
def test_int_tuple(value, kwargs, expected):
    out = shapes.int_tuple(value, 2, "stride", "max_pool2d", **kwargs)
    assert out == expected and all(type(v) is int for v in out)


@pytest.mark.parametrize(
    "value,kwargs,exc,match",
    [
        (
            True,
            {},
            TypeError,
            r"max_pool2d\(\): argument 'stride' must be an int or a tuple of 2 "
            r"ints, not bool",
        ),
        ((True,), {}, TypeError, r"element of type bool at pos 0"),
        (
            (3,),
            dict(expand_one=False),
            RuntimeError,
            r"stride equals to 2 values, but got stride=\(3,\) \(1 values\)",
        ),
        ((1, 2, 3), {}, RuntimeError, r"stride to be a single integer value or a list of 2 values"),
        ([], {}, RuntimeError, r"stride=\[\] \(0 values\)"),
        ((1, 2, 3), dict(length_error=ValueError), ValueError, r"max_pool2d"),
        (2.0, dict(bools=True), TypeError, r"not float"),
    ],
)
def test_int_tuple_rejects(value, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        shapes.int_tuple(value, 2, "stride", "max_pool2d", **kwargs)


@pytest.mark.parametrize(
    "stride,empty,expected",
    [
        (None, True, 3),
        ([], True, 3),
        ((), True, 3),
        ([], False, []),
        (2, True, 2),
        ((1,), True, (1,)),
    ],
)
def test_default_stride(stride, empty, expected):
    assert shapes.default_stride(3, stride, empty=empty) == expected


def test_default_stride_is_torch_rule():
    """ATen's pooling takes None or an empty list as 'stride = kernel_size'."""
    x = torch.arange(16.0).reshape(1, 1, 16)
    for stride in (None, [], ()):
        expected = torch.nn.functional.max_pool1d(x, 3, stride).shape[-1]
        got = shapes.pool_output_size(
            16, 3, shapes.int_tuple(shapes.default_stride((3,), stride), 1, "s")[0]
        )
        assert got == expected


def test_window_start_and_divisors():
    # ones(4), k=3, s=2, p=1, ceil_mode -> windows start at -1, 1, 3 (as torch 2.13 computes it).
    assert [shapes.window_start(i, 2, 1) for i in range(3)] == [-1, 1, 3]
    assert shapes.avg_pool_divisors(4, 3, 2, 1, 3, True) == [3, 3, 2]


def test_padding_mode_lists():
    assert shapes.PAD_MODES[1:] == shapes.PADDING_MODES[1:]
    assert shapes.PADDING_MODES[0] == "zeros" and shapes.PAD_MODES[0] == "constant"


def test_padding_strings():
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        shapes.conv_padding("full", (3,), (1,), (1,))
    with pytest.raises(ValueError, match="strided"):
        shapes.conv_padding("same", (3,), (2,), (1,))
    assert shapes.conv_padding("valid", (3, 3), (1, 1), (1, 1)) == ((0, 0), (0, 0))
    with pytest.warns(UserWarning):
        shapes.conv_padding("same", (4,), (1,), (1,))


@pytest.mark.parametrize("L,k,s,p,d", GRID[::7])
def test_window_span_is_the_read_extent(L, k, s, p, d):
    """The windows of a conv/pool output cover exactly window_span cells of the padded input."""
    out = shapes.conv_output_size(L, k, s, p, d)
    if out <= 0:
        return
    span = shapes.window_span(out, k, s, d)
    assert span <= L + 2 * p
    assert span + shapes.unreached_input(L, k, s, p, d) == L + 2 * p
