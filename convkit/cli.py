"""The ``convkit`` command: one parser built from each feature's ``COMMANDS``, run by one wrapper.

How a command is declared and how its errors are reported is ``commandline.py``'s; this file only
lists the feature modules and dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commandline import HelpFormatter, add_commands, given_options, run_command

# Each module has ``COMMANDS`` (see commandline.Command) and keeps its heavy imports inside the
# command functions, so ``convkit --help`` stays fast.
COMMAND_MODULES = (
    "convkit.commands",
    "convkit.explain.commands",
    "convkit.explain.picture_commands",
    "convkit.io.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convkit",
        description="Convolutional networks in NumPy, computed as PyTorch does.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"convkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if not (e.name and (name == e.name or name.startswith(e.name + "."))):
                raise  # a missing dependency inside the feature is a real error
            continue  # that feature is not installed in this build
        add_commands(sub, module.COMMANDS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.given = given_options(parser, args.command, argv)
    args.argv = argv  # a command that relaunches itself (train --ranks) passes it on
    return run_command(args._command, args)


if __name__ == "__main__":
    sys.exit(main())
