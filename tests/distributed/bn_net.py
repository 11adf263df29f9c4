"""A small network with BatchNorm for ``convkit train --model tests/distributed/bn_net.py:factory``:
on several ranks its BatchNorm becomes SyncBatchNorm, so the batch statistics stay global."""

import convkit.nn as nn


def factory(input_shape, num_classes):
    c, h, w = input_shape
    return nn.Sequential(
        nn.Conv2d(c, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * h * w, num_classes),
    )
