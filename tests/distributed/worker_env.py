"""Reads torchrun's variables before joining the group, as torchrun scripts do."""

import os
import sys

import convkit.distributed as dist
from tests.distributed.launch import write

before = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")}
dist.init_process_group(
    "gloo", rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"])
)
write(sys.argv[1], dist.get_rank(), {"before": before, "argv": sys.argv[1:], "name": __name__})
