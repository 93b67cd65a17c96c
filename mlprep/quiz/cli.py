"""``mlprep quiz ...``: review, add, edit, show, list, search, stats, import, export, prep.

``prep`` and ``add --asked-at`` read your interviews, so :mod:`mlprep.interviews.quiz_commands`
adds them (the quiz does not import the interviews area).

Commands that load the catalog print each malformed file as ``error: FILE:LINE: ...``,
carry on with the files that loaded, and exit with code 2.
"""

from __future__ import annotations

import argparse

from mlprep.cli import add_group
from mlprep.quiz import authoring, commands
from mlprep.quiz.exchange import FORMATS
from mlprep.quiz.question import KINDS


def _filters(parser: argparse.ArgumentParser, *, json_flag: bool = False) -> None:
    parser.add_argument("--topic", help="only questions with this topic (e.g. resnet)")
    parser.add_argument("--kind", help=f"only questions of this kind ({', '.join(KINDS)})")
    parser.add_argument("--difficulty", help="E, M or H")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep quiz`` and its subcommands."""
    quiz = add_group(subparsers, "quiz", help="interview Q&A catalog with spaced repetition",
                     description=__doc__.splitlines()[0])
    sub = quiz.add_subparsers(dest="quiz_command", metavar="SUBCOMMAND")

    p = sub.add_parser("review", help="review due cards (Enter reveals, 1-4 rates, q stops)")
    _filters(p)
    p.add_argument("--limit", type=int, default=20, help="at most this many cards (default 20)")
    p.add_argument("--new", type=int, default=10, dest="new_limit",
                   help="at most this many never-seen cards (default 10)")
    p.set_defaults(func=commands.review)

    p = sub.add_parser("add", help="add your own question (prompts for what flags leave out)")
    p.add_argument("--prompt", help="the question")
    p.add_argument("--answer", help="your answer (Markdown); may be left for later")
    p.add_argument("--topic", action="append", help="a topic (repeat, or comma-separate)")
    p.add_argument("--kind", help=f"{', '.join(KINDS)} (default: technical)")
    p.add_argument("--difficulty", help="E, M or H (default: M)")
    p.add_argument("--hint", action="append", default=[], help="a hint (repeatable)")
    p.add_argument("--link", action="append", default=[], help="a notebook or paper (repeatable)")
    p.add_argument("--source", default="", help="where the question comes from")
    p.add_argument("--id", help="an id (default: made from the prompt)")
    p.set_defaults(func=authoring.add)

    p = sub.add_parser("edit", help="edit a question in $EDITOR (starter questions get your copy)")
    p.add_argument("id")
    p.set_defaults(func=authoring.edit)

    p = sub.add_parser("show", help="show one question with its answer and schedule")
    p.add_argument("id")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=commands.show)

    p = sub.add_parser("list", help="list questions")
    _filters(p, json_flag=True)
    p.add_argument("--due", action="store_true", help="only questions due now")
    p.set_defaults(func=commands.list_questions)

    p = sub.add_parser("search", help="search prompts and answers (ranked by TF-IDF)")
    p.add_argument("text")
    _filters(p, json_flag=True)
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=commands.search_questions)

    p = sub.add_parser("stats", help="due today, retention, reviews per day")
    _filters(p, json_flag=True)
    p.set_defaults(func=commands.stats)

    p = sub.add_parser("import", help="import questions from .yaml, .md or .csv (same id updates)")
    p.add_argument("file")
    p.set_defaults(func=authoring.import_file)

    p = sub.add_parser("export", help="export questions as yaml, csv, md or an Anki deck")
    p.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    p.add_argument("--output", "-o", help="file to write (default: stdout; anki: mlprep-questions.apkg)")
    p.add_argument("--mine", action="store_true", help="only your own questions")
    _filters(p)
    p.set_defaults(func=commands.export)

    p = sub.add_parser("validate", help="check question files (default: the whole catalog)")
    p.add_argument("files", nargs="*")
    p.set_defaults(func=commands.validate)
