"""How every ``convkit`` subcommand is declared, and the one wrapper that runs it.

A feature module lists its subcommands as ``COMMANDS = (Command(...), ...)``: the name, the help
line, a function that adds the arguments and the function that runs it; ``convkit.cli`` adds them
all to one parser in the same way. A command function returns its exit code (None for 0) and
raises on failure; ``run_command`` decides what the user sees:

- a user error (an ``errors.UserError``: a bad file, dataset, checkpoint or a model that cannot
  take the input; a ``ValueError``, convkit's class for a bad argument value; an ``OSError``: a
  missing file, a directory given as a file, no permission) is one line on stderr,
  ``convkit NAME: error: ...`` (continuation lines of a worked formula indented below it), and the
  exception's ``exit_code`` (1 unless the class says otherwise, e.g. 2 for a usage error);
- so is an exception of a class the command declares in ``user_errors``;
- anything else is a bug in convkit and keeps its traceback;
- Ctrl-C exits with 130 and a closed pipe (``convkit ... | head``) ends quietly with 141, as
  command-line tools killed by SIGINT/SIGPIPE do.

``--help`` of every command shows each option's default (``HelpFormatter``).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Callable

from .errors import UserError

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, ValueError, OSError)


@dataclass(frozen=True)
class Command:
    """One subcommand: ``convkit NAME ...``."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int | None]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    description: str | None = None
    epilog: str | None = None
    # Further exception classes that, for this command, can only come from the user's input
    # (``animate``: the RuntimeError in which shapes.py shows why a size cannot work).
    user_errors: tuple[type[BaseException], ...] = ()
    # How this command shows a user error, when not as ``format_error`` on stderr (the explainer:
    # in the --lang language, or as JSON on stdout with --json): report(name, error, args, code).
    report: Callable[[str, BaseException, argparse.Namespace, int], None] | None = None


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, adding "(default: X)" to every option whose help does not already
    name its default (options without a value, and those defaulting to None, have none to show)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text.lower()
            or default is None
            or default is False  # a flag: present or not (0 and 0.0 are real defaults)
            or default is argparse.SUPPRESS
            or isinstance(action, (argparse._HelpAction, argparse._VersionAction))
            or not (action.option_strings or action.nargs in ("?", "*"))
        ):
            return action.help
        shown = "x".join(map(str, default)) if isinstance(default, tuple) else "%(default)s"
        return f"{text} (default: {shown})".strip()


def add_commands(subparsers: argparse._SubParsersAction, commands: tuple[Command, ...]) -> None:
    """Add each command's parser (with ``HelpFormatter``) to ``subparsers``."""
    for command in commands:
        parser = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            epilog=command.epilog,
            formatter_class=HelpFormatter,
        )
        if command.arguments is not None:
            command.arguments(parser)
        parser.set_defaults(_command=command)


def given_options(parser: argparse.ArgumentParser, command: str, argv: list[str]) -> set[str]:
    """The destinations of the options actually written on the command line (not defaults):
    ``argv`` is parsed again with every default of ``command``'s parser suppressed."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[
        command
    ]
    saved = [(action, action.default) for action in sub._actions]
    try:
        for action, _ in saved:
            action.default = argparse.SUPPRESS
        namespace = parser.parse_args(argv)
    finally:
        for action, default in saved:
            action.default = default
    dests = {action.dest for action, _ in saved}
    return {name for name in vars(namespace) if name in dests}


def format_error(command: str, error: BaseException | str, word: str = "error") -> str:
    """``convkit NAME: error: first line``, further lines indented under it (``word`` is
    "error" in the reader's language)."""
    text = error if isinstance(error, str) else str(error)
    lines = text.strip().splitlines() or [type(error).__name__]
    return "\n".join([f"convkit {command}: {word}: {lines[0]}", *("  " + ln for ln in lines[1:])])


def run_command(command: Command, args: argparse.Namespace) -> int:
    """Run ``command`` with one policy for errors (see the module's docstring)."""
    try:
        code = command.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except KeyboardInterrupt:
        print(f"convkit {command.name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away: send the rest of stdout nowhere, so the final flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
        return EXIT_BROKEN_PIPE
    except USER_ERRORS + command.user_errors as e:
        code = int(getattr(e, "exit_code", 1))
        if command.report is not None:
            command.report(command.name, e, args, code)
        else:
            print(format_error(command.name, e), file=sys.stderr)
        return code
    return 0 if code is None else int(code)
