"""nn.SyncBatchNorm in one process (where it is BatchNorm, as torch's) and convert_sync_batchnorm,
against torch. The multi-rank behaviour is tested in tests/distributed and tests/ops."""

import inspect

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import tolerance

rng = np.random.default_rng(0)


def test_signature_repr_and_state_dict_as_torch():
    ours = inspect.signature(ck.nn.SyncBatchNorm.__init__)
    theirs = inspect.signature(torch.nn.SyncBatchNorm.__init__)
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
        (p.name, p.default, p.kind) for p in theirs.parameters.values()
    ]
    for kwargs in ({}, {"momentum": None, "affine": False}, {"bias": False, "eps": 1e-3}):
        a, b = ck.nn.SyncBatchNorm(5, **kwargs), torch.nn.SyncBatchNorm(5, **kwargs)
        assert repr(a) == repr(b)
        assert list(a.state_dict()) == list(b.state_dict())


@pytest.mark.parametrize("shape", [(6, 3), (5, 3, 7), (4, 3, 5, 5), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_process_is_batch_norm_as_torch(shape, momentum, dtype):
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    mods = []
    for lib in (ck, torch):
        m = lib.nn.SyncBatchNorm(3, momentum=momentum)
        if dtype == np.float64:
            m = m.double()
        with lib.no_grad():
            m.weight.copy_(lib.from_numpy(np.array([0.5, 2.0, -1.0], dtype=dtype)))
        xt = lib.from_numpy(x.copy()).requires_grad_(True)
        for _ in range(2):  # twice: the cumulative average (momentum=None) counts batches
            out = m(xt)
        out.backward(lib.from_numpy(g))
        m.eval()
        evaluated = m(lib.from_numpy(x))
        mods.append((out, xt.grad, m, evaluated))
    (a, ga, ma, ea), (b, gb, mb, eb) = mods
    tol = tolerance(dtype)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
    np.testing.assert_allclose(ga.numpy(), gb.numpy(), **tol)
    np.testing.assert_allclose(ma.weight.grad.numpy(), mb.weight.grad.numpy(), **tol)
    for key, value in mb.state_dict().items():
        np.testing.assert_allclose(ma.state_dict()[key].numpy(), value.numpy(), **tol)
    np.testing.assert_allclose(ea.detach().numpy(), eb.detach().numpy(), **tol)


@pytest.mark.parametrize(
    "shape,match",
    [
        ((3,), "expected at least 2D input \\(got 1D input\\)"),
        ((2, 0, 3), "SyncBatchNorm number of input channels should be non-zero"),
    ],
)
@pytest.mark.parametrize("lib", [ck, torch], ids=["convkit", "torch"])
def test_errors_as_torch(lib, shape, match):
    with pytest.raises(ValueError, match=match):
        lib.nn.SyncBatchNorm(3)(lib.zeros(*shape))


def _net(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.BatchNorm2d(4, momentum=None),
        nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.BatchNorm1d(2, affine=False)),
        nn.BatchNorm3d(2, eps=1e-3, bias=False),
    )


def test_convert_sync_batchnorm_as_torch():
    ours, theirs = _net(ck), _net(torch)
    ours[1].eval()
    theirs[1].eval()
    old = ours[1]
    a = ck.nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    b = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    assert a is ours
    assert repr(a) == repr(b)
    assert list(a.state_dict()) == list(b.state_dict())
    assert [m.training for m in a.modules()] == [m.training for m in b.modules()]
    # The new layers share the old ones' parameters and buffers (the optimiser keeps working).
    assert a[1].weight is old.weight and a[1].running_mean is old.running_mean
    assert isinstance(a[2][2], ck.nn.SyncBatchNorm) and a[2][2].weight is None
    single = ck.nn.SyncBatchNorm.convert_sync_batchnorm(ck.nn.BatchNorm2d(3), process_group=None)
    assert type(single) is ck.nn.SyncBatchNorm
    assert ck.nn.SyncBatchNorm.convert_sync_batchnorm(ck.nn.Linear(2, 2)).__class__ is ck.nn.Linear
