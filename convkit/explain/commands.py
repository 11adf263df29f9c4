"""The explainer's subcommands: ``convkit shape``, ``convkit summary`` and ``convkit demo``.

``COMMANDS`` declares each subcommand (see ``convkit.commandline``); the command functions import
the explainer only when they run, so ``convkit --help`` stays fast. Exit codes: 0 done; 1 the
layers or model cannot run on that input (the worked formula says why); 2 the command line itself
is wrong (a layer text that is not a plain layer call, bad arguments). Errors are raised and
``convkit.commandline.run_command`` reports them, through ``report`` here: in the ``--lang``
language, and as JSON on stdout with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..commandline import Command, format_error

EXIT_OK, EXIT_IMPOSSIBLE, EXIT_USAGE = 0, 1, 2


def write_out(text: str) -> int:
    """``text`` on stdout; ``EXIT_OK``. (A reader that went away, ``convkit shape ... | head``,
    ends the command quietly with 141: ``convkit.commandline.run_command``.)"""
    sys.stdout.write(text)
    return EXIT_OK


def report(command: str, error: BaseException, args: argparse.Namespace, code: int) -> None:
    """How the explainer's commands show a user error: ``convkit CMD: error: ...`` on stderr in
    the ``--lang`` language, or with ``--json`` a JSON object ``{"ok": false, "error": ...,
    "kind": ...}`` on stdout (so a script reading JSON gets JSON)."""
    from .i18n import error_text, translator

    lang = getattr(args, "lang", "en")
    message = error_text(error, lang)
    if getattr(args, "json", False):
        payload = {"ok": False, "error": message, "kind": type(error).__name__, "exit_code": code}
        write_out(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    print(format_error(command, message, translator(lang)("error")), file=sys.stderr)


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


def _shape_arguments(p: argparse.ArgumentParser) -> None:
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


def _shape(args: argparse.Namespace) -> int:
    from .shape import explain_shapes, render_text

    # LayerSyntaxError, LayerBuildError and ShapeInputError carry exit_code EXIT_USAGE.
    result = explain_shapes(args.input, args.layers, lang=args.lang)
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


def _summary_arguments(p: argparse.ArgumentParser) -> None:
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


def _summary(args: argparse.Namespace) -> int:
    from .model_summary import load_model_for_summary, render_summary, summary

    # ShapeInputError exits with EXIT_USAGE; SummaryError, file and model errors with 1.
    model, size = load_model_for_summary(args.model, args.input, args.num_classes, args.arch)
    result = summary(model, size)
    if args.json:
        return write_out(json.dumps(result.to_dict(args.lang), ensure_ascii=False, indent=2) + "\n")
    return write_out(render_summary(result, args.lang))


# ----------------------------------------------------------------------------------------------
# convkit demo
# ----------------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from ..examples import seed_note

    return seed_note.main(lang=args.lang)


COMMANDS = (
    Command(
        "shape",
        "work out each layer's output shape, formula by formula",
        _shape,
        _shape_arguments,
        description="Show how each layer changes the input shape: the output-size formula "
        "worked out with your numbers, the output shape, and what is easy to miss. "
        "Layers are written as torch constructor calls; they are parsed, never "
        "evaluated.",
        epilog='example: convkit shape 1x1x28x28 "Conv2d(1, 5, 5)" "MaxPool2d(2)" "Flatten()" '
        '"Linear(720, 10)"',
        report=report,
    ),
    Command(
        "summary",
        "table of a model's layers: shapes, parameters, MACs, receptive field",
        _summary,
        _summary_arguments,
        description="Run the model once on zeros and list every layer with its output shape, "
        "parameters, multiply-adds, receptive field and jump, then the totals and "
        "a memory estimate.",
        report=report,
    ),
    Command(
        "demo",
        "run the seed note's five Conv2d examples and its CNN cell",
        _demo,
        _add_lang,
        report=report,
    ),
)
