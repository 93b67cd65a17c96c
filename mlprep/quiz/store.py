"""User data for the quiz: the file lock and the append-only review log.

The review log (``$MLPREP_HOME/reviews.jsonl``) holds one raw review event per line and is
the source of truth; scheduling state is derived from it (:mod:`mlprep.quiz.schedule`), so a
newer FSRS can replay the same history. Appends happen under a file lock and are fsynced.
A process killed mid-append can leave at most one torn trailing line: it is reported and
skipped when reading, and the next append (under the lock, so no writer is mid-line) moves
those bytes to ``reviews.torn`` and truncates them away, so it is not warned about forever
and nothing is lost.

>>> import tempfile
>>> store = ReviewStore(Path(tempfile.mkdtemp()))
>>> store.record("resnet-why-skip", 3).rating
3
>>> [e.question_id for e in store.events()]
['resnet-why-skip']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from mlprep.errors import MlprepError, UsageError
from mlprep.runtime import home_dir

LOG_VERSION = 1
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class HomeLock:
    """The one lock guarding every write under a home directory; re-entrant within a
    process. A lock held too long by another process is a one-line error, not a hang."""

    def __init__(self, home: Path, timeout: float) -> None:
        self.path = Path(home) / ".mlprep.lock"
        self._lock = FileLock(str(self.path), timeout=timeout)

    def __enter__(self) -> HomeLock:
        try:
            self._lock.acquire()
        except Timeout:
            raise MlprepError(f"another mlprep process is holding {self.path}; try again "
                              "(delete that file only if no mlprep process is running)") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


_LOCKS: dict[str, HomeLock] = {}


def lock_for(home: Path, timeout: float = 60.0) -> HomeLock:
    """The :class:`HomeLock` for ``home`` (one object per directory, so nesting works)."""
    key = str(Path(home).resolve())
    if key not in _LOCKS:
        Path(home).mkdir(parents=True, exist_ok=True)
        _LOCKS[key] = HomeLock(Path(home), timeout)
    return _LOCKS[key]


def utc_now() -> datetime:
    """Timezone-aware UTC now (what FSRS requires)."""
    return datetime.now(timezone.utc)


def parse_utc(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC datetime; naive means UTC.

    >>> parse_utc("2026-01-02T03:04:05Z").isoformat()
    '2026-01-02T03:04:05+00:00'
    """
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class ReviewEvent:
    """One review: which question, the rating (1 Again .. 4 Easy), when, how long it took."""

    question_id: str
    rating: int
    at: datetime
    duration_ms: int | None = None

    def to_json(self) -> str:
        data = {"v": LOG_VERSION, "event": "review", "id": self.question_id, "rating": self.rating,
                "at": self.at.isoformat()}
        if self.duration_ms is not None:
            data["duration_ms"] = self.duration_ms
        return json.dumps(data, ensure_ascii=False)


def _event_from_line(line: str) -> ReviewEvent:
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("event") != "review":
        raise ValueError("not a review event")
    rating = data["rating"]
    if rating not in RATING_NAMES or not isinstance(data["id"], str):
        raise ValueError(f"bad rating or id: {rating!r}")
    return ReviewEvent(data["id"], int(rating), parse_utc(data["at"]), data.get("duration_ms"))


class ReviewStore:
    """The review log under ``home`` (default :func:`mlprep.runtime.home_dir`).

    ``problems`` lists, after :meth:`events`, the lines that could not be read
    (``reviews.jsonl:LINE: reason``); they are skipped, never silently dropped.
    """

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home is not None else home_dir()
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_path = self.home / "reviews.jsonl"
        self.problems: list[str] = []

    def record(self, question_id: str, rating: int, *, at: datetime | None = None,
               duration_ms: int | None = None) -> ReviewEvent:
        """Append one review event (durably) and return it."""
        if rating not in RATING_NAMES:
            raise UsageError(f"rating must be 1-4 (Again, Hard, Good, Easy), got {rating!r}")
        at = utc_now() if at is None else at
        if at.tzinfo is None:
            raise ValueError("review times must be timezone-aware (UTC)")
        event = ReviewEvent(question_id, int(rating), at.astimezone(timezone.utc), duration_ms)
        self._append(event.to_json())
        return event

    def _append(self, line: str) -> None:
        with lock_for(self.home):
            fd = os.open(self.log_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                self._repair_torn_tail(fd)
                os.write(fd, (line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def _repair_torn_tail(self, fd: int) -> None:
        """Move a torn last line (a writer killed mid-line) to ``reviews.torn``, then cut it
        off the log. Called under the lock: no other writer is mid-line."""
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        start = max(0, size - 65536)
        tail = os.pread(fd, size - start, start)
        cut = start + tail.rfind(b"\n") + 1 if b"\n" in tail else (0 if start == 0 else size)
        if cut == size:  # a "line" longer than 64 KB: not a torn review; just end it
            os.write(fd, b"\n")
            return
        torn = os.pread(fd, size - cut, cut)
        with open(self.home / "reviews.torn", "ab") as kept:
            kept.write(torn + b"\n")
            kept.flush()
            os.fsync(kept.fileno())
        os.ftruncate(fd, cut)
        self.problems.append(f"{self.log_path}: a torn last line (a write cut short) was moved to "
                             f"{self.home / 'reviews.torn'}")

    def events(self) -> list[ReviewEvent]:
        """Every readable event, in log order; unreadable lines go to ``problems``."""
        self.problems = []
        if not self.log_path.exists():
            return []
        events = []
        raw = self.log_path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                events.append(_event_from_line(line))
            except (ValueError, KeyError, TypeError) as e:
                self.problems.append(f"{self.log_path}:{number}: skipped unreadable review ({e})")
        return events
