"""Launch a script on N processes, torchrun-style: ``python -m convkit.distributed.run -n N
script.py args`` (``--nproc-per-node N`` is accepted as torchrun spells it).

It runs the MPI launcher installed beside Python (the MPICH wheel of ``convkit[mpi]``) or on
PATH, and in each process sets torchrun's variables (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``) from the MPI launcher's before the script starts, so scripts written for
torchrun that read them run unchanged. On a cluster, call your MPI's ``mpiexec`` (or the
scheduler's ``srun``) directly with a hostfile; see the README.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._mpi import INSTALL_HINT

__all__ = ["find_mpiexec", "launch_command", "launcher_world_size", "main", "rank_environment"]

_CHILD_FLAG = "--convkit-rank-process"

# Where MPI launchers put a process's place in the job: (rank, size, local rank, local size).
_LAUNCHER_VARIABLES = (
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),  # MPICH (hydra)
    (
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "OMPI_COMM_WORLD_LOCAL_RANK",
        "OMPI_COMM_WORLD_LOCAL_SIZE",
    ),  # Open MPI
    ("PMIX_RANK", "PMIX_SIZE", "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE"),
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),
)


def find_mpiexec() -> str:
    """The mpiexec beside the running Python (a virtual environment's MPICH wheel), else the
    one on PATH."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.exists():
        return str(here)
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(
            "no mpiexec found beside this Python nor on PATH: distributed runs need an MPI "
            f"launcher. Install one with: {INSTALL_HINT}"
        )
    return found


def launch_command(
    argv: Sequence[str],
    nprocs: int,
    hostfile: str | None = None,
    mpiexec: str | None = None,
    mpiexec_args: Sequence[str] = (),
) -> list[str]:
    """The command that runs ``python <argv>`` on ``nprocs`` processes through this module
    (so each process gets torchrun's environment variables)."""
    if not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"the number of processes must be a positive integer, got {nprocs!r}")
    cmd = [mpiexec or find_mpiexec(), "-n", str(nprocs)]
    if hostfile is not None:
        cmd += ["-hostfile", hostfile]
    cmd += list(mpiexec_args)
    return cmd + [sys.executable, "-m", "convkit.distributed.run", _CHILD_FLAG, *argv]


def rank_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """torchrun's variables for this process, from the MPI launcher's (those already set
    win)."""
    for rank, size, local_rank, local_size in _LAUNCHER_VARIABLES:
        if rank in environ and size in environ:
            found = {
                "RANK": environ[rank],
                "WORLD_SIZE": environ[size],
                "LOCAL_RANK": environ.get(local_rank, environ[rank]),
                "LOCAL_WORLD_SIZE": environ.get(local_size, environ[size]),
            }
            return {k: v for k, v in found.items() if k not in environ}
    return {}


def launcher_world_size(environ: Mapping[str, str] | None = None) -> int:
    """How many processes the launcher started this one among: the MPI launcher's variables,
    else torchrun's ``WORLD_SIZE``; 1 for a process started alone."""
    env = os.environ if environ is None else environ
    for rank, size, _, _ in _LAUNCHER_VARIABLES:
        if rank in env and size in env:
            return int(env[size])
    return int(env.get("WORLD_SIZE") or 1)


def _run_target(argv: list[str]) -> None:
    os.environ.update(rank_environment(os.environ))
    if argv[:1] == ["-m"]:
        if len(argv) < 2:
            raise SystemExit("convkit.distributed.run: -m needs a module name")
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        runpy.run_path(argv[0], run_name="__main__")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [_CHILD_FLAG]:
        _run_target(args[1:])
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m convkit.distributed.run",
        description="Run a training script on N processes over MPI, as torchrun does.",
    )
    parser.add_argument(
        "-n",
        "--nproc-per-node",
        "--nproc_per_node",
        dest="nprocs",
        type=int,
        required=True,
        help="number of processes (on this machine, or in all with --hostfile)",
    )
    parser.add_argument("--hostfile", default=None, help="the MPI hostfile of a cluster run")
    parser.add_argument("--mpiexec", default=None, help="the MPI launcher to use")
    parser.add_argument(
        "--mpiexec-arg",
        action="append",
        default=[],
        help="an extra argument for mpiexec (repeat for several), e.g. --mpiexec-arg=-bind-to "
        "--mpiexec-arg=core",
    )
    parser.add_argument("-m", dest="module", action="store_true", help="run a module")
    parser.add_argument("target", help="the script (or, with -m, the module)")
    parser.add_argument("target_args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(args)
    target = (["-m"] if ns.module else []) + [ns.target, *ns.target_args]
    try:
        cmd = launch_command(target, ns.nprocs, ns.hostfile, ns.mpiexec, ns.mpiexec_arg)
    except (RuntimeError, ValueError) as e:
        print(f"convkit.distributed.run: error: {e}", file=sys.stderr)
        return 2
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
