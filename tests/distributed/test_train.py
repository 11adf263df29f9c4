"""``convkit train`` on several ranks: the single-process history, resume on another number of
ranks, rank 0 alone writing, and a lost rank stopping the job.

How close "the single-process history" is: two ranks sum each batch's gradient in two parts
(one per rank) where one process sums it in one go, which changes float32 rounding and nothing
else; Adam then amplifies those last-bit differences from step to step (on the default run the
epoch-2 test loss moves by about 2e-4 relative). So the tight check compares the two ranks with a
one-process *control* that computes each half-batch separately (the same arithmetic as the two
ranks): losses to rtol 1e-6 (the float64 sums of float32 values taken in another order; 6e-8
measured), accuracies exactly. The plain single-process run must then agree to rtol 1e-3 with
identical accuracies: the size of the pure-rounding difference the control shows in one process.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import convkit as ck
import convkit.training as training
from convkit.cli import main
from convkit.weights import read_checkpoint
from tests.distributed import launch

ARGS = ["--epochs", "2", "--no-progress"]
LOSSES = ("train_loss", "test_loss")
ACCURACIES = ("train_accuracy", "test_accuracy")


def history(folder):
    return json.loads((Path(folder) / "metrics.json").read_text())["history"]


def assert_same_history(got, want, rtol):
    assert [h["epoch"] for h in got] == [h["epoch"] for h in want]
    for g, w in zip(got, want, strict=True):
        for key in ACCURACIES:
            assert g[key] == w[key], (g["epoch"], key)
        np.testing.assert_allclose([g[k] for k in LOSSES], [w[k] for k in LOSSES], rtol=rtol)


def cli(*args):
    assert main([*args]) == 0


def mpiexec_cmd():
    return [launch.mpiexec(), "-n", "2", sys.executable, "-m", "convkit", "train"]


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The single-process history, and the half-batch control's (see the module's docstring)."""
    root = tmp_path_factory.mktemp("single")
    cli("train", *ARGS, "--out", str(root / "plain"))
    run_model = training.run_model

    def by_halves(model, x, prefix=""):
        if not model.training or x.shape[0] < 2:
            return run_model(model, x, prefix)
        h = (x.shape[0] + 1) // 2  # the first rank's part, as np.array_split cuts
        return ck.cat([run_model(model, x[:h], prefix), run_model(model, x[h:], prefix)])

    training.run_model = by_halves
    try:
        cli("train", *ARGS, "--out", str(root / "halves"))
    finally:
        training.run_model = run_model
    return history(root / "plain"), history(root / "halves")


def test_two_ranks_give_the_single_process_history_and_only_rank_0_writes(single, tmp_path):
    plain, halves = single
    # Each rank in its own folder, the output folder relative: a file written by rank 1 would
    # land in rank1/ (mpiexec's MPMD form gives each rank its working directory).
    (tmp_path / "rank0").mkdir()
    (tmp_path / "rank1").mkdir()
    cmd = [launch.mpiexec()]
    for r in (0, 1):
        cmd += ["-n", "1", "-wdir", str(tmp_path / f"rank{r}"), sys.executable, "-m", "convkit"]
        cmd += ["train", *ARGS, "--out", "run"]
        cmd += [":"] if r == 0 else []
    proc = subprocess.run(
        cmd, env=launch.environment(), capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = history(tmp_path / "rank0" / "run")
    assert_same_history(got, halves, rtol=1e-6)
    assert_same_history(got, plain, rtol=1e-3)
    assert sorted(os.listdir(tmp_path / "rank0" / "run")) == sorted(training.RUN_FILES)
    assert os.listdir(tmp_path / "rank1") == []
    # Rank 0 alone prints: each epoch once, with the ranks named.
    assert proc.stdout.count("epoch   1/2") == 1 and proc.stdout.count("after 2 epochs; wrote") == 1
    assert "data-parallel on 2 ranks: each takes 1/2 of every batch of 32 images" in proc.stdout


def test_batchnorm_and_sgd_on_two_ranks_give_the_single_process_history(tmp_path):
    """SyncBatchNorm: batch statistics of the global batch (the last batch of 2 images gives each
    rank one). SGD does not amplify rounding as Adam does: float32's rtol 1e-4 holds against the
    plain single-process run (8e-7 measured)."""
    model = str(launch.ROOT / "tests" / "distributed" / "bn_net.py") + ":factory"
    args = [*ARGS, "--model", model, "--optimizer", "sgd"]
    cli("train", *args, "--out", str(tmp_path / "one"))
    proc = subprocess.run(
        mpiexec_cmd() + [*args, "--out", str(tmp_path / "two")],
        env=launch.environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_history(history(tmp_path / "two"), history(tmp_path / "one"), rtol=1e-4)


def test_a_two_rank_checkpoint_resumes_on_one_rank(single, tmp_path):
    plain, halves = single
    out = str(tmp_path / "run")
    # --ranks 2 runs the command again under mpiexec -n 2.
    proc = subprocess.run(
        [sys.executable, "-m", "convkit", "train", "--ranks", "2", "--epochs", "1"]
        + ["--no-progress", "--out", out],
        env=launch.environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "data-parallel on 2 ranks" in proc.stdout
    assert_same_history(history(out), halves[:1], rtol=1e-6)
    cli("train", *ARGS, "--out", out, "--resume")
    resumed = history(out)
    # Epoch 2 ran on one process from the two ranks' weights, optimiser state and random state:
    # it continues the single-process run (the shuffle of epoch 2 included).
    assert_same_history(resumed, plain, rtol=1e-3)
    assert read_checkpoint(os.path.join(out, training.CHECKPOINT)).epoch == 2


def test_ranks_refuses_a_different_count_inside_mpiexec(tmp_path):
    proc = subprocess.run(
        mpiexec_cmd() + ["--ranks", "3", "--epochs", "1", "--out", str(tmp_path / "r")],
        env=launch.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "--ranks 3, but this process was started as one of 2 by an MPI launcher" in (proc.stderr)
    assert not (tmp_path / "r" / training.CHECKPOINT).exists()


def _rank_pid(token, rank):
    """The pid of rank ``rank`` of the job whose environment holds ``token``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path("/proc", entry, "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"CONVKIT_TEST_JOB={token}".encode() in env and f"PMI_RANK={rank}".encode() in env:
            return int(entry)
    return None


@pytest.mark.parametrize(
    "sig,message",
    [
        # The launcher (MPICH's hydra) sees the dead process and stops the others.
        (signal.SIGKILL, "TERMINATED WITH THE EXIT STRING: Killed (signal 9)"),
        # A rank that stops answering: rank 0's collective times out, and it stops the job.
        (signal.SIGSTOP, "timed out after 3 s waiting for the other ranks"),
    ],
)
def test_a_lost_rank_stops_the_job_within_seconds(tmp_path, sig, message):
    token = uuid.uuid4().hex
    out = tmp_path / "run"
    proc = subprocess.Popen(
        mpiexec_cmd()
        + ["--epochs", "200", "--no-progress", "--rank-timeout", "3"]
        + ["--out", str(out)],
        env=launch.environment(CONVKIT_TEST_JOB=token, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        for line in proc.stdout:  # rank 0's first epoch: the job is training
            if line.startswith("epoch   1/200") or time.monotonic() > deadline:
                break
        pid = _rank_pid(token, 1)
        assert pid is not None
        os.kill(pid, sig)
        stopped = time.monotonic()
        rest, stderr = proc.communicate(timeout=60)
        seconds = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0
    assert message in rest + stderr, (rest + stderr)[-3000:]
    assert seconds < 30, seconds
    # What rank 0 wrote is whole: the last completed epoch's checkpoint.
    assert read_checkpoint(str(out / training.CHECKPOINT)).epoch >= 1


@pytest.mark.parametrize(
    "env,cores,affinity,want",
    [
        ({"PMI_RANK": "0", "PMI_SIZE": "4", "MPI_LOCALNRANKS": "4"}, 8, 8, 2),
        ({"PMI_RANK": "0", "PMI_SIZE": "4", "MPI_LOCALNRANKS": "2"}, 8, 8, 4),  # 2 nodes
        ({"PMI_RANK": "0", "PMI_SIZE": "4", "MPI_LOCALNRANKS": "4"}, 8, 1, None),  # bound
        ({"PMI_RANK": "0", "PMI_SIZE": "8", "MPI_LOCALNRANKS": "8"}, 4, 4, 1),
        ({"PMI_RANK": "0", "PMI_SIZE": "4", "CONVKIT_NUM_THREADS": "3"}, 8, 8, None),
        ({}, 8, 8, None),  # one process: all its cores
    ],
)
def test_ranks_of_one_machine_share_its_cores(monkeypatch, env, cores, affinity, want):
    from convkit import commands
    from convkit.kernels import parallel

    for var in ("PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS", "CONVKIT_NUM_THREADS", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    for var in ("LOCAL_WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(parallel, "available_cores", lambda: affinity)
    chosen = []
    monkeypatch.setattr(parallel, "set_num_threads", chosen.append)
    commands._share_cores_between_ranks()
    assert chosen == ([] if want is None else [want])
