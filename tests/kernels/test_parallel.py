"""The one thread setting, the worker pool and the scratch buffers (kernels/parallel.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

import convkit
from convkit.kernels import parallel as par


@pytest.fixture
def restore_threads():
    before = convkit.get_num_threads()
    yield
    convkit.set_num_threads(before)


def test_default_is_the_available_cores():
    code = "import convkit, os; print(convkit.get_num_threads(), len(os.sched_getaffinity(0)))"
    env = {k: v for k, v in os.environ.items() if k != par.ENV_VAR}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    got, cores = out.stdout.split()
    assert got == cores


@pytest.mark.parametrize("value, expected", [("3", "3"), ("1", "1"), ("zero", None), ("0", None)])
def test_environment_variable(value, expected):
    code = "import convkit, os; print(convkit.get_num_threads(), len(os.sched_getaffinity(0)))"
    env = dict(os.environ, **{par.ENV_VAR: value})
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    got, cores = out.stdout.split()
    if expected is None:  # a bad value warns and falls back to the cores
        assert got == cores
        assert par.ENV_VAR in out.stderr and "positive integer" in out.stderr
    else:
        assert got == expected


def test_set_and_get_like_torch(restore_threads):
    convkit.set_num_threads(3)
    assert convkit.get_num_threads() == 3
    if par.blas_num_threads() is not None:  # NumPy's BLAS follows the setting
        assert par.blas_num_threads() == 3
    convkit.set_num_threads(1)
    assert convkit.get_num_threads() == 1
    if par.blas_num_threads() is not None:
        assert par.blas_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True, None])
def test_bad_thread_counts_raise_as_torch(bad, restore_threads):
    with pytest.raises(RuntimeError) as theirs:
        torch.set_num_threads(bad)
    with pytest.raises(RuntimeError) as ours:
        convkit.set_num_threads(bad)
    # torch's wording: "expects an int" / "expects a positive integer"
    assert ("positive integer" in str(theirs.value)) == ("positive integer" in str(ours.value))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_run_parts_keeps_order_and_uses_the_setting(threads, monkeypatch):
    monkeypatch.setattr(par, "_threads", threads)
    seen = []
    lock = threading.Lock()
    # every part waits for all the others: they can only finish on `threads` distinct threads
    barrier = threading.Barrier(threads, timeout=10)

    def work(p):
        with lock:
            seen.append(threading.current_thread().name)
        barrier.wait()
        return p * 10

    parts = list(range(threads))
    assert par.run_parts(work, parts, uses_blas=False) == [p * 10 for p in parts]
    # the calling thread takes the first part; the others run on distinct workers
    assert len(set(seen)) == threads
    assert threading.current_thread().name in seen


def test_run_parts_propagates_errors_after_all_parts_finish(monkeypatch):
    monkeypatch.setattr(par, "_threads", 2)
    done = []

    def work(p):
        if p == 0:
            raise ValueError("part 0")
        done.append(p)
        return p

    with pytest.raises(ValueError, match="part 0"):
        par.run_parts(work, [0, 1], uses_blas=False)
    assert done == [1]


def test_nested_calls_run_inline(monkeypatch):
    """A kernel called from a worker must not wait on the pool it runs on (deadlock)."""
    monkeypatch.setattr(par, "_threads", 2)

    def inner(p):
        return threading.current_thread().name

    def outer(p):
        return par.run_parts(inner, [0, 1], uses_blas=False)

    names = par.run_parts(outer, [0, 1], uses_blas=False)
    worker_names = names[1]
    assert worker_names[0] == worker_names[1]  # the worker did both inner parts itself


@pytest.mark.parametrize("count, parts", [(0, 2), (1, 4), (7, 2), (8, 3), (5, 5)])
def test_split_and_deal(count, parts):
    slices = par.split(count, parts)
    covered = [i for s in slices for i in range(s.start, s.stop)]
    assert covered == list(range(count))
    assert all(s.stop > s.start for s in slices)
    assert len(slices) <= max(1, parts)
    sizes = [s.stop - s.start for s in slices]
    assert not sizes or max(sizes) - min(sizes) <= 1
    items = list(range(count))
    dealt = par.deal(items, parts)
    assert sorted(i for d in dealt for i in d) == items
    assert all(d == items[k::parts] for k, d in enumerate(dealt))


def test_scratch_is_per_thread_and_reused():
    a = par.scratch("t", 100, np.float32)
    b = par.scratch("t", 50, np.float32)
    assert np.shares_memory(a, b)
    other = []
    t = threading.Thread(target=lambda: other.append(par.scratch("t", 100, np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(a, other[0])
    big = par.scratch("t", par.SCRATCH_KEEP_BYTES // 4 + 1, np.float32)
    assert not np.shares_memory(big, par.scratch("t", 100, np.float32))


def test_blas_threads_restores_the_count():
    with par.blas_threads(1):
        np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)
    # nothing to observe without OpenBLAS; with it, the context must nest and restore
    with par.blas_threads(1), par.blas_threads(1):
        pass


def test_train_command_has_a_threads_option(tmp_path):
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "convkit", "train", "--threads", "0", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 1
    assert "set_num_threads expects a positive integer" in out.stderr
