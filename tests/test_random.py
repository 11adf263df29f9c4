"""convkit.random and the random factories against torch, bit for bit.

Every test seeds both libraries alike, draws the same thing and compares the values with
assert_array_equal, and then the generator states byte for byte (torch's state layout), so a
draw that consumes the wrong number of words fails even when its values happen to agree.
"""

import pickle

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as cnn
import convkit.nn.functional as CF
from convkit import random as R

SEEDS = [0, 1, 7, 123456789, 2**32 + 5, 2**63 + 11]
# Below 16 elements torch draws normals one pair at a time; from 16 on in blocks of 16 with the
# last partial block redrawn; 70001 crosses convkit's chunks (2**16 elements).
SIZES = [(), (1,), (3,), (15,), (16,), (17,), (2, 3, 5), (33,), (1000,), (70001,)]
DTYPES = [(np.float32, torch.float32), (np.float64, torch.float64)]


def _seed(s):
    torch.manual_seed(s)
    ck.manual_seed(s)


def _same_state():
    np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())


def _eq(ours, theirs):
    theirs = theirs.numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.numpy() if isinstance(ours, ck.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours, theirs)
    if ours.dtype.kind == "f":  # bit for bit: the sign of zeros too
        bits = np.dtype(f"i{ours.dtype.itemsize}")
        np.testing.assert_array_equal(ours.view(bits), theirs.view(bits))


# ----- Generator objects and the global seed functions -----------------------------------------


def test_new_generator_starts_from_torchs_default_seed():
    g, tg = ck.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    np.testing.assert_array_equal(g.get_state().numpy(), tg.get_state().numpy())
    _eq(ck.rand(20, generator=g), torch.rand(20, generator=tg))


@pytest.mark.parametrize("seed", [0, 5, -1, -(2**63), 2**64 - 1, 2**40 + 3])
def test_manual_seed_values_and_initial_seed(seed):
    g = ck.Generator().manual_seed(seed)
    tg = torch.Generator().manual_seed(seed)
    assert g.initial_seed() == tg.initial_seed()
    np.testing.assert_array_equal(g.get_state().numpy(), tg.get_state().numpy())
    assert ck.manual_seed(seed) is ck.default_generator
    torch.manual_seed(seed)
    assert ck.initial_seed() == torch.initial_seed()
    _same_state()


def test_seed_errors_like_torch():
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError):
            torch.manual_seed(bad)
        with pytest.raises(ValueError, match="out of range"):
            ck.manual_seed(bad)
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        torch.Generator().manual_seed(1.5)
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        ck.Generator().manual_seed(1.5)
    # The module-level function takes anything int() takes, as torch's does.
    for seed in (1.5, "3", True):
        torch.manual_seed(seed)
        ck.manual_seed(seed)
        assert ck.initial_seed() == torch.initial_seed()
    for device in ("cuda", "meta"):
        with pytest.raises(RuntimeError) as theirs:
            torch.Generator(device=device)
        with pytest.raises(RuntimeError) as ours:
            ck.Generator(device=device)
        assert str(ours.value).split(":")[0] in str(theirs.value)
    assert ck.Generator(device=ck.device("cpu")).device == ck.device("cpu")


def test_os_seed_is_reported_and_used():
    value = ck.seed()
    assert 0 <= value < 2**64 and ck.initial_seed() == value
    g = ck.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    _eq(ck.rand(5, generator=g), torch.rand(5, generator=torch.Generator().manual_seed(s)))


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_state_bytes_equal_torchs_after_every_kind_of_draw(seed):
    _seed(seed)
    _same_state()  # just seeded: torch marks next = 0
    for draw in (
        lambda m: m.rand(7),
        lambda m: m.randn(3),  # leaves a cached normal in the state
        lambda m: m.randn(40, dtype=m.float64),
        lambda m: m.randint(0, 2**30, (5,)),
        lambda m: m.randperm(50),
        lambda m: m.empty(10).bernoulli_(0.3),
        lambda m: m.randn(1),  # uses the cached normal
        lambda m: m.rand(700),  # crosses a twist of the 624-word block
    ):
        draw(torch)
        draw(ck)
        _same_state()


def test_states_move_between_torch_and_convkit():
    torch.manual_seed(11)
    torch.randn(5)  # a cached normal travels in the bytes too
    torch.rand(1000)
    ck.set_rng_state(ck.from_numpy(torch.get_rng_state().numpy().copy()))
    _eq(ck.randn(7), torch.randn(7))
    ck.manual_seed(12)
    ck.randn(3)
    torch.set_rng_state(torch.from_numpy(ck.get_rng_state().numpy().copy()))
    _eq(ck.randn(21), torch.randn(21))
    g = ck.Generator().set_state(ck.get_rng_state())
    _eq(ck.rand(9, generator=g), torch.rand(9))


def test_set_state_errors_like_torch():
    g = ck.Generator()
    with pytest.raises(TypeError, match="uint8"):
        g.set_state(ck.zeros(5056))
    with pytest.raises(TypeError, match="expected a uint8 Tensor"):
        g.set_state([1, 2])
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056"):
        g.set_state(ck.zeros(10, dtype=ck.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(ck.zeros(5056, dtype=ck.uint8))
    for bad in (torch.zeros(5056), torch.zeros(10, dtype=torch.uint8)):
        with pytest.raises((TypeError, RuntimeError)):
            torch.Generator().set_state(bad)


def test_clone_pickle_and_fork_rng():
    g = ck.Generator().manual_seed(3)
    ck.randn(5, generator=g)
    twin = g.clone_state()
    copy = pickle.loads(pickle.dumps(g))
    ref = ck.randn(30, generator=g).numpy()
    np.testing.assert_array_equal(ck.randn(30, generator=twin).numpy(), ref)
    np.testing.assert_array_equal(ck.randn(30, generator=copy).numpy(), ref)
    ck.manual_seed(4)
    with ck.random.fork_rng():
        ck.rand(100)
    torch.manual_seed(4)
    _eq(ck.rand(3), torch.rand(3))


def test_generators_are_independent_of_the_global_one():
    _seed(5)
    g, tg = ck.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    _eq(ck.randn(20, generator=g), torch.randn(20, generator=tg))
    _eq(ck.rand(3), torch.rand(3))
    _same_state()
    np.testing.assert_array_equal(g.get_state().numpy(), tg.get_state().numpy())
    with pytest.raises(TypeError, match="convkit.Generator"):
        ck.rand(3, generator=5)


# ----- floating-point draws ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS[::2] + [SEEDS[-1]])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_rand_randn_match_torch(seed, size, dtype):
    _seed(seed)
    _eq(ck.rand(size, dtype=dtype[0]), torch.rand(size, dtype=dtype[1]))
    _eq(ck.randn(size, dtype=dtype[0]), torch.randn(size, dtype=dtype[1]))
    if size:
        _eq(ck.rand(*size, dtype=dtype[0]), torch.rand(*size, dtype=dtype[1]))
        _eq(ck.randn(*size, dtype=dtype[0]), torch.randn(*size, dtype=dtype[1]))
    _same_state()


@pytest.mark.parametrize("seed", SEEDS[1:3])
@pytest.mark.parametrize("size", [(5,), (16,), (31,), (64, 33)])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "mean,std", [(0.0, 1.0), (0.5, 0.01), (-3.0, 2.5), (1e3, 1e-4), (0.0, 0.0), (2.0, 1e-30)]
)
def test_normal_fill_with_mean_and_std(seed, size, dtype, mean, std):
    _seed(seed)
    ours = ck.empty(*size, dtype=dtype[0]).normal_(mean, std)
    theirs = torch.empty(*size, dtype=dtype[1]).normal_(mean, std)
    _eq(ours, theirs)
    _eq(ck.normal(mean, std, size, dtype=dtype[0]), torch.normal(mean, std, size, dtype=dtype[1]))
    _same_state()


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "low,high",
    [
        (0.0, 1.0),
        (-0.1, 0.1),
        (-3.7, 1e-9),
        (1e-3, 1e5),
        (-1e-30, 7.0),  # float32: the sum is not exact in float64, the exact path runs
        (1e10, 1e10 + 12345.0),  # results round up to `to` and become `from`
        (0.3, 0.30001),
        (2.0, 2.0),
    ],
)
def test_uniform_bounds(seed, dtype, low, high):
    _seed(seed)
    ours = ck.empty(20000, dtype=dtype[0]).uniform_(low, high)
    theirs = torch.empty(20000, dtype=dtype[1]).uniform_(low, high)
    _eq(ours, theirs)
    assert ours.numpy().max() < high or low == high
    _same_state()


def test_a_million_draws_of_each_kind():
    n = 10**6 + 17
    for dt, tdt in DTYPES:
        _seed(2024)
        _eq(ck.rand(n, dtype=dt), torch.rand(n, dtype=tdt))
        _eq(ck.randn(n, dtype=dt), torch.randn(n, dtype=tdt))
        _eq(
            ck.empty(n, dtype=dt).uniform_(-0.05, 0.05),
            torch.empty(n, dtype=tdt).uniform_(-0.05, 0.05),
        )
        _eq(ck.empty(n, dtype=dt).normal_(0.1, 0.02), torch.empty(n, dtype=tdt).normal_(0.1, 0.02))
        _same_state()


def test_uniform_accepts_from_and_to_keywords():
    _seed(1)
    theirs = torch.empty(6).uniform_(**{"from": -2.0, "to": 3.0})
    _eq(ck.empty(6).uniform_(**{"from": -2.0, "to": 3.0}), theirs)


def test_normal_cache_carries_across_calls_dtypes_and_generators():
    _seed(3)
    for size, dt, tdt in [
        (3, ck.float32, torch.float32),
        (1, ck.float64, torch.float64),
        (5, ck.float64, torch.float64),
        (2, ck.float32, torch.float32),
        (20, ck.float32, torch.float32),  # the block path leaves the cache alone
        (1, ck.float32, torch.float32),
    ]:
        _eq(ck.randn(size, dtype=dt), torch.randn(size, dtype=tdt))
        _same_state()
    _eq(ck.rand(4), torch.rand(4))  # uniforms do not touch the cache
    _eq(ck.randn(1), torch.randn(1))
    _same_state()
    ck.manual_seed(3)  # seeding clears the cache, as in torch
    torch.manual_seed(3)
    _same_state()


def test_strided_destination_draws_in_memory_order():
    _seed(8)
    base = np.zeros((5, 4), dtype=np.float32)
    ours = ck.from_numpy(base.T)  # a (4, 5) view whose rows are not contiguous
    theirs = torch.zeros(5, 4).t()
    ours.normal_()  # 20 elements but not contiguous: torch's one-at-a-time path
    theirs.normal_()
    _eq(ours, theirs)
    ours.uniform_(-1, 1)
    theirs.uniform_(-1, 1)
    _eq(ours, theirs)
    _same_state()


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_normal_with_tensor_mean_and_std(seed):
    mean = np.linspace(-2, 2, 24).reshape(4, 6).astype(np.float32)
    std = np.linspace(0.1, 3, 6).astype(np.float32)
    _seed(seed)
    _eq(
        ck.normal(ck.tensor(mean), ck.tensor(std)),
        torch.normal(torch.tensor(mean), torch.tensor(std)),
    )
    _eq(ck.normal(ck.tensor(mean), 0.5), torch.normal(torch.tensor(mean), 0.5))
    _eq(ck.normal(1.5, ck.tensor(std)), torch.normal(1.5, torch.tensor(std)))
    _same_state()


def test_like_factories():
    x32, t32 = ck.zeros(4, 5), torch.zeros(4, 5)
    x64, t64 = ck.zeros(17, dtype=ck.float64), torch.zeros(17, dtype=torch.float64)
    _seed(6)
    _eq(ck.rand_like(x32), torch.rand_like(t32))
    _eq(ck.randn_like(x64), torch.randn_like(t64))
    _eq(ck.randint_like(x32, 3, 10), torch.randint_like(t32, 3, 10))
    _eq(ck.randint_like(x64, 7), torch.randint_like(t64, 7))
    _same_state()


def test_exponential():
    for dt, tdt in DTYPES:
        for lambd in (1.0, 1.5, 0.3, 7.0):
            _seed(5)
            _eq(
                ck.empty(3000, dtype=dt).exponential_(lambd),
                torch.empty(3000, dtype=tdt).exponential_(lambd),
            )
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0, but found lambda=0"):
        ck.empty(3).exponential_(0)


def test_float_errors_like_torch():
    cases = [
        (lambda m: m.empty(3).uniform_(1, 0), "uniform_ expects to return a [from, to) range"),
        (lambda m: m.empty(3).normal_(0, -1), "normal expects std >= 0.0, but found std -1"),
        (lambda m: m.empty(3).uniform_(0, float("inf")), "to is out of bounds for float"),
    ]
    for make, message in cases:
        with pytest.raises(RuntimeError) as theirs:
            make(torch)
        with pytest.raises(RuntimeError) as ours:
            make(ck)
        assert message in str(theirs.value) and message in str(ours.value)
    for make in (
        lambda m: m.empty(3, dtype=m.int64).uniform_(),
        lambda m: m.randn(2, dtype=m.int64),
    ):
        with pytest.raises(NotImplementedError):
            make(torch)
        with pytest.raises(NotImplementedError):
            make(ck)


# ----- integers, permutations, Bernoulli, multinomial -------------------------------------------


@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize(
    "low,high",
    [
        (0, 10),
        (-5, 7),
        (0, 2**24),
        (0, 2**28 - 1),  # the last range drawn from one 32-bit word
        (0, 2**28),  # the first drawn from two
        (0, 2**31 - 1),
        (0, 2**32),
        (-(2**40), 2**40),
        (-(2**62), 2**62),
    ],
)
def test_randint_ranges(seed, low, high):
    _seed(seed)
    _eq(ck.randint(low, high, (257,)), torch.randint(low, high, (257,)))
    _eq(ck.randint(high, (3, 4)), torch.randint(high, (3, 4)))
    _eq(ck.randint(low, high, size=(5,)), torch.randint(low, high, size=(5,)))
    _same_state()


@pytest.mark.parametrize(
    "dtype",
    [
        (ck.int32, torch.int32),
        (ck.int16, torch.int16),
        (ck.uint8, torch.uint8),
        (ck.float32, torch.float32),
        (ck.float64, torch.float64),
        (ck.int8, torch.int8),
    ],
)
def test_randint_dtypes(dtype):
    _seed(2)
    _eq(
        ck.randint(-3 if dtype[0] != ck.uint8 else 0, 100, (50,), dtype=dtype[0]),
        torch.randint(-3 if dtype[1] != torch.uint8 else 0, 100, (50,), dtype=dtype[1]),
    )
    _same_state()


def test_randint_errors_like_torch():
    for args in ((5, 5, (3,)), (5, 3, (3,))):
        with pytest.raises(RuntimeError) as theirs:
            torch.randint(*args)
        with pytest.raises(RuntimeError) as ours:
            ck.randint(*args)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for unsigned char"):
        ck.randint(0, 300, (3,), dtype=ck.uint8)


@pytest.mark.parametrize(
    "dtype",
    [
        (ck.int64, torch.int64),
        (ck.int32, torch.int32),
        (ck.int16, torch.int16),
        (ck.int8, torch.int8),
        (ck.uint8, torch.uint8),
        (ck.bool_, torch.bool),
        (ck.float32, torch.float32),
        (ck.float64, torch.float64),
    ],
)
def test_random_fill_variants(dtype):
    ours_t, theirs_t = ck.zeros(100, dtype=dtype[0]), torch.zeros(100, dtype=dtype[1])
    _seed(4)
    _eq(ours_t.random_(), theirs_t.random_())
    _eq(ours_t.random_(2), theirs_t.random_(2))
    _eq(ours_t.random_(0, 2), theirs_t.random_(0, 2))
    if dtype[0].kind != "f":
        _eq(ours_t.random_(1, None), theirs_t.random_(1, None))
    _same_state()


def test_random_fill_full_int64_range():
    _seed(4)
    _eq(
        ck.zeros(64, dtype=ck.int64).random_(-(2**63), None),
        torch.zeros(64, dtype=torch.int64).random_(-(2**63), None),
    )
    _same_state()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 100, 1000, 50000])
def test_randperm(n):
    for seed in SEEDS[:3]:
        _seed(seed)
        _eq(ck.randperm(n), torch.randperm(n))
        g, tg = ck.Generator().manual_seed(seed + 1), torch.Generator().manual_seed(seed + 1)
        _eq(ck.randperm(n, generator=g), torch.randperm(n, generator=tg))
        _same_state()
    _eq(ck.randperm(7, dtype=ck.float32), torch.randperm(7, dtype=torch.float32))


def test_randperm_inside_out_algorithm_for_huge_n():
    # From n = 2**32 / 20 torch shuffles inside out with 64-bit draws; checked here on the
    # algorithm's own rule (a torch run of that size needs gigabytes), against a plain loop.
    g = ck.Generator().manual_seed(1)
    twin = g.clone_state()
    n = 1000
    words = twin._random64(n)
    expected = np.empty(n, dtype=np.int64)
    for i in range(n):
        z = int(words[i] % (i + 1))
        expected[i] = expected[z]
        expected[z] = i
    np.testing.assert_array_equal(R._randperm_inside_out(n, g), expected)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9999, 1.0])
@pytest.mark.parametrize("dtype", DTYPES + [(np.int64, torch.int64), (np.bool_, torch.bool)])
def test_bernoulli_scalar(p, dtype):
    _seed(3)
    _eq(
        ck.zeros(1001, dtype=dtype[0]).bernoulli_(p),
        torch.zeros(1001, dtype=dtype[1]).bernoulli_(p),
    )
    _eq(
        ck.bernoulli(ck.zeros(7, dtype=dtype[0]), p),
        torch.bernoulli(torch.zeros(7, dtype=dtype[1]), p),
    )
    _same_state()


@pytest.mark.parametrize("pdtype", DTYPES, ids=["p_float32", "p_float64"])
def test_bernoulli_with_probability_tensor(pdtype):
    probs = np.random.default_rng(0).random((4, 50)).astype(pdtype[0])
    _seed(4)
    _eq(ck.bernoulli(ck.tensor(probs)), torch.bernoulli(torch.tensor(probs)))
    _eq(ck.tensor(probs).bernoulli(), torch.tensor(probs).bernoulli())
    # bernoulli_ with a tensor p broadcast to the destination; the dtype of p decides the draw
    _eq(
        ck.zeros(3, 4, 50, dtype=ck.float64).bernoulli_(ck.tensor(probs)),
        torch.zeros(3, 4, 50, dtype=torch.float64).bernoulli_(torch.tensor(probs)),
    )
    _same_state()
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        ck.bernoulli(ck.tensor([0.5, 1.5]))
    with pytest.raises(
        RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"
    ):
        ck.zeros(3).bernoulli_(1.5)


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("num_samples", [1, 3, 12])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_multinomial(replacement, num_samples, dtype):
    for seed in SEEDS[:3]:
        w1 = np.random.default_rng(seed).random(12).astype(dtype[0])
        w2 = np.random.default_rng(seed + 9).random((3, 12)).astype(dtype[0])
        _seed(seed)
        _eq(
            ck.multinomial(ck.tensor(w1), num_samples, replacement),
            torch.multinomial(torch.tensor(w1), num_samples, replacement),
        )
        _eq(
            ck.tensor(w2).multinomial(num_samples, replacement),
            torch.tensor(w2).multinomial(num_samples, replacement),
        )
        _same_state()


def test_multinomial_errors_like_torch():
    cases = [
        (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1.0, 2.0]), 3), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1.0, -2.0]), 2, True), RuntimeError),
    ]
    for make, cls in cases:
        with pytest.raises(cls) as theirs:
            make(torch)
        with pytest.raises(cls) as ours:
            make(ck)
        assert str(ours.value) == str(theirs.value)


# ----- initialisation and dropout ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS[2:4])
@pytest.mark.parametrize(
    "name,args",
    [
        ("kaiming_normal_", {}),
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
        ("xavier_normal_", {"gain": 2.0}),
        ("normal_", {"mean": 0.0, "std": 0.01}),
        ("kaiming_uniform_", {"a": 5**0.5}),
        ("xavier_uniform_", {}),
        ("uniform_", {"a": -0.3, "b": 0.2}),
    ],
)
@pytest.mark.parametrize(
    "shape", [(10, 3), (64, 3, 3, 3), (5, 2, 3), (7, 13), (37, 100), (6, 5, 2, 2)]
)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_init_functions(seed, name, args, shape, dtype):
    ours, theirs = ck.zeros(*shape, dtype=dtype[0]), torch.zeros(*shape, dtype=dtype[1])
    _seed(seed)
    getattr(cnn.init, name)(ours, **args)
    getattr(torch.nn.init, name)(theirs, **args)
    _eq(ours, theirs)
    _same_state()


def test_module_construction_draws_torchs_weights():
    for seed in SEEDS[:3]:
        _seed(seed)
        ours = [cnn.Conv2d(3, 16, 3), cnn.Linear(300, 70), cnn.Conv2d(16, 4, 5, bias=False)]
        theirs = [
            torch.nn.Conv2d(3, 16, 3),
            torch.nn.Linear(300, 70),
            torch.nn.Conv2d(16, 4, 5, bias=False),
        ]
        for a, b in zip(ours, theirs, strict=True):
            for (ka, pa), (kb, pb) in zip(
                a.state_dict().items(), b.state_dict().items(), strict=True
            ):
                assert ka == kb
                _eq(pa, pb.detach())
        _same_state()


@pytest.mark.parametrize("p", [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_dropout_masks(p, dtype):
    x = np.random.default_rng(1).standard_normal((4, 6, 5, 5)).astype(dtype[0])
    for seed in SEEDS[:3]:
        _seed(seed)
        _eq(CF.dropout(ck.tensor(x), p), torch.nn.functional.dropout(torch.tensor(x), p))
        _eq(CF.dropout2d(ck.tensor(x), p), torch.nn.functional.dropout2d(torch.tensor(x), p))
        _eq(cnn.Dropout(p)(ck.tensor(x)), torch.nn.Dropout(p)(torch.tensor(x)))
        _eq(
            CF.dropout(ck.tensor(x), p, training=False),
            torch.nn.functional.dropout(torch.tensor(x), p, training=False),
        )
        _same_state()


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_noise(p, dtype, feature):
    # convkit.random.alpha_dropout_noise gives torch's (noise, b): out = x * noise + b.
    x = np.random.default_rng(2).standard_normal((3, 4, 6, 6)).astype(dtype[0])
    shape = (3, 4, 1, 1) if feature else x.shape
    fn = torch.nn.functional.feature_alpha_dropout if feature else torch.nn.functional.alpha_dropout
    _seed(9)
    noise, b = R.alpha_dropout_noise(shape, p, dtype[0])
    theirs = fn(torch.tensor(x), p, training=True)
    ours = x * noise + b if p < 1 else x * np.zeros((), dtype[0])
    _eq(ours.astype(dtype[0]), theirs)
    _same_state()


def test_dropout_noise_helper_matches_the_module_draw():
    x = np.ones((2, 3, 4), dtype=np.float32)
    _seed(5)
    noise = R.dropout_noise((2, 3, 1), 0.3, np.float32)
    _eq(noise * x, torch.nn.functional.dropout1d(torch.tensor(x), 0.3))
    _same_state()
