"""Run a submission's one command on a copy of its folder: offline, in a process group of its
own, with a time limit and an address-space cap, keeping only the tail of what it prints.

The process handling (killing the whole group, then any process that left it but still carries
the run's token; reading output in bounded tails) is :mod:`mlprep.drills.runner`'s, imported
rather than copied. Offline means a network namespace of its own (``unshare -rn``) where Linux
allows it, and otherwise the offline switches of pip and Hugging Face. These are limits, not a
sandbox: the command runs with your permissions.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> run = run_command("python -c 'print(6 * 7)'", folder, {}, timeout_s=60)
>>> run.returncode, run.output.strip(), run.timed_out
(0, '42', False)
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlprep.drills.runner import _TOKEN_VAR, _kill_group, _kill_strays, _Tail

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MEMORY_MB = 8192
MAX_COPY_BYTES = 200 * 2**20  # a submission is code, a README and figures, not data
SKIP = (".git", ".venv", "venv", "__pycache__", ".ipynb_checkpoints", ".ruff_cache", ".pytest_cache",
        "data", "outputs", "grade-report.json")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "PIP_NO_INDEX": "1", "no_proxy": "*", "NO_PROXY": "*"}


@dataclass
class Run:
    """What one run of the command did."""

    returncode: int | None
    seconds: float
    timed_out: bool
    output: str  # the last few KB of stdout, then of stderr
    offline: str  # how the network was kept out

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def describe(self, timeout_s: float) -> str:
        if self.timed_out:
            return f"stopped after the {timeout_s:g} s time limit (an endless loop, or far too slow)"
        if self.returncode is not None and self.returncode < 0:
            return f"killed by signal {-self.returncode} after {self.seconds:.1f} s"
        if self.returncode:
            return f"crashed (exit code {self.returncode}) after {self.seconds:.1f} s"
        return f"finished in {self.seconds:.1f} s"


def copy_submission(source: Path, target: Path) -> None:
    """Copy the submission (not its data, outputs, caches or environments; links as links)."""
    total = 0
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in SKIP]
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
        if total > MAX_COPY_BYTES:
            from mlprep.errors import UsageError

            raise UsageError(f"{source} holds over {MAX_COPY_BYTES // 2**20} MB besides data/ and outputs/; "
                             "a submission is code, a README and figures")
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(*SKIP))


@functools.lru_cache(maxsize=1)
def _offline_prefix() -> tuple[str, ...]:
    """``("unshare", "-rn")`` when this machine lets a user make a network namespace."""
    if os.name != "posix" or not shutil.which("unshare"):
        return ()
    try:
        done = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ()
    return ("unshare", "-rn") if done.returncode == 0 else ()


def _argv(command: str) -> list[str]:
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the interpreter (and packages) mlprep runs with
    return argv


def _limits(memory_mb: int):
    def apply() -> None:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_mb * 2**20 if hard == resource.RLIM_INFINITY else min(memory_mb * 2**20, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply if os.name == "posix" else None


def run_command(command: str, cwd: Path, env: dict[str, str], *, timeout_s: float = DEFAULT_TIMEOUT_S,
                memory_mb: int = DEFAULT_MEMORY_MB) -> Run:
    """Run ``command`` in ``cwd`` with ``env`` added, offline, for at most ``timeout_s`` seconds."""
    token = secrets.token_hex(16)
    prefix = _offline_prefix()
    offline = "own network namespace" if prefix else "offline switches only (no network namespace here)"
    argv = [*prefix, *_argv(command)]
    full_env = {**os.environ, **OFFLINE_ENV, **env, _TOKEN_VAR: token}
    started = time.monotonic()
    try:
        process = subprocess.Popen(argv, cwd=str(cwd), env=full_env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=os.name == "posix", preexec_fn=_limits(memory_mb))
    except (OSError, ValueError) as e:
        return Run(127, 0.0, False, f"could not start {command!r}: {e}", offline)
    out, err = _Tail(process.stdout), _Tail(process.stderr)
    timed_out = False
    while process.poll() is None:
        if time.monotonic() - started > timeout_s:
            timed_out = True
            break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    _kill_group(process)  # on timeout, and any process it left running after a normal exit
    process.wait()
    _kill_strays(token)
    for reader in (out, err):
        reader.join(timeout=1.0)
    output = "\n".join(t for t in (out.text().strip(), err.text().strip()) if t)
    output = _CONTROL.sub("?", output)  # the report is printed: no terminal escape sequences
    return Run(process.returncode, seconds, timed_out, output, offline)
