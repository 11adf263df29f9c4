"""``convkit train``, ``evaluate`` and ``predict``: argument parsing only.

The work happens in ``training`` and ``predict``, imported when a command runs so that
``convkit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from .commandline import Command
from .weights import DEFAULT_LR, DEFAULT_WEIGHT_DECAY, LR_SCHEDULES, OPTIMIZERS, TrainConfig

_DEFAULT = TrainConfig()


def parse_image_size(text: str) -> tuple[int, int]:
    """'28' or '28x32' (also 28,32) -> (28, 28) or (28, 32)."""
    parts = text.lower().replace(",", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected N or HxW, like 28 or 28x32, got '{text}'"
        ) from None
    if len(values) == 1:
        values *= 2
    if len(values) != 2 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected N or HxW of positive sizes, got '{text}'")
    return values[0], values[1]


def _train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        default=_DEFAULT.model,
        help="seednet, lenet5, vgg-small, package.module:factory or file.py:factory (called as "
        "factory(input_shape=(C, H, W), num_classes=K); modules in the current folder are found)",
    )
    p.add_argument(
        "--data",
        default=_DEFAULT.data,
        help="digits, mnist:DIR, fashion-mnist:DIR, cifar10:DIR or folder:DIR (local files only)",
    )
    p.add_argument("--epochs", type=int, default=_DEFAULT.epochs, help="epochs to train in all")
    p.add_argument(
        "--batch-size", type=int, default=_DEFAULT.batch_size, help="training images per step"
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: "
        + ", ".join(f"{v:g} for {k}" for k, v in DEFAULT_LR.items())
        + ")",
    )
    p.add_argument("--optimizer", default=_DEFAULT.optimizer, choices=OPTIMIZERS, help="optimiser")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=None,
        help="L2 penalty (default: the optimiser's own: "
        + ", ".join(f"{v:g} for {k}" for k, v in DEFAULT_WEIGHT_DECAY.items())
        + ")",
    )
    p.add_argument(
        "--lr-schedule",
        default=_DEFAULT.lr_schedule,
        choices=LR_SCHEDULES,
        help="step: multiply the lr by --lr-gamma every --lr-step-size epochs; cosine: anneal "
        "it to 0 over --epochs",
    )
    p.add_argument(
        "--lr-step-size",
        type=int,
        default=None,
        help="epochs between steps of the step schedule (default: a third of --epochs)",
    )
    p.add_argument(
        "--lr-gamma", type=float, default=_DEFAULT.lr_gamma, help="factor of each lr step"
    )
    p.add_argument(
        "--val-split",
        type=float,
        default=_DEFAULT.val_split,
        help="fraction of each class of the training set held out for validation; the best "
        "checkpoint is then chosen on it (with 0, on the test set)",
    )
    p.add_argument(
        "--image-size",
        type=parse_image_size,
        default=None,
        metavar="HxW",
        help="resize every image to this (default: the size the model declares, such as 28x28 "
        "for lenet5; else the data's, the most common one for a folder)",
    )
    p.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=None,
        help="1 (grey) or 3 (RGB) (default: the data's; 3 for a folder holding any colour image)",
    )
    p.add_argument("--seed", type=int, default=_DEFAULT.seed, help="random seed")
    p.add_argument(
        "--out",
        default=_DEFAULT.out,
        help="folder for checkpoint.safetensors, best.safetensors, metrics.json and curves.png",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out; options given now (--epochs, --lr, ...) apply from the "
        "next epoch and are recorded",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace the run that --out already holds"
    )
    p.add_argument(
        "--init",
        default=None,
        metavar="WEIGHTS",
        help="start from these weights: a PyTorch .pt/.pth state dict (read without torch), a "
        ".safetensors state dict or a convkit checkpoint",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads for every kernel (default: $CONVKIT_NUM_THREADS, else the available "
        "cores, shared out between the ranks of one machine)",
    )
    p.add_argument(
        "--ranks",
        type=int,
        default=None,
        metavar="N",
        help="train on N processes of this machine, data-parallel: runs this command again under "
        "mpiexec -n N (same as `mpiexec -n N convkit train ...`; --batch-size stays the global "
        "batch, so the history is the single-process one); see docs/DISTRIBUTED.md",
    )
    p.add_argument(
        "--rank-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with several ranks: how long one rank waits for the others before the whole job "
        "is stopped with the reason (default: 600)",
    )


def _relaunch_on_ranks(args: argparse.Namespace) -> int | None:
    """``--ranks N``: the exit status of this command run again under mpiexec on N processes;
    None when this process should train (one rank, or already one of the N)."""
    import os
    import subprocess

    from .distributed.run import launch_command, launcher_world_size
    from .errors import UserError

    n = args.ranks
    if n is None:
        return None
    if n < 1:
        raise UserError(f"--ranks must be a positive number of processes, got {n}")
    inside = launcher_world_size(os.environ)
    if inside > 1 or "CONVKIT_RANKS_LAUNCHED" in os.environ:
        if inside != n:
            raise UserError(
                f"--ranks {n}, but this process was started as one of {inside} by an MPI "
                "launcher: give --ranks only without mpiexec, or the same number"
            )
        return None
    if n == 1:
        return None
    argv = list(getattr(args, "argv", sys.argv[1:]))
    rest: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--ranks":
            skip = True
        elif not token.startswith("--ranks="):
            rest.append(token)
    try:
        cmd = launch_command(["-m", "convkit", *rest], n)
    except RuntimeError as e:
        raise UserError(str(e)) from None
    return subprocess.call(cmd, env={**os.environ, "CONVKIT_RANKS_LAUNCHED": str(n)})


def _share_cores_between_ranks() -> None:
    """Several ranks on this machine, none told its thread count (no --threads, no
    $CONVKIT_NUM_THREADS) and free to run on every core: each takes its share of the cores,
    so that N ranks of all-core kernels do not oversubscribe the machine."""
    import os

    from .distributed.run import launcher_world_size, rank_environment
    from .kernels.parallel import ENV_VAR, available_cores, set_num_threads

    env = {**os.environ, **rank_environment(os.environ)}
    local = int(env.get("LOCAL_WORLD_SIZE") or 1)
    if ENV_VAR in os.environ or launcher_world_size(os.environ) <= 1 or local <= 1:
        return
    if available_cores() == (os.cpu_count() or 1):
        set_num_threads(max(1, available_cores() // local))


def _train(args: argparse.Namespace) -> int:
    from .kernels.parallel import set_num_threads
    from .training import BEST, CHECKPOINT, CURVES, METRICS, train

    relaunched = _relaunch_on_ranks(args)
    if relaunched is not None:
        return relaunched
    if args.threads is not None:
        set_num_threads(args.threads)
    else:
        _share_cores_between_ranks()
    config = TrainConfig(
        model=args.model,
        data=args.data,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=args.optimizer,
        weight_decay=args.weight_decay,
        lr_schedule=args.lr_schedule,
        lr_step_size=args.lr_step_size,
        lr_gamma=args.lr_gamma,
        val_split=args.val_split,
        image_size=args.image_size,
        channels=args.channels,
        seed=args.seed,
        out=args.out,
        progress=not args.no_progress,
        init=args.init,
    )
    result = train(
        config,
        resume=args.resume,
        overwrite=args.overwrite,
        given=args.given,
        rank_timeout=args.rank_timeout,
    )
    if result.status == "interrupted":
        return 130
    if result.status != "completed" or result.rank != 0:
        return 0
    m = result.metrics
    best = m["best"]
    print(
        f"test accuracy {m['test_accuracy']:.4f} after {m['epochs']} epochs; wrote "
        f"{args.out}/{CHECKPOINT}, {BEST} (epoch {best['epoch']}, "
        f"{best['metric'].replace('_', ' ')} {best['value']:.4f}), {METRICS}, {CURVES}"
    )
    return 0


def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="a training checkpoint (checkpoint.safetensors)")
    p.add_argument(
        "--data", default=None, help="data to evaluate on (default: the data it was trained on)"
    )


def _evaluate(args: argparse.Namespace) -> int:
    from .predict import evaluate_checkpoint

    print(evaluate_checkpoint(args.checkpoint, data=args.data))
    return 0


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="a training checkpoint (checkpoint.safetensors)")
    p.add_argument("images", nargs="+", help="image files (PNG, JPEG, ...)")
    p.add_argument("--top", type=int, default=3, help="how many classes to show per image")


def _predict(args: argparse.Namespace) -> int:
    from .predict import predict_images

    text, notes = predict_images(args.checkpoint, args.images, top=args.top)
    for note in notes:
        print(note, file=sys.stderr)
    print(text)
    return 0


COMMANDS = (
    Command(
        "train",
        "train a CNN (default: the seed note's net on the built-in digits)",
        _train,
        _train_arguments,
        description="Train a CNN. With no arguments: the seed note's Conv2d-ReLU-MaxPool2d net on "
        "the built-in 8x8 handwritten digits. A folder that already holds a run is refused "
        "unless --resume or --overwrite is given.",
    ),
    Command(
        "evaluate",
        "accuracy and confusion matrix of a checkpoint",
        _evaluate,
        _evaluate_arguments,
    ),
    Command(
        "predict",
        "top classes for images, with probabilities",
        _predict,
        _predict_arguments,
        description="The most probable classes for each image. Images are prepared as the "
        "training data were: inverted when dark on light, one-channel drawings cropped to their "
        "ink and centred; a blank image gets a warning.",
    ),
)
