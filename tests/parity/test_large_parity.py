"""Parity with torch at the benchmark's sizes, where the engine chunks the batch and threads.

The generated cases are small, so they run on one chunk; these run the production path (several
chunks per worker, scratch reuse, padding buffers) and caught a weight gradient that read the
previous chunk's padding border. Compared normwise: max |ours - torch| <= tol * max |torch|.
"""

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn.functional as F
from convkit.kernels import conv as kconv

# (N, C_in, H, W), C_out, kernel, stride, padding, groups
LARGE = [
    ((8, 64, 56, 56), 64, 3, 1, 1, 1),  # ImageNet 3x3
    ((16, 128, 32, 32), 128, 3, 1, 1, 128),  # depthwise
    ((2, 3, 224, 224), 64, 7, 2, 3, 1),  # ImageNet stem
    ((64, 6, 12, 12), 16, 5, 1, 0, 1),  # LeNet conv2 (batch-last layout)
    ((1, 1, 227, 227), 1, 11, 4, 0, 1),  # the seed note's first example
]


def close(ours, theirs, tol):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    scale = max(float(np.abs(theirs).max()), 1e-30)
    assert float(np.abs(ours - theirs).max()) <= tol * scale


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape,cout,k,s,p,g", LARGE, ids=["imagenet3x3", "depthwise", "stem", "lenet2", "seed"]
)
def test_conv2d_large_matches_torch(shape, cout, k, s, p, g, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    w = (rng.standard_normal((cout, shape[1] // g, k, k)) * 0.1).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype)
    cx, cw, cb = (ck.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(cx, cw, cb, stride=s, padding=p, groups=g)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p, groups=g)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    close(y.data, ty, tol)
    gy = rng.standard_normal(ty.shape).astype(dtype)
    y.backward(gy)
    ty.backward(torch.tensor(gy))
    for ours, theirs in ((cx, tx), (cw, tw), (cb, tb)):
        assert ours.grad.dtype == dtype
        close(ours.grad.data, theirs.grad, tol)


def test_the_large_case_really_spans_several_chunks():
    # (8, 64, 56, 56) 3x3 needs 8 * 64*9 * 56*56 * 4 bytes of columns: several chunks.
    assert kconv.batch_chunk(8, 64, (3, 3), (56, 56), 4) < 8
