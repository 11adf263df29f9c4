"""Dataset, TensorDataset, DataLoader and default_collate, checked against torch.utils.data."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import convkit as ck
from convkit.data import DataLoader, Subset, TensorDataset, default_collate


def _to_numpy(batch):
    if isinstance(batch, (ck.Tensor, torch.Tensor)):
        return np.asarray(batch.detach().numpy() if isinstance(batch, torch.Tensor) else batch.data)
    if isinstance(batch, dict):
        return {k: _to_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_to_numpy(v) for v in batch]
    return batch


def _assert_same(ours, theirs):
    ours, theirs = _to_numpy(ours), _to_numpy(theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            _assert_same(ours[k], theirs[k])
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _assert_same(a, b)
    elif isinstance(theirs, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert ours == theirs


def _samples(seed=0):
    rng = np.random.default_rng(seed)
    images = [rng.random((1, 4, 3), dtype=np.float32) for _ in range(5)]
    return {
        "array_and_int": [(img, int(i % 3)) for i, img in enumerate(images)],
        "floats": [0.5, 1.25, -3.0],
        "bools": [True, False, True],
        "ints": [3, 1, 4],
        "dicts": [{"x": img, "y": i, "name": f"s{i}"} for i, img in enumerate(images)],
        "lists": [[img, float(i)] for i, img in enumerate(images)],
        "int_arrays": [np.arange(3, dtype=np.int32) + i for i in range(4)],
        "numpy_scalars": [np.float32(1.5), np.float32(2.5)],
    }


@pytest.mark.parametrize("kind", list(_samples()))
def test_default_collate_matches_torch(kind):
    batch = _samples()[kind]
    _assert_same(default_collate(batch), tud.default_collate(batch))


def test_default_collate_stacks_tensors_keeping_dtype():
    batch = [(ck.tensor(np.full((2, 2), i, dtype=np.float64)), i) for i in range(3)]
    images, labels = default_collate(batch)
    assert images.shape == (3, 2, 2) and images.dtype == np.float64
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2]


def test_tensor_dataset():
    x = ck.tensor(np.arange(12.0).reshape(6, 2))
    y = ck.tensor(np.arange(6))
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.data, [8.0, 9.0])
    assert yi.item() == 4
    with pytest.raises(
        ValueError,
        match=r"Size mismatch between tensors: first dimensions are "
        r"\[6, 5\]",
    ):
        TensorDataset(x, ck.tensor(np.arange(5)))
    sub = Subset(ds, [5, 0])
    assert len(sub) == 2 and sub[0][1].item() == 5


@pytest.mark.parametrize(
    "n,batch_size,drop_last",
    [
        (10, 3, False),
        (10, 3, True),
        (9, 3, False),
        (9, 3, True),
        (2, 5, False),
        (2, 5, True),
        (7, 1, False),
    ],
)
def test_batches_and_len_match_torch(n, batch_size, drop_last):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    ours = list(DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last))
    t_loader = tud.DataLoader(
        tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    theirs = list(t_loader)
    assert (
        len(DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last))
        == len(t_loader)
        == len(theirs)
        == len(ours)
    )
    for a, b in zip(ours, theirs, strict=True):
        _assert_same(a, b)


def _epoch_order(loader):
    return np.concatenate([batch[0].data for batch in loader]).tolist()


def test_shuffle_uses_the_global_generator():
    ds = TensorDataset(np.arange(20))
    loader = DataLoader(ds, batch_size=6, shuffle=True)
    ck.manual_seed(7)
    first, second = _epoch_order(loader), _epoch_order(loader)
    ck.manual_seed(7)
    assert _epoch_order(loader) == first
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert second != first  # each epoch draws a new order
    ck.manual_seed(8)
    assert _epoch_order(loader) != first


def test_shuffle_with_seed_or_numpy_generator():
    ds = TensorDataset(np.arange(30))
    a = DataLoader(ds, batch_size=4, shuffle=True, generator=123)
    b = DataLoader(ds, batch_size=4, shuffle=True, generator=123)
    assert [_epoch_order(a) for _ in range(2)] == [_epoch_order(b) for _ in range(2)]
    rng = np.random.default_rng(5)
    expected = np.random.default_rng(5).permutation(30).tolist()
    assert _epoch_order(DataLoader(ds, batch_size=4, shuffle=True, generator=rng)) == expected
    ck.manual_seed(0)
    state = ck.get_rng_state()
    _epoch_order(a)
    after = ck.get_rng_state()
    assert all(
        np.array_equal(x, y)
        for x, y in zip(
            state["mt19937"]["state"].values(), after["mt19937"]["state"].values(), strict=True
        )
    )


def test_drop_last_shuffled_batches_are_full():
    loader = DataLoader(
        TensorDataset(np.arange(10)), batch_size=4, shuffle=True, drop_last=True, generator=1
    )
    sizes = [len(batch[0]) for batch in loader]
    assert sizes == [4, 4] and len(loader) == 2


def test_collate_fn_is_used():
    loader = DataLoader(TensorDataset(np.arange(5)), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2, 1]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(batch_size=0),
        dict(batch_size=2.0),
        dict(batch_size=True),
        dict(drop_last=1),
        dict(num_workers=-1),
    ],
)
def test_bad_arguments_raise_like_torch(kwargs):
    with pytest.raises(Exception) as theirs:
        tud.DataLoader(tud.TensorDataset(torch.arange(5)), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        DataLoader(TensorDataset(np.arange(5)), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_bad_generator():
    with pytest.raises(TypeError, match="generator must be None, an int seed"):
        DataLoader(TensorDataset(np.arange(5)), shuffle=True, generator="seed")
