"""F.conv* and F.conv_transpose* on empty inputs, against torch (issue 10's fuzz findings).

torch convolves an empty input only when its batch or its channels are empty. A transposed
convolution of an empty batch takes torch's shape-only path: an output size of exactly 0 is
returned there (with a non-empty batch it is "Output size is too small"); convkit follows both.
"""

from __future__ import annotations

import pytest

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import same_as_torch


def _run(fn, x, w, bias=False, **kwargs):
    def run(lib):
        xt = lib.ones(*x, requires_grad=True)
        wt = lib.ones(*w, requires_grad=True)
        out_channels = w[1] * kwargs.get("groups", 1) if "transpose" in fn else w[0]
        b = lib.ones(out_channels, requires_grad=True) if bias else None
        y = getattr(lib.nn.functional, fn)(xt, wt, b, **kwargs)
        y.sum().backward()
        return y, xt.grad, wt.grad, None if b is None else b.grad

    return run


@pytest.mark.parametrize(
    "fn,x,w,kwargs",
    [
        ("conv2d", (1, 2, 0, 4), (3, 2, 1, 1), dict(padding=1)),  # only zero batch or channels
        ("conv2d", (1, 2, 0, 4), (3, 2, 1, 1), {}),  # the kernel check comes first
        ("conv1d", (2, 0), (3, 2, 1), dict(padding=1)),  # unbatched: a batch of one
        ("conv3d", (2, 1, 2, 0, 4), (3, 1, 1, 1, 1), dict(padding=(0, 1, 0))),
        ("conv2d", (0, 2, 0, 4), (3, 2, 1, 1), dict(padding=1)),  # an empty batch is fine
        ("conv2d", (0, 2, 5, 5), (3, 2, 3, 3), {}),
        ("conv_transpose2d", (1, 2, 0, 4), (2, 3, 1, 1), {}),
        ("conv_transpose2d", (1, 2, 0, 4), (2, 3, 1, 1), dict(stride=2)),
        ("conv_transpose2d", (0, 2, 0, 4), (2, 3, 1, 1), {}),
        ("conv_transpose2d", (0, 2, 2, 2), (2, 3, 1, 1), dict(padding=1)),  # size 0, empty batch
        ("conv_transpose2d", (1, 2, 2, 2), (2, 3, 1, 1), dict(padding=1)),  # size 0: an error
        ("conv_transpose1d", (0, 2, 2), (2, 3, 1), dict(padding=1)),
        ("conv_transpose3d", (0, 2, 2, 2, 2), (2, 3, 1, 1, 1), dict(padding=1)),
        ("conv_transpose2d", (0, 2, 2, 2), (2, 3, 1, 1), dict(stride=2, output_padding=1)),
        ("conv_transpose2d", (0, 2, 1, 1), (2, 3, 1, 1), dict(padding=1)),  # size -1
        ("conv_transpose2d", (1, 2, 2, 2), (2, 0, 1, 1), {}),  # no output channels
    ],
)
@pytest.mark.parametrize("bias", [False, True])
def test_empty_inputs_as_torch(fn, x, w, kwargs, bias):
    same_as_torch(_run(fn, x, w, bias, **kwargs))


def test_empty_spatial_dim_with_a_batch_is_refused():
    with pytest.raises(RuntimeError, match="Only zero batch or zero channel inputs"):
        F.conv2d(ck.ones(1, 2, 0, 4), ck.ones(3, 2, 1, 1), padding=1)


def test_transposed_conv_of_an_empty_batch_may_give_size_zero():
    """The documented choice where torch contradicts itself: an empty batch gives an empty
    (0, C_out, 0, 0) result, a non-empty batch is refused."""
    y = F.conv_transpose2d(ck.ones(0, 2, 2, 2), ck.ones(2, 3, 1, 1), padding=1)
    assert y.shape == (0, 3, 0, 0)
    with pytest.raises(RuntimeError, match="output size is too small"):
        F.conv_transpose2d(ck.ones(1, 2, 2, 2), ck.ones(2, 3, 1, 1), padding=1)


def test_zero_input_channels_is_a_sum_over_nothing():
    """Documented deviation: torch's shortcut for zero input channels returns (N, 0, ...), a
    shape that ignores the weight's output channels and the bias; convkit returns the
    convolution's value, the bias over the (N, C_out, *out) output."""
    y = F.conv2d(ck.ones(1, 0, 5, 5), ck.ones(3, 0, 3, 3), ck.tensor([1.0, 2.0, 3.0]))
    assert y.shape == (1, 3, 3, 3)
    assert (y.data[0, 2] == 3.0).all()


@pytest.mark.parametrize(
    "output_size,kernel_size",
    [((), False), ((3,), False), ((3, 3, 3), 2.0), ((), (True, True)), ((2,), None), ((), 2)],
)
def test_fold_checks_every_argument_type_before_any_length(output_size, kernel_size):
    # torch's parser refuses a bad type (TypeError) before col2im checks output_size's length
    same_as_torch(lambda lib: lib.nn.functional.fold(lib.ones(6, 9), output_size, kernel_size))
