"""DataLoader in one process against torch.utils.data: batches, shuffled orders over epochs,
samplers and batch samplers, iterable datasets, argument errors, and the global stream."""

import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import convkit as ck
import convkit.utils.data as cud

from . import workers_helpers as H


def _batches(loader):
    return [np.asarray(b).tolist() if not isinstance(b, list) else b for b in loader]


def _same_state():
    np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())


def _seed(s):
    ck.manual_seed(s)
    torch.manual_seed(s)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 1])
@pytest.mark.parametrize(
    "n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (64, 8, False), (1000, 64, False)]
)
def test_shuffled_order_over_several_epochs_matches_torch(seed, n, batch_size, drop_last):
    ours = cud.DataLoader(H.Indices(n), batch_size=batch_size, shuffle=True, drop_last=drop_last)
    theirs = tud.DataLoader(H.Indices(n), batch_size=batch_size, shuffle=True, drop_last=drop_last)
    _seed(seed)
    for _ in range(3):
        assert _batches(ours) == _batches(theirs)
        _same_state()
    # the stream goes on in step after the epochs
    np.testing.assert_array_equal(ck.rand(5).numpy(), torch.rand(5).numpy())


def test_each_iter_draws_from_the_global_generator_even_unshuffled():
    ours, theirs = (
        cud.DataLoader(H.Indices(7), batch_size=2),
        tud.DataLoader(H.Indices(7), batch_size=2),
    )
    _seed(3)
    iter(ours)
    iter(theirs)
    _same_state()  # the base seed: one int64 draw per iter()
    assert _batches(ours) == _batches(theirs) == [[0, 1], [2, 3], [4, 5], [6]]
    _same_state()


def test_generator_argument_matches_torch_and_spares_the_global_stream():
    g, tg = ck.Generator().manual_seed(8), torch.Generator().manual_seed(8)
    ours = cud.DataLoader(H.Indices(30), batch_size=4, shuffle=True, generator=g)
    theirs = tud.DataLoader(H.Indices(30), batch_size=4, shuffle=True, generator=tg)
    _seed(1)
    for _ in range(3):
        assert _batches(ours) == _batches(theirs)
    np.testing.assert_array_equal(g.get_state().numpy(), tg.get_state().numpy())
    _same_state()
    with pytest.raises(TypeError, match="convkit.Generator"):
        cud.DataLoader(H.Indices(3), shuffle=True, generator=123)


@pytest.mark.parametrize(
    "make_sampler",
    [
        lambda m, g: m.SequentialSampler(range(12)),
        lambda m, g: m.RandomSampler(range(12), generator=g),
        lambda m, g: m.RandomSampler(range(12), replacement=True, num_samples=40),
        lambda m, g: m.SubsetRandomSampler([1, 5, 7, 9, 11], generator=g),
        lambda m, g: m.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 9, generator=g),
        lambda m, g: [11, 0, 3, 3],
    ],
)
def test_sampler_argument(make_sampler):
    _seed(4)
    g, tg = ck.Generator().manual_seed(2), torch.Generator().manual_seed(2)
    ours = cud.DataLoader(H.Indices(12), batch_size=3, sampler=make_sampler(cud, g))
    theirs = tud.DataLoader(H.Indices(12), batch_size=3, sampler=make_sampler(tud, tg))
    for _ in range(2):
        assert _batches(ours) == _batches(theirs)
        _same_state()


def test_batch_sampler_and_no_batching():
    _seed(6)
    ours = cud.DataLoader(
        H.Indices(10), batch_sampler=cud.BatchSampler(cud.RandomSampler(range(10)), 4, False)
    )
    theirs = tud.DataLoader(
        H.Indices(10), batch_sampler=tud.BatchSampler(tud.RandomSampler(range(10)), 4, False)
    )
    assert _batches(ours) == _batches(theirs)
    assert len(ours) == len(theirs) == 3
    _same_state()
    ours = cud.DataLoader(H.Indices(5), batch_size=None, shuffle=True)
    theirs = tud.DataLoader(H.Indices(5), batch_size=None, shuffle=True)
    assert list(ours) == list(theirs)  # single samples, default_convert: plain ints
    _same_state()


@pytest.mark.parametrize(
    "n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (2, 5, False), (2, 5, True)]
)
def test_len_and_batches(n, batch_size, drop_last):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = cud.DataLoader(
        cud.TensorDataset(ck.tensor(x)), batch_size=batch_size, drop_last=drop_last
    )
    theirs = tud.DataLoader(
        tud.TensorDataset(torch.tensor(x)), batch_size=batch_size, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    a, b = list(ours), list(theirs)
    assert len(a) == len(b)
    for (ba,), (bb,) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ba.numpy(), bb.numpy())


def test_getitems_fetches_a_batch_in_one_call():
    class Batched(cud.Dataset):
        calls = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [i * 10 for i in indices]

    ds = Batched()
    assert _batches(cud.DataLoader(ds, batch_size=4)) == [[0, 10, 20, 30], [40, 50]]
    assert ds.calls == [[0, 1, 2, 3], [4, 5]]


def test_collate_fn_and_iterable_dataset_in_one_process():
    assert list(cud.DataLoader(H.Indices(5), batch_size=2, collate_fn=len)) == [2, 2, 1]
    ours = cud.DataLoader(H.make_range_stream("convkit")(0, 7), batch_size=3)
    theirs = tud.DataLoader(H.make_range_stream("torch")(0, 7), batch_size=3)
    assert _batches(ours) == _batches(theirs)
    assert len(ours) == len(theirs) == 3
    chained = H.make_range_stream("convkit")(0, 2) + H.make_range_stream("convkit")(5, 7)
    assert isinstance(chained, cud.ChainDataset)
    assert _batches(cud.DataLoader(chained, batch_size=None)) == [0, 1, 5, 6]


def test_iterable_dataset_longer_than_its_len_warns():
    class Liar(cud.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 2

    loader = cud.DataLoader(Liar(), batch_size=None)
    len(loader)
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(batch_size=0),
        dict(batch_size=2.0),
        dict(batch_size=True),
        dict(drop_last=1),
        dict(shuffle=True, sampler=[0, 1]),
        dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_sampler=[[0]], drop_last=True),
        dict(batch_size=None, drop_last=True),
    ],
)
def test_bad_arguments_raise_like_torch(kwargs):
    with pytest.raises(Exception) as theirs:
        tud.DataLoader(H.Indices(5), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        cud.DataLoader(H.Indices(5), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_iterable_dataset_refuses_shuffle_and_samplers_like_torch():
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError) as theirs:
            tud.DataLoader(H.make_range_stream("torch")(0, 3), **kwargs)
        with pytest.raises(ValueError) as ours:
            cud.DataLoader(H.make_range_stream("convkit")(0, 3), **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_attributes_are_frozen_after_init_and_pin_memory_warns():
    loader = cud.DataLoader(H.Indices(3))
    for attr in ("batch_size", "sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set"):
            setattr(loader, attr, None)
    loader.num_workers = 0  # others may change, as in torch
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        list(cud.DataLoader(H.Indices(3), pin_memory=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(cud.DataLoader(H.Indices(3)))


def test_convkit_data_is_the_same_implementation():
    import convkit.data as cdata

    assert cdata.DataLoader is cud.DataLoader
    assert cdata.Dataset is cud.Dataset and cdata.TensorDataset is cud.TensorDataset
    assert cdata.Subset is cud.Subset and cdata.default_collate is cud.default_collate
    assert issubclass(cdata.ImageArrayDataset, cud.Dataset)
    assert ck.utils.data.DataLoader is cud.DataLoader


def test_timeout_without_workers_fails_on_iteration_like_torch():
    with pytest.raises(AssertionError) as theirs:
        iter(tud.DataLoader(H.Indices(3), timeout=2))
    with pytest.raises(AssertionError) as ours:
        iter(cud.DataLoader(H.Indices(3), timeout=2))
    assert str(ours.value) == str(theirs.value)
