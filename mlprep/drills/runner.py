"""Check a candidate's *file* in a subprocess that runs the candidate's code and nothing else.

The parent builds the cases and their expected answers, writes the inputs to
``WORKDIR/inputs.pt`` and starts ``python -m mlprep.drills.child NAME FILE WORKDIR`` (:mod:`mlprep.drills.child`) in a
session of its own. The child imports torch and NumPy, says it is ready, limits its own
memory, imports the candidate's file and calls the function on each input, saving what it
returned (or a description of what it raised) to ``WORKDIR/out-<i>.pt``. It never builds a
reference and never compares: the parent reads each output back as data only
(:mod:`mlprep.drills.transport`, ``weights_only``), judges it against its own expected
answer, and alone decides PASS. Patching torchvision, the checker, or writing files and
exiting early can only lose cases, never pass them.

Limits: the time limit starts once the child is ready (interpreter and torch start-up do not
count) and kills the child's whole process group, and then any process still carrying this
run's token in its environment; the address space is capped (``resource.setrlimit``); only
the last few kilobytes of its output are kept, however much it prints. These are limits, not
a sandbox: the candidate's code runs with your permissions.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "loop.py").write_text("def iou(a, b):\\n    while True:\\n        pass\\n")
>>> result = check_file("iou", folder / "loop.py", timeout_s=2)  # doctest: +SKIP
>>> "timed out" in result.error  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import secrets
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mlprep.drills.checker import CaseResult, CheckResult
from mlprep.errors import UsageError

__all__ = ["check_file", "DEFAULT_TIMEOUT_S", "DEFAULT_MEMORY_MB", "STARTUP_TIMEOUT_S"]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 4096  # address space the candidate's code may add to the child's
STARTUP_TIMEOUT_S = 300.0  # interpreter and torch start-up, before the time limit starts
_OUTPUT_TAIL = 2000  # characters of the child's stdout/stderr shown in the report
_KEEP_BYTES = 16 * 1024  # bytes of each stream kept while reading it
_STATUS_MAX_BYTES = 64 * 1024
_TOKEN_VAR = "MLPREP_DRILL_RUN"


@dataclass
class _Run:
    """What the parent saw of one child process."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float  # from ready to exit (or kill)
    timed_out: bool = False
    never_ready: bool = False


class _Tail(threading.Thread):
    """Reads a stream to its end and keeps only the last ``keep`` bytes of it."""

    def __init__(self, stream: IO[bytes], keep: int = _KEEP_BYTES) -> None:
        super().__init__(daemon=True)
        self.stream, self.keep = stream, keep
        self.data, self.total = bytearray(), 0
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := self.stream.read1(65536):
                self.total += len(chunk)
                self.data += chunk
                if len(self.data) > 2 * self.keep:
                    del self.data[: len(self.data) - self.keep]

    def text(self) -> str:
        data = bytes(self.data[-self.keep:])
        dropped = self.total - len(data)
        head = f"[{dropped} earlier bytes not kept]\n" if dropped > 0 else ""
        return head + data.decode("utf-8", errors="replace")


def check_file(name: str, path: str | os.PathLike, *, timeout_s: float = DEFAULT_TIMEOUT_S,
               seed: int = 0, memory_mb: int = DEFAULT_MEMORY_MB) -> CheckResult:
    """Run drill ``name``'s cases on the function ``name`` defined in the file ``path``, in a
    subprocess limited to ``timeout_s`` seconds and ``memory_mb`` MB more address space."""
    import numpy as np

    from mlprep.drills import transport
    from mlprep.drills.catalog import get_drill
    from mlprep.drills.checker import judge_case

    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"no file {path}; run `mlprep drills start {name}` first or pass the file to check")
    if not timeout_s > 0 or memory_mb <= 0:
        raise UsageError("the time and memory limits must be positive")
    drill = get_drill(name)
    cases = drill.make_cases(np.random.default_rng(seed))
    names = list(inspect.signature(drill.reference).parameters)
    result = CheckResult(drill=name, time_limit_min=drill.time_limit_min)
    with tempfile.TemporaryDirectory(prefix="mlprep-drill-") as tmp:
        work = Path(tmp)
        transport.save(work / "inputs.pt", transport.encode([[c.args, c.kwargs] for c in cases]))
        run = _run_child(name, path, work, timeout_s, memory_mb)
        status = _read_status(work / "status.json") or {}
        missing = None
        for i, case in enumerate(cases):
            outcome = _read_output(work / f"out-{i}.pt")
            if outcome is None:
                missing = i
                break
            kind, value = outcome
            result.cases.append(judge_case(case, names, drill.output_names, **{kind: value}))
    result.seconds = run.seconds
    running = status.get("running")
    running = cases[running].name if isinstance(running, int) and 0 <= running < len(cases) else None
    error = status.get("error")
    if run.never_ready:
        result.error = (f"the check process did not start within {STARTUP_TIMEOUT_S:g} s (importing "
                        "torch); try again when the machine is less busy" + _tail("stderr", run.stderr))
    elif isinstance(error, str) and error:
        result.error = error[:_OUTPUT_TAIL]  # the candidate's file could not be imported or used
    elif run.timed_out:
        where = f" while running case {running!r}" if running else " before the checks started"
        result.error = (f"timed out after {timeout_s:g} s{where}: an infinite loop, or far too slow "
                        "(the reference solution takes well under a second)")
        if running and missing is not None and cases[missing].name == running:
            result.cases.append(CaseResult(running, False, f"did not finish within {timeout_s:g} s"))
    elif missing is not None:
        code = run.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        result.error = (f"the check process crashed ({how}) before reporting case {cases[missing].name!r}"
                        + _tail("stderr", run.stderr))
    result.error += _tail("output of your code", run.stdout) if run.stdout.strip() and not result.passed else ""
    return result


def _run_child(name: str, path: Path, work: Path, timeout_s: float, memory_mb: int) -> _Run:
    """Start the child, wait for it to be ready, then at most ``timeout_s`` for it to finish."""
    import mlprep

    token = secrets.token_hex(16)
    env = {**os.environ, _TOKEN_VAR: token}
    package_root = os.path.realpath(Path(mlprep.__file__).parent.parent)
    site_dirs = {os.path.realpath(p) for p in (*site.getsitepackages(), site.getusersitepackages(),
                                               *sysconfig.get_paths().values())}
    if package_root not in site_dirs:  # a checkout: the child starts elsewhere, so say where mlprep is
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "mlprep.drills.child", name, str(path), str(work), str(memory_mb)]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=str(work),  # not the candidate's folder: its torch.py must not shadow ours at start-up
        env=env, start_new_session=os.name == "posix",  # a process group we can kill whole
    )
    out, err = _Tail(process.stdout), _Tail(process.stderr)
    launched, ready_at, timed_out, never_ready = time.monotonic(), None, False, False
    while process.poll() is None:
        now = time.monotonic()
        if ready_at is None and (work / "ready").exists():
            ready_at = now
        if ready_at is None and now - launched > STARTUP_TIMEOUT_S:
            never_ready = True
            break
        if ready_at is not None and now - ready_at > timeout_s:
            timed_out = True
            break
        time.sleep(0.02)
    ended = time.monotonic()
    _kill_group(process)  # on timeout, and after a normal exit any process it left running
    process.wait()
    _kill_strays(token)
    for reader in (out, err):  # a process that escaped with the pipes open must not hold us up
        reader.join(timeout=1.0)
    seconds = ended - ready_at if ready_at is not None else 0.0
    return _Run(process.returncode, out.text(), err.text(), seconds, timed_out, never_ready)


def _kill_group(process: subprocess.Popen) -> None:
    if os.name != "posix":
        process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # also any processes the candidate started


def _kill_strays(token: str) -> None:
    """Kill processes that left the group (``setsid``) but still carry this run's token in
    their environment; Linux only (``/proc``), and a process that clears its environment is
    not found."""
    marker = f"{_TOKEN_VAR}={token}".encode()
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


def _read_status(path: Path) -> dict | None:
    try:
        if path.stat().st_size > _STATUS_MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_output(path: Path) -> tuple[str, Any] | None:
    """``("got", value)`` or ``("raised", message)`` from one output file; None if there is
    none. A file that cannot be read back becomes a failed case, never a pass."""
    from mlprep.drills import transport

    if not path.is_file():
        return None
    try:
        tree = transport.load(path)
        if not (isinstance(tree, list) and len(tree) == 2 and tree[0] in ("returned", "raised", "unsendable")):
            raise ValueError("not an output record")
        kind, payload = tree
        if kind == "returned":
            return "got", transport.decode(payload)
        if not isinstance(payload, str):
            raise ValueError("not an output record")
        if kind == "raised":
            return "raised", payload[:_OUTPUT_TAIL]
        return "raised", (f"returned {payload[:200]}, which cannot be checked: return tensors, arrays, "
                          "numbers, strings, or lists, tuples and dicts of them")
    except (OSError, ValueError) as e:
        return "raised", f"its output could not be read back: {e}"


def _tail(label: str, text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    return f"\n  {label} (last lines):\n    " + text[-_OUTPUT_TAIL:].replace("\n", "\n    ")
