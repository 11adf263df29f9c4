"""DistributedDataParallel and SyncBatchNorm on N ranks: the equivalence runs of
``scenarios.RUNS`` and checks of the wrapper's behaviour.

``python -m tests.distributed.worker_ddp OUT [all|equivalence]`` with LIB=convkit|torch.
"""

import importlib
import os
import sys

import numpy as np

from tests.distributed import scenarios
from tests.distributed.launch import write


def grads(model):
    return {
        k: (None if p.grad is None else p.grad.numpy().tolist())
        for k, p in model.named_parameters()
    }


def features(lib, rank, world):
    """The wrapper's behaviour beyond plain averaging."""
    nn, dist = lib.nn, lib.distributed
    DDP = nn.parallel.DistributedDataParallel
    F = nn.functional
    got = {}
    x, y = scenarios.data("float64")

    # Construction copies rank 0's parameters and buffers to every rank.
    model = scenarios.build(lib, True, "float64", seed=rank)
    model[1].running_mean.fill_(float(rank))
    ddp = DDP(model)
    got["after init"] = {k: v.numpy().tolist() for k, v in model.state_dict().items()}
    got["state_dict keys"] = list(ddp.state_dict())
    got["module is model"] = ddp.module is model

    # Buffers are broadcast from rank 0 at the start of every forward (plain BatchNorm here).
    seen = []
    model.register_forward_pre_hook(lambda m, args: seen.append(m[1].running_mean.tolist()))
    for step in range(2):
        batch = np.arange(step * 12, step * 12 + 12)[rank::world]
        F.cross_entropy(ddp(lib.from_numpy(x[batch])), lib.from_numpy(y[batch])).backward()
    got["buffers seen by forward"] = seen
    got["buffers after"] = model[1].running_mean.tolist()

    # no_sync: the first backward accumulates locally, the next averages the sum.
    model = scenarios.build(lib, False, "float64")
    ddp = DDP(model)
    shards = [np.arange(s * 12, s * 12 + 12)[rank::world] for s in range(3)]
    with ddp.no_sync():
        F.cross_entropy(ddp(lib.from_numpy(x[shards[0]])), lib.from_numpy(y[shards[0]])).backward()
        got["grads inside no_sync"] = grads(model)
        F.cross_entropy(ddp(lib.from_numpy(x[shards[1]])), lib.from_numpy(y[shards[1]])).backward()
    F.cross_entropy(ddp(lib.from_numpy(x[shards[2]])), lib.from_numpy(y[shards[2]])).backward()
    got["grads after no_sync"] = grads(model)

    # Many small buckets (the first is always alone up to 1 MiB): still the same gradients,
    # with .grad a view of its bucket or not.
    for view in (False, True):
        model = scenarios.build(lib, False, "float64")
        ddp = DDP(model, bucket_cap_mb=0.0001, gradient_as_bucket_view=view)
        for step in range(2):
            batch = np.arange(step * 12, step * 12 + 12)[rank::world]
            ddp.zero_grad()
            F.cross_entropy(ddp(lib.from_numpy(x[batch])), lib.from_numpy(y[batch])).backward()
        got[f"grads small buckets view={view}"] = grads(model)

    # Unused parameters: an extra layer used only on rank 0, and one used nowhere.
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            lib.manual_seed(0)
            self.body = nn.Linear(64, 4).double()
            self.rank0_only = nn.Linear(64, 4).double()
            self.never = nn.Linear(64, 4).double()

        def forward(self, v):
            out = self.body(v)
            if dist.get_rank() == 0:
                out = out + self.rank0_only(v)
            return out

    inputs = lib.from_numpy(x[rank * 4 : rank * 4 + 4].reshape(4, 64))
    targets = lib.from_numpy(y[rank * 4 : rank * 4 + 4])
    branchy = Branchy()
    ddp = DDP(branchy, find_unused_parameters=True)
    F.cross_entropy(ddp(inputs), targets).backward()
    got["grads find_unused"] = grads(branchy)
    try:
        branchy = Branchy()
        ddp = DDP(branchy)
        F.cross_entropy(ddp(inputs), targets).backward()
        ddp(inputs)  # torch reports the unfinished reduction at the next forward
        got["unused without find_unused_parameters"] = "no error"
    except RuntimeError as e:
        got["unused without find_unused_parameters"] = str(e)[:120]
    return got


SYNCBN_SIZES = {"uneven": [3, 5], "empty shard": [0, 6]}


def syncbn_data(sizes):
    rng = np.random.RandomState(1)
    shape = (sum(sizes), 3, 4, 4)
    return rng.randn(*shape) * 2 + 1, rng.randn(*shape)


def sync_batchnorm(lib, rank):
    """SyncBatchNorm on unequal shards (one empty): outputs, gradients and statistics."""
    got = {}
    for name, sizes in SYNCBN_SIZES.items():
        x, w = syncbn_data(sizes)
        start = sum(sizes[:rank])
        part = slice(start, start + sizes[rank])
        m = lib.nn.SyncBatchNorm(3).double()
        xt = lib.from_numpy(x[part].copy()).requires_grad_(True)
        out = m(xt)
        (out * lib.from_numpy(w[part])).sum().backward()
        got[name] = {
            "out": out.detach().numpy(),
            "x grad": xt.grad.numpy(),
            "weight grad": m.weight.grad.numpy(),
            "bias grad": m.bias.grad.numpy(),
            "running_mean": m.running_mean.numpy(),
            "running_var": m.running_var.numpy(),
        }
    return got


def overlap(lib, rank, world):
    """How many buckets started their all-reduce before backward ended (convkit only)."""
    DDP = lib.nn.parallel.DistributedDataParallel
    model = scenarios.build(lib, False, "float64")
    ddp = DDP(model, bucket_cap_mb=0.0001)
    started = []
    finish = ddp._finish_backward

    def spy():
        started.append(ddp._next_bucket)
        finish()

    ddp._finish_backward = spy
    x, y = scenarios.data("float64")
    lib.nn.functional.cross_entropy(ddp(lib.from_numpy(x[:6])), lib.from_numpy(y[:6])).backward()
    return {"buckets": len(ddp._buckets), "started before the end of backward": started}


def main(out, what):
    lib = importlib.import_module(os.environ["LIB"])
    dist = lib.distributed
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    got = {}
    for run in scenarios.RUNS:
        got[scenarios.run_name(*run)] = scenarios.train(lib, *run, rank=rank, world=world)
    if what == "all":
        got["features"] = features(lib, rank, world)
        if os.environ["LIB"] == "convkit":
            got["overlap"] = overlap(lib, rank, world)
            got["sync_batchnorm"] = sync_batchnorm(lib, rank)
    write(out, rank, got)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "all")
