"""one_hot against torch."""

import numpy as np
import pytest
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import to_torch


@pytest.mark.parametrize(
    "values,num_classes",
    [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), (1, 3), (np.zeros(0, dtype=np.int64), 3)],
)
def test_one_hot_matches_torch(values, num_classes):
    x = np.asarray(values, dtype=np.int64)
    got = F.one_hot(ck.tensor(x), num_classes)
    want = TF.one_hot(to_torch(x), num_classes).numpy()
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.data, want)


@pytest.mark.parametrize(
    "values,num_classes,match",
    [
        ([0, -1], -1, "non-negative"),
        ([0, 3], 3, "smaller than num_classes"),
        (np.zeros(0, dtype=np.int64), -1, "empty tensor"),
        (np.zeros((0, 3), dtype=np.int64), 0, "empty tensor"),
        (np.zeros(0, dtype=np.int64), -4, "empty tensor"),
        ([0, 1], 0, "smaller than num_classes"),
        (np.array([1.0]), 3, "LongTensor"),
    ],
)
def test_one_hot_errors_match_torch(values, num_classes, match):
    x = np.asarray(values)
    if x.dtype.kind == "i":
        x = x.astype(np.int64)
    with pytest.raises(RuntimeError, match=match):
        TF.one_hot(to_torch(x), num_classes)
    with pytest.raises(RuntimeError, match=match):
        F.one_hot(ck.tensor(x), num_classes)


@pytest.mark.parametrize("num_classes", [4.0, True, None, "4", np.float64(4.0)])
def test_one_hot_num_classes_must_be_int_like_torch(num_classes):
    x = np.array([0, 1], dtype=np.int64)
    with pytest.raises(TypeError, match="num_classes"):
        TF.one_hot(to_torch(x), num_classes)
    with pytest.raises(TypeError, match="num_classes"):
        F.one_hot(ck.tensor(x), num_classes)


def test_one_hot_num_classes_tensor_like_torch():
    import torch

    x = np.array([0, 1], dtype=np.int64)
    want = TF.one_hot(to_torch(x), torch.tensor(4)).numpy()
    np.testing.assert_array_equal(F.one_hot(ck.tensor(x), ck.tensor(4)).data, want)
    for bad_t, bad_ck in ((torch.tensor(4.0), ck.tensor(4.0)), (torch.tensor([4]), ck.tensor([4]))):
        with pytest.raises(TypeError, match="num_classes"):
            TF.one_hot(to_torch(x), bad_t)
        with pytest.raises(TypeError, match="num_classes"):
            F.one_hot(ck.tensor(x), bad_ck)
