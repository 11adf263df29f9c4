"""A rank that dies, hangs or was never started stops the whole job with a clear error in
seconds, instead of leaving the others waiting; and a missing MPI says how to install it."""

import importlib
import subprocess
import sys
import time

import pytest

import convkit.distributed as dist
from tests.distributed import launch

WORKER = "tests.distributed.worker_failures"


def run(mode, n=2, env=None):
    start = time.monotonic()
    proc = launch.run("convkit", n, WORKER, mode, env=env, check=False, timeout=90)
    return proc, time.monotonic() - start


@pytest.mark.parametrize(
    "mode,message",
    [
        ("raise", "rank 1 of 2 stopped with an unhandled ValueError; stopping every rank"),
        ("hang", "rank 0: all_reduce timed out after 2 s waiting for the other ranks"),
        ("hang-caught", "stopping every rank (MPI_Abort): rank 0: all_reduce timed out"),
        ("ddp-hang", "DistributedDataParallel gradient all-reduce timed out after 2 s"),
    ],
)
def test_a_failed_rank_stops_the_job_with_the_reason(mode, message):
    proc, seconds = run(mode)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-3000:]
    # Only a rank that caught the error goes on (and the job still ends when it exits).
    assert ("rank 0 finished" in proc.stdout) == (mode == "hang-caught")
    assert "rank 1 finished" not in proc.stdout
    assert seconds < 60  # the hanging rank sleeps 120 s: the job did not wait for it


def test_a_killed_rank_stops_the_job():
    proc, seconds = run("kill")
    assert proc.returncode != 0
    assert "rank 0 finished" not in proc.stdout
    assert "signal 9" in proc.stdout + proc.stderr or "Killed" in proc.stdout + proc.stderr
    assert seconds < 60


def test_an_environment_naming_other_ranks_is_refused():
    proc, _ = run("raise", env={"WORLD_SIZE": "4"})
    assert proc.returncode != 0
    assert "the WORLD_SIZE environment variable is 4 but MPI gave this process world size 2" in (
        proc.stderr
    )
    assert "mpiexec -n N python script.py" in proc.stderr


def test_missing_mpi_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)
    assert dist.is_available() is True
    assert dist.is_mpi_available() is False
    with pytest.raises(RuntimeError, match=r'pip install "convkit\[mpi\]"'):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_import_convkit_needs_no_mpi():
    code = (
        "import sys, convkit, convkit.distributed, convkit.nn.parallel; "
        "print('mpi4py' in sys.modules, convkit.distributed.is_initialized())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=launch.environment(), capture_output=True, text=True
    )
    assert out.stdout.split() == ["False", "False"], out.stderr


@pytest.mark.parametrize("lib", ["convkit", "torch"])
@pytest.mark.parametrize("call", ["get_rank", "get_world_size", "all_reduce", "barrier"])
def test_collectives_before_init_fail_as_torch(lib, call):
    module = importlib.import_module(lib)
    d = importlib.import_module(lib + ".distributed")
    args = (module.ones(2),) if call == "all_reduce" else ()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        getattr(d, call)(*args)
