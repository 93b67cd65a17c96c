"""Where drills live on disk: the workspace, the clock and the attempt log.

Everything is under ``mlprep.runtime.home_dir() / "drills"``:

- ``workspace/<name>.py``: the candidate's file, created from the stub by ``start``;
- ``sessions.json``: when each drill was started (the clock ``check`` reports against);
- ``attempts.jsonl``: one JSON object per ``check``, appended, never rewritten in part.

Writes hold a file lock (two terminals checking at once must not lose an attempt) and go
through a temporary file and a rename, so a crash leaves the old log or the new one. The
log is read tolerantly: a line that is not UTF-8, not JSON or not an attempt is skipped and
listed in ``problems`` (the commands print it), never a reason to lose the others.

>>> import tempfile
>>> store = DrillStore(tempfile.mkdtemp())
>>> store.attempts("iou")
[]
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock

from mlprep.drills.base import Drill
from mlprep.drills.checker import CheckResult
from mlprep.errors import MlprepError
from mlprep.runtime import atomic_write_bytes, atomic_write_text, home_dir

__all__ = ["DrillStore"]


def _attempt_from_line(raw: bytes) -> dict[str, Any]:
    """One attempt, checked enough that the readers can trust its types; ValueError if not."""
    row = json.loads(raw.decode("utf-8"))  # UnicodeDecodeError and JSONDecodeError are ValueErrors
    if not isinstance(row, dict) or not isinstance(row.get("drill"), str):
        raise ValueError("not an attempt record")
    if not isinstance(row.get("passed", False), bool):
        raise ValueError("'passed' is not true or false")
    elapsed = row.get("elapsed_s")
    if elapsed is not None and (isinstance(elapsed, bool) or not isinstance(elapsed, (int, float))):
        raise ValueError("'elapsed_s' is not a number")
    return row


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class DrillStore:
    """The drills folder of one mlprep home (``root`` defaults to ``home_dir()/drills``)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else home_dir() / "drills"
        self.root.mkdir(parents=True, exist_ok=True)
        self.workspace = self.root / "workspace"
        self.sessions_path = self.root / "sessions.json"
        self.attempts_path = self.root / "attempts.jsonl"
        self._lock = FileLock(str(self.root / ".drills.lock"), timeout=30)
        self.problems: list[str] = []  # unreadable lines met by the last attempts() or started_at()

    # -- the workspace and the clock ---------------------------------------------------
    def workspace_file(self, name: str) -> Path:
        return self.workspace / f"{name}.py"

    def start(self, drill: Drill, *, force: bool = False) -> tuple[Path, bool]:
        """Write the stub and start the clock; returns (file, created).

        An existing file is kept (and its clock keeps running) unless ``force``, which
        overwrites it with a fresh stub and restarts the clock.
        """
        path = self.workspace_file(drill.name)
        with self._lock:
            sessions = self._read_sessions()
            if path.exists() and not force:
                if drill.name not in sessions:  # a file from elsewhere: start its clock now
                    sessions[drill.name] = {"started": _now_iso(), "started_unix": time.time()}
                    atomic_write_text(self.sessions_path, json.dumps(sessions, indent=1))
                return path, False
            header = (
                f"# Drill {drill.name}: {drill.title} ({drill.difficulty}, {drill.time_limit_min} min).\n"
                f"# Read the task:  mlprep drills show {drill.name}\n"
                f"# Check it:       mlprep drills check {drill.name}\n\n"
            )
            atomic_write_text(path, header + drill.stub())
            sessions[drill.name] = {"started": _now_iso(), "started_unix": time.time()}
            atomic_write_text(self.sessions_path, json.dumps(sessions, indent=1))
        return path, True

    def started_at(self, name: str) -> float | None:
        """Unix time ``start`` was run for ``name``, or None (also when the clock file is
        unreadable: that is reported in ``problems``, and the check goes on)."""
        try:
            session = self._read_sessions().get(name)
            return float(session["started_unix"]) if session else None
        except MlprepError as e:
            self.problems.append(str(e))
        except (TypeError, KeyError, ValueError, AttributeError):
            self.problems.append(f"{self.sessions_path}: the clock of {name!r} is unreadable; "
                                 f"`mlprep drills start {name} --force` restarts it")
        return None

    def _read_sessions(self) -> dict[str, Any]:
        if not self.sessions_path.exists():
            return {}
        try:
            data = json.loads(self.sessions_path.read_bytes().decode("utf-8"))
        except ValueError as e:  # not UTF-8, or not JSON
            raise MlprepError(f"{self.sessions_path} is not valid JSON ({e}); delete it to reset the drill clocks") from None
        if not isinstance(data, dict):
            raise MlprepError(f"{self.sessions_path} is not a JSON object; delete it to reset the drill clocks")
        return data

    # -- attempts ------------------------------------------------------------------------
    def record_attempt(self, result: CheckResult, *, file: str | None = None) -> dict[str, Any]:
        """Append one attempt to ``attempts.jsonl`` (locked, atomic) and return it."""
        first = result.first_failure
        attempt = {
            "drill": result.drill,
            "finished": _now_iso(),
            "passed": result.passed,
            "n_passed": result.n_passed,
            "n_cases": len(result.cases),
            "elapsed_s": None if result.elapsed_s is None else round(result.elapsed_s, 1),
            "time_limit_min": result.time_limit_min,
            "file": file,
            "error": result.error or None,
            "first_failure": None if first is None else f"{first.name}: {first.message}",
        }
        line = (json.dumps(attempt, sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            # Bytes, not text: a bad byte someone else wrote is kept as it is, not a crash.
            old = self.attempts_path.read_bytes() if self.attempts_path.exists() else b""
            if old and not old.endswith(b"\n"):
                old += b"\n"
            atomic_write_bytes(self.attempts_path, old + line)
        return attempt

    def attempts(self, name: str | None = None) -> list[dict[str, Any]]:
        """Recorded attempts, oldest first, optionally for one drill; unreadable lines are
        skipped and listed in ``problems`` (``attempts.jsonl:LINE: why``)."""
        self.problems = []
        if not self.attempts_path.exists():
            return []
        rows = []
        for number, raw in enumerate(self.attempts_path.read_bytes().splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                row = _attempt_from_line(raw)
            except ValueError as e:  # a hand-edited, torn or foreign line must not hide the others
                self.problems.append(f"{self.attempts_path}:{number}: skipped unreadable attempt ({e})")
                continue
            if name is None or row["drill"] == name:
                rows.append(row)
        return rows

    def best_time(self, name: str) -> float | None:
        """Fastest passing attempt in seconds since ``start``, or None."""
        times = [a["elapsed_s"] for a in self.attempts(name) if a.get("passed") and a.get("elapsed_s") is not None]
        return min(times) if times else None
