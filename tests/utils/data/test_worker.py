"""DataLoader with num_workers > 0: real worker processes, compared with torch's.

Worker seeding, batch order, IterableDataset sharding and error reporting are checked against
torch.utils.data running the same datasets; both start methods ('fork', 'spawn') are used.
"""

import multiprocessing
import os

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import convkit as ck
import convkit.utils.data as cud

from . import workers_helpers as H


def _flat(batches):
    return [np.asarray(b).tolist() for b in batches]


def _children():
    return [p for p in multiprocessing.active_children() if p.is_alive()]


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_shuffled_order_over_epochs_matches_torch(context):
    kwargs = dict(batch_size=4, shuffle=True, num_workers=2)
    ours = cud.DataLoader(H.Indices(23), multiprocessing_context=context, **kwargs)
    theirs = tud.DataLoader(H.Indices(23), multiprocessing_context="fork", **kwargs)
    ck.manual_seed(17)
    torch.manual_seed(17)
    for _ in range(2 if context == "fork" else 1):  # fresh iter(): new base seed, new order
        assert _flat(ours) == _flat(theirs)
    np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())
    assert _children() == []  # the workers of each epoch are shut down


def test_workers_are_seeded_as_torchs():
    kwargs = dict(batch_size=None, num_workers=2, multiprocessing_context="fork")
    ck.manual_seed(5)
    torch.manual_seed(5)
    ours = list(cud.DataLoader(H.SeedProbe("convkit", 9), **kwargs))
    theirs = list(tud.DataLoader(H.SeedProbe("torch", 9), **kwargs))
    for a, b in zip(ours, theirs, strict=True):
        # batch_size=None: default_convert leaves Python numbers alone
        assert a == b
    seeds = {s["worker"][0]: s["initial_seed"] for s in ours}
    assert len(seeds) == 2 and seeds[1] == seeds[0] + 1
    assert all(s["worker"][2] == s["initial_seed"] and s["worker"][1] == 2 for s in ours)


def test_samples_are_loaded_in_other_processes():
    loader = cud.DataLoader(H.Slow(8, 0.0), batch_size=2, num_workers=2)
    pids = {int(p) for batch in loader for p in batch[:, 1].tolist()}
    assert len(pids) == 2 and os.getpid() not in pids


def test_main_process_sees_no_worker_info():
    assert cud.get_worker_info() is None


def test_worker_init_fn_runs_in_each_worker():
    loader = cud.DataLoader(
        H.InitProbe(6), batch_size=None, num_workers=2, worker_init_fn=H.record_worker_id
    )
    assert [int(v) for v in loader] == [0, 1, 0, 1, 0, 1]  # tasks go round-robin


def _first_error(loader):
    it = iter(loader)
    try:
        for _ in it:
            pass
    except Exception as e:
        return type(e), str(e), it
    return None, "", it


def _check_message(kind, text, exc_type):
    assert kind is exc_type
    assert f"Caught {exc_type.__name__} in DataLoader worker process 1." in text
    assert "Traceback (most recent call last)" in text
    assert "sample 6 is broken" in text and "workers_helpers.py" in text


def test_worker_errors_read_as_torchs():
    kind, text, it = _first_error(tud.DataLoader(H.Failing(10, 6), batch_size=2, num_workers=2))
    _check_message(kind, text, ValueError)
    it._shutdown_workers()  # torch would join its workers at its 5 s pace otherwise


@pytest.mark.parametrize("exc_type", [ValueError, KeyError, IndexError])
def test_worker_errors_are_raised_again_with_the_traceback(exc_type):
    loader = cud.DataLoader(H.Failing(10, 6, exc_type), batch_size=2, num_workers=2)
    kind, text, it = _first_error(loader)
    _check_message(kind, text, exc_type)
    workers = list(it._workers)
    del it  # dropping the failed iterator stops its workers
    for w in workers:
        w.join(timeout=10)
    assert not any(w.is_alive() for w in workers)


def test_iteration_continues_after_a_worker_error_like_torch():
    def run(data_module):
        it = iter(data_module.DataLoader(H.Failing(8, 2), batch_size=2, num_workers=2))
        seen = []
        while True:
            try:
                seen.append(np.asarray(next(it)).tolist())
            except ValueError:
                seen.append("error")
            except StopIteration:
                return seen

    assert run(cud) == run(tud) == [[0, 1], "error", [4, 5], [6, 7]]


def test_a_dead_worker_is_reported():
    loader = cud.DataLoader(H.Dying(10, 3), batch_size=1, num_workers=2)
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    ):
        list(loader)


def test_timeout():
    loader = cud.DataLoader(H.Slow(4, 3.0), batch_size=1, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(iter(loader))


@pytest.mark.parametrize("batch_size,drop_last", [(None, False), (2, False), (3, True)])
def test_iterable_dataset_sharded_by_worker_info(batch_size, drop_last):
    kwargs = dict(batch_size=batch_size, drop_last=drop_last, num_workers=2)
    ours = cud.DataLoader(H.make_range_stream("convkit")(3, 14), **kwargs)
    theirs = tud.DataLoader(H.make_range_stream("torch")(3, 14), **kwargs)
    assert _flat(ours) == _flat(theirs)


def test_iterable_dataset_with_spawn():
    loader = cud.DataLoader(
        H.ConvkitRange(0, 10), batch_size=3, num_workers=2, multiprocessing_context="spawn"
    )
    values = sorted(v for batch in loader for v in np.asarray(batch).tolist())
    assert values == list(range(10))


def test_persistent_workers_keep_torchs_order():
    kwargs = dict(batch_size=3, shuffle=True, num_workers=2, persistent_workers=True)
    ours = cud.DataLoader(H.Indices(11), **kwargs)
    theirs = tud.DataLoader(H.Indices(11), **kwargs)
    ck.manual_seed(3)
    torch.manual_seed(3)
    for _ in range(3):
        assert _flat(ours) == _flat(theirs)
    np.testing.assert_array_equal(ck.get_rng_state().numpy(), torch.get_rng_state().numpy())
    workers = ours._iterator._workers
    assert all(w.is_alive() for w in workers)
    ours._iterator._shutdown_workers()
    assert not any(w.is_alive() for w in workers)


def test_out_of_order_and_prefetch():
    loader = cud.DataLoader(
        H.Indices(20), batch_size=2, num_workers=2, in_order=False, prefetch_factor=1
    )
    got = sorted(v for batch in loader for v in np.asarray(batch).tolist())
    assert got == list(range(20))


def test_breaking_out_early_shuts_the_workers_down():
    loader = cud.DataLoader(H.Indices(100), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    workers = list(it._workers)
    del it
    for w in workers:
        w.join(timeout=10)
    assert not any(w.is_alive() for w in workers)


def test_multiprocessing_argument_errors_like_torch():
    for kwargs in (
        dict(multiprocessing_context="fork"),
        dict(num_workers=1, multiprocessing_context="nope"),
        dict(num_workers=1, multiprocessing_context=3),
        dict(prefetch_factor=2),
        dict(persistent_workers=True),
        dict(num_workers=-1),
        dict(timeout=-1),
        dict(num_workers=1, prefetch_factor=-1),
    ):
        with pytest.raises(Exception) as theirs:
            tud.DataLoader(H.Indices(5), **kwargs)
        with pytest.raises(type(theirs.value)) as ours:
            cud.DataLoader(H.Indices(5), **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_workers_forked_after_the_kernels_ran_can_run_them():
    # The parent's kernel thread pools exist in a forked child without their threads; the
    # kernels must make new ones there instead of waiting on dead threads.
    serial = list(cud.DataLoader(H.UsesKernels(), batch_size=None))
    forked = list(cud.DataLoader(H.UsesKernels(), batch_size=None, num_workers=2, timeout=120))
    assert forked == serial


def test_a_failing_worker_init_fn_is_reported_like_torch():
    kwargs = dict(batch_size=2, num_workers=2, worker_init_fn=H.failing_init)
    for module in (tud, cud):
        kind, text, it = _first_error(module.DataLoader(H.Indices(8), **kwargs))
        assert kind is OSError
        assert "Caught OSError in DataLoader worker process 1." in text
        assert "worker 1 cannot start" in text
        it._shutdown_workers()
