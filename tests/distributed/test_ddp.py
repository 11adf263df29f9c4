"""DistributedDataParallel and SyncBatchNorm on 2 and 3 MPI ranks reproduce one process training
on the whole global batch (convkit's and torch's), for SGD and Adam, with and without
BatchNorm, in float32 and float64; and the wrapper behaves as torch's (construction broadcast,
buffer broadcast, no_sync, buckets, unused parameters, state_dict keys)."""

import functools

import numpy as np
import pytest
import torch

import convkit
from tests.distributed import launch, scenarios, worker_ddp

WORKER = "tests.distributed.worker_ddp"
TOL = {"float32": dict(rtol=1e-4, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")

    @functools.cache
    def run(n):
        out = root / f"ddp-{n}"
        out.mkdir()
        launch.run("convkit", n, WORKER, str(out), "all" if n == 2 else "equivalence")
        return launch.results(out, n)

    return run


@functools.cache
def single(lib_name, run):
    lib = convkit if lib_name == "convkit" else torch
    return scenarios.train(lib, *run)


def close(a, b, dtype, what):
    for key in b:
        np.testing.assert_allclose(a[key], b[key], err_msg=f"{what} {key}", **TOL[dtype])


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize(
    "run", scenarios.RUNS, ids=[scenarios.run_name(*r) for r in scenarios.RUNS]
)
def test_ranks_reproduce_one_process(ranks, n, run):
    dtype = run[2]
    got = ranks(n)
    name = scenarios.run_name(*run)
    for lib in ("convkit", "torch"):
        losses, params, buffers = single(lib, run)
        for rank in range(n):
            r_losses, r_params, r_buffers = got[rank][name]
            # The loss history: float32 rounding (the sums are split differently), no more.
            rtol = 1e-6 if dtype == "float32" else 1e-13
            np.testing.assert_allclose(r_losses, losses, rtol=rtol, err_msg=f"{lib} {name}")
            close(r_params, params, dtype, f"{lib} {name} parameter")
            close(r_buffers, buffers, dtype, f"{lib} {name} buffer")
    for rank in range(1, n):  # the replicas stay bit-identical
        assert got[rank][name][1] == got[0][name][1]
        assert got[rank][name][2] == got[0][name][2]


def _grads(model):
    return {k: None if p.grad is None else p.grad.numpy() for k, p in model.named_parameters()}


def _accumulated(lib, batches):
    """The gradients one process accumulates over ``batches`` (lists of sample indices)."""
    model = scenarios.build(lib, False, "float64")
    x, y = scenarios.data("float64")
    for b in batches:
        lib.nn.functional.cross_entropy(
            model(lib.from_numpy(x[b])), lib.from_numpy(y[b])
        ).backward()
    return _grads(model)


@pytest.mark.parametrize("lib", [convkit, torch], ids=["convkit", "torch"])
def test_construction_broadcasts_rank0_state(ranks, lib):
    got = [r["features"] for r in ranks(2)]
    model = scenarios.build(lib, True, "float64", seed=0)
    want = {k: v.numpy() for k, v in model.state_dict().items()}
    for g in got:
        close(g["after init"], want, "float64", "state after DistributedDataParallel()")
        assert g["module is model"] is True
        assert g["state_dict keys"] == ["module." + k for k in want]


def test_buffers_come_from_rank0_at_every_forward(ranks):
    r0, r1 = (r["features"] for r in ranks(2))
    assert r1["buffers seen by forward"] == r0["buffers seen by forward"]
    assert r0["buffers seen by forward"][0] == [0.0] * 6  # rank 1 started from 1.0
    # Plain BatchNorm updates its statistics from the local shard, so they differ again after.
    assert r1["buffers after"] != r0["buffers after"]


@pytest.mark.parametrize("lib", [convkit, torch], ids=["convkit", "torch"])
def test_no_sync_accumulates_locally_then_averages(ranks, lib):
    got = [r["features"] for r in ranks(2)]
    steps = [np.arange(s * 12, s * 12 + 12) for s in range(3)]
    for rank, g in enumerate(got):
        local = _accumulated(lib, [steps[0][rank::2]])
        close(g["grads inside no_sync"], local, "float64", f"rank {rank} inside no_sync")
        # The average over ranks of the local sums = the sum of the global batches' gradients.
        close(g["grads after no_sync"], _accumulated(lib, steps), "float64", "after no_sync")


@pytest.mark.parametrize("lib", [convkit, torch], ids=["convkit", "torch"])
def test_many_buckets_and_bucket_views_average_the_same(ranks, lib):
    want = _accumulated(lib, [np.arange(12, 24)])
    for r in ranks(2):
        for view in (False, True):
            close(
                r["features"][f"grads small buckets view={view}"], want, "float64", f"view={view}"
            )


def test_buckets_start_during_backward(ranks):
    for r in ranks(2):
        overlap = r["overlap"]
        assert overlap["buckets"] >= 3
        # Every bucket's all-reduce was launched from a gradient hook, before backward ended.
        assert overlap["started before the end of backward"] == [overlap["buckets"]]


@pytest.mark.parametrize("lib", [convkit, torch], ids=["convkit", "torch"])
def test_unused_parameters(ranks, lib):
    got = [r["features"] for r in ranks(2)]
    nn, F = lib.nn, lib.nn.functional
    x, y = scenarios.data("float64")
    per_rank = []
    for rank in range(2):
        lib.manual_seed(0)
        body, only0 = nn.Linear(64, 4).double(), nn.Linear(64, 4).double()
        v = lib.from_numpy(x[rank * 4 : rank * 4 + 4].reshape(4, 64))
        out = body(v) + only0(v) if rank == 0 else body(v)
        F.cross_entropy(out, lib.from_numpy(y[rank * 4 : rank * 4 + 4])).backward()
        per_rank.append((body, only0))
    want = {
        "body.weight": sum(b.weight.grad.numpy() for b, _ in per_rank) / 2,
        "body.bias": sum(b.bias.grad.numpy() for b, _ in per_rank) / 2,
        # Used on rank 0 only: rank 1 contributes zeros.
        "rank0_only.weight": per_rank[0][1].weight.grad.numpy() / 2,
        "rank0_only.bias": per_rank[0][1].bias.grad.numpy() / 2,
    }
    for g in got:
        close(g["grads find_unused"], want, "float64", "find_unused_parameters")
        # Used nowhere: .grad stays None, as in torch.
        assert g["grads find_unused"]["never.weight"] is None
        assert g["unused without find_unused_parameters"].startswith(
            "Expected to have finished reduction in the prior iteration"
        )


@pytest.mark.parametrize("case", sorted(worker_ddp.SYNCBN_SIZES))
def test_sync_batchnorm_on_unequal_shards_is_batchnorm_of_the_whole_batch(ranks, case):
    got = [r["sync_batchnorm"][case] for r in ranks(2)]
    x, w = worker_ddp.syncbn_data(worker_ddp.SYNCBN_SIZES[case])
    m = torch.nn.BatchNorm2d(3).double()
    xt = torch.tensor(x, requires_grad=True)
    out = m(xt)
    (out * torch.tensor(w)).sum().backward()
    tol = TOL["float64"]
    np.testing.assert_allclose(
        np.concatenate([np.reshape(g["out"], (-1, 3, 4, 4)) for g in got]), out.detach(), **tol
    )
    np.testing.assert_allclose(
        np.concatenate([np.reshape(g["x grad"], (-1, 3, 4, 4)) for g in got]), xt.grad, **tol
    )
    # Each rank's parameter gradient is its own share (DDP averages them).
    np.testing.assert_allclose(sum(np.array(g["weight grad"]) for g in got), m.weight.grad, **tol)
    np.testing.assert_allclose(sum(np.array(g["bias grad"]) for g in got), m.bias.grad, **tol)
    for g in got:
        np.testing.assert_allclose(g["running_mean"], m.running_mean, **tol)
        np.testing.assert_allclose(g["running_var"], m.running_var, **tol)
