"""Built-in models for ``convkit train``: the seed note's net, LeNet-5 and a small VGG.

Each factory takes the input shape ``(C, H, W)`` and the number of classes, so the same net serves
8x8 digits and 28x28 MNIST; the Linear layer's in_features is found by passing a zero image through
the convolutional part once (no size formula is written again here). A factory may declare the
image size it was designed for as ``input_size = (H, W)`` (LeNet-5: 28 x 28); ``convkit train``
then resizes other data to it.

``run_model(model, x)`` is how convkit's own code calls a model: when the forward raises, the
error is raised again naming the layer that failed and the shape it was given
(``features.3: Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1)) with input of shape
(1, 6, 4, 4): ...``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from typing import Any, Callable, Iterator, Sequence

from . import nn
from .autograd import no_grad
from .errors import UserError
from .tensor import Tensor, zeros


class LayerError(UserError, RuntimeError):
    """A model's forward failed; the message names the layer and the shape of its input."""


class LayerValueError(LayerError, ValueError):
    """``LayerError`` for a ValueError from inside a model, so ``except ValueError`` still works."""


def run_model(model: nn.Module, x: Any, prefix: str = "") -> Any:
    """``model(x)``; a RuntimeError/ValueError from inside is raised again as ``LayerError``
    naming the innermost module that failed (``prefix`` is the model's own dotted name)."""
    try:
        return model(x)
    except LayerError:
        raise
    except (RuntimeError, ValueError) as e:
        where = locate_failure(model, x, prefix)
        if where is None:  # the failure did not repeat: report it as it came
            raise
        cls = LayerValueError if isinstance(e, ValueError) else LayerError
        raise cls(f"{where}: {e}") from e


def locate_failure(model: nn.Module, x: Any, prefix: str = "") -> str | None:
    """Run ``model(x)`` again (without gradients) with every module's ``forward`` wrapped for this
    one call, and describe the innermost module the exception came out of; None if none did."""
    failed: list[str] = []

    def describe(name: str, module: nn.Module, args: tuple) -> str:
        shapes = [tuple(a.shape) for a in args if isinstance(a, Tensor)]
        leaf = not any(True for _ in module.children())
        text = repr(module) if leaf and "\n" not in repr(module) else type(module).__name__
        label = name or type(module).__name__
        shape = f" with input of shape {shapes[0]}" if len(shapes) == 1 else ""
        if len(shapes) > 1:
            shape = f" with inputs of shapes {', '.join(str(s) for s in shapes)}"
        return f"{label}: {text}{shape}"

    with _wrapped_forwards(model, prefix, failed, describe):
        try:
            with no_grad():
                model(x)
        except Exception:  # the same failure, now located (any class: only its place matters)
            pass
    return failed[0] if failed else None


@contextlib.contextmanager
def _wrapped_forwards(model: nn.Module, prefix: str, failed: list, describe) -> Iterator[None]:
    wrapped = []
    for name, module in model.named_modules(prefix=prefix):
        inner = module.forward

        def spy(*args, _inner=inner, _name=name, _module=module, **kwargs):
            try:
                return _inner(*args, **kwargs)
            except Exception:
                if not failed:  # the innermost module sees the exception first
                    failed.append(describe(_name, _module, args))
                raise

        wrapped.append((module, module.__dict__.get("forward")))
        object.__setattr__(module, "forward", spy)
    try:
        yield
    finally:
        for module, original in wrapped:
            if original is None:
                del module.__dict__["forward"]
            else:
                object.__setattr__(module, "forward", original)


def _flat_features(features: nn.Module, input_shape: tuple[int, int, int]) -> int:
    # Eval mode: a probe in training mode would update BatchNorm's running statistics.
    training = features.training
    features.eval()
    with no_grad():
        out = run_model(features, zeros(1, *input_shape), prefix="features")
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

    input_size = (28, 28)

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

    input_size = (32, 32)

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
    module_name, _, attr = name.rpartition(":")
    try:
        module = _import(module_name)
    except ImportError as e:
        raise ValueError(f"model '{name}': cannot import module '{module_name}' ({e})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"model '{name}': '{module_name}' has no callable '{attr}'")
    return factory


def _import(module_name: str) -> Any:
    """A module by dotted name, found on ``sys.path`` or else in the current directory (the
    ``convkit`` command, unlike ``python -m``, does not put it on the path); or a ``.py`` file."""
    if module_name.endswith(".py"):
        spec = importlib.util.spec_from_file_location(
            os.path.splitext(os.path.basename(module_name))[0], module_name
        )
        if spec is None or spec.loader is None or not os.path.isfile(module_name):
            raise ImportError(f"no such file: '{module_name}'")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        cwd = os.getcwd()
        top = module_name.split(".")[0]
        if e.name != top or cwd in sys.path or "" in sys.path:
            raise
    sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    finally:
        sys.path.remove(cwd)


class ModelBuildError(UserError, TypeError):
    """A model factory returned something that is not a convkit module."""


def declared_input_size(name: str) -> tuple[int, int] | None:
    """The ``(H, W)`` a model's factory declares with ``input_size``; None if it takes any."""
    size = getattr(resolve_factory(name), "input_size", None)
    if size is None:
        return None
    if not (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(n, int) and n > 0 for n in size)
    ):
        raise ValueError(f"model '{name}': input_size must be (H, W), got {size!r}")
    return int(size[0]), int(size[1])


def chw(shape: Sequence[int]) -> tuple[int, int, int]:
    """An input shape as ``(C, H, W)`` ints; ValueError for anything else."""
    if len(shape) != 3:
        raise ValueError(f"an input shape must be C x H x W, got {tuple(shape)}")
    return int(shape[0]), int(shape[1]), int(shape[2])


def build_model(name: str, input_shape: Sequence[int], num_classes: int) -> nn.Module:
    """``factory(input_shape=(C, H, W), num_classes=K)`` for a name ``resolve_factory`` knows;
    a layer that cannot take that input is named in a ``LayerError``."""
    factory = resolve_factory(name)
    input_shape = chw(input_shape)
    try:
        model = factory(input_shape=input_shape, num_classes=num_classes)
    except LayerError as e:
        raise LayerError(
            f"model '{name}' cannot take input of shape {tuple(input_shape)}: {e}"
        ) from e
    if not isinstance(model, nn.Module):
        raise ModelBuildError(
            f"model '{name}' returned {type(model).__name__}, not a convkit.nn.Module"
        )
    return model
