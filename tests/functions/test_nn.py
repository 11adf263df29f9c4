"""Parity of convkit.functions.nn (the torch.* forms of nn operations) with torch."""

from __future__ import annotations

import pytest

import convkit.functions.nn as module
from tests.functions.harness import A, C, check_covered, run

X1 = A((2, 4, 9))  # (N, C, L)
X2 = A((2, 4, 6, 6))
X3 = A((1, 2, 4, 4, 4))
W1, W2, W3 = A((6, 4, 3)), A((6, 4, 3, 3)), A((3, 2, 2, 2, 2))
NC2 = A((2, 4, 6, 6), nc=True)

CASES = [
    C("softmax", A((3, 5)), 1),
    C("softmax", A((3, 5), nc=True), 0, dtype="dtype:float64", _id="softmax-dtype"),
    C("softmax", A((3, 5)), 2, _id="softmax-dim-out-of-range"),
    C("log_softmax", A((3, 5)), -1),
    C("log_softmax", A((3, 5), dtype="int64"), 1, _id="log_softmax-int-error"),
    C("adaptive_max_pool1d", X1, 4),
    C("adaptive_avg_pool1d", X1, 4),
    C("max_pool1d", X1, 3, 2, 1),
    C("max_pool1d_with_indices", X1, 2),
    C("max_pool2d", NC2, 2, 2, _id="max_pool2d-nc"),
    C("max_pool2d", X2, 3, 1, 1, 1, True),
    C("max_pool3d", X3, 2),
    C("avg_pool1d", X1, 3, 2, 1, True, False),
    C("conv1d", X1, W1, A((6,)), 2, 1),
    C("conv2d", NC2, W2, None, 1, "same"),
    C("conv2d", X2, A((6, 2, 3, 3)), A((6,)), 1, 0, 1, 2, _id="conv2d-groups"),
    C("conv2d", X2, A((6, 3, 3, 3)), _id="conv2d-channel-mismatch"),
    C("conv3d", X3, W3, None, 1, 1),
    C("conv_transpose1d", X1, A((4, 3, 3)), A((3,)), 2, 1, 1),
    C("conv_transpose2d", X2, A((4, 2, 3, 3)), None, 2),
    C("conv_transpose3d", X3, A((2, 3, 2, 2, 2))),
    C("convolution", X2, W2, A((6,)), (1, 1), (1, 1), (1, 1), False, (0, 0), 1),
    C(
        "convolution",
        X2,
        A((4, 2, 3, 3)),
        None,
        (2, 2),
        (0, 0),
        (1, 1),
        True,
        (1, 1),
        1,
        _id="convolution-transposed",
    ),
    C(
        "batch_norm",
        X2,
        A((4,)),
        A((4,)),
        A((4,), grad=False),
        A((4,), kind="pos", grad=False),
        False,
        0.1,
        1e-5,
        False,
    ),
    C("group_norm", X2, 2, A((4,)), A((4,)), 1e-5, False),
    C("layer_norm", X2, (6, 6), A((6, 6)), A((6, 6)), 1e-5, False),
    C("bilinear", A((3, 4)), A((3, 5)), A((2, 4, 5)), A((2,))),
    C("cosine_similarity", A((3, 4)), A((3, 4))),
    C("cosine_similarity", A((3, 4)), A((1, 4)), 0, 1e-6, _id="cosine_similarity-dim0"),
    C("pairwise_distance", A((3, 4)), A((3, 4))),
    C("pairwise_distance", A((3, 4)), A((3, 4)), 1.0, 1e-6, True, _id="pairwise_distance-p1"),
    C("pdist", A((5, 3))),
    C("pdist", A((5, 3)), 1.0, _id="pdist-p1"),
    C("pixel_shuffle", A((1, 8, 2, 3)), 2),
    C("pixel_unshuffle", A((1, 2, 4, 6)), 2),
    C("pixel_shuffle", A((1, 6, 2, 3)), 2, _id="pixel_shuffle-indivisible"),
    C("channel_shuffle", X2, 2, _grad=False),
    C("prelu", X2, A((4,), kind="pos")),
    C("celu", X2, 0.5),
    C("selu", X2),
    C("hardshrink", X2, 0.3),
    C("threshold", X2, 0.1, -2.0),
    C("rrelu", X2, 0.1, 0.3, True),
    C("rrelu", X2, _id="rrelu-eval"),
    C("dropout", X2, 0.3, True),
    C("dropout", X2, 0.3, False, _id="dropout-eval"),
    C("dropout", X2, 1.5, True, _id="dropout-p-out-of-range"),
    C("dropout_", X2, 0.3, True, _grad=False),
    C("alpha_dropout", X2, 0.2, True),
    C("feature_alpha_dropout", X2, 0.2, True),
    C("constant_pad_nd", X2, (1, 2, 0, 1), 0.5),
    C("constant_pad_nd", X2, (-1, 1), _id="constant_pad_nd-negative"),
    C(
        "binary_cross_entropy_with_logits",
        A((3, 4)),
        A((3, 4), kind="prob"),
        None,
        A((4,), kind="pos", grad=False),
        1,
    ),
    C(
        "binary_cross_entropy_with_logits",
        A((3, 4)),
        A((3, 4), kind="prob"),
        pos_weight=A((4,), kind="pos"),
        _id="bce-logits-pos-weight",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_parity(case):
    run(case)


def test_every_function_has_a_case():
    check_covered(module, CASES)
