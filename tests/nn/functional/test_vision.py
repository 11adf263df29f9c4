"""pixel_shuffle, pixel_unshuffle and channel_shuffle against torch; gradients; errors."""

import numpy as np
import pytest
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import check_against_torch, gradcheck, to_torch

CASES = [
    ("pixel_shuffle", (2, 8, 3, 4), 2),
    ("pixel_shuffle", (9, 2, 3), 3),
    ("pixel_shuffle", (2, 1, 4, 2, 3), 2),
    ("pixel_unshuffle", (2, 3, 4, 6), 2),
    ("pixel_unshuffle", (1, 6, 3), 3),
    ("channel_shuffle", (2, 6, 3, 2), 3),
    ("channel_shuffle", (2, 6, 4), 2),
    ("native_channel_shuffle", (1, 4, 2, 2), 2),
]


@pytest.mark.parametrize("name,shape,factor", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, shape, factor, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    # torch defines no derivative for native_channel_shuffle (convkit's is channel_shuffle's).
    check_against_torch(
        lambda t: getattr(F, name)(t, factor),
        lambda t: getattr(TF, name)(t, factor),
        [x],
        dtype,
        grads=name != "native_channel_shuffle",
    )


@pytest.mark.parametrize("name,shape,factor", CASES[:2] + CASES[3:4] + CASES[5:6])
def test_gradcheck(name, shape, factor):
    gradcheck(
        lambda t: getattr(F, name)(t, factor), np.random.default_rng(1).standard_normal(shape)
    )


@pytest.mark.parametrize(
    "name,shape,factor",
    [
        ("pixel_shuffle", (2, 2), 2),
        ("pixel_shuffle", (5, 2, 2), 2),
        ("pixel_shuffle", (4, 2, 2), 0),
        ("pixel_unshuffle", (1, 5, 4), 2),
        ("pixel_unshuffle", (1, 4, 5), 2),
        ("pixel_unshuffle", (4, 4), 2),
        ("channel_shuffle", (1, 5, 4), 2),
        ("channel_shuffle", (1, 4, 4), 0),
        ("channel_shuffle", (4, 4), 2),
    ],
)
def test_errors_match_torch(name, shape, factor):
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(RuntimeError) as theirs:
        getattr(TF, name)(to_torch(x), factor)
    with pytest.raises(RuntimeError) as ours:
        getattr(F, name)(ck.tensor(x), factor)
    assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]


def test_integer_input_keeps_its_dtype():
    x = np.arange(24).reshape(1, 4, 2, 3)
    y = F.pixel_shuffle(ck.tensor(x), 2)
    np.testing.assert_array_equal(y.data, TF.pixel_shuffle(to_torch(x), 2).numpy())
