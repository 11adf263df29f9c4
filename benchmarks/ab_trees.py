"""Two checkouts of convkit timed against each other in one process (before/after a change).

The other checkout is imported under the name ``convkit_base`` (every import inside the package
is relative), so both run interleaved on the same machine state; the ratio is this tree's time
over the other's, the median over rounds (``harness``).

    git archive main | tar x -C /tmp/base
    python benchmarks/ab_trees.py --base /tmp/base [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from types import ModuleType

import harness
import numpy as np
from bench_train_step import resnet18_cifar

import convkit

CONV = [
    # name, (N, C_in, H, W), C_out, kernel, stride, padding, groups
    ("seed 227 k11 s4", (1, 1, 227, 227), 1, 11, 4, 0, 1),
    ("LeNet conv1", (64, 1, 28, 28), 6, 5, 1, 0, 1),
    ("LeNet conv2", (64, 6, 12, 12), 16, 5, 1, 0, 1),
    ("CIFAR 64 k3", (32, 64, 32, 32), 64, 3, 1, 1, 1),
    ("CIFAR 128 k3", (32, 128, 16, 16), 128, 3, 1, 1, 1),
    ("CIFAR 1x1 s2", (32, 64, 32, 32), 128, 1, 2, 0, 1),
    ("ImageNet 64 k3", (8, 64, 56, 56), 64, 3, 1, 1, 1),
    ("ImageNet stem k7", (8, 3, 224, 224), 64, 7, 2, 3, 1),
    ("ImageNet 256 k3", (8, 256, 14, 14), 256, 3, 1, 1, 1),
    ("depthwise 128", (32, 128, 32, 32), 128, 3, 1, 1, 128),
]
POOL = [
    ("max k2 s2", "max_pool2d", (64, 64, 32, 32), dict(kernel_size=2, stride=2)),
    ("max k3 s2 p1", "max_pool2d", (8, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1)),
    ("avg k2 s2", "avg_pool2d", (64, 64, 32, 32), dict(kernel_size=2, stride=2)),
    ("avg k3 s2 p1", "avg_pool2d", (8, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1)),
]


def load_tree(root: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "convkit_base",
        f"{root}/convkit/__init__.py",
        submodule_search_locations=[f"{root}/convkit"],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["convkit_base"] = module
    spec.loader.exec_module(module)
    _own_functions(module)
    return module


def _own_functions(module: ModuleType) -> None:
    """Give the other tree's autograd Functions the treatment of convkit's own.

    ``Function.__init_subclass__`` marks subclasses defined outside the ``convkit`` package as
    user Functions (tensors in, tensors out: a slower path, and in-place ops such as ``zero_``
    break on it), so under the name ``convkit_base`` every op of the other tree would be one.
    Each is renamed into ``convkit`` and set up again.
    """
    fn = getattr(getattr(module, "autograd", None), "Function", None)
    init = getattr(fn, "__dict__", {}).get("__init_subclass__")
    if init is None:
        return
    todo = list(fn.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("convkit_base.") and "_array_io" in cls.__dict__:
            cls.__module__ = "convkit" + cls.__module__[len("convkit_base") :]
            del cls._array_io
            init.__func__(cls)


def conv_runners(lib: ModuleType, case: tuple, backward: bool):
    _, shape, cout, k, s, p, groups = case
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((cout, shape[1] // groups, k, k), dtype=np.float32) * 0.1
    b = rng.standard_normal(cout, dtype=np.float32)
    cx, cw, cb = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
    with lib.no_grad():
        out_shape = F.conv2d(cx, cw, cb, s, p, 1, groups).shape
    g = lib.tensor(rng.standard_normal(tuple(out_shape), dtype=np.float32))

    def fwd():
        with lib.no_grad():
            F.conv2d(cx, cw, cb, s, p, 1, groups)

    def both():
        cx.grad = cw.grad = cb.grad = None
        F.conv2d(cx, cw, cb, s, p, 1, groups).backward(g)

    return both if backward else fwd


def pool_runners(lib: ModuleType, case: tuple, backward: bool):
    _, op, shape, kwargs = case
    fn = getattr(lib.nn.functional, op)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    cx = lib.tensor(x, requires_grad=backward)
    with lib.no_grad():
        out_shape = tuple(fn(cx, **kwargs).shape)
    g = lib.tensor(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def fwd():
        with lib.no_grad():
            fn(cx, **kwargs)

    def both():
        cx.grad = None
        fn(cx, **kwargs).backward(g)

    return both if backward else fwd


def lenet_step(lib: ModuleType, batch: int):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, batch))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


BATCH_NORM = [("bn (32, 64, 32, 32)", (32, 64, 32, 32)), ("bn (32, 256, 8, 8)", (32, 256, 8, 8))]


def batch_norm_runners(lib: ModuleType, case: tuple, backward: bool):
    """Training mode forward+backward, or evaluation mode forward."""
    _, shape = case
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=backward)
    bn = lib.nn.BatchNorm2d(shape[1])
    g = lib.tensor(rng.standard_normal(shape, dtype=np.float32))

    def fwd():
        with lib.no_grad():
            bn(x)

    def both():
        x.grad = None
        bn(x).backward(g)

    if backward:
        return both
    bn.eval()
    return fwd


def resnet_inference(lib: ModuleType, batch: int):
    """bench_train_step's ResNet-18-style CIFAR net, eval mode, under no_grad."""
    lib.manual_seed(0)
    model = resnet18_cifar(lib.nn).eval()
    x = lib.tensor(np.random.default_rng(0).standard_normal((batch, 3, 32, 32), dtype=np.float32))

    def infer():
        with lib.no_grad():
            model(x)

    return infer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="root of the other checkout")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cpu", action="store_true", help="time CPU time (use with --threads 1)")
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    args = parser.parse_args(argv)
    if args.cpu:
        harness.clock = time.process_time
    base = load_tree(args.base)
    convkit.set_num_threads(args.threads)
    if hasattr(base, "set_num_threads"):
        base.set_num_threads(args.threads)
    repeats, min_ms = (7, 20.0) if args.quick else (15, 40.0)
    harness.header(f"this tree / {args.base}", args.threads)
    print(f"{'case':24s} {'pass':8s} {'this ms':>9s} {'base ms':>9s} {'ratio':>6s}")
    jobs = []
    for case in CONV:
        for bwd in (False, True):
            jobs.append(
                (f"conv {case[0]}", bwd, lambda lib, c=case, b=bwd: conv_runners(lib, c, b))
            )
    for case in POOL:
        for bwd in (False, True):
            jobs.append((case[0], bwd, lambda lib, c=case, b=bwd: pool_runners(lib, c, b)))
    for case in BATCH_NORM:
        for bwd in (False, True):
            jobs.append((case[0], bwd, lambda lib, c=case, b=bwd: batch_norm_runners(lib, c, b)))
    for batch in (64, 256):
        jobs.append((f"LeNet step b{batch}", True, lambda lib, b=batch: lenet_step(lib, b)))
    jobs.append(("ResNet-18 inference b32", False, lambda lib: resnet_inference(lib, 32)))
    ratios = []
    for name, bwd, make in jobs:
        if args.only and args.only not in name:
            continue
        new, old = harness.measure([make(convkit), make(base)], repeats, min_ms)
        r = harness.median_ratio(new, old)
        ratios.append(r)
        label = "fwd+bwd" if bwd else "fwd"
        print(
            f"{name:24s} {label:8s} {harness.median(new):9.2f} {harness.median(old):9.2f} {r:6.2f}",
            flush=True,
        )
    print(f"{'geometric mean':24s} {'':8s} {'':9s} {'':9s} {harness.geomean(ratios):6.2f}")
    harness.footer()


if __name__ == "__main__":
    main()
