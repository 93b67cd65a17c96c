"""The quiz commands that read your interviews: ``mlprep quiz prep --company NAME`` and
``mlprep quiz add --asked-at COMPANY``. They live here, not in :mod:`mlprep.quiz`, so that the
dependency runs one way (interviews -> quiz); :func:`register` adds them to the ``quiz`` group.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from mlprep.cli import subcommands
from mlprep.errors import UsageError
from mlprep.interviews import tracker
from mlprep.quiz import authoring
from mlprep.quiz.catalog import load_catalog
from mlprep.quiz.schedule import derive_cards, due_questions
from mlprep.quiz.store import ReviewStore, utc_now
from mlprep.runtime import home_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``--asked-at`` and ``--round`` to ``mlprep quiz add``, and ``mlprep quiz prep``."""
    quiz = subcommands(subparsers, "quiz")
    p = quiz.choices["add"]
    p.add_argument("--asked-at", metavar="COMPANY", help="link to your latest interview there")
    p.add_argument("--round", help="the round it was asked in (hr-screen, technical, coding, ...)")
    p.set_defaults(func=add)

    p = quiz.add_parser("prep", help="prepare for an interview with a company")
    p.add_argument("--company", required=True)
    p.add_argument("--limit", type=int, default=20, help="due cards to list (default 20)")
    p.set_defaults(func=prep)


def add(args: argparse.Namespace) -> int:
    """``quiz add``, linked to your latest interview at ``--asked-at`` (created if none). The
    interviews are read before anything is written: a broken interview file means no half-done add."""
    home = home_dir()
    if args.round:
        tracker.check_round(args.round)
    interview = None
    if args.asked_at:
        broken: list[str] = []
        interview = tracker.latest_for_company(home, args.asked_at, errors=broken)
        if broken:
            raise UsageError(f"{broken[0]} -- fix or move that file, then add the question again "
                             "(nothing was written)")
    source = f"asked at {args.asked_at}" + (f" ({args.round})" if args.round else "") if args.asked_at else ""
    question = authoring.add_question(args, source=source)
    if args.asked_at:
        if interview is None:
            interview = tracker.add_interview(home, company=args.asked_at)
            print(f"created interview {interview.id}")
        tracker.update_interview(home, interview.id, lambda iv: tracker.link_question(iv, question.id, args.round))
        print(f"linked to interview {interview.id}")
    return 0


def prep(args: argparse.Namespace) -> int:
    """Questions to ask the company, the topics it asked before, and the due cards on them."""
    catalog = load_catalog()
    errors = [str(e) for e in catalog.errors]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    broken: list[str] = []
    past = [i for i in tracker.load_interviews(home_dir(), errors=broken)
            if i.company.lower() == args.company.strip().lower()]
    for error in broken:  # reported, skipped; the other interviews still count
        print(f"error: {error}", file=sys.stderr)
        errors.append(error)
    asked_there = {e.get("question") for i in past for e in i.i_asked}
    to_ask = [q for q in catalog.filter(kind="ask_company") if q.id not in asked_there]
    topic_counts = Counter(t for i in past for e in i.asked if e["question"] in catalog.questions
                           for t in catalog.questions[e["question"]].topics)
    print(f"== {args.company}: {len(past)} interview(s) on record ==")
    print(f"\nQuestions to ask them ({len(to_ask)} not yet asked there):")
    for q in to_ask:
        print(f"  - {q.prompt}  [{q.id}]")
    print("\nTopics they asked before: " + (", ".join(f"{t} ({n})" for t, n in topic_counts.most_common()) or "none yet"))
    cards = derive_cards(ReviewStore().events())
    due = due_questions([q for q in catalog if set(q.topics) & set(topic_counts)], cards,
                        now=utc_now(), limit=args.limit, new_limit=args.limit)
    print(f"\nDue cards on those topics ({len(due)}):")
    for q in due:
        print(f"  - {q.id}: {q.prompt[:80]}")
    return 2 if errors else 0
