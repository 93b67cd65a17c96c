"""Check a candidate's *file* in a subprocess, so its infinite loops and crashes stay there.

The parent starts ``python -m mlprep.drills.runner NAME FILE STATUS_JSON``. The child
imports the file, runs the checker and rewrites ``STATUS_JSON`` before and after every
case, so when the parent has to kill it on timeout, the report still says which cases
passed and which case hung. A child that dies without a final status (a segfault,
``os._exit``, running out of memory) is reported as a crash with the tail of its stderr.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "loop.py").write_text("def iou(a, b):\\n    while True:\\n        pass\\n")
>>> result = check_file("iou", folder / "loop.py", timeout_s=8)  # doctest: +SKIP
>>> "timed out" in result.error  # doctest: +SKIP
True
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlprep.drills.checker import CaseResult, CheckResult
from mlprep.errors import UsageError

__all__ = ["check_file", "DEFAULT_TIMEOUT_S"]

DEFAULT_TIMEOUT_S = 60.0
_OUTPUT_TAIL = 2000  # characters of the child's stdout/stderr kept for the report


def check_file(name: str, path: str | os.PathLike, *, timeout_s: float = DEFAULT_TIMEOUT_S,
               seed: int = 0) -> CheckResult:
    """Run drill ``name``'s checker on the function ``name`` defined in the file ``path``."""
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"no file {path}; run `mlprep drills start {name}` first or pass the file to check")
    with tempfile.TemporaryDirectory(prefix="mlprep-drill-") as tmp:
        status_path = Path(tmp) / "status.json"
        command = [sys.executable, "-m", "mlprep.drills.runner", name, str(path), str(status_path), str(seed)]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=str(path.parent), start_new_session=os.name == "posix",  # a group we can kill whole
        )
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            stdout, stderr = process.communicate()
        status = _read_status(status_path)
    result = CheckResult.from_dict(status["result"]) if status else CheckResult(drill=name)
    if timed_out:
        running = status.get("running") if status else None
        where = f" while running case {running!r}" if running else " before the checks started"
        result.error = (f"timed out after {timeout_s:g} s{where}: an infinite loop, or far too slow "
                        "(the reference solution takes well under a second)")
        if running:
            result.cases.append(CaseResult(running, False, f"did not finish within {timeout_s:g} s"))
    elif not status or not status.get("done"):
        code = process.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        result.error = f"the check process crashed ({how}) before reporting" + _tail("stderr", stderr)
    result.error += _tail("output of your code", stdout) if stdout and not result.passed else ""
    return result


def _kill(process: subprocess.Popen) -> None:
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)  # also any processes the candidate started
            return
        except ProcessLookupError:
            return
    process.kill()


def _read_status(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _tail(label: str, text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    return f"\n  {label} (last lines):\n    " + text[-_OUTPUT_TAIL:].replace("\n", "\n    ")


def _write_status(path: Path, result: CheckResult, *, running: str | None, done: bool) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"result": result.to_dict(), "running": running, "done": done}), encoding="utf-8")
    os.replace(tmp, path)  # the parent never reads half a file


def _child(name: str, file: str, status_file: str, seed: int) -> int:
    """Entry point of the subprocess: import the candidate, check, report through the status file."""
    from mlprep.drills.catalog import get_drill
    from mlprep.drills.checker import run_checks

    status_path = Path(status_file)
    drill = get_drill(name)
    result = CheckResult(drill=name, time_limit_min=drill.time_limit_min)
    _write_status(status_path, result, running=None, done=False)
    sys.path.insert(0, str(Path(file).parent))  # the candidate may import its own helpers
    try:
        spec = importlib.util.spec_from_file_location(f"mlprep_candidate_{name}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except BaseException as e:  # SyntaxError, ImportError, even SystemExit at import time
        line = f" (line {e.lineno})" if isinstance(e, SyntaxError) and e.lineno else ""
        result.error = f"could not import {file}: {type(e).__name__}: {e}{line}"
        _write_status(status_path, result, running=None, done=True)
        return 1
    fn = getattr(module, name, None)
    if fn is None:
        defined = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        result.error = f"{file} defines no function named {name!r} (it defines: {', '.join(defined) or 'nothing'})"
        _write_status(status_path, result, running=None, done=True)
        return 1

    started = time.perf_counter()

    def progress(partial: CheckResult, running: str | None) -> None:
        partial.seconds = time.perf_counter() - started
        _write_status(status_path, partial, running=running, done=False)

    result = run_checks(drill, fn, seed=seed, progress=progress)
    _write_status(status_path, result, running=None, done=True)
    return 0 if result else 1


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
