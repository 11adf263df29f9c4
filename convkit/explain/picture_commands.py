"""``convkit animate``, ``convkit filters`` and ``convkit featuremaps``: argument parsing only.

The arithmetic lives in ``steps.py``, the drawing in ``frames.py``, ``player.py`` and
``pictures.py``; they are imported inside the command functions so ``convkit --help`` does not load
Pillow or NumPy. Errors are raised and reported by ``convkit.commandline.run_command`` (animate's
through ``commands.report``, in the --lang language).
"""

from __future__ import annotations

import argparse
import os

from ..commandline import Command
from .commands import report


def parse_sizes(text: str, name: str) -> tuple[int, ...]:
    """'5', '5x7' (also 5,7 or 5X7) -> (5,), (5, 7); a clear error for anything else."""
    from .steps import AnimateError

    parts = text.lower().replace(",", "x").replace("*", "x").split("x")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise AnimateError("anim_bad_sizes", name=name, value=text) from None
    return values


def _per_dim(text: str, name: str):
    values = parse_sizes(text, name)
    return values[0] if len(values) == 1 else values


CELL_RANGE = (16, 120)


def _animate(args: argparse.Namespace) -> int:
    from .commands import write_out
    from .i18n import translator
    from .player import SAVE_FORMATS, animate
    from .steps import AnimateError

    t = translator(args.lang)
    size = parse_sizes(args.input, "--input")
    padding = (
        args.padding if args.padding in ("same", "valid") else _per_dim(args.padding, "--padding")
    )
    ext = os.path.splitext(args.output)[1].lower()
    if args.interactive:
        if ext != ".html":
            raise AnimateError("page_needs_html", value=args.output)
        if args.transposed:
            raise AnimateError("page_no_transposed")
        if args.seed is not None:
            raise AnimateError("page_no_seed")
    if ext not in SAVE_FORMATS:
        raise AnimateError("anim_bad_output", value=args.output)
    if args.ms <= 0:
        raise AnimateError("anim_bad_ms", value=args.ms)
    if not CELL_RANGE[0] <= args.cell <= CELL_RANGE[1]:
        raise AnimateError("anim_bad_cell", low=CELL_RANGE[0], high=CELL_RANGE[1], value=args.cell)
    anim = animate(
        size,
        _per_dim(args.kernel, "--kernel"),
        None if args.stride is None else _per_dim(args.stride, "--stride"),
        padding,
        _per_dim(args.dilation, "--dilation"),
        padding_mode=args.padding_mode,
        transposed=args.transposed,
        output_padding=_per_dim(args.output_padding, "--output-padding"),
        pool=args.pool,
        ceil_mode=args.ceil_mode,
        seed=args.seed,
        show_values=args.values or args.seed is not None,
        cell=args.cell,
        lang=args.lang,
        ms=args.ms,
    )
    if args.interactive:
        from .page import save_page

        save_page(
            args.output,
            input_size=size,
            kernel_size=_per_dim(args.kernel, "--kernel"),
            stride=None if args.stride is None else _per_dim(args.stride, "--stride"),
            padding=padding,
            dilation=_per_dim(args.dilation, "--dilation"),
            pool=args.pool,
            padding_mode=args.padding_mode,
            ceil_mode=args.ceil_mode,
            show_values=args.values,
            lang=args.lang,
            ms=args.ms,
        )
    else:
        anim.save(args.output)
    what = {".gif": "anim_frames", ".png": "anim_sheet_steps", ".html": "anim_player_steps"}[ext]
    if args.interactive:
        what = "page_steps"
    text = "\n".join(
        [
            anim.title,
            *(f"  {f}" for f in anim.formulas),
            t("anim_wrote", path=args.output, count=len(anim), what=t(what)),
        ]
    )
    return write_out(text + "\n")


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
    an.add_argument(
        "--stride",
        default=None,
        help="stride: s or shxsw (default as in torch: the kernel size for --pool, else 1)",
    )
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
        help="out.gif (one frame per step, looping), out.png (all steps) or out.html (a "
        "self-contained player: play/pause, a slider, each step's arithmetic)",
    )
    an.add_argument(
        "--interactive",
        action="store_true",
        help="with -o page.html: an interactive page instead of the player, where input size, "
        "kernel, stride, padding, dilation, padding mode and conv/pool are controls and the "
        "formula, output size and steps are worked out again in the page (offline, one file); "
        "these arguments are its first settings",
    )
    an.add_argument("--ms", type=int, default=700, help="ms per step (default 700)")
    an.add_argument(
        "--cell",
        type=int,
        default=44,
        help=f"cell size in pixels, {CELL_RANGE[0]} to {CELL_RANGE[1]} (default 44); the text "
        "grows with cells above 44, so --cell 88 makes slides",
    )
    an.add_argument(
        "--lang",
        choices=["en", "ko"],
        default="en",
        help="language of the captions (formulas are the same): en or ko",
    )


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
        "draw a kernel sliding over an input, step by step (GIF, PNG or an HTML player)",
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
        report=report,
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
