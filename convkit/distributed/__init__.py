"""``convkit.distributed``: torch.distributed's API for data-parallel training, over MPI.

Start N processes with ``mpiexec -n N python train.py`` (or ``python -m convkit.distributed.run
--nproc-per-node N train.py``); in each, ``init_process_group()`` joins them, and the
collectives (``all_reduce``, ``broadcast``, ``all_gather``, ...) and
``convkit.nn.parallel.DistributedDataParallel`` work as torch's do. mpi4py and an MPI library come
from the optional extra ``pip install "convkit[mpi]"``; importing this package never needs
them.
"""

from . import distributed_c10d
from .distributed_c10d import *

__all__ = list(distributed_c10d.__all__)
