"""``convkit animate``, ``convkit filters`` and ``convkit featuremaps``: argument parsing only.

The drawing lives in ``animate.py`` and ``pictures.py``; they are imported inside the command
functions so ``convkit --help`` does not load Pillow. Errors are reported by
``convkit.commandline.run_command``.
"""

from __future__ import annotations

import argparse
import os

from ..commandline import Command


def parse_sizes(text: str, name: str) -> tuple[int, ...]:
    """'5', '5x7' (also 5,7 or 5X7) -> (5,), (5, 7); a clear error for anything else."""
    parts = text.lower().replace(",", "x").replace("*", "x").split("x")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{name} must be an int or INTxINT like 3 or 3x2, got '{text}'") from None
    return values


def _per_dim(text: str, name: str):
    values = parse_sizes(text, name)
    return values[0] if len(values) == 1 else values


def _animate(args: argparse.Namespace) -> int:
    from . import animate as A

    size = parse_sizes(args.input, "--input")
    padding = (
        args.padding if args.padding in ("same", "valid") else _per_dim(args.padding, "--padding")
    )
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".gif", ".png"):
        raise ValueError(
            f"-o must end in .gif (an animation) or .png (all steps on one "
            f"sheet), got '{args.output}'"
        )
    if args.ms <= 0:
        raise ValueError(f"--ms must be a positive number of milliseconds, got {args.ms}")
    if not 16 <= args.cell <= 120:
        raise ValueError(f"--cell must be between 16 and 120 pixels, got {args.cell}")
    plan = A.convolution_steps(
        size,
        _per_dim(args.kernel, "--kernel"),
        _per_dim(args.stride, "--stride"),
        padding,
        _per_dim(args.dilation, "--dilation"),
        padding_mode=args.padding_mode,
        transposed=args.transposed,
        output_padding=_per_dim(args.output_padding, "--output-padding"),
        pool=args.pool,
        ceil_mode=args.ceil_mode,
        seed=args.seed,
    )
    show = args.values or args.seed is not None
    if ext == ".gif":
        A.save_gif(A.iter_frames(plan, show, args.cell), args.output, args.ms)
    else:
        A.save_sheet(plan, args.output, show, args.cell)
    what = "frames" if ext == ".gif" else "steps on one sheet"
    print(
        f"{plan.title}\n"
        + "\n".join(f"  {f}" for f in plan.formulas)
        + f"\nwrote {args.output} ({len(plan.steps)} {what})"
    )
    return 0


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        default=None,
        help="for a .pt or plain .safetensors state dict: the architecture "
        "(seednet, lenet5, vgg-small or package.module:factory)",
    )
    p.add_argument(
        "--input",
        dest="input_shape",
        default=None,
        help="for a .pt state dict: the input shape CxHxW, e.g. 1x28x28",
    )
    p.add_argument(
        "--num-classes",
        type=int,
        default=None,
        help="for a .pt state dict: classes (default: from the last layer's weight)",
    )
    p.add_argument(
        "--max-channels",
        type=int,
        default=32,
        help="draw at most this many channels per layer (default 32)",
    )


def _load(args):
    from .pictures import load_model

    shape = parse_sizes(args.input_shape, "--input") if args.input_shape else None
    return load_model(
        args.checkpoint, model=args.model, input_shape=shape, num_classes=args.num_classes
    )


def _filters(args: argparse.Namespace) -> int:
    from .pictures import draw_filters

    model, info = _load(args)
    img = draw_filters(
        model, title=f"{args.checkpoint}: {info['name']}", max_channels=args.max_channels
    )
    img.save(args.output)
    print(f"wrote {args.output} ({img.size[0]}x{img.size[1]} pixels)")
    return 0


def _featuremaps(args: argparse.Namespace) -> int:
    from .pictures import draw_feature_maps

    model, info = _load(args)
    img = draw_feature_maps(
        model,
        args.image,
        info,
        max_channels=args.max_channels,
        per_channel=args.per_channel,
        title=f"{args.checkpoint}: {info['name']}",
    )
    img.save(args.output)
    print(f"wrote {args.output} ({img.size[0]}x{img.size[1]} pixels)")
    return 0


def _animate_arguments(an: argparse.ArgumentParser) -> None:
    an.add_argument("--input", default="5x5", help="input size: L, or HxW (default 5x5)")
    an.add_argument("--kernel", default="3", help="kernel size: k or khxkw (default 3)")
    an.add_argument("--stride", default="1", help="stride: s or shxsw (default 1)")
    an.add_argument(
        "--padding",
        default="0",
        help="padding: p, phxpw, or for convolution 'same' / 'valid' (default 0)",
    )
    an.add_argument("--dilation", default="1", help="dilation: d or dhxdw (default 1)")
    an.add_argument(
        "--padding-mode",
        default="zeros",
        choices=["zeros", "reflect", "replicate", "circular"],
        help="what the padding cells hold (convolution only)",
    )
    an.add_argument(
        "--transposed",
        action="store_true",
        help="a transposed convolution: each input cell scatters value x kernel",
    )
    an.add_argument(
        "--output-padding",
        default="0",
        help="transposed only: extra cells at the end of the output",
    )
    an.add_argument(
        "--pool", choices=["max", "avg"], default=None, help="a pooling window instead of a kernel"
    )
    an.add_argument(
        "--ceil-mode",
        action="store_true",
        help="pooling: round the output size up (windows may hang over the edge)",
    )
    an.add_argument(
        "--values",
        action="store_true",
        help="write the numbers: input, kernel, each step's multiply-add and sum",
    )
    an.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random small integers instead of the 0..9 pattern (implies --values)",
    )
    an.add_argument(
        "-o",
        "--output",
        required=True,
        help="out.gif (one frame per step, looping) or out.png (all steps)",
    )
    an.add_argument("--ms", type=int, default=700, help="GIF frame duration in ms (default 700)")
    an.add_argument("--cell", type=int, default=44, help="cell size in pixels (default 44)")


def _filters_arguments(fi: argparse.ArgumentParser) -> None:
    fi.add_argument(
        "checkpoint",
        help="a convkit training checkpoint (.safetensors) or a .pt "
        "state dict (with --model and --input)",
    )
    fi.add_argument("-o", "--output", default="filters.png", help="the picture to write")
    _model_options(fi)


def _featuremaps_arguments(fm: argparse.ArgumentParser) -> None:
    fm.add_argument(
        "checkpoint",
        help="a convkit training checkpoint (.safetensors) or a .pt "
        "state dict (with --model and --input)",
    )
    fm.add_argument("image", help="an image file (PNG, JPEG, ...)")
    fm.add_argument("-o", "--output", default="maps.png", help="the picture to write")
    fm.add_argument(
        "--per-channel",
        action="store_true",
        help="stretch each channel's own range to black..white (default: one range "
        "per layer, so channels compare)",
    )
    _model_options(fm)


COMMANDS = (
    Command(
        "animate",
        "draw a kernel sliding over an input, step by step (GIF or PNG)",
        _animate,
        _animate_arguments,
        description="Draw a convolution, pooling or transposed convolution one output position "
        "at a time: the padded input, the kernel's footprint, the output filling in "
        "and the output-size formula worked out. Sizes may be per dimension (5x7, "
        "3x2); --input 7 draws a 1-D case.",
        epilog="example: convkit animate --input 5x5 --kernel 3 --stride 2 --padding 1 "
        "--values -o conv.gif",
        # shapes.py explains an impossible size in a RuntimeError, as torch raises one.
        user_errors=(RuntimeError, NotImplementedError),
    ),
    Command(
        "filters",
        "draw every conv layer's kernels from a checkpoint",
        _filters,
        _filters_arguments,
        description="Draw each convolution layer's weights: one small tile per (out, in) "
        "channel pair, red positive and blue negative, scaled per layer.",
    ),
    Command(
        "featuremaps",
        "draw what each conv/pool/activation layer outputs for one image",
        _featuremaps,
        _featuremaps_arguments,
        description="Run one image through the model (prepared as 'convkit predict' does) and "
        "draw every conv, pooling and activation layer's output channels.",
    ),
)
