"""Handlers behind the ``mlprep quiz`` commands that write questions: ``add`` (from flags or
interactively; ``--asked-at``, linking it to an interview, is :mod:`mlprep.interviews`'), ``edit`` (in ``$EDITOR``, saved in place) and
``import``. Each writes under the catalog lock, checks everything before writing anything, and
returns an exit code; a refused input is a :class:`~mlprep.errors.UsageError` (exit 2).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from mlprep.errors import UsageError
from mlprep.quiz.catalog import (
    add_user_question,
    check_savable_id,
    load_catalog,
    new_question_id,
    question_to_markdown,
    save_user_question,
    user_questions_dir,
)
from mlprep.quiz.question import CatalogFileError, Question, parse_file, question_from_dict
from mlprep.quiz.store import lock_for
from mlprep.runtime import home_dir

__all__ = ["add", "add_question", "edit", "import_file"]


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
    add_question(args)
    return 0


def add_question(args: argparse.Namespace, *, source: str = "") -> Question:
    """Build the question from the flags (asking for what they leave out), check it, save it
    and return it; ``source`` is the default for ``--source`` (``mlprep.interviews`` passes
    "asked at COMPANY")."""
    interactive = args.prompt is None
    prompt = args.prompt if not interactive else _ask_line("Question")
    answer = args.answer if args.answer is not None else (_read_multiline("Answer (Markdown)") if interactive else "")
    topics = ",".join(args.topic or []) or (_ask_line("Topics (comma-separated)") if interactive else "")
    kind = args.kind or (_ask_line("Kind", "technical") if interactive else "technical")
    difficulty = args.difficulty or (_ask_line("Difficulty E/M/H", "M") if interactive else "M")
    catalog = load_catalog()
    data = {"id": args.id or new_question_id(prompt or "question", catalog.questions), "kind": kind,
            "topics": topics or ("ask-company" if kind == "ask_company" else ""),
            "difficulty": difficulty, "prompt": prompt, "answer": answer, "hints": args.hint,
            "links": args.link, "source": args.source or source}
    try:
        question = question_from_dict(data, path="<input>")
    except CatalogFileError as e:
        raise UsageError(e.message) from None
    if args.id and args.id in catalog.questions:
        raise UsageError(f"id {args.id!r} is taken; pick another or use `mlprep quiz edit {args.id}`")
    check_savable_id(question.id)
    question = add_user_question(question)
    print(f"added {question.id} -> {question.path}")
    return question


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
