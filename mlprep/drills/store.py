"""Where drills live on disk: the workspace, the clock and the attempt log.

Everything is under ``mlprep.runtime.home_dir() / "drills"``:

- ``workspace/<name>.py``: the candidate's file, created from the stub by ``start``;
- ``sessions.json``: when each drill was started (the clock ``check`` reports against);
- ``attempts.jsonl``: one JSON object per ``check``, appended, never rewritten in part.

Writes hold a file lock (two terminals checking at once must not lose an attempt) and go
through a temporary file and a rename, so a crash leaves the old log or the new one.

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
from mlprep.runtime import atomic_write_text, home_dir

__all__ = ["DrillStore"]


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
        """Unix time ``start`` was run for ``name``, or None."""
        session = self._read_sessions().get(name)
        return float(session["started_unix"]) if session else None

    def _read_sessions(self) -> dict[str, Any]:
        if not self.sessions_path.exists():
            return {}
        try:
            return json.loads(self.sessions_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise MlprepError(f"{self.sessions_path} is not valid JSON ({e}); delete it to reset the drill clocks") from None

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
        line = json.dumps(attempt, sort_keys=True) + "\n"
        with self._lock:
            old = self.attempts_path.read_text(encoding="utf-8") if self.attempts_path.exists() else ""
            if old and not old.endswith("\n"):
                old += "\n"
            atomic_write_text(self.attempts_path, old + line)
        return attempt

    def attempts(self, name: str | None = None) -> list[dict[str, Any]]:
        """Recorded attempts, oldest first, optionally for one drill; bad lines are skipped."""
        if not self.attempts_path.exists():
            return []
        rows = []
        for line in self.attempts_path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a hand-edited or foreign line must not hide the others
            if isinstance(row, dict) and (name is None or row.get("drill") == name):
                rows.append(row)
        return rows

    def best_time(self, name: str) -> float | None:
        """Fastest passing attempt in seconds since ``start``, or None."""
        times = [a["elapsed_s"] for a in self.attempts(name) if a.get("passed") and a.get("elapsed_s") is not None]
        return min(times) if times else None
