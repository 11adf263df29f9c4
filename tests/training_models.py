"""Model factories used by the training tests through ``--model tests.training_models:NAME``."""

import convkit
import convkit.nn as nn
from convkit.models import SeedNet


class _Wrapped(nn.Module):
    """SeedNet whose forward misbehaves from a given call on (NaN output or Ctrl-C)."""

    def __init__(self, input_shape, num_classes, after_calls, action):
        super().__init__()
        self.net = SeedNet(input_shape, num_classes)
        self.calls = 0
        self.after_calls, self.action = after_calls, action

    def forward(self, x):
        if self.training:
            self.calls += 1
        out = self.net(x)
        if self.training and self.calls > self.after_calls:
            if self.action == "nan":
                return out * float("nan")
            raise KeyboardInterrupt
        return out


def nan_after_8(input_shape, num_classes):
    return _Wrapped(input_shape, num_classes, 8, "nan")


def interrupt_after_8(input_shape, num_classes):
    return _Wrapped(input_shape, num_classes, 8, "interrupt")


def not_a_module(input_shape, num_classes):
    return "a string"


def nan_after_10(input_shape, num_classes):
    """10 steps per epoch in the tests: epoch 1 completes, epoch 2's first step is NaN."""
    return _Wrapped(input_shape, num_classes, 10, "nan")


class _WrongClassifier(nn.Module):
    """SeedNet's layers with a Linear whose in_features do not match the flattened features."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.net = SeedNet(input_shape, num_classes)
        self.net.classifier = nn.Linear(100, num_classes)

    def forward(self, x):
        return self.net(x)


def wrong_classifier(input_shape, num_classes):
    return _WrongClassifier(input_shape, num_classes)


class _Constant(nn.Module):
    """Answers the same logits for every image: a network that cannot learn (chance level)."""

    def __init__(self, num_classes):
        super().__init__()
        self.bias = nn.Parameter(convkit.zeros(num_classes))

    def forward(self, x):
        return self.bias.unsqueeze(0).expand(x.shape[0], -1) + 0 * x.flatten(1).sum(1, True)


def constant(input_shape, num_classes):
    return _Constant(num_classes)
