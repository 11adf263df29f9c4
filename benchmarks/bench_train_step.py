"""Side-by-side timing of whole training steps and inference in convkit and in torch.

Models: LeNet-5 on (B, 1, 28, 28) and a ResNet-18-style CIFAR net on (B, 3, 32, 32) (torchvision's
ResNet-18 with a 3x3 stride-1 stem and no max-pool, as CIFAR ResNets are built). A training step is
zero_grad, forward, cross_entropy, backward and SGD(lr=0.01, momentum=0.9).step(); inference is
the forward pass of the model in eval mode under no_grad. The torch model starts from the convkit
model's weights, and the first steps' losses must agree (a guard against timing different work).
Paired and interleaved on the same thread count (``harness``); ratio = convkit / torch.

    python benchmarks/bench_train_step.py                 # all models and batches
    python benchmarks/bench_train_step.py --quick         # fewer repeats
    python benchmarks/bench_train_step.py --only resnet   # one model
    python benchmarks/bench_train_step.py --profile       # where convkit's steps spend their time
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import harness
import numpy as np
import torch

import convkit as ck
import convkit.nn.functional as F
import convkit.optim as optim


def lenet(mod):
    """LeNet-5 for 1x28x28 inputs from ``mod`` (``convkit.nn`` or ``torch.nn``)."""
    return mod.Sequential(
        mod.Conv2d(1, 6, 5, padding=2),
        mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Conv2d(6, 16, 5),
        mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Flatten(),
        mod.Linear(400, 120),
        mod.ReLU(),
        mod.Linear(120, 84),
        mod.ReLU(),
        mod.Linear(84, 10),
    )


def resnet18_cifar(mod, num_classes: int = 10):
    """ResNet-18 for 3x32x32 inputs from ``mod``: BasicBlocks [2, 2, 2, 2] of 64..512 channels."""

    class BasicBlock(mod.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = mod.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = mod.BatchNorm2d(cout)
            self.relu = mod.ReLU(inplace=True)
            self.conv2 = mod.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = mod.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = mod.Sequential(
                    mod.Conv2d(cin, cout, 1, stride, bias=False), mod.BatchNorm2d(cout)
                )

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    layers = [
        mod.Conv2d(3, 64, 3, 1, 1, bias=False),
        mod.BatchNorm2d(64),
        mod.ReLU(inplace=True),
    ]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [mod.AdaptiveAvgPool2d(1), mod.Flatten(), mod.Linear(512, num_classes)]
    return mod.Sequential(*layers)


MODELS = {"lenet": (lenet, (1, 28, 28)), "resnet18": (resnet18_cifar, (3, 32, 32))}


def make_pair(model: str, batch: int, train: bool, seed: int = 0):
    """(convkit callable, torch callable) on the same weights and data."""
    build, shape = MODELS[model]
    ck.manual_seed(seed)
    cm, tm = build(ck.nn), build(torch.nn)
    with torch.no_grad():
        csd = cm.state_dict()
        for name, tp in tm.state_dict().items():
            cp = csd[name]
            assert tuple(cp.shape) == tuple(tp.shape), name
            tp.copy_(torch.from_numpy(np.array(cp.numpy())))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, batch)
    cx, cy = ck.tensor(x), ck.tensor(y)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    if not train:
        cm.eval()
        tm.eval()

        def ck_infer():
            with ck.no_grad():
                return cm(cx)

        def t_infer():
            with torch.no_grad():
                return tm(tx)

        diff = np.abs(ck_infer().numpy() - t_infer().numpy()).max()
        assert diff <= 1e-3 * max(1.0, float(np.abs(t_infer().numpy()).max())), diff
        return ck_infer, t_infer

    copt = optim.SGD(cm.parameters(), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)

    def ck_step():
        copt.zero_grad()
        loss = F.cross_entropy(cm(cx), cy)
        loss.backward()
        copt.step()
        return float(loss.item())

    def t_step():
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(tx), ty)
        loss.backward()
        topt.step()
        return float(loss.item())

    for _ in range(2):
        lc, lt = ck_step(), t_step()
        assert abs(lc - lt) <= 1e-3 * max(1.0, abs(lt)), (lc, lt)
    return ck_step, t_step


def profile(model: str, batch: int, steps: int = 20) -> None:
    """cProfile of convkit's training step, by own time and by cumulative time."""
    ck_step, _ = make_pair(model, batch, train=True)
    for _ in range(3):
        ck_step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        ck_step()
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"\nconvkit {model} step, batch {batch}, {steps} steps; times are totals over the steps")
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(30)


CASES = [("lenet", 64), ("lenet", 256), ("resnet18", 32)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--profile", action="store_true", help="cProfile convkit's steps")
    parser.add_argument("--only", default=None, help="lenet or resnet18")
    harness.add_common_args(parser)
    args = parser.parse_args(argv)
    harness.configure(args)
    repeats, min_ms = (9, 50.0) if args.quick else (21, 100.0)
    cases = [(m, b) for m, b in CASES if not args.only or args.only in m]
    harness.header("whole steps, convkit / torch", args.threads)
    table = []
    for train in (True, False):
        for model, batch in cases:
            label = f"{model} b{batch} {'train step' if train else 'inference'}"
            table.append((label, lambda m=model, b=batch, t=train: make_pair(m, b, train=t)))
    harness.run_table(table, repeats, min_ms, args.compete, label="model batch pass")
    harness.footer()
    if args.profile:
        for model, batch in cases:
            profile(model, batch)


if __name__ == "__main__":
    main()
