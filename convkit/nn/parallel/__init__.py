"""``convkit.nn.parallel``: DistributedDataParallel (data parallelism over MPI processes) and
DataParallel (which, as torch's without GPUs, runs the module as it is)."""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
