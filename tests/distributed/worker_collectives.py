"""Every collective of torch.distributed, run the same way under torch (gloo) and convkit (MPI).

``python -m tests.distributed.worker_collectives OUT`` on N ranks with LIB=torch|convkit; each
rank writes the tensors it ended with, and the class of each error raised, to OUT/rank<r>.json.
"""

import importlib
import os
import sys
import warnings

import numpy as np

from tests.distributed.launch import write

torch = dist = None  # the library under test, chosen by $LIB in main()


def values(rank, dtype, n=6):
    base = np.arange(1, n + 1, dtype=np.float64) * (rank + 1) - 2.5 * rank
    if np.dtype(dtype).kind == "f":
        return np.asarray(base / 3, dtype=dtype)
    return np.asarray(np.abs(base) + rank, dtype=dtype)


def t(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def main(out):
    global torch, dist
    warnings.simplefilter("ignore")  # torch's deprecation notes (all_gather_into_tensor, result)
    torch = importlib.import_module(os.environ["LIB"])
    dist = importlib.import_module(os.environ["LIB"] + ".distributed")
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    got = {"rank": rank, "world": world, "backend": str(dist.get_backend())}
    got["initialized"] = dist.is_initialized()

    def record(name, fn, *args):
        try:
            got[name] = fn(*args)
        except Exception as e:  # the class is compared with torch's; the text is for people
            got[name] = {"error": type(e).__name__, "message": str(e)[:200]}

    def reduced(dtype, op):
        x = t(values(rank, dtype))
        dist.all_reduce(x, op=op)
        return x.tolist()

    R = dist.ReduceOp
    for dtype in ("float32", "float64"):
        for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
            record(f"all_reduce {dtype} {op}", reduced, dtype, getattr(R, op))
    for op in ("SUM", "MAX", "MIN", "PRODUCT", "BAND", "BOR", "BXOR", "AVG"):
        record(f"all_reduce int64 {op}", reduced, "int64", getattr(R, op))
    record("all_reduce int32 SUM", lambda: reduced("int32", R.SUM))
    record("all_reduce float32 BAND", lambda: reduced("float32", R.BAND))

    def bool_sum():
        x = torch.tensor([rank == 0, False, True])
        dist.all_reduce(x)
        return x.tolist()

    record("all_reduce bool SUM", bool_sum)

    def strided():
        x = t(values(rank, "float64", 8).reshape(2, 4))
        dist.all_reduce(x[:, 1])
        return x.tolist()

    record("all_reduce non-contiguous", strided)

    def asynchronous():
        x = t(values(rank, "float32"))
        work = dist.all_reduce(x, async_op=True)
        waited = work.wait()
        return [waited, work.is_completed(), work.result()[0].tolist(), x.tolist()]

    record("all_reduce async", asynchronous)

    def not_a_tensor():
        dist.all_reduce([1.0, 2.0])

    record("all_reduce list", not_a_tensor)

    def broadcast(src):
        x = t(values(rank, "float32"))
        dist.broadcast(x, src=src)
        return x.tolist()

    for src in range(world):
        record(f"broadcast from {src}", broadcast, src)
    record("broadcast bad src", lambda: broadcast(world + 3))

    def broadcast_int():
        x = t(values(rank, "int64").reshape(2, 3))
        dist.broadcast(x, src=world - 1)
        return x.tolist()

    record("broadcast int64 2d", broadcast_int)

    def all_gather(k):
        outs = [torch.zeros(6, dtype=torch.float64) for _ in range(k)]
        dist.all_gather(outs, t(values(rank, "float64")))
        return [o.tolist() for o in outs]

    record("all_gather", lambda: all_gather(world))
    record("all_gather short list", lambda: all_gather(world - 1))

    def all_gather_dtypes():
        outs = [torch.zeros(6, dtype=torch.float64) for _ in range(world)]
        dist.all_gather(outs, t(values(rank, "float32")))

    record("all_gather dtype mismatch", all_gather_dtypes)

    def into_tensor(size):
        out = torch.zeros(size, dtype=torch.float32)
        dist.all_gather_into_tensor(out, t(values(rank, "float32", 3)))
        return out.tolist()

    record("all_gather_into_tensor", lambda: into_tensor(3 * world))
    record("all_gather_into_tensor bad size", lambda: into_tensor(3 * world + 1))

    def reduce_scatter(op):
        inputs = [t(values(rank + i, "float64", 4)) for i in range(world)]
        out = torch.zeros(4, dtype=torch.float64)
        dist.reduce_scatter(out, inputs, op=op)
        return out.tolist()

    record("reduce_scatter SUM", lambda: reduce_scatter(R.SUM))
    record("reduce_scatter MAX", lambda: reduce_scatter(R.MAX))

    def reduce_scatter_tensor():
        out = torch.zeros(2, dtype=torch.float32)
        dist.reduce_scatter_tensor(out, t(values(rank, "float32", 2 * world)))
        return out.tolist()

    record("reduce_scatter_tensor", reduce_scatter_tensor)

    def reduce(dst, op):
        x = t(values(rank, "float64"))
        dist.reduce(x, dst=dst, op=op)
        return x.tolist() if rank == dst else None

    record("reduce SUM to last", lambda: reduce(world - 1, R.SUM))
    record("reduce MIN to 0", lambda: reduce(0, R.MIN))

    def gather(give_list_everywhere):
        dst = world - 1
        lst = [torch.zeros(6, dtype=torch.float32) for _ in range(world)]
        give = give_list_everywhere or rank == dst
        dist.gather(t(values(rank, "float32")), lst if give else None, dst=dst)
        return [x.tolist() for x in lst] if rank == dst else None

    record("gather", lambda: gather(False))

    def gather_list_on_other_ranks():
        if rank == 0:  # one rank only, so no collective is left half-started
            dist.gather(t(values(rank, "float32")), [torch.zeros(6)] * world, dst=world - 1)

    record("gather list on a non-destination rank", gather_list_on_other_ranks)

    def scatter():
        out = torch.zeros(3, dtype=torch.float64)
        src = 0
        lst = [t(values(i, "float64", 3)) for i in range(world)] if rank == src else None
        dist.scatter(out, lst, src=src)
        return out.tolist()

    record("scatter", scatter)

    def all_gather_object():
        objs = [None] * world
        dist.all_gather_object(objs, {"rank": rank, "text": "x" * rank})
        return objs

    record("all_gather_object", all_gather_object)

    def broadcast_object_list():
        objs = [rank, f"from {rank}", {"k": [rank]}]
        dist.broadcast_object_list(objs, src=world - 1)
        return objs

    record("broadcast_object_list", broadcast_object_list)

    def send_recv():
        if rank == 0:
            dist.send(t(values(7, "float32")), dst=world - 1)
            return None
        if rank == world - 1:
            x = torch.zeros(6)
            sender = dist.recv(x, src=0)
            return [sender, x.tolist()]
        return None

    record("send/recv", send_recv)

    def recv_any():
        if rank == world - 1:
            dist.send(t(values(5, "float64", 2)), dst=0)
        elif rank == 0:
            x = torch.zeros(2, dtype=torch.float64)
            return [dist.recv(x), x.tolist()]
        return None

    record("recv from any source", recv_any)

    def subgroup():
        g = dist.new_group([0, world - 1])
        inside = rank in (0, world - 1)
        x = t(values(rank, "float64", 2))
        if inside:
            dist.all_reduce(x, group=g)
        return [inside, dist.get_rank(g), dist.get_world_size(g), x.tolist()]

    record("new_group", subgroup)

    record("barrier", lambda: dist.barrier())
    dist.destroy_process_group()
    got["initialized after destroy"] = dist.is_initialized()
    record("get_rank after destroy", lambda: dist.get_rank())
    write(out, rank, got)


if __name__ == "__main__":
    main(sys.argv[1])
