"""Bad pooling arguments raise where torch raises, with torch's exception class (IndexError and
ZeroDivisionError excepted: convkit raises RuntimeError/ValueError there), and only there."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F

X4 = np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)
IDX = np.zeros((1, 2, 2, 2), dtype=np.int64)

CASES = [
    # (function name, input array, args, kwargs)
    ("max_pool2d", X4, (0,), {}),
    ("max_pool2d", X4, (-1,), {}),
    ("max_pool2d", X4, (2,), dict(stride=0)),
    ("max_pool2d", X4, (2,), dict(padding=-1)),
    ("max_pool2d", X4, (2,), dict(padding=2)),
    ("max_pool2d", X4, (2,), dict(dilation=0)),
    ("max_pool2d", X4, (3,), dict(padding=2, dilation=2)),  # torch ignores dilation here
    ("max_pool2d", X4, (6,), {}),
    ("max_pool2d", X4, ((2, 2, 2),), {}),
    ("max_pool2d", X4, (2.0,), {}),
    ("max_pool2d", X4, (True,), {}),
    ("max_pool2d", X4[0, 0], (2,), {}),
    ("max_pool2d", X4[None], (2,), {}),
    ("max_pool2d", X4, (2,), dict(stride=1.0)),
    ("max_pool1d", X4[0], (6,), {}),
    ("max_pool1d", X4, (2,), {}),
    ("max_pool1d", X4[0].astype(np.int64), (2,), {}),
    ("max_pool3d", X4, (2,), {}),
    ("max_pool3d", X4[0], (2,), {}),
    ("max_pool2d", np.zeros((1, 0, 4, 4), np.float32), (2,), {}),
    ("max_pool2d", np.zeros((0, 1, 4, 4), np.float32), (2,), {}),
    ("avg_pool2d", X4, (2,), dict(divisor_override=0)),
    ("avg_pool2d", X4, (2,), dict(divisor_override=2.5)),
    ("avg_pool2d", X4, (2,), dict(padding=2)),
    ("avg_pool2d", X4, (6,), {}),
    ("avg_pool2d", X4.astype(np.int32), (2,), {}),
    ("avg_pool3d", X4, (2,), dict(padding=1)),  # avg_pool3d compares input and kernel
    ("avg_pool3d", X4[None], (2,), {}),
    ("adaptive_avg_pool2d", X4, (-1,), {}),
    ("adaptive_avg_pool2d", X4, ((2, 2, 2),), {}),
    ("adaptive_avg_pool2d", X4, (2.0,), {}),
    ("adaptive_avg_pool2d", X4, (None,), {}),
    ("adaptive_avg_pool2d", X4, (0,), {}),
    ("adaptive_avg_pool2d", X4[0, 0], ((1, 1),), {}),
    ("adaptive_avg_pool2d", X4[0, 0], (2,), {}),
    ("adaptive_avg_pool1d", X4[0], ((2, None),), {}),
    ("adaptive_avg_pool1d", X4[0], ((2, 2),), {}),
    ("adaptive_max_pool2d", X4, ((2, None),), {}),
    ("adaptive_max_pool2d", X4[0, 0], (1,), {}),
    ("adaptive_max_pool3d", X4, ((2, 2),), {}),
    ("adaptive_avg_pool2d", np.zeros((1, 1, 0, 4), np.float32), (2,), {}),
    ("adaptive_max_pool2d", np.zeros((1, 0, 4, 4), np.float32), (2,), {}),
    ("adaptive_avg_pool2d", X4.astype(np.int64), (2,), {}),
    ("lp_pool2d", X4, (0, 2), {}),
    ("lp_pool1d", X4[0], (2, (2,)), {}),
    ("lp_pool2d", X4, (2, 6), {}),
]


def _outcome(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:
        return type(e)
    return None


EXPECTED_DIFFERENT = {IndexError: RuntimeError, ZeroDivisionError: ValueError}


@pytest.mark.parametrize("name,x,args,kwargs", CASES)
def test_raises_like_torch(name, x, args, kwargs):
    theirs = _outcome(getattr(TF, name), torch.from_numpy(x.copy()), *args, **kwargs)
    ours = _outcome(getattr(F, name), ck.tensor(x), *args, **kwargs)
    expected = EXPECTED_DIFFERENT.get(theirs, theirs)
    if expected is None:
        assert ours is None, f"convkit raised {ours} where torch does not"
    else:
        assert ours is not None and issubclass(ours, expected), (ours, theirs)


UNPOOL_CASES = [
    (dict(indices=IDX + 40), {}),
    (dict(indices=IDX - 1), {}),
    (dict(indices=IDX.astype(np.int32)), {}),
    (dict(indices=IDX[..., :1]), {}),
    ({}, dict(output_size=(6, 5))),
    ({}, dict(output_size=(1, 5, 5))),
    ({}, dict(output_size=(5, 5))),
    ({}, dict(output_size=(1, 2, 5, 5))),
    ({}, dict(padding=3)),
]


@pytest.mark.parametrize("override,kwargs", UNPOOL_CASES)
def test_unpool_raises_like_torch(override, kwargs):
    x = X4[:, :, :2, :2].copy()
    idx = override.get("indices", IDX)
    theirs = _outcome(TF.max_unpool2d, torch.from_numpy(x), torch.from_numpy(idx), 2, **kwargs)
    ours = _outcome(F.max_unpool2d, ck.tensor(x), ck.tensor(idx), 2, **kwargs)
    assert ours == theirs or (
        theirs is not None and ours is not None and issubclass(ours, theirs)
    ), (ours, theirs)


def test_output_too_small_message_shows_the_formula():
    with pytest.raises(RuntimeError, match=r"floor\(\(5 \+ 2\*0 - 1\*\(6-1\) - 1\)/6\) \+ 1 = 0"):
        F.max_pool2d(ck.tensor(X4), 6)
