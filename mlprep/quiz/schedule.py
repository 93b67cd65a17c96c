"""Scheduling state derived from the review log with FSRS (``fsrs>=6,<7``).

Nothing here is stored: every call replays the raw events, so changing the scheduler
(or upgrading ``fsrs``) re-derives every card from the same history.

>>> from datetime import datetime, timezone
>>> from mlprep.quiz.store import ReviewEvent
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> cards = derive_cards([ReviewEvent("q1", 3, t0), ReviewEvent("q1", 3, t0.replace(minute=10))])
>>> cards["q1"].reviews, cards["q1"].card.due > t0
(2, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler, State

from mlprep.quiz.question import Question
from mlprep.quiz.store import ReviewEvent, utc_now

# No fuzz: replaying the same log must give the same schedule every time.
SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass
class CardState:
    """A question's derived FSRS card plus counts from its history."""

    question_id: str
    card: Card
    reviews: int = 0
    review_state_reviews: int = 0  # reviews of an already-learned card: the retention base
    lapses: int = 0
    last_rating: int | None = None

    @property
    def due(self) -> datetime:
        return self.card.due

    @property
    def state(self) -> str:
        return State(self.card.state).name


def card_id_for(question_id: str) -> int:
    """A stable integer id for a question (FSRS cards want an int)."""
    return int(hashlib.sha1(question_id.encode("utf-8")).hexdigest()[:12], 16)


def derive_cards(events: Iterable[ReviewEvent]) -> dict[str, CardState]:
    """Replay review events (in time order) into one :class:`CardState` per question."""
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]))
    cards: dict[str, CardState] = {}
    for _, event in ordered:
        state = cards.get(event.question_id)
        if state is None:
            state = cards[event.question_id] = CardState(
                event.question_id, Card(card_id=card_id_for(event.question_id), due=event.at)
            )
        was_review = state.card.state == State.Review
        state.card, _ = SCHEDULER.review_card(state.card, Rating(event.rating), review_datetime=event.at)
        state.reviews += 1
        state.review_state_reviews += int(was_review)
        state.lapses += int(was_review and event.rating == 1)
        state.last_rating = event.rating
    return cards


def due_questions(questions: Iterable[Question], cards: dict[str, CardState], *,
                  now: datetime | None = None, limit: int | None = None,
                  new_limit: int | None = None) -> list[Question]:
    """Questions due at ``now``: reviewed cards most overdue first, then unseen ones in
    catalog order (at most ``new_limit`` of those), capped at ``limit``."""
    now = utc_now() if now is None else now
    seen, unseen = [], []
    for q in questions:
        state = cards.get(q.id)
        if state is None:
            unseen.append(q)
        elif state.due <= now:
            seen.append((state.due, q))
    due = [q for _, q in sorted(seen, key=lambda pair: pair[0])]
    due += unseen[:new_limit] if new_limit is not None else unseen
    return due[:limit] if limit is not None else due


def next_due(cards: dict[str, CardState], question_ids: Iterable[str]) -> datetime | None:
    """The earliest due time among the given (reviewed) questions, or None."""
    times = [cards[qid].due for qid in question_ids if qid in cards]
    return min(times) if times else None
