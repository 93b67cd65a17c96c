"""Errors a user can cause. The CLI prints them in one line and exits non-zero."""

from __future__ import annotations


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
