"""``python -m convkit.distributed.run``, the torchrun of convkit."""

import subprocess
import sys

import pytest

from convkit.distributed import run as launcher
from tests.distributed import launch


@pytest.mark.parametrize("as_module", [False, True])
def test_each_rank_gets_torchruns_variables_before_the_script_starts(tmp_path, as_module):
    target = (
        ["-m", "tests.distributed.worker_env"] if as_module else ["tests/distributed/worker_env.py"]
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "convkit.distributed.run",
            "--nproc-per-node",
            "2",
            *target,
            str(tmp_path),
            "x",
        ],
        cwd=launch.ROOT,
        env=launch.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for rank, got in enumerate(launch.results(tmp_path, 2)):
        assert got["before"] == {
            "RANK": str(rank),
            "WORLD_SIZE": "2",
            "LOCAL_RANK": str(rank),
            "LOCAL_WORLD_SIZE": "2",
        }
        assert got["argv"] == [str(tmp_path), "x"]
        assert got["name"] == "__main__"


def test_rank_environment_from_each_launcher():
    assert launcher.rank_environment({"PMI_RANK": "3", "PMI_SIZE": "8"}) == {
        "RANK": "3",
        "WORLD_SIZE": "8",
        "LOCAL_RANK": "3",
        "LOCAL_WORLD_SIZE": "8",
    }
    openmpi = {
        "OMPI_COMM_WORLD_RANK": "5",
        "OMPI_COMM_WORLD_SIZE": "8",
        "OMPI_COMM_WORLD_LOCAL_RANK": "1",
        "OMPI_COMM_WORLD_LOCAL_SIZE": "4",
        "RANK": "5",
    }
    assert launcher.rank_environment(openmpi) == {
        "WORLD_SIZE": "8",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "4",
    }
    assert launcher.rank_environment({}) == {}


def test_launch_command():
    cmd = launcher.launch_command(["train.py", "--lr", "1"], 4, hostfile="hosts", mpiexec="mpx")
    assert cmd[:5] == ["mpx", "-n", "4", "-hostfile", "hosts"]
    assert cmd[5:8] == [sys.executable, "-m", "convkit.distributed.run"]
    assert cmd[-3:] == ["train.py", "--lr", "1"]
    with pytest.raises(ValueError, match="positive integer, got 0"):
        launcher.launch_command(["x.py"], 0, mpiexec="mpx")
