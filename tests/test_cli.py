"""The convkit command: every subcommand registered one way, defaults in every --help, --version,
and one wrapper that turns user errors into one line and an exit code while bugs keep their
traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys

import pytest

import convkit
from convkit import cli
from convkit.commandline import Command, HelpFormatter, run_command
from convkit.errors import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED = {
    "train",
    "evaluate",
    "predict",
    "convert",
    "demo",
    "shape",
    "summary",
    "animate",
    "filters",
    "featuremaps",
}


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_declared_in_a_commands_table():
    declared = {}
    for name in cli.COMMAND_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            assert isinstance(command, Command) and command.name not in declared
            declared[command.name] = command
    parsers = subparsers(cli.build_parser())
    assert set(parsers) == set(declared) and EXPECTED <= set(declared)
    for name, parser in parsers.items():
        assert parser.formatter_class is HelpFormatter, name
        assert parser.get_default("_command") is declared[name], name


def test_version(capsys):
    import tomllib

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"convkit {version}\n" == f"convkit {convkit.__version__}\n"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_help_shows_every_default(name):
    parser = subparsers(cli.build_parser())[name]
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction,)) or not action.option_strings:
            continue
        assert action.help, (name, action.dest)
        if action.default is None or action.default is False:
            continue
        help_text = " ".join(HelpFormatter("x")._get_help_string(action).split())
        shown = help_text % {"default": action.default}
        assert "default" in shown.lower(), (name, action.dest, shown)
        value = (
            "x".join(map(str, action.default))
            if isinstance(action.default, tuple)
            else str(action.default)
        )
        assert value in shown and shown.split("(")[0].strip()[:20] in text, (name, action.dest)


def test_train_help_lists_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for piece in (
        "--epochs EPOCHS epochs to train in all (default: 15)",
        "--batch-size BATCH_SIZE training images per step (default: 32)",
        "--optimizer {adam,adamw,sgd} optimiser (default: adam)",
        "--seed SEED random seed (default: 0)",
        "with 0, on the test set) (default: 0.0)",
        "(default: 0.003 for adam, 0.003 for adamw, 0.05 for sgd)",
        "--out OUT folder for checkpoint.safetensors, best.safetensors, metrics.json and "
        "curves.png (default: runs/convkit)",
    ):
        assert piece in text, piece


# ----- the one error wrapper ------------------------------------------------------------------


class Oops(UserError, RuntimeError):
    exit_code = 3


def _run(fn, user_errors=()):
    return run_command(Command("probe", "a test command", fn, user_errors=user_errors), None)


@pytest.mark.parametrize(
    "error,code,line",
    [
        (Oops("the file is bad"), 3, "convkit probe: error: the file is bad"),
        (ValueError("--lr must be positive"), 1, "convkit probe: error: --lr must be positive"),
        (FileNotFoundError("no such file: 'x'"), 1, "convkit probe: error: no such file: 'x'"),
        (IsADirectoryError("'d' is a directory"), 1, "convkit probe: error: 'd' is a directory"),
    ],
)
def test_user_errors_are_one_line_and_an_exit_code(capsys, error, code, line):
    def fail(args):
        raise error

    assert _run(fail) == code
    captured = capsys.readouterr()
    assert captured.err == line + "\n" and captured.out == ""


def test_continuation_lines_are_indented_under_the_error(capsys):
    def fail(args):
        raise ValueError("conv2d: too small:\nH: floor((3 - 5)/1) + 1 = -1")

    assert _run(fail) == 1
    assert capsys.readouterr().err == (
        "convkit probe: error: conv2d: too small:\n  H: floor((3 - 5)/1) + 1 = -1\n"
    )


@pytest.mark.parametrize(
    "bug", [KeyError("x"), AttributeError("y"), TypeError("z"), AssertionError()]
)
def test_a_bug_keeps_its_traceback(bug):
    def fail(args):
        raise bug

    with pytest.raises(type(bug)):
        _run(fail)


def test_declared_user_errors_and_interrupts(capsys):
    def shape_rule(args):
        raise RuntimeError("kernel larger than input")

    assert _run(shape_rule, user_errors=(RuntimeError,)) == 1
    assert capsys.readouterr().err == "convkit probe: error: kernel larger than input\n"
    with pytest.raises(RuntimeError):
        _run(shape_rule)

    def interrupted(args):
        raise KeyboardInterrupt

    assert _run(interrupted) == 130
    assert _run(lambda args: None) == 0 and _run(lambda args: 4) == 4


def test_usage_errors_of_the_explainer_exit_2(capsys):
    assert cli.main(["shape", "1x1x8x8", "Conv2d(1, 1, 3) + 1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("convkit shape: error: ") and "Traceback" not in err


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m convkit demo | head -n 1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert proc.stdout.count("\n") == 1 and proc.stderr == ""
    assert proc.returncode == 141
