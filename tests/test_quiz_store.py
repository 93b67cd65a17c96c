"""The review log: durable appends, torn lines, concurrent writers, SIGKILL, FSRS replay."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest

from mlprep.quiz.catalog import add_user_question, load_catalog
from mlprep.quiz.question import Question
from mlprep.quiz.schedule import derive_cards, due_questions
from mlprep.quiz.store import ReviewEvent, ReviewStore

T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="forked workers keep these tests fast")


def test_schedule_advances_and_replays_identically(tmp_path):
    store = ReviewStore(tmp_path)
    at = T0
    dues = []
    for rating in (3, 3, 3, 3):
        store.record("q", rating, at=at)
        card = derive_cards(store.events())["q"]
        dues.append(card.due)
        at = card.due  # review exactly when due
    gaps = [b - a for a, b in pairwise(dues)]
    assert all(g > timedelta(0) for g in gaps) and gaps[-1] > gaps[0]
    assert derive_cards(store.events())["q"].card.to_dict() == derive_cards(store.events())["q"].card.to_dict()
    lapse = ReviewStore(tmp_path / "other")
    lapse.record("q", 1, at=T0)
    assert derive_cards(lapse.events())["q"].due - T0 < timedelta(hours=1)


def test_naive_datetimes_and_bad_ratings_are_rejected(tmp_path):
    store = ReviewStore(tmp_path)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.record("q", 3, at=datetime(2026, 1, 1))
    with pytest.raises(Exception, match="rating must be 1-4"):
        store.record("q", 5)
    assert store.events() == []


def test_due_questions_orders_overdue_then_new():
    qs = [Question(i, "technical", ("t",), "E", "p") for i in ("a", "b", "c")]
    store_events = derive_cards([])
    assert [q.id for q in due_questions(qs, store_events, now=T0, new_limit=2)] == ["a", "b"]


def test_torn_trailing_line_is_reported_skipped_and_repaired(tmp_path):
    store = ReviewStore(tmp_path)
    store.record("a", 3, at=T0)
    with open(store.log_path, "ab") as f:
        f.write(b'{"v": 1, "event": "review", "id": "b", "rat')  # killed mid-write
    assert [e.question_id for e in store.events()] == ["a"]
    assert len(store.problems) == 1 and "reviews.jsonl:2" in store.problems[0]
    store.record("c", 4, at=T0)
    assert [e.question_id for e in store.events()] == ["a", "c"]
    # Repaired by that locked append (issue 23): moved aside, never silently dropped, and
    # no longer reported on every read.
    assert store.problems == []
    assert (tmp_path / "reviews.torn").read_bytes() == b'{"v": 1, "event": "review", "id": "b", "rat\n'


def _worker(home: str, tag: str, n: int) -> None:
    store = ReviewStore(home)
    for i in range(n):
        q = add_user_question(Question(f"{tag}-{i}", "technical", ("t",), "E", f"{tag} {i}?", "a"), home)
        store.record(q.id, 1 + i % 4)


@needs_fork
def test_two_processes_adding_and_reviewing_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_worker, args=(str(tmp_path), tag, 15)) for tag in ("x", "y")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    store = ReviewStore(tmp_path)
    events = store.events()
    assert len(events) == 30 and store.problems == []
    user_ids = set(load_catalog(home=tmp_path, include_seeds=False).questions)
    assert user_ids == {f"{t}-{i}" for t in "xy" for i in range(15)}


def _hammer(home: str) -> None:
    store = ReviewStore(home)
    i = 0
    while True:
        store.record(f"q{i % 7}", 1 + i % 4)
        if i % 5 == 0:
            add_user_question(Question(f"k-{i}", "technical", ("t",), "E", f"k {i}?", "a" * 2000), home)
        i += 1


@needs_fork
def test_sigkill_during_writes_leaves_a_loadable_store(tmp_path):
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_hammer, args=(str(tmp_path),))
    proc.start()
    deadline = time.monotonic() + 20
    log = tmp_path / "reviews.jsonl"
    while (not log.exists() or log.stat().st_size < 3000) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert proc.exitcode == -signal.SIGKILL
    store = ReviewStore(tmp_path)
    events = store.events()
    assert len(events) >= 10 and len(store.problems) <= 1
    catalog = load_catalog(home=tmp_path, include_seeds=False)
    assert catalog.errors == [] and len(catalog) >= 1
    store.record("after", 3)  # the store keeps working after the crash
    assert store.events()[-1].question_id == "after"


def test_stats_retention_counts_lapses_of_learned_cards():
    from mlprep.quiz.review import review_stats

    qs = [Question(i, "technical", ("t",), "E", "p") for i in ("a", "b", "c")]
    events, at = [], T0
    for rating in (3, 3, 3):  # learn "a" until it reaches the Review state
        events.append(ReviewEvent("a", rating, at))
        at = derive_cards(events)["a"].due
    assert derive_cards(events)["a"].state == "Review"
    events += [ReviewEvent("a", 1, at), ReviewEvent("b", 3, T0)]
    stats = review_stats(qs, events, now=at)
    assert stats["new"] == 1 and stats["reviews_total"] == 5
    # "a" is learned after two ratings; of its two reviews since, one was Again: retention 1/2.
    assert derive_cards(events)["a"].review_state_reviews == 2 and stats["retention"] == 0.5


def test_a_lock_held_elsewhere_is_a_clear_error(tmp_path):
    from filelock import FileLock

    from mlprep.errors import MlprepError
    from mlprep.quiz.store import HomeLock

    with FileLock(str(tmp_path / ".mlprep.lock")), pytest.raises(MlprepError, match="holding"):
        with HomeLock(tmp_path, timeout=0.05):
            pass
