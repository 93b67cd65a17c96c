"""Handlers behind ``mlprep quiz ...`` that read the catalog (parsers live in :mod:`mlprep.quiz.cli`;
the ones that write questions, ``add``, ``edit`` and ``import``, in :mod:`mlprep.quiz.authoring`).

Each handler takes the parsed arguments and returns an exit code: 0, or 2 when a
catalog file was malformed (reported, skipped, the rest still used).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mlprep.quiz.catalog import Catalog, load_catalog
from mlprep.quiz.question import CatalogFileError, Question, parse_file
from mlprep.quiz.render import print_markdown, question_text
from mlprep.quiz.review import review_stats, run_session
from mlprep.quiz.schedule import derive_cards, due_questions
from mlprep.quiz.store import ReviewStore


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _load(errors: list[str]) -> Catalog:
    """The catalog, with each malformed file reported on stderr (and remembered)."""
    catalog = load_catalog()
    for e in catalog.errors:
        print(f"error: {e}", file=sys.stderr)
        errors.append(str(e))
    return catalog


def _status(errors: list[str]) -> int:
    return 2 if errors else 0


def _filtered(catalog: Catalog, args: argparse.Namespace) -> list[Question]:
    return catalog.filter(topic=getattr(args, "topic", None), kind=getattr(args, "kind", None),
                          difficulty=getattr(args, "difficulty", None))


def _when(value) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def review(args: argparse.Namespace) -> int:
    errors: list[str] = []
    catalog = _load(errors)
    store = ReviewStore()
    cards = derive_cards(store.events())
    for problem in store.problems:
        print(f"warning: {problem}", file=sys.stderr)
    due = due_questions(_filtered(catalog, args), cards, limit=args.limit, new_limit=args.new_limit)
    if not due:
        print("Nothing due. Come back later, or add questions with `mlprep quiz add`.")
        return _status(errors)
    summary = run_session(due, store, sys.stdin, sys.stdout)
    counts = ", ".join(f"{n} {name}" for name, n in summary.ratings.items()) or "none rated"
    print(f"\nReviewed {summary.reviewed} of {len(due)} ({counts}). Next due: {_when(summary.next_due)}")
    return _status(errors)


def show(args: argparse.Namespace) -> int:
    errors: list[str] = []
    question = _load(errors).get(args.id)
    card = derive_cards(e for e in ReviewStore().events() if e.question_id == question.id).get(question.id)
    schedule = {"state": card.state, "due": card.due.isoformat(), "reviews": card.reviews,
                "lapses": card.lapses} if card else {"state": "New", "due": None, "reviews": 0, "lapses": 0}
    if args.json:
        _print_json({**question.to_dict(), "path": str(question.path), "schedule": schedule})
    else:
        print(question_text(question, with_answer=False), end="")
        print_markdown(question.answer or "(no answer yet)")
        for hint in question.hints:
            print(f"Hint: {hint}")
        for link in question.links:
            print(f"See: {link}")
        print(f"Source: {question.source or '-'}  File: {question.path}")
        print(f"Schedule: {schedule['state']}, {schedule['reviews']} reviews, due {_when(card.due if card else None)}")
    return _status(errors)


def list_questions(args: argparse.Namespace) -> int:
    errors: list[str] = []
    questions = _filtered(_load(errors), args)
    cards = derive_cards(ReviewStore().events())
    if args.due:
        questions = due_questions(questions, cards)
    if args.json:
        _print_json([{**q.to_dict(), "due": cards[q.id].due.isoformat() if q.id in cards else None}
                     for q in questions])
    else:
        for q in questions:
            print(f"{q.id:44} {q.kind:11} {q.difficulty}  {','.join(q.topics)[:24]:24} {q.prompt[:60]}")
        print(f"{len(questions)} question(s)")
    return _status(errors)


def search_questions(args: argparse.Namespace) -> int:
    from mlprep.quiz.search import search

    errors: list[str] = []
    hits = search(_filtered(_load(errors), args), args.text, limit=args.limit)
    if args.json:
        _print_json([{**q.to_dict(), "score": round(score, 4)} for q, score in hits])
    else:
        for q, score in hits:
            print(f"{score:.3f}  {q.id:44} {q.prompt[:70]}")
        if not hits:
            print("no matches")
    return _status(errors)


def stats(args: argparse.Namespace) -> int:
    errors: list[str] = []
    store = ReviewStore()
    data = review_stats(_filtered(_load(errors), args), store.events())
    data["log_problems"] = store.problems
    if args.json:
        _print_json(data)
    else:
        retention = "-" if data["retention"] is None else f"{data['retention']:.0%}"
        print(f"questions {data['questions']} (new {data['new']}, learning {data['learning']}, "
              f"review {data['review']})")
        print(f"due today {data['due_today']}, reviews {data['reviews_total']}, retention {retention}")
        print("reviews per day: " + "  ".join(f"{d[5:]}:{n}" for d, n in data["reviews_per_day"].items()))
        for problem in store.problems:
            print(f"warning: {problem}", file=sys.stderr)
    return _status(errors)


def export(args: argparse.Namespace) -> int:
    from mlprep.quiz.exchange import export_anki, export_text

    errors: list[str] = []
    catalog = load_catalog(include_seeds=False) if args.mine else _load(errors)
    questions = _filtered(catalog, args)
    if args.fmt == "anki":
        path = export_anki(questions, args.output or "mlprep-questions.apkg")
        print(f"wrote {len(questions)} note(s) to {path}")
    elif args.output:
        from mlprep.runtime import atomic_write_text

        atomic_write_text(args.output, export_text(questions, args.fmt))
        print(f"wrote {len(questions)} question(s) to {args.output}")
    else:
        sys.stdout.write(export_text(questions, args.fmt))
    return _status(errors)


def validate(args: argparse.Namespace) -> int:
    if not args.files:
        catalog = load_catalog()
        for e in catalog.errors:
            print(f"error: {e}", file=sys.stderr)
        print(f"{len(catalog)} question(s) valid, {len(catalog.errors)} file(s) rejected")
        return 2 if catalog.errors else 0
    bad = 0
    for name in args.files:
        try:
            print(f"{name}: {len(parse_file(Path(name)))} question(s) ok")
        except (CatalogFileError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            bad += 1
    return 2 if bad else 0
