"""The ``convkit`` command: argument parsing only; the work happens in the layers below."""

from __future__ import annotations

import argparse
import importlib
import sys

# Feature modules that add their own subcommands: each has ``register(subparsers)`` and keeps its
# heavy imports inside the command functions, so ``convkit --help`` stays fast.
COMMAND_MODULES = (
    "convkit.explain.commands",
    "convkit.explain.picture_commands",
    "convkit.io.commands",
)


def _train(args: argparse.Namespace) -> int:
    from .training import TrainConfig, train

    try:
        config = TrainConfig(
            model=args.model,
            data=args.data,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            optimizer=args.optimizer,
            seed=args.seed,
            out=args.out,
            progress=not args.no_progress,
            init=args.init,
        )
        metrics = train(config, resume=args.resume)
    except (RuntimeError, ValueError, FileNotFoundError) as e:
        # TrainingError, DatasetError, TorchFileError and bad checkpoints are RuntimeErrors.
        print(f"convkit train: error: {e}", file=sys.stderr)
        return 1
    if metrics["status"] == "interrupted":
        return 130
    acc = metrics["test_accuracy"]
    print(
        f"test accuracy {acc:.4f} after {metrics['epochs']} epochs; wrote {args.out}/"
        f"checkpoint.safetensors, metrics.json, curves.png"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .predict import evaluate_checkpoint

    try:
        text = evaluate_checkpoint(args.checkpoint, data=args.data)
    except (RuntimeError, ValueError, FileNotFoundError) as e:
        print(f"convkit evaluate: error: {e}", file=sys.stderr)
        return 1
    print(text)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .predict import predict_images

    try:
        text = predict_images(args.checkpoint, args.images, top=args.top)
    except (RuntimeError, ValueError, FileNotFoundError) as e:
        print(f"convkit predict: error: {e}", file=sys.stderr)
        return 1
    print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convkit", description="Convolutional networks in NumPy, computed as PyTorch does."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="train a CNN (default: the seed note's net on the built-in digits)",
        description="Train a CNN. With no arguments: the seed note's Conv2d-ReLU-MaxPool2d net "
        "on the built-in 8x8 handwritten digits.",
    )
    train.add_argument(
        "--model",
        default="seednet",
        help="seednet, lenet5, vgg-small, or package.module:factory "
        "(called as factory(input_shape=(C, H, W), num_classes=K))",
    )
    train.add_argument(
        "--data",
        default="digits",
        help="digits, mnist:DIR, fashion-mnist:DIR, cifar10:DIR or folder:DIR",
    )
    train.add_argument("--epochs", type=int, default=15)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: 0.003 for adam/adamw, 0.05 for sgd)",
    )
    train.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd"])
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--out",
        default="runs/convkit",
        help="folder for checkpoint.safetensors, metrics.json and curves.png",
    )
    train.add_argument(
        "--resume", action="store_true", help="continue from the checkpoint in --out"
    )
    train.add_argument(
        "--init",
        default=None,
        metavar="WEIGHTS",
        help="start from these weights: a PyTorch .pt/.pth state dict (read "
        "without torch), a .safetensors state dict or a convkit checkpoint",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(func=_train)

    ev = sub.add_parser("evaluate", help="accuracy and confusion matrix of a checkpoint")
    ev.add_argument("checkpoint")
    ev.add_argument("--data", default=None, help="data to evaluate on (default: the training data)")
    ev.set_defaults(func=_evaluate)

    pr = sub.add_parser("predict", help="top classes for images, with probabilities")
    pr.add_argument("checkpoint")
    pr.add_argument("images", nargs="+")
    pr.add_argument("--top", type=int, default=3)
    pr.set_defaults(func=_predict)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if not (e.name and (name == e.name or name.startswith(e.name + "."))):
                raise  # a missing dependency inside the feature is a real error
            continue  # that feature is not installed in this build
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
