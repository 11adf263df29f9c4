"""Start N processes of a worker module, under convkit (mpiexec) or torch (torchrun, gloo).

Workers are modules of this package run with ``-m``; each rank writes what it computed to
``OUT/rank<r>.json`` (or .npz), which the tests read back. mpiexec is the one installed next to
the running interpreter (the MPICH wheel of the test extra), so no system MPI is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def mpiexec() -> str:
    """The mpiexec beside sys.executable (then on PATH); a missing one fails the test: MPI is
    part of the test extra (pip install ".[test]")."""
    here = Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    if found is None:
        raise AssertionError(
            'mpiexec not found beside the interpreter nor on PATH: pip install ".[test]" '
            "installs MPICH and mpi4py"
        )
    return found


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # One BLAS thread per rank: the ranks already fill the cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR"):
        env.pop(var, None)
    env.update(extra)
    return env


def run(
    lib: str,
    n: int,
    module: str,
    *args: str,
    timeout: float = 240,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run ``python -m module args`` on ``n`` ranks with LIB=lib."""
    if lib == "convkit":
        cmd = [mpiexec(), "-n", str(n), sys.executable, "-m", module, *args]
    else:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc-per-node={n}",
            "-m",
            module,
            *args,
        ]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=environment(LIB=lib, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited with {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}"
            f"\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc


def results(out: Path, n: int) -> list:
    """What each rank wrote, in rank order."""
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(n)]


def write(out: str, rank: int, data) -> None:
    """A worker's result, as JSON (arrays become nested lists)."""

    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, np.generic):
            return x.item()
        return x

    Path(out, f"rank{rank}.json").write_text(json.dumps(plain(data)))
