"""Errors a user can cause. The CLI prints them in one line and exits non-zero."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


class MlprepError(Exception):
    """An error with a message a person can act on; ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(MlprepError):
    """Bad input from the user: an unknown name, a malformed file, a bad date (exit code 2)."""

    exit_code = 2


class DeviceUnavailableError(UsageError, RuntimeError):
    """A device was asked for (``device="cuda"``, ``MLPREP_DEVICE=mps``) that this machine lacks.
    A ``RuntimeError`` too, as it was before it had its own type."""


def run_command(call: Callable[[], int | None]) -> int:
    """Run a command-line handler the way every ``mlprep`` entry point does (the ``mlprep``
    command and the recipes' scripts): an :class:`MlprepError` becomes one ``error: ...`` line
    on stderr and its exit code, a closed pipe (``mlprep ... | head``) is not an error, and
    Ctrl-C exits 130 without a traceback.

    >>> def bad() -> int:
    ...     raise UsageError("no notebook named '99'; see `mlprep run --list`")
    >>> run_command(bad)  # prints "error: no notebook named '99'; ..." to stderr
    2
    >>> run_command(lambda: None)
    0
    """
    try:
        return int(call() or 0)
    except MlprepError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
