"""The ``mlprep`` command line. Each area registers its own subcommands.

An area module (``mlprep.quiz.cli``, ``mlprep.drills.cli``, ...) exposes
``register(subparsers)``, which adds a parser and sets ``func=handler``; a handler
takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from mlprep.errors import MlprepError

# Areas in the order `mlprep --help` lists them. A module that is not there yet is skipped.
AREAS = (
    "mlprep.doctor",
    "mlprep.datasets.cli",
    "mlprep.runner",
    "mlprep.portfolio.cli",
    "mlprep.quiz.cli",
    "mlprep.interviews_cli",
    "mlprep.drills.cli",
)


def build_parser() -> argparse.ArgumentParser:
    from mlprep import __version__

    parser = argparse.ArgumentParser(
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
    try:
        return int(args.func(args) or 0)
    except MlprepError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # `mlprep ... | head` closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
