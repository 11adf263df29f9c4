"""Built-in models for ``convkit train``: the seed note's net, LeNet-5 and a small VGG.

Each factory takes the input shape ``(C, H, W)`` and the number of classes, so the same net serves
8x8 digits and 28x28 MNIST; the Linear layer's in_features is found by passing a zero image through
the convolutional part once (no size formula is written again here).
"""

from __future__ import annotations

import importlib
from typing import Callable

from . import nn
from .autograd import no_grad
from .tensor import zeros


def _flat_features(features: nn.Module, input_shape: tuple[int, int, int]) -> int:
    # Eval mode: a probe in training mode would update BatchNorm's running statistics.
    training = features.training
    features.eval()
    with no_grad():
        out = features(zeros(1, *input_shape))
    features.train(training)
    return out.numel()


class SeedNet(nn.Module):
    """The seed note's cell twice: (Conv2d -> ReLU -> MaxPool2d(2)) x 2, then Linear.

    3x3 kernels with padding 1 keep each convolution's size, so only the pools shrink the image;
    that lets the note's recipe run on 8x8 digits as well as on 28x28 MNIST.
    """

    def __init__(self, input_shape=(1, 8, 8), num_classes: int = 10, channels=(16, 32)):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(input_shape[0], c1, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(_flat_features(self.features, input_shape), num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) with ReLU and max pooling: conv5-pool-conv5-pool-120-84-N.

    The first convolution pads by 2 so a 28x28 image behaves like the original 32x32 input.
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(input_shape[0], 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(_flat_features(self.features, input_shape), 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class SmallVGG(nn.Module):
    """A small VGG-style net for 32x32 colour images: two blocks of (conv3-BN-ReLU) x 2 + pool."""

    def __init__(self, input_shape=(3, 32, 32), num_classes: int = 10, width: int = 32):
        super().__init__()

        def block(cin, cout):
            return [
                nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]

        self.features = nn.Sequential(*block(input_shape[0], width), *block(width, 2 * width))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Dropout(0.3), nn.Linear(_flat_features(self.features, input_shape), num_classes)
        )

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


BUILTIN: dict[str, Callable[..., nn.Module]] = {
    "seednet": SeedNet,
    "lenet5": LeNet5,
    "vgg-small": SmallVGG,
}


def resolve_factory(name: str) -> Callable[..., nn.Module]:
    """A built-in name, or ``package.module:factory`` for the user's own model.

    The factory is called as ``factory(input_shape=(C, H, W), num_classes=K)``.
    """
    key = name.lower()
    if key in BUILTIN:
        return BUILTIN[key]
    if ":" not in name:
        raise ValueError(
            f"unknown model '{name}': use one of {sorted(BUILTIN)} or 'package.module:factory'"
        )
    module_name, _, attr = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ValueError(f"model '{name}': cannot import module '{module_name}' ({e})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"model '{name}': '{module_name}' has no callable '{attr}'")
    return factory


def build_model(name: str, input_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    model = resolve_factory(name)(input_shape=tuple(input_shape), num_classes=num_classes)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model '{name}' returned {type(model).__name__}, not a convkit.nn.Module")
    return model


# ----------------------------------------------------------------------------------------------
# Weights from files: training checkpoints, safetensors state dicts, PyTorch .pt state dicts
# ----------------------------------------------------------------------------------------------


def read_state_dict(path: str, key: str | None = None):
    """The model weights in ``path``, as an ordered name -> array/Tensor mapping.

    ``.pt``/``.pth``: a ``torch.save``'d state dict, read without torch (``convkit.io.load_torch``);
    a nested checkpoint is entered at ``key``, or at ``"model"``/``"state_dict"``/
    ``"model_state_dict"`` when one of those holds the weights. ``.safetensors``: a convkit training
    checkpoint (its model part) or a plain state dict (``convkit.save``).
    """
    import os

    from .io import load, load_torch
    from .io.checkpoint import load_checkpoint

    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".pt", ".pth", ".bin"):
        state = load_torch(path)
        if key is not None:
            if not isinstance(state, dict) or key not in state:
                raise ValueError(
                    f"'{path}' has no entry '{key}' (entries: "
                    f"{list(state) if isinstance(state, dict) else type(state)})"
                )
            state = state[key]
        elif isinstance(state, dict) and not any(hasattr(v, "shape") for v in state.values()):
            for name in ("model", "state_dict", "model_state_dict"):
                if isinstance(state.get(name), dict):
                    state = state[name]
                    break
        if not isinstance(state, dict) or not state:
            raise ValueError(
                f"'{path}' does not hold a state dict of tensors; save it with "
                f"torch.save(model.state_dict(), path)"
            )
        return state
    if suffix == ".safetensors":
        try:
            return load_checkpoint(path)["model"]
        except RuntimeError as e:
            if "not a convkit training checkpoint" not in str(e):
                raise
        return load(path)
    raise ValueError(f"'{path}': unknown weights format '{suffix}' (use .safetensors, .pt or .pth)")


def load_model(
    path: str, model: str | None = None, input_shape=None, num_classes=None, key: str | None = None
) -> nn.Module:
    """A model with the weights of ``path``: a convkit training checkpoint rebuilds its own
    architecture; any other weights file needs ``model`` (a name or factory) and ``input_shape``
    (C, H, W). ``num_classes`` defaults to the rows of the last 2-d weight in the file."""
    if path.lower().endswith(".safetensors") and model is None:
        from .training import model_from_checkpoint, read_checkpoint

        return model_from_checkpoint(read_checkpoint(path))
    if model is None or input_shape is None:
        raise ValueError(
            f"'{path}' holds weights only: say which architecture they belong to "
            f"(a model name such as lenet5, or package.module:factory) and the input "
            f"shape C x H x W"
        )
    state = read_state_dict(path, key)
    if num_classes is None:
        matrices = [v for v in state.values() if len(getattr(v, "shape", ())) == 2]
        if not matrices:
            raise ValueError(
                f"'{path}': cannot infer the number of classes (no 2-d weight); give it explicitly"
            )
        num_classes = int(matrices[-1].shape[0])
    net = build_model(model, tuple(input_shape), int(num_classes))
    net.load_state_dict(state)
    net.eval()
    return net
