"""The explainer's subcommands: ``convkit shape`` and ``convkit summary``.

``register(subparsers)`` adds each subcommand through a small ``_add_*`` helper; the command
functions import the explainer only when they run, so ``convkit --help`` stays fast. Exit codes:
0 done; 1 the layers or model cannot run on that input (the worked formula says why); 2 the
command line itself is wrong (a layer text that is not a plain layer call, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable

EXIT_OK, EXIT_IMPOSSIBLE, EXIT_USAGE = 0, 1, 2
# What a command returns when its reader went away (``convkit shape ... | head -1``): 128 + SIGPIPE,
# as a Unix tool killed by the signal reports it.
EXIT_PIPE = 141


def register(subparsers) -> None:
    _add_shape(subparsers)
    _add_summary(subparsers)
    _add_demo(subparsers)


def quiet_pipe(print_all: Callable[[], int]) -> int:
    """Run ``print_all`` (which writes to stdout) and flush; a closed pipe ends quietly (no
    traceback, no "Exception ignored" at exit): stdout is pointed at /dev/null so the
    interpreter's last flush succeeds, and the exit code is ``EXIT_PIPE``."""
    try:
        code = print_all()
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
        return EXIT_PIPE
    return code


def write_out(text: str) -> int:
    """``text`` on stdout; ``EXIT_OK``, or ``EXIT_PIPE`` when the reader went away."""

    def write() -> int:
        sys.stdout.write(text)
        return EXIT_OK

    return quiet_pipe(write)


def fail(command: str, error: BaseException, lang: str, code: int, as_json: bool = False) -> int:
    """Report an error: ``convkit CMD: error: ...`` on stderr, or with ``--json`` a JSON object
    ``{"ok": false, "error": ..., "kind": ...}`` on stdout (so a script reading JSON gets JSON)."""
    from .i18n import error_text, translator

    message = error_text(error, lang)
    if as_json:
        payload = {"ok": False, "error": message, "kind": type(error).__name__, "exit_code": code}
        written = write_out(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return code if written == EXIT_OK else written
    print(f"convkit {command}: {translator(lang)('error')}: {message}", file=sys.stderr)
    return code


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        choices=["en", "ko"],
        default="en",
        help="language of the text (formulas are the same): en or ko",
    )


# ----------------------------------------------------------------------------------------------
# convkit shape
# ----------------------------------------------------------------------------------------------


def _add_shape(subparsers) -> None:
    p = subparsers.add_parser(
        "shape",
        help="work out each layer's output shape, formula by formula",
        description="Show how each layer changes the input shape: the output-size formula "
        "worked out with your numbers, the output shape, and what is easy to miss. "
        "Layers are written as torch constructor calls; they are parsed, never "
        "evaluated.",
        epilog='example: convkit shape 1x1x28x28 "Conv2d(1, 5, 5)" "MaxPool2d(2)" "Flatten()" '
        '"Linear(720, 10)"',
    )
    p.add_argument(
        "input",
        help="input shape, e.g. 1x1x227x227 or 1,1,227,227 (N, C, H, W; "
        "an unbatched C x H x W works too)",
    )
    p.add_argument(
        "layers",
        nargs="+",
        metavar="LAYER",
        help='a layer call such as "Conv2d(1, 1, 11, stride=4)" or "nn.MaxPool2d(2)"; also '
        '"conv = nn.Conv2d(...)", a bare "ReLU", "nn.Sequential(...)" or several layers in one '
        "string separated by commas or spaces",
    )
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    _add_lang(p)
    p.set_defaults(func=_shape)


def _shape(args: argparse.Namespace) -> int:
    from .layers import LayerBuildError, LayerSyntaxError
    from .shape import ShapeInputError, explain_shapes, render_text

    try:
        result = explain_shapes(args.input, args.layers, lang=args.lang)
    except (LayerSyntaxError, LayerBuildError, ShapeInputError) as e:
        return fail("shape", e, args.lang, EXIT_USAGE, args.json)
    if args.json:
        text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_text(result, lang=args.lang)
    written = write_out(text)
    if written != EXIT_OK:
        return written
    return EXIT_OK if result["ok"] else EXIT_IMPOSSIBLE


# ----------------------------------------------------------------------------------------------
# convkit summary
# ----------------------------------------------------------------------------------------------


def _add_summary(subparsers) -> None:
    p = subparsers.add_parser(
        "summary",
        help="table of a model's layers: shapes, parameters, MACs, receptive field",
        description="Run the model once on zeros and list every layer with its output shape, "
        "parameters, multiply-adds, receptive field and jump, then the totals and "
        "a memory estimate.",
    )
    p.add_argument(
        "model",
        help="seednet, lenet5, vgg-small, package.module:factory, a "
        "training checkpoint (checkpoint.safetensors), or a weights file "
        "(.safetensors, or PyTorch .pt/.pth) with --arch",
    )
    p.add_argument(
        "--arch",
        default=None,
        help="for a weights-only file: the architecture (built-in name or "
        "package.module:factory) its state dict belongs to",
    )
    p.add_argument(
        "--input",
        default=None,
        help="input size with batch, e.g. 1x1x28x28 (default: the checkpoint's or "
        "the model's default input)",
    )
    p.add_argument(
        "--num-classes",
        type=int,
        default=None,
        help="classes of a built-in or factory model (default 10; for a weights "
        "file, the rows of its last 2-d weight)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_lang(p)
    p.set_defaults(func=_summary)


def _summary(args: argparse.Namespace) -> int:
    from .model_summary import SummaryError, load_model_for_summary, render_summary, summary
    from .shape import ShapeInputError

    try:
        model, size = load_model_for_summary(args.model, args.input, args.num_classes, args.arch)
    except ShapeInputError as e:
        return fail("summary", e, args.lang, EXIT_USAGE, args.json)
    except (SummaryError, ValueError, TypeError, RuntimeError, FileNotFoundError) as e:
        return fail("summary", e, args.lang, EXIT_IMPOSSIBLE, args.json)
    try:
        result = summary(model, size)
    except SummaryError as e:
        return fail("summary", e, args.lang, EXIT_IMPOSSIBLE, args.json)
    if args.json:
        return write_out(json.dumps(result.to_dict(args.lang), ensure_ascii=False, indent=2) + "\n")
    return write_out(render_summary(result, args.lang))


# ----------------------------------------------------------------------------------------------
# convkit demo
# ----------------------------------------------------------------------------------------------


def _add_demo(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="run the seed note's five Conv2d examples and its CNN cell"
    )
    _add_lang(p)
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from ..examples import seed_note

    return quiet_pipe(lambda: seed_note.main(lang=args.lang))
