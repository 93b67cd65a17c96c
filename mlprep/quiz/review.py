"""A review session and review statistics.

The session reads one line per step, so it works the same at a terminal and with piped
input: an empty line reveals the answer, ``1``-``4`` rates it (Again, Hard, Good, Easy),
``q`` stops. Each rating is appended to the log as soon as it is given, so stopping (or
being killed) loses at most the card in flight.

>>> import io, tempfile
>>> from pathlib import Path
>>> from mlprep.quiz.question import Question
>>> from mlprep.quiz.store import ReviewStore
>>> q = Question("q", "technical", ("cnn",), "E", "Why pool?", "To shrink the map.")
>>> out = io.StringIO()
>>> summary = run_session([q], ReviewStore(Path(tempfile.mkdtemp())), io.StringIO("\\n3\\n"), out)
>>> summary.reviewed, summary.ratings
(1, {'Good': 1})
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from mlprep.quiz.question import Question
from mlprep.quiz.render import NO_ANSWER, print_markdown
from mlprep.quiz.schedule import CardState, derive_cards, next_due
from mlprep.quiz.store import RATING_NAMES, ReviewEvent, ReviewStore, utc_now

RATING_PROMPT = "rate: 1 Again, 2 Hard, 3 Good, 4 Easy (q stops) > "


@dataclass
class SessionSummary:
    """What a session did: cards rated, counts per rating, when the next of them is due."""

    reviewed: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    next_due: datetime | None = None
    stopped_early: bool = False


def _ask(prompt: str, stdin: IO[str], stdout: IO[str]) -> str | None:
    """One line of input without its newline, or None at end of input."""
    print(prompt, end="", file=stdout, flush=True)
    line = stdin.readline()
    if not line:
        print(file=stdout)
        return None
    if not getattr(stdin, "isatty", lambda: False)():
        print(line.rstrip("\r\n"), file=stdout)  # echo piped input so transcripts read well
    return line.rstrip("\r\n").strip().lower()


def run_session(questions: list[Question], store: ReviewStore, stdin: IO[str], stdout: IO[str],
                ) -> SessionSummary:
    """Review ``questions`` in order, recording each rating; returns what happened."""
    summary = SessionSummary()
    ratings: Counter[str] = Counter()
    for number, q in enumerate(questions, start=1):
        print(f"\n[{number}/{len(questions)}] {q.id} ({q.kind}, {q.difficulty}; {', '.join(q.topics)})",
              file=stdout)
        print(f"Q: {q.prompt}", file=stdout)
        started = time.monotonic()
        rating, revealed = None, False
        while rating is None:
            reply = _ask(RATING_PROMPT if revealed else "[Enter] reveal, q stops > ", stdin, stdout)
            if reply is None or reply == "q":
                summary.stopped_early = True
                break
            if reply in ("1", "2", "3", "4"):
                rating = int(reply)
            elif reply == "" and not revealed:
                revealed = True
                print_markdown(q.answer or NO_ANSWER.format(id=q.id), file=stdout)
                for link in q.links:
                    print(f"  see: {link}", file=stdout)
            else:
                print("  (Enter reveals; 1-4 rates; q stops)", file=stdout)
        if rating is None:
            break
        store.record(q.id, rating, duration_ms=int((time.monotonic() - started) * 1000))
        ratings[RATING_NAMES[rating]] += 1
        summary.reviewed += 1
    summary.ratings = dict(ratings)
    cards = derive_cards(store.events())
    summary.next_due = next_due(cards, [q.id for q in questions])
    return summary


def review_stats(questions: list[Question], events: list[ReviewEvent], *,
                 now: datetime | None = None, days: int = 7) -> dict:
    """Due today, retention and reviews per day, as plain data (for ``--json``).

    ``due_today`` counts reviewed cards due before local midnight; ``new`` counts questions
    never reviewed (a session offers them after the due ones).

    Retention is the share of reviews of already-learned cards (FSRS state Review) that
    were not rated Again: how often you remembered what you had learned.
    """
    now = utc_now() if now is None else now
    known = {q.id for q in questions}
    cards: dict[str, CardState] = derive_cards(e for e in events if e.question_id in known)
    end_of_day = now.astimezone().replace(hour=23, minute=59, second=59)
    due_today = sum(1 for c in cards.values() if c.due <= end_of_day)
    base = sum(c.review_state_reviews for c in cards.values())
    lapses = sum(c.lapses for c in cards.values())
    start = now.astimezone().date() - timedelta(days=days - 1)
    days_shown = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    per_day = Counter(e.at.astimezone().date().isoformat() for e in events if e.at.astimezone().date() >= start)
    return {
        "questions": len(questions),
        "new": len(known - set(cards)),
        "learning": sum(1 for c in cards.values() if c.state != "Review"),
        "review": sum(1 for c in cards.values() if c.state == "Review"),
        "due_today": due_today,
        "reviews_total": sum(1 for e in events if e.question_id in known),
        "retention": round(1 - lapses / base, 3) if base else None,
        "reviews_per_day": {day: per_day.get(day, 0) for day in days_shown},
    }
