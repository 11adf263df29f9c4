"""The SyncBatchNorm primitive, with its two collectives simulated in one process: the shards of
a batch normalised "on several ranks" must give torch's batch_norm of the whole batch (outputs,
input gradients; weight and bias gradients summed over the shards; running statistics)."""

import numpy as np
import pytest
import torch

import convkit as ck
from convkit.ops.sync_batch_norm import SyncBatchNorm, combine_statistics
from tests.helpers import gradcheck

rng = np.random.default_rng(0)


def local_stats(x):
    """[count, mean, M2] per channel of one shard, by definition."""
    c = x.shape[1]
    rows = np.moveaxis(x, 1, 0).reshape(c, -1)  # (C, count)
    count = rows.shape[1]
    mean = rows.mean(axis=1) if count else np.zeros(c)
    m2 = ((rows - mean[:, None]) ** 2).sum(axis=1) if count else np.zeros(c)
    return np.concatenate([[count], mean, m2])


@pytest.mark.parametrize("sizes", [[4, 4], [3, 5, 1], [0, 6], [7]])
def test_combine_statistics_is_the_whole_batch(sizes):
    x = rng.standard_normal((sum(sizes), 3, 2, 5)) * 4 + 10
    shards = np.split(x, np.cumsum(sizes)[:-1])
    mean, var, count = combine_statistics(np.stack([local_stats(s) for s in shards]), 3)
    whole = np.moveaxis(x, 1, 0).reshape(3, -1)
    np.testing.assert_allclose(mean, whole.mean(axis=1), rtol=1e-13)
    np.testing.assert_allclose(var, whole.var(axis=1), rtol=1e-12)
    assert count == whole.shape[1]


def simulate(x, w, sizes, weight, bias, running, momentum=0.1, eps=1e-5):
    """Normalise the shards of ``x`` as ranks would, the collectives answered from all shards;
    returns the outputs and input gradients in batch order, and the shards' parameter
    gradients summed."""
    shards = np.split(x, np.cumsum(sizes)[:-1])
    wshards = np.split(w, np.cumsum(sizes)[:-1])
    everyone = np.stack([local_stats(s) for s in shards])
    mean, var, _ = combine_statistics(everyone, x.shape[1])
    shape = (1, -1) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    xhats = [(s - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) for s in shards]
    sums = sum(
        np.concatenate([g.sum(axis=axes), (g * xh).sum(axis=axes)])
        for g, xh in zip(wshards, xhats, strict=True)
    )
    outs, gxs, gws, gbs = [], [], [], []
    for r, (s, g) in enumerate(zip(shards, wshards, strict=True)):

        def gather(local, r=r):
            np.testing.assert_allclose(local, everyone[r], rtol=1e-12, atol=1e-12)
            return everyone

        def all_reduce_sum(local, g=g):
            np.testing.assert_allclose(
                local[: x.shape[1]], g.sum(axis=axes), rtol=1e-12, atol=1e-12
            )
            return sums

        xt = ck.tensor(s, requires_grad=True)
        wt = ck.tensor(weight, requires_grad=True)
        bt = ck.tensor(bias, requires_grad=True)
        out = SyncBatchNorm.apply(
            xt,
            wt,
            bt,
            running_mean=running[0],
            running_var=running[1],
            momentum=momentum,
            eps=eps,
            gather=gather,
            all_reduce_sum=all_reduce_sum,
        )
        assert out.grad_fn.name() == "SyncBatchNormBackward"
        out.backward(ck.tensor(g))
        outs.append(out.detach().numpy())
        gxs.append(xt.grad.numpy())
        gws.append(wt.grad.numpy())
        gbs.append(bt.grad.numpy())
    return np.concatenate(outs), np.concatenate(gxs), sum(gws), sum(gbs)


@pytest.mark.parametrize(
    "shape,sizes",
    [((8, 3, 4, 4), [4, 4]), ((9, 2, 5), [2, 6, 1]), ((6, 4), [3, 3]), ((6, 2, 3, 3), [0, 6])],
)
def test_shards_give_torchs_batch_norm_of_the_whole_batch(shape, sizes):
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.standard_normal(shape)
    c = shape[1]
    weight, bias = rng.standard_normal(c), rng.standard_normal(c)
    # The running statistics are checked by the next test.
    out, gx, gw, gb = simulate(x, w, sizes, weight, bias, (None, None))

    xt = torch.tensor(x, requires_grad=True)
    wt, bt = torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)
    ref = torch.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
    ref.backward(torch.tensor(w))
    tol = dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, ref.detach().numpy(), **tol)
    np.testing.assert_allclose(gx, xt.grad.numpy(), **tol)
    np.testing.assert_allclose(gw, wt.grad.numpy(), **tol)
    np.testing.assert_allclose(gb, bt.grad.numpy(), **tol)


def test_running_statistics_use_the_global_batch():
    x = rng.standard_normal((10, 3, 2, 2)) * 2 + 5
    running = (np.full(3, 0.5), np.full(3, 2.0))
    SyncBatchNorm.apply(
        ck.tensor(x[:4]),
        None,
        None,
        running_mean=running[0],
        running_var=running[1],
        momentum=0.3,
        eps=1e-5,
        gather=lambda local: np.stack([local_stats(x[:4]), local_stats(x[4:])]),
        all_reduce_sum=lambda v: v,
    )
    rm, rv = torch.full((3,), 0.5, dtype=torch.float64), torch.full((3,), 2.0, dtype=torch.float64)
    torch.nn.functional.batch_norm(torch.tensor(x), rm, rv, training=True, momentum=0.3)
    np.testing.assert_allclose(running[0], rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(running[1], rv.numpy(), rtol=1e-12)


def test_one_rank_gradients_by_central_differences():
    def fn(x, weight, bias):
        return SyncBatchNorm.apply(
            x,
            weight,
            bias,
            gather=lambda local: local[None],
            all_reduce_sum=lambda v: v,
        )

    gradcheck(fn, rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(3), rng.standard_normal(3))


def test_float32_stays_float32():
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    out = SyncBatchNorm.apply(
        ck.tensor(x, requires_grad=True),
        None,
        None,
        gather=lambda local: local[None],
        all_reduce_sum=lambda v: v,
    )
    assert out.dtype == ck.float32
    out.sum().backward()
    ref = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True)
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
