"""Ranks that fail in the ways a real job fails; the others must stop, not wait forever.

``python -m tests.distributed.worker_failures MODE``: ``raise`` (rank 1 raises), ``hang``
(rank 1 stops answering; rank 0 reaches its timeout), ``hang-caught`` (rank 0 catches the
timeout error and returns normally), ``kill`` (rank 1 is killed by SIGKILL), ``ddp-hang``
(rank 1 hangs in the middle of a DDP training step), ``env`` (the environment claims more
ranks than were started).
"""

import os
import signal
import sys
import time
from datetime import timedelta

import numpy as np

import convkit as ck
import convkit.distributed as dist

mode = sys.argv[1]
dist.init_process_group(timeout=timedelta(seconds=2))
rank = dist.get_rank()
x = ck.ones(3)
if mode == "raise":
    if rank == 1:
        raise ValueError("rank 1 cannot go on")
    dist.all_reduce(x)
elif mode == "kill":
    if rank == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    dist.all_reduce(x)
elif mode in ("hang", "hang-caught"):
    if rank == 1:
        time.sleep(120)
    try:
        dist.all_reduce(x)
    except dist.DistBackendError as e:
        if mode == "hang":
            raise
        print(f"rank {rank} caught: {e}", flush=True)
elif mode == "ddp-hang":
    ck.manual_seed(0)
    model = ck.nn.parallel.DistributedDataParallel(ck.nn.Linear(4, 2))
    for step in range(3):
        if rank == 1 and step == 1:
            time.sleep(120)
        model(ck.from_numpy(np.ones((2, 4), np.float32))).sum().backward()
print(f"rank {rank} finished", flush=True)
