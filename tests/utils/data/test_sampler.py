"""Samplers against torch.utils.data: the same indices after the same seed, pass after pass,
and the same global stream afterwards; DistributedSampler's shares."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import convkit as ck
import convkit.utils.data as cud


def _seed(s):
    ck.manual_seed(s)
    torch.manual_seed(s)


def _same_state():
    np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())


def _gens(seed):
    return ck.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_samples": 5},
        {"num_samples": 45},  # two full passes and part of a third
        {"replacement": True},
        {"replacement": True, "num_samples": 100},  # randint in blocks of 32
        {"replacement": True, "num_samples": 64},
    ],
)
@pytest.mark.parametrize("use_generator", [False, True])
def test_random_sampler(kwargs, use_generator):
    for seed in (0, 5):
        _seed(seed)
        g, tg = _gens(seed + 1) if use_generator else (None, None)
        ours = cud.RandomSampler(range(20), generator=g, **kwargs)
        theirs = tud.RandomSampler(range(20), generator=tg, **kwargs)
        assert len(ours) == len(theirs)
        for _ in range(2):
            assert list(ours) == list(theirs)
            _same_state()


def test_sequential_subset_and_weighted_samplers():
    _seed(3)
    assert list(cud.SequentialSampler(range(4))) == list(tud.SequentialSampler(range(4)))
    g, tg = _gens(4)
    ours, theirs = (
        cud.SubsetRandomSampler([3, 9, 4, 1], g),
        tud.SubsetRandomSampler([3, 9, 4, 1], tg),
    )
    assert [list(ours) for _ in range(3)] == [list(theirs) for _ in range(3)]
    assert list(cud.SubsetRandomSampler(range(30))) == list(tud.SubsetRandomSampler(range(30)))
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    for replacement in (True, False):
        for n in (1, 5, 6):
            ours = cud.WeightedRandomSampler(weights, n, replacement)
            theirs = tud.WeightedRandomSampler(weights, n, replacement)
            assert list(ours) == list(theirs) and len(ours) == n
    ours = cud.WeightedRandomSampler(ck.tensor([1.0, 2.0, 3.0]), 50)
    theirs = tud.WeightedRandomSampler(torch.tensor([1.0, 2.0, 3.0]), 50)
    assert list(ours) == list(theirs)
    _same_state()


@pytest.mark.parametrize(
    "batch_size,drop_last", [(1, False), (3, False), (3, True), (10, True), (12, False)]
)
def test_batch_sampler(batch_size, drop_last):
    ours = cud.BatchSampler(cud.SequentialSampler(range(10)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    _seed(2)
    ours = cud.BatchSampler(cud.RandomSampler(range(10)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.RandomSampler(range(10)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    _same_state()


def test_sampler_errors_like_torch():
    cases = [
        lambda m: m.RandomSampler(range(3), replacement=1),
        lambda m: m.RandomSampler(range(3), num_samples=0),
        lambda m: m.RandomSampler([], num_samples=None),
        lambda m: m.WeightedRandomSampler([1.0], 0),
        lambda m: m.WeightedRandomSampler([1.0], 2, replacement=None),
        lambda m: m.WeightedRandomSampler([[1.0]], 2),
        lambda m: m.BatchSampler(range(3), 0, False),
        lambda m: m.BatchSampler(range(3), 2, 1),
    ]
    for make in cases:
        with pytest.raises(Exception) as theirs:
            make(tud)
        with pytest.raises(type(theirs.value)) as ours:
            make(cud)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n,replicas", [(10, 3), (12, 4), (2, 5), (7, 1)])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
def test_distributed_sampler(n, replicas, shuffle, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        ours = cud.DistributedSampler(
            data, replicas, rank, shuffle=shuffle, seed=7, drop_last=drop_last
        )
        theirs = tud.DistributedSampler(
            data, replicas, rank, shuffle=shuffle, seed=7, drop_last=drop_last
        )
        assert len(ours) == len(theirs)
        for epoch in (0, 1, 5):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_distributed_sampler_errors():
    for rank in (3, -1):
        with pytest.raises(ValueError) as theirs:
            tud.DistributedSampler(range(5), 3, rank)
        with pytest.raises(ValueError) as ours:
            cud.DistributedSampler(range(5), 3, rank)
        assert str(ours.value) == str(theirs.value)
    # Without num_replicas/rank both ask the process group; torch's is not initialised here,
    # and convkit's comes from convkit.distributed (absent or not set up).
    with pytest.raises((RuntimeError, ValueError)):
        tud.DistributedSampler(range(5))
    with pytest.raises((RuntimeError, ValueError)):
        cud.DistributedSampler(range(5))
