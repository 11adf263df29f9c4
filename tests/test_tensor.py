"""Tensor construction, dtypes, promotion, shape methods and printing, checked against torch."""

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import assert_same_outcome, outcome


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


# ----- views share memory and writes propagate -------------------------------------------------


def test_views_share_memory_with_their_base_like_torch():
    def run(L):
        x = L.zeros(2, 3)
        v, t, p, row, col = x.view(6), x.t(), x.permute(1, 0), x[0], x[:, 1]
        x[0].fill_(1.0)  # a basic-index view written in place
        row[2] = 5.0
        t[1, 1] = 7.0
        col.add_(10.0)
        v[0] += 2.0
        return x, v, t, p, row, col, v._base is x, t._base is x, row._version

    theirs, ours = run(torch), run(ck)
    for o, t in zip(ours[:6], theirs[:6], strict=True):
        np.testing.assert_array_equal(np.asarray(o), t.numpy())
    assert ours[6:] == theirs[6:]


def test_zero_dim_select_is_a_view():
    for lib in (torch, ck):
        x = lib.ones(3)
        x[0].zero_()
        x[2].fill_(4.0)
        assert x.tolist() == [0.0, 1.0, 4.0]


def test_view_needs_compatible_strides_like_torch():
    assert_same_outcome(lambda L: L.ones(2, 3).t().view(6), message=True)
    assert_same_outcome(lambda L: L.ones(2, 3).t().contiguous().view(6))
    assert_same_outcome(lambda L: L.ones(2, 3).t().reshape(6))
    assert_same_outcome(lambda L: L.ones(2, 3).t().is_contiguous())


def test_expanded_view_cannot_be_written_like_torch():
    assert_same_outcome(lambda L: L.ones(1, 3).expand(2, 3).add_(1), message=True)


# ----- in-place methods ---------------------------------------------------------------------------


INPLACE = {
    "add_": lambda L, x: x.add_(L.tensor([1.0, 2.0, 3.0]), alpha=2),
    "sub_": lambda L, x: x.sub_(1.5),
    "mul_": lambda L, x: x.mul_(-2),
    "div_": lambda L, x: x.div_(4),
    "div_floor": lambda L, x: x.div_(0.7, rounding_mode="floor"),
    "pow_": lambda L, x: x.pow_(2),
    "sqrt_": lambda L, x: x.abs_().sqrt_(),
    "rsqrt_": lambda L, x: x.abs_().rsqrt_(),
    "exp_": lambda L, x: x.exp_(),
    "log_": lambda L, x: x.abs_().log_(),
    "neg_": lambda L, x: x.neg_(),
    "reciprocal_": lambda L, x: x.reciprocal_(),
    "sign_": lambda L, x: x.sign_(),
    "floor_": lambda L, x: x.floor_(),
    "ceil_": lambda L, x: x.ceil_(),
    "round_": lambda L, x: x.round_(),
    "trunc_": lambda L, x: x.trunc_(),
    "clamp_": lambda L, x: x.clamp_(-1.0, 1.0),
    "clamp_min_": lambda L, x: x.clamp_min_(0.0),
    "clamp_max_": lambda L, x: x.clamp_max_(0.0),
    "relu_": lambda L, x: x.relu_(),
    "sigmoid_": lambda L, x: x.sigmoid_(),
    "tanh_": lambda L, x: x.tanh_(),
    "zero_": lambda L, x: x.zero_(),
    "fill_": lambda L, x: x.fill_(2.5),
    "fill_tensor": lambda L, x: x.fill_(L.tensor(3.0)),
    "copy_": lambda L, x: x.copy_(L.tensor([1, 2, 3])),
    "copy_broadcast": lambda L, x: x.copy_(L.tensor([9.0])),
    "masked_fill_": lambda L, x: x.masked_fill_(x > 0, -1.0),
    "index_fill_": lambda L, x: x.index_fill_(0, L.tensor([0, 2]), 8.0),
    "scatter_": lambda L, x: x.scatter_(0, L.tensor([2, 0]), L.tensor([5.0, 6.0])),
    "scatter_value": lambda L, x: x.scatter_(0, L.tensor([1]), 4.0),
    "scatter_add_": lambda L, x: x.scatter_add_(0, L.tensor([0, 0]), L.tensor([1.0, 2.0])),
    "addcmul_": lambda L, x: x.addcmul_(x, x, value=0.5),
    "addcdiv_": lambda L, x: x.addcdiv_(x, x + 5, value=2),
    "lerp_": lambda L, x: x.lerp_(L.zeros(3), 0.25),
    "iadd": lambda L, x: _iop(x, "__iadd__", 2),
    "isub": lambda L, x: _iop(x, "__isub__", L.ones(3)),
    "imul": lambda L, x: _iop(x, "__imul__", 3),
    "itruediv": lambda L, x: _iop(x, "__itruediv__", 2),
    "ipow": lambda L, x: _iop(x, "__ipow__", 2),
    "t_": lambda L, x: x.unsqueeze_(0).t_(),
    "squeeze_": lambda L, x: x.unsqueeze_(1).squeeze_(),
    "transpose_": lambda L, x: x.unsqueeze_(0).transpose_(0, 1),
    "requires_grad_": lambda L, x: x.requires_grad_(),
}


def _iop(x, name, other):
    result = getattr(x, name)(other)
    assert result is x
    return result


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_method_matches_torch(name):
    def run(L):
        x = L.tensor([0.75, -1.5, 2.25])
        out = INPLACE[name](L, x)
        assert out is x
        return x.detach(), x._version

    theirs, ours = run(torch), run(ck)
    np.testing.assert_allclose(np.asarray(ours[0]), theirs[0].numpy(), rtol=1e-6)
    assert ours[0].shape == tuple(theirs[0].shape) and ours[1] == theirs[1]


INPLACE_ERRORS = {
    "int_takes_float": lambda L: L.ones(3, dtype=L.long).add_(1.5),
    "int_div": lambda L: L.ones(3, dtype=L.long).div_(2),
    "int_iadd_float": lambda L: _iop(L.ones(3, dtype=L.long), "__iadd__", 0.5),
    "broadcast_grows": lambda L: L.ones(3).add_(L.ones(2, 3)),
    "copy_grows": lambda L: L.ones(3).copy_(L.ones(2, 3)),
    "resize_requires_grad": lambda L: L.ones(3, requires_grad=True).resize_(2),
    "leaf_t_": lambda L: L.ones(2, 3, requires_grad=True).t_(),
}


@pytest.mark.parametrize("name", list(INPLACE_ERRORS))
def test_inplace_errors_match_torch(name):
    assert_same_outcome(INPLACE_ERRORS[name], message=True)


def test_integer_inplace_ops_match_torch():
    def run(L):
        x = L.tensor([7, -3, 4])
        x //= 2
        x %= 3
        x &= 3
        x |= 4
        x ^= 1
        return x

    assert_same_outcome(run)


def test_resize_and_set_like_torch():
    def run(L):
        x = L.arange(6.0)
        x.resize_(2, 2)
        a = (x.clone(), x._version)
        y = L.zeros(2)
        x.set_(y)
        x.add_(1)
        return a[0], a[1], y, y._version, x._version

    theirs, ours = run(torch), run(ck)
    np.testing.assert_array_equal(np.asarray(ours[0]), theirs[0].numpy())
    np.testing.assert_array_equal(np.asarray(ours[2]), theirs[2].numpy())
    assert (ours[1], ours[3], ours[4]) == (theirs[1], theirs[3], theirs[4])


def test_random_inplace_fills_record_torch_nodes():
    for method, args in (("uniform_", ()), ("normal_", ()), ("bernoulli_", (0.5,))):
        names = []
        for lib in (torch, ck):
            x = lib.ones(4, requires_grad=True)
            y = getattr(x * 1, method)(*args)
            y.sum().backward()
            assert x.grad.tolist() == [0.0] * 4
            names.append(type(y.grad_fn).__name__)
        assert names[0] == names[1]


def test_gather_like_torch():
    def run(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        g = x.gather(1, L.tensor([[0, 0], [1, 0]]))
        (g * L.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return g, x.grad

    theirs, ours = run(torch), run(ck)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(o.detach()), t.detach().numpy())


# ----- axis= and keepdims= aliases, size= on factories ------------------------------------------


ALIASES = {
    "sum": lambda L, x: x.sum(axis=0, keepdims=True),
    "torch.sum": lambda L, x: x.sum(axis=1),
    "mean": lambda L, x: x.mean(axis=1, keepdims=True),
    "max": lambda L, x: x.max(axis=0).values,
    "min": lambda L, x: x.min(axis=1, keepdims=True).indices,
    "argmax": lambda L, x: x.argmax(axis=0),
    "argmin": lambda L, x: x.argmin(axis=0, keepdims=True),
    "all": lambda L, x: (x > 0).all(axis=0),
    "any": lambda L, x: (x > 0).any(axis=1, keepdims=True),
    "std": lambda L, x: x.std(axis=0),
    "var": lambda L, x: x.var(axis=0, keepdims=True),
    "cat": lambda L, x: L.cat([x, x], axis=1),
    "stack": lambda L, x: L.stack([x, x], axis=2),
    "squeeze": lambda L, x: x[:1].squeeze(axis=0),
    "unsqueeze": lambda L, x: x.unsqueeze(axis=0),
    "all_dim": lambda L, x: (x > 0).all(1),
    "any_keepdim": lambda L, x: (x > 0).any(0, keepdim=True),
}


@pytest.mark.parametrize("name", list(ALIASES))
def test_axis_aliases_match_torch(name):
    data = np.array([[0.5, -2.0, 3.0], [1.5, 2.5, -1.0]], dtype=np.float32)

    def run(L):
        return ALIASES[name](L, L.tensor(data))

    theirs, ours = run(torch), run(ck)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6)
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword_on_factories_like_torch(factory):
    assert_same_outcome(lambda L: tuple(getattr(L, factory)(size=(2, 3)).shape))
    # (torch words this one differently for rand and randn; the class is the same.)
    both = factory in ("zeros", "ones", "empty")
    assert_same_outcome(lambda L: getattr(L, factory)(2, size=(2, 3)), message=both)


def test_more_factories_like_torch():
    def run(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=L.float64)
        return [
            L.eye(3),
            L.eye(2, 3, dtype=L.int64),
            L.linspace(0, 1, 5),
            L.full_like(x, 7),
            L.zeros_like(x, dtype=L.float32),
            L.ones_like(x),
            L.empty_like(x).shape,
            L.rand_like(x).dtype,
            x.new_zeros(3),
            x.new_ones((2, 1)),
            x.new_full((2,), 3.0),
            x.new_tensor([1, 2]),
            L.full(size=(2,), fill_value=True),
        ]

    for o, t in zip(run(ck), run(torch), strict=True):
        if isinstance(t, torch.Tensor):
            np.testing.assert_array_equal(np.asarray(o), t.numpy())
            assert str(o.dtype) == str(t.dtype)[6:]
        else:
            assert str(o).replace("convkit.", "torch.").replace("float64", "torch.float64") in (
                str(t),
                str(t).replace("torch.Size", "torch.Size"),
            )


# ----- bad data never passes silently ------------------------------------------------------------


BAD_DATA = {
    "str": "abc",
    "bytes": b"abc",
    "list_of_str": ["a", "b"],
    "mixed_str": [1, "a"],
    "object": object(),
    "list_of_object": [object()],
    "none": None,
    "list_of_none": [None],
    "dict": {1: 2},
    "ragged": [[1, 2], [3]],
    "ragged_float": [[1.0, 2.0], [3.0, 4.0, 5.0]],
    "ragged_short_first": [[1], [2, 3]],
    "scalar_then_row": [[1, 2], 3],
    "numpy_str": np.array(["a"]),
    "numpy_object": np.array([1, None], dtype=object),
    "multi_element_tensors": "tensors",
}


@pytest.mark.parametrize("name", list(BAD_DATA))
@pytest.mark.parametrize("factory", ["tensor", "as_tensor", "Tensor"])
def test_bad_data_raises_torchs_error(name, factory):
    def run(L):
        data = BAD_DATA[name]
        if data == "tensors":
            data = [L.ones(2), L.ones(2)]
        return getattr(L, factory)(data)

    kind, msg = assert_same_outcome(run)
    assert kind != "ok"
    theirs = outcome(run, torch)[1]
    if name.startswith("numpy"):
        assert msg.split(".")[0] == theirs.split(".")[0]
    else:
        assert msg == theirs


def test_flatten_of_a_scalar_checks_dims_like_torch():
    for args in ((2,), (1,), (-2,), (0, 1), (0, -2)):
        assert_same_outcome(lambda L, a=args: L.flatten(L.tensor(1.5), *a), message=True)
    assert_same_outcome(lambda L: L.flatten(L.tensor(1.5), 0, -1))
    assert_same_outcome(lambda L: L.tensor(1.5).flatten(end_dim=-2), message=True)


def test_deepcopy_and_pickle_keep_values_and_flags():
    import copy
    import pickle

    x = ck.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ck.tensor([0.5, 0.5])
    for clone in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert clone.tolist() == [1.0, 2.0] and clone.requires_grad and clone.is_leaf
        assert clone.grad.tolist() == [0.5, 0.5]
        assert not np.shares_memory(np.asarray(clone.detach()), np.asarray(x.detach()))
    p = ck.nn.Parameter(ck.ones(2))
    assert type(copy.deepcopy(p)) is ck.nn.Parameter
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


@pytest.mark.parametrize(
    "fn",
    [
        lambda L: L.tensor([True, False]) - L.tensor([True, True]),
        lambda L: 1 - L.tensor([True, False]),
        lambda L: L.tensor([True, False]) - 1,
        lambda L: 1.5 - L.tensor([True]),
        lambda L: L.tensor([1.0, 2.0]) - L.tensor([True, False]),
        lambda L: L.tensor([1.0, 2.0]) - True,
        lambda L: L.tensor([1.0, 2.0]).sub(L.tensor([True, False]), alpha=2),
        lambda L: L.rsub(L.tensor([True]), 1),
        lambda L: L.tensor([1.0, 2.0]) - 1,
        lambda L: 1 - L.tensor([1, 2]),
    ],
)
def test_subtraction_with_a_bool_operand_raises_as_torch(fn):
    """torch's sub_check: a bool operand refuses before promotion (it leaked NumPy's TypeError
    for two bool tensors and computed in int64 for bool - 1; the fuzzer found it through
    binary_cross_entropy_with_logits' ``1 - target``)."""
    assert_same_outcome(fn, message=True)
