"""Small training runs written once for any torch-like library (convkit or torch), so that the
same run can be made by one process and by N data-parallel ranks and compared.

A run trains a small CNN (optionally with BatchNorm) for ``STEPS`` steps of a global batch of
``BATCH`` samples. With ``world > 1`` rank r takes samples r, r + world, ... of each global
batch, the model is wrapped in DistributedDataParallel (BatchNorm made SyncBatchNorm) and the
loss recorded is the all-reduced mean, which for equal shards is the global batch's loss.
"""

from __future__ import annotations

import numpy as np

BATCH = 12
STEPS = 8
SAMPLES = BATCH * STEPS


def data(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    x = rng.randn(SAMPLES, 1, 8, 8).astype(dtype)
    y = rng.randint(0, 4, SAMPLES).astype(np.int64)
    return x, y


def build(lib, batchnorm: bool, dtype: str, seed: int = 0):
    nn = lib.nn
    lib.manual_seed(seed)
    # A bias right before BatchNorm has zero gradient in exact arithmetic; Adam would scale its
    # rounding noise up to full steps. As in ResNets, such layers have no bias.
    layers = [nn.Conv2d(1, 6, 3, bias=not batchnorm)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(6))
    layers += [
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 3 * 3, 10, bias=not batchnorm),
    ]
    if batchnorm:
        layers.append(nn.BatchNorm1d(10))
    layers += [nn.ReLU(), nn.Linear(10, 4)]
    model = nn.Sequential(*layers)
    return model.double() if dtype == "float64" else model


def optimizer(lib, name: str, params):
    if name == "sgd":
        return lib.optim.SGD(params, lr=0.05, momentum=0.9)
    return lib.optim.Adam(params, lr=0.01)


def train(lib, opt_name: str, batchnorm: bool, dtype: str, rank: int = 0, world: int = 1):
    """(loss per step, final parameters, final buffers) of one run."""
    model = build(lib, batchnorm, dtype)
    if world > 1:
        dist = lib.distributed
        if batchnorm:
            model = lib.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        model = lib.nn.parallel.DistributedDataParallel(model)
    opt = optimizer(lib, opt_name, model.parameters())
    x, y = data(dtype)
    losses = []
    for step in range(STEPS):
        batch = np.arange(step * BATCH, (step + 1) * BATCH)[rank::world]
        xb, yb = lib.from_numpy(x[batch]), lib.from_numpy(y[batch])
        loss = lib.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        value = loss.detach().clone()
        if world > 1:
            dist.all_reduce(value, op=dist.ReduceOp.AVG)
        losses.append(value.item())
    inner = model.module if world > 1 else model
    params = {k: v.detach().numpy().tolist() for k, v in inner.named_parameters()}
    buffers = {k: v.detach().numpy().tolist() for k, v in inner.named_buffers()}
    return losses, params, buffers


RUNS = [
    (opt, bn, dtype)
    for opt in ("sgd", "adam")
    for bn in (False, True)
    for dtype in ("float32", "float64")
]


def run_name(opt: str, bn: bool, dtype: str) -> str:
    return f"{opt} {'batchnorm' if bn else 'plain'} {dtype}"
