"""Tensor construction, dtypes, promotion, shape methods and printing, checked against torch."""
import numpy as np
import pytest
import torch

import convkit as ck


def test_tensor_sizes_constructor():
    t = ck.Tensor(1, 1, 227, 227)
    assert t.shape == (1, 1, 227, 227) and t.dtype == ck.float32
    assert repr(t.shape) == "convkit.Size([1, 1, 227, 227])"
    assert t.size() == t.shape and t.size(-1) == 227 and t.dim() == 4
    assert not t.data.any()


@pytest.mark.parametrize("data", [[1.0, 2.0], [[1, 2], [3, 4]], 3.5, 7, True, [True, False],
                                  np.arange(3, dtype=np.float64), np.ones(2, dtype=np.float32),
                                  np.arange(4, dtype=np.int32)])
def test_tensor_dtype_rules_match_torch(data):
    ours = ck.tensor(data)
    theirs = torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


PROMOTION = [
    (np.float32, (3,), np.float64, (3,)),
    (np.float32, (3,), np.float64, ()),
    (np.int64, (3,), np.float64, ()),
    (np.int64, (3,), np.float32, (3,)),
    (np.int64, (), np.float32, (3,)),
    (np.bool_, (3,), np.int64, ()),
    (np.int32, (3,), np.int64, ()),
]


@pytest.mark.parametrize("da,sa,db,sb", PROMOTION)
def test_binary_promotion_matches_torch(da, sa, db, sb):
    a, b = np.ones(sa, dtype=da), np.ones(sb, dtype=db)
    ours = ck.from_numpy(a) + ck.from_numpy(b)
    theirs = torch.from_numpy(a) + torch.from_numpy(b)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


@pytest.mark.parametrize("scalar", [2, 2.5, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_scalar_promotion_matches_torch(scalar, dtype):
    a = np.ones(3, dtype=dtype)
    if dtype == np.bool_ and scalar is True:
        return  # bool + bool is logical or in NumPy, an error in torch: not a promotion question
    ours = ck.from_numpy(a) * scalar
    theirs = torch.from_numpy(a) * scalar
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_int_division_gives_float32():
    assert (ck.tensor([1, 2]) / 2).dtype == ck.float32


def test_shape_methods_match_torch():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    c, t = ck.tensor(a), torch.tensor(a)
    pairs = [
        (c.reshape(4, -1), t.reshape(4, -1)), (c.view(-1), t.view(-1)),
        (c.flatten(1), t.flatten(1)), (c.permute(2, 0, 1), t.permute(2, 0, 1)),
        (c.transpose(0, 2), t.transpose(0, 2)), (c.unsqueeze(1), t.unsqueeze(1)),
        (c[:, None].squeeze(1), t[:, None].squeeze(1)), (c[1, :, ::2], t[1, :, ::2]),
        (c.sum(1), t.sum(1)), (c.mean((0, 2)), t.mean((0, 2))), (c.max(), t.max()),
        (c.max(2).indices, t.max(2).indices), (c.argmax(1), t.argmax(1)),
        (c[c > 10], t[t > 10]),
    ]
    for ours, theirs in pairs:
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_shape_errors():
    c = ck.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        c.reshape(4, 2)
    with pytest.raises(RuntimeError):
        c.reshape(-1, -1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        c.sum(2)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        c @ ck.zeros(2, 3)
    with pytest.raises(RuntimeError, match="only one element|cannot be converted"):
        c.item()


def test_repr_like_torch():
    assert repr(ck.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ck.tensor([0.5], requires_grad=True)) == "tensor([0.5000], requires_grad=True)"
    assert "dtype=convkit.float64" in repr(ck.tensor([1.0], dtype=ck.float64))


def test_factories():
    assert ck.zeros(2, 3).shape == (2, 3) and ck.ones((2,)).data.sum() == 2
    assert ck.arange(5).dtype == ck.int64 and ck.arange(0, 1, 0.5).dtype == ck.float32
    assert ck.randn(3, 4, dtype=ck.float64).dtype == ck.float64
    ck.manual_seed(3)
    a = ck.rand(5)
    ck.manual_seed(3)
    np.testing.assert_array_equal(a.data, ck.rand(5).data)
    torch.manual_seed(3)
    np.testing.assert_array_equal(a.data, torch.rand(5).numpy())  # MT19937 draws as torch's
    x = np.zeros(3)
    assert ck.from_numpy(x).data is x


def test_grad_assignable_and_numpy_interop():
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ck.ones(2)
    assert x.grad.shape == (2,)
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.0, 2.0])
    assert np.asarray(ck.ones(2)).dtype == np.float32
