"""The ``mlprep`` command line. Each area registers its own subcommands.

An area module (``mlprep.quiz.cli``, ``mlprep.drills.cli``, ...) exposes
``register(subparsers)``, which adds a parser and sets ``func=handler``; a handler
takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from mlprep.errors import run_command

# Areas in the order `mlprep --help` lists them. A module that is not there yet is skipped.
AREAS = (
    "mlprep.doctor",
    "mlprep.datasets.cli",
    "mlprep.run_cli",
    "mlprep.portfolio.cli",
    "mlprep.quiz.cli",
    "mlprep.interviews.cli",  # after quiz: it adds `quiz prep` and `quiz add --asked-at`
    "mlprep.drills.cli",
    "mlprep.takehome.cli",
)


class Parser(argparse.ArgumentParser):
    """argparse with the CLI's error format: a usage error (an unknown option, a missing or
    malformed argument) is one line, ``error: ...`` naming the help to read, and exit code 2.
    Subcommand parsers inherit it (``add_subparsers`` makes them of the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def add_group(subparsers: argparse._SubParsersAction, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add the command group ``mlprep NAME`` (``kwargs`` as for ``add_parser``): every group,
    called without a subcommand, prints its help and exits 2, like a usage error."""
    parser = subparsers.add_parser(name, **kwargs)

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(func=usage)
    return parser


def subcommands(subparsers: argparse._SubParsersAction, group: str) -> argparse._SubParsersAction:
    """The subcommands of ``mlprep GROUP``, registered already: for an area that adds a command
    to another area's group without that area importing it (``mlprep.interviews`` adds ``quiz prep``)."""
    parser = subparsers.choices[group]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def build_parser() -> argparse.ArgumentParser:
    from mlprep import __version__

    parser = Parser(
        prog="mlprep",
        description="Offline-first ML-engineer interview preparation: notebooks, quiz, drills, portfolio.",
    )
    parser.add_argument("--version", action="version", version=f"mlprep {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and (name == e.name or name.startswith(e.name + ".")):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(lambda: args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
