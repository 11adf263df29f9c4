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


@pytest.mark.parametrize(
    "data",
    [
        [1.0, 2.0],
        [[1, 2], [3, 4]],
        3.5,
        7,
        True,
        [True, False],
        np.arange(3, dtype=np.float64),
        np.ones(2, dtype=np.float32),
        np.arange(4, dtype=np.int32),
    ],
)
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
        (c.reshape(4, -1), t.reshape(4, -1)),
        (c.view(-1), t.view(-1)),
        (c.flatten(1), t.flatten(1)),
        (c.permute(2, 0, 1), t.permute(2, 0, 1)),
        (c.transpose(0, 2), t.transpose(0, 2)),
        (c.unsqueeze(1), t.unsqueeze(1)),
        (c[:, None].squeeze(1), t[:, None].squeeze(1)),
        (c[1, :, ::2], t[1, :, ::2]),
        (c.sum(1), t.sum(1)),
        (c.mean((0, 2)), t.mean((0, 2))),
        (c.max(), t.max()),
        (c.max(2).indices, t.max(2).indices),
        (c.argmax(1), t.argmax(1)),
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
    assert ck.from_numpy(x).numpy() is x


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


# Regressions found in review: each compared with torch.
def test_numpy_scalars_keep_their_dtype():
    for value in (np.float64(1.5), np.int32(3), np.float16(2.0)):
        assert str(ck.tensor(value).dtype) == str(torch.tensor(value).dtype).replace("torch.", "")


def test_array_copy_does_not_share_memory():
    t = ck.tensor([1.0, 2.0, 3.0])
    a = np.array(t, copy=True)
    a[1] = 7
    assert t.data[1] == 2.0


@pytest.mark.parametrize(
    "values,dtype",
    [
        ([0, 1, 2], np.uint8),
        ([3, 1, 2], np.uint8),
        ([True, False], np.bool_),
        ([2.0, -1.0], np.float32),
    ],
)
def test_min_and_argmin_match_torch(values, dtype):
    a = np.array(values, dtype=dtype)
    ours, theirs = ck.from_numpy(a), torch.from_numpy(a)
    assert ours.min().item() == theirs.min().item()
    assert ours.min(0).values.item() == theirs.min(0).values.item()
    assert ours.min(0).indices.item() == theirs.min(0).indices.item()
    if dtype == np.bool_:
        for t in (ours, theirs):
            with pytest.raises(RuntimeError, match="bool"):
                t.argmin()
    else:
        assert ours.argmin().item() == theirs.argmin().item()


def test_maximum_minimum_propagate_nan_like_torch():
    a, b = np.array([np.nan, 1.0, 2.0]), np.array([1.0, np.nan, 3.0])
    for fn in ("maximum", "minimum"):
        ours = getattr(ck, fn)(ck.tensor(a), ck.tensor(b)).data
        theirs = getattr(torch, fn)(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.ones(2, 3) + m.ones(4, 5),
        lambda m: m.ones(2, 3) == m.ones(4, 5),
        lambda m: m.cat([m.ones(2, 3), m.ones(4, 5)]),
        lambda m: m.where(m.ones(2, 3) > 0, m.ones(2, 3), m.ones(4, 5)),
        lambda m: m.ones(2, 3, 4) @ m.ones(5, 4, 2),
        lambda m: m.zeros(2, 0).max(1),
    ],
)
def test_shape_mismatches_raise_like_torch_not_numpy(call):
    with pytest.raises((RuntimeError, IndexError)):
        call(torch)
    with pytest.raises((RuntimeError, ValueError)) as info:
        call(ck)
    assert "broadcast" not in str(info.value) or "must match" in str(info.value)


def test_setitem_shape_mismatch_is_a_runtime_error():
    a = ck.zeros(3, 4)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        a[0] = ck.ones(7)


def test_sum_of_unsigned_and_integer_casts():
    a = np.array([1, 2], dtype=np.uint8)
    assert str(ck.from_numpy(a).sum().dtype) == str(torch.from_numpy(a).sum().dtype)[6:]
    x = ck.ones(2, requires_grad=True)
    assert not x.to(ck.int64).requires_grad and x.to(ck.float64).requires_grad


def test_parameter_from_list_is_float32():
    assert ck.nn.Parameter([1.0, 2.0]).dtype == np.float32


def test_python_number_protocols_match_torch():
    """float(t), int(t), math.isfinite(t) and f-strings work: no builtin is shadowed inside."""
    import math

    for value in (1.5, -2.25, float("inf"), float("nan")):
        ours, theirs = ck.tensor(value), torch.tensor(value)
        assert math.isfinite(ours) == math.isfinite(theirs)
        assert repr(float(ours)) == repr(float(theirs))
        assert f"{ours:.3f}" == f"{theirs:.3f}"
        if math.isfinite(value):
            assert int(ours) == int(theirs)
    assert f"{ck.tensor(7)}" == f"{torch.tensor(7)}" == "7"
    assert f"{ck.tensor([1.0, 2.0]):>30}" == f"{repr(ck.tensor([1.0, 2.0])):>30}"


def test_data_is_a_tensor_sharing_memory():
    x = ck.ones(3, requires_grad=True)
    d = x.data
    assert isinstance(d, ck.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0] = 5.0  # writes through to x, outside the graph, as torch's .data does
    assert x.tolist() == [5.0, 1.0, 1.0]
    x.data = ck.zeros(3)
    assert x.tolist() == [0.0, 0.0, 0.0] and x.requires_grad
