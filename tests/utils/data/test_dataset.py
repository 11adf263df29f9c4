"""Dataset, TensorDataset, StackDataset, ConcatDataset, ChainDataset, Subset and random_split
against torch.utils.data."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import convkit as ck
import convkit.utils.data as cud

from . import workers_helpers as H


def _seed(s):
    ck.manual_seed(s)
    torch.manual_seed(s)


def test_base_dataset_and_addition():
    with pytest.raises(NotImplementedError):
        cud.Dataset()[0]
    both = cud.TensorDataset(ck.arange(3)) + cud.TensorDataset(ck.arange(10, 12))
    assert isinstance(both, cud.ConcatDataset)
    assert [int(both[i][0]) for i in range(len(both))] == [0, 1, 2, 10, 11]
    assert cud.Dataset[int] is not None  # generic, as torch's (class MyData(Dataset[int]))


def test_tensor_dataset():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ours, theirs = (
        cud.TensorDataset(ck.tensor(x), ck.tensor(y)),
        tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
    )
    assert len(ours) == len(theirs) == 6
    for i in (0, 4, -1, slice(1, 4)):
        for a, b in zip(ours[i], theirs[i], strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert cud.TensorDataset(x, y)[2][0].tolist() == [4.0, 5.0]  # NumPy arrays are wrapped
    with pytest.raises(AssertionError, match=r"Size mismatch between tensors"):
        tud.TensorDataset(torch.tensor(x), torch.arange(5))
    with pytest.raises(
        AssertionError, match=r"Size mismatch between tensors: first dimensions are \[6, 5\]"
    ):
        cud.TensorDataset(ck.tensor(x), ck.arange(5))


def test_stack_dataset():
    a, b = H.Indices(4), [10, 11, 12, 13]
    for ours, theirs in (
        (cud.StackDataset(a, b), tud.StackDataset(a, b)),
        (cud.StackDataset(x=a, y=b), tud.StackDataset(x=a, y=b)),
    ):
        assert len(ours) == len(theirs) == 4
        assert ours[2] == theirs[2]
        assert ours.__getitems__([3, 1]) == theirs.__getitems__([3, 1])
    for args, kwargs in (((a, b), {"z": a}), ((), {}), ((a, [1]), {})):
        with pytest.raises(ValueError) as t_err:
            tud.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as c_err:
            cud.StackDataset(*args, **kwargs)
        assert str(c_err.value) == str(t_err.value)


def test_concat_dataset():
    parts = [H.Indices(3), H.Indices(0), H.Indices(4)]
    ours, theirs = cud.ConcatDataset(parts), tud.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 3, 7]
    assert [ours[i] for i in range(-7, 7)] == [theirs[i] for i in range(-7, 7)]
    with pytest.raises(
        ValueError, match="absolute value of index should not exceed dataset length"
    ):
        ours[-8]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        cud.ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        cud.ConcatDataset([H.make_range_stream("convkit")(0, 2)])


def test_chain_dataset():
    stream = H.make_range_stream("convkit")
    chain = cud.ChainDataset([stream(0, 2), stream(7, 9)])
    assert list(chain) == [0, 1, 7, 8] and len(chain) == 4
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(cud.ChainDataset([H.Indices(2)]))


def test_subset():
    base = H.Indices(10)
    ours, theirs = cud.Subset(base, [5, 0, 9]), tud.Subset(base, [5, 0, 9])
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)] == [5, 0, 9]
    assert ours.__getitems__([2, 0]) == theirs.__getitems__([2, 0]) == [9, 5]
    assert len(ours) == 3

    class OnlyGetitem(cud.Subset):
        def __getitem__(self, idx):
            return 0

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        OnlyGetitem(base, [1])


@pytest.mark.parametrize(
    "n,lengths",
    [
        (10, [3, 7]),
        (10, [0.3, 0.7]),
        (11, [0.5, 0.5]),
        (7, [0.25, 0.25, 0.5]),
        (100, [0.1] * 10),
        (5, [5]),
        (60000, [0.9, 0.1]),
    ],
)
def test_random_split_matches_torch(n, lengths):
    for seed in (0, 1, 99):
        _seed(seed)
        ours = cud.random_split(H.Indices(n), lengths)
        theirs = tud.random_split(H.Indices(n), lengths)
        assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
        np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())
        g, tg = ck.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        ours = cud.random_split(H.Indices(n), lengths, generator=g)
        theirs = tud.random_split(H.Indices(n), lengths, generator=tg)
        assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]


def test_random_split_errors_and_warnings_like_torch():
    for lengths in ([3, 3], [0.5, 0.6], [-0.5, 1.5]):
        with pytest.raises(ValueError) as theirs:
            tud.random_split(H.Indices(10), lengths)
        with pytest.raises(ValueError) as ours:
            cud.random_split(H.Indices(10), lengths)
        assert str(ours.value) == str(theirs.value)
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        cud.random_split(H.Indices(2), [1.0, 0.0])
