"""Handlers behind ``mlprep quiz ...`` (parsers live in :mod:`mlprep.quiz.cli`).

Each handler takes the parsed arguments and returns an exit code: 0, or 2 when a
catalog file was malformed (reported, skipped, the rest still used).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from mlprep.errors import UsageError
from mlprep.quiz import interviews as tracker
from mlprep.quiz.catalog import CatalogFileError, Question, parse_file, question_from_dict
from mlprep.quiz.library import (
    Catalog,
    add_user_question,
    check_savable_id,
    load_catalog,
    new_question_id,
    question_to_markdown,
    save_user_question,
    user_questions_dir,
)
from mlprep.quiz.render import print_markdown, question_text
from mlprep.quiz.review import review_stats, run_session
from mlprep.quiz.schedule import derive_cards, due_questions
from mlprep.quiz.store import ReviewStore, lock_for, utc_now
from mlprep.runtime import home_dir


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


def _read_multiline(label: str) -> str:
    print(f"{label} (finish with a line holding only '.', or end of input):")
    lines = []
    for line in sys.stdin:
        if line.rstrip("\r\n") == ".":
            break
        lines.append(line.rstrip("\r\n"))
    return "\n".join(lines).strip()


def _ask_line(label: str, default: str = "") -> str:
    print(f"{label}{f' [{default}]' if default else ''}: ", end="", flush=True)
    return sys.stdin.readline().strip() or default


def add(args: argparse.Namespace) -> int:
    home = home_dir()
    interactive = args.prompt is None
    prompt = args.prompt if not interactive else _ask_line("Question")
    answer = args.answer if args.answer is not None else (_read_multiline("Answer (Markdown)") if interactive else "")
    topics = ",".join(args.topic or []) or (_ask_line("Topics (comma-separated)") if interactive else "")
    kind = args.kind or (_ask_line("Kind", "technical") if interactive else "technical")
    difficulty = args.difficulty or (_ask_line("Difficulty E/M/H", "M") if interactive else "M")
    catalog = load_catalog()
    source = args.source or (f"asked at {args.asked_at}" + (f" ({args.round})" if args.round else "")
                             if args.asked_at else "")
    data = {"id": args.id or new_question_id(prompt or "question", catalog.questions), "kind": kind,
            "topics": topics or ("ask-company" if kind == "ask_company" else ""),
            "difficulty": difficulty, "prompt": prompt, "answer": answer, "hints": args.hint,
            "links": args.link, "source": source}
    if args.round:
        tracker.check_round(args.round)
    try:
        question = question_from_dict(data, path="<input>")
    except CatalogFileError as e:
        raise UsageError(e.message) from None
    if args.id and args.id in catalog.questions:
        raise UsageError(f"id {args.id!r} is taken; pick another or use `mlprep quiz edit {args.id}`")
    check_savable_id(question.id)
    interview = None
    if args.asked_at:  # read the interviews before writing anything: no half-done add
        broken: list[str] = []
        interview = tracker.latest_for_company(home, args.asked_at, errors=broken)
        if broken:
            raise UsageError(f"{broken[0]} -- fix or move that file, then add the question again "
                             "(nothing was written)")
    question = add_user_question(question)
    print(f"added {question.id} -> {question.path}")
    if args.asked_at:
        if interview is None:
            interview = tracker.add_interview(home, company=args.asked_at)
            print(f"created interview {interview.id}")
        tracker.update_interview(home, interview.id,
                                 lambda iv: tracker.link_question(iv, question.id, args.round))
        print(f"linked to interview {interview.id}")
    return 0


def edit(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    question = catalog.get(args.id)
    directory = user_questions_dir()
    target = _edit_target(question, directory)
    draft = directory / f".edit-{question.id}.md"  # hidden: the catalog ignores it
    if not draft.exists():
        draft.write_text(question_to_markdown(question), encoding="utf-8")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ("notepad" if os.name == "nt" else "vi")
    result = subprocess.run([*shlex.split(editor), str(draft)], check=False)
    if result.returncode != 0:
        raise UsageError(f"editor exited with {result.returncode}; your draft is kept at {draft}")
    try:
        edited = parse_file(draft)
    except CatalogFileError as e:
        raise UsageError(f"{e} -- fix it with `mlprep quiz edit {question.id}` (draft kept)") from None
    if len(edited) != 1 or edited[0].id != question.id:
        raise UsageError(f"{draft}:1: keep exactly one question with id {question.id!r} (draft kept)")
    save_user_question(edited[0], path=target)
    draft.unlink()
    print(f"saved {target}")
    return 0


def _edit_target(question: Question, directory: Path) -> Path:
    """Where an edit is saved: the user's own file, in place (in a subfolder too), so no
    second file with the same id appears; ``<id>.md`` for a starter question (your copy
    overrides it). A file holding other questions as well is refused: edit it directly."""
    path = question.path
    if path is None or not path.resolve().is_relative_to(directory.resolve()):
        return directory / f"{question.id}.md"
    others = [q.id for q in parse_file(path) if q.id != question.id]
    if path.suffix.lower() != ".md" or others:
        where = f"shares this file with {len(others)} other question(s)" if others else "is in a YAML file"
        raise UsageError(f"{path}:{question.line}: {question.id!r} {where}; edit the file itself, "
                         "then check it with `mlprep quiz validate`")
    return path


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


def import_file(args: argparse.Namespace) -> int:
    from mlprep.quiz.exchange import import_questions

    questions = import_questions(args.file)
    directory = user_questions_dir()
    with lock_for(home_dir()):
        # Check everything before writing anything: a refused id leaves no partial import.
        mine = load_catalog(include_seeds=False).questions
        targets = []
        for q in questions:
            check_savable_id(q.id)
            targets.append(_edit_target(mine[q.id], directory) if q.id in mine else directory / f"{q.id}.md")
        for q, target in zip(questions, targets, strict=True):
            save_user_question(replace(q, path=None), path=target)
    updated = sum(q.id in mine for q in questions)
    print(f"imported {len(questions)} question(s) from {args.file}: "
          f"{len(questions) - updated} new, {updated} updated")
    return 0


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


def prep(args: argparse.Namespace) -> int:
    errors: list[str] = []
    catalog = _load(errors)
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
