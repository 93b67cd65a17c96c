"""``mlprep interviews ...``: track your interviews (add, list, show, update).

Questions you were asked are linked to catalog items (``--asked-id``) or created on the fly
(``--asked "prompt"``, answer it later with ``mlprep quiz edit ID``); questions you asked
them are recorded with ``--i-asked`` (a catalog id or free text).
"""

from __future__ import annotations

import argparse
import json
import sys

from mlprep.cli import add_group
from mlprep.errors import UsageError
from mlprep.interviews import quiz_commands, tracker
from mlprep.quiz.catalog import add_user_question, load_catalog, new_question_id
from mlprep.quiz.question import CatalogFileError, question_from_dict
from mlprep.runtime import home_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep interviews`` and its subcommands, and the quiz commands that read interviews
    (``quiz prep``, ``quiz add --asked-at``: registered after ``mlprep quiz``)."""
    quiz_commands.register(subparsers)
    parser = add_group(subparsers, "interviews", help="track interviews and the questions asked",
                       description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="interviews_command", metavar="SUBCOMMAND")

    p = sub.add_parser("add", help="record an interview")
    p.add_argument("--company", required=True)
    p.add_argument("--role", default="")
    p.add_argument("--date", help="YYYY-MM-DD (default: today)")
    p.add_argument("--round", action="append", default=[], dest="rounds",
                   help=f"a round ({', '.join(tracker.ROUNDS)}); repeatable")
    p.add_argument("--outcome", default="pending", help=", ".join(tracker.OUTCOMES))
    p.add_argument("--notes", default="")
    p.set_defaults(func=add)

    p = sub.add_parser("list", help="list interviews")
    p.add_argument("--company")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=list_interviews)

    p = sub.add_parser("show", help="show one interview")
    p.add_argument("id")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=show)

    p = sub.add_parser("update", help="change an interview or add questions to it")
    p.add_argument("id")
    p.add_argument("--role")
    p.add_argument("--date")
    p.add_argument("--outcome")
    p.add_argument("--round", action="append", default=[], dest="rounds", help="add a round")
    p.add_argument("--notes", help="append a note")
    p.add_argument("--asked", action="append", default=[], metavar="PROMPT",
                   help="a question they asked you (new catalog item); repeatable")
    p.add_argument("--asked-id", action="append", default=[], metavar="ID",
                   help="a catalog question they asked you; repeatable")
    p.add_argument("--in-round", help="the round --asked/--asked-id questions came in")
    p.add_argument("--topic", action="append", default=[], help="topic(s) for --asked questions")
    p.add_argument("--kind", default="technical", help="kind for --asked questions")
    p.add_argument("--i-asked", action="append", default=[], metavar="ID_OR_TEXT",
                   help="a question you asked them (catalog id or text); repeatable")
    p.add_argument("--take-home-report", metavar="FILE",
                   help="link a take-home grade report (grade-report.json from `mlprep takehome grade`)")
    p.set_defaults(func=update)


def add(args: argparse.Namespace) -> int:
    interview = tracker.add_interview(home_dir(), company=args.company, role=args.role, date=args.date,
                                      rounds=args.rounds, outcome=args.outcome, notes=args.notes)
    print(f"added interview {interview.id}")
    return 0


def list_interviews(args: argparse.Namespace) -> int:
    errors: list[str] = []
    interviews = tracker.load_interviews(home_dir(), errors=errors)
    if args.company:
        interviews = [i for i in interviews if i.company.lower() == args.company.lower()]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps([i.to_dict() for i in interviews], indent=2, ensure_ascii=False))
    else:
        for i in interviews:
            print(f"{i.id:32} {i.date:10} {i.company[:20]:20} {i.role[:20]:20} {i.outcome:9} "
                  f"rounds: {', '.join(i.rounds) or '-'}; asked {len(i.asked)}")
        print(f"{len(interviews)} interview(s)")
    return 2 if errors else 0


def show(args: argparse.Namespace) -> int:
    interview = tracker.get_interview(home_dir(), args.id)
    if args.json:
        print(json.dumps(interview.to_dict(), indent=2, ensure_ascii=False))
        return 0
    questions = load_catalog().questions
    print(f"{interview.company} - {interview.role or 'role?'} - {interview.date} - {interview.outcome}")
    print(f"rounds: {', '.join(interview.rounds) or '-'}")
    if interview.notes:
        print(f"notes:\n{interview.notes}")
    print("they asked:")
    for entry in interview.asked:
        q = questions.get(entry["question"])
        print(f"  [{entry.get('round', '-')}] {entry['question']}: {q.prompt if q else '(not in catalog)'}")
    print("you asked:")
    for entry in interview.i_asked:
        print(f"  - {entry.get('text', '')}" + (f" [{entry['question']}]" if entry.get("question") else ""))
    for entry in interview.take_home:
        print(f"take-home: {entry.get('assignment', '?')} {entry.get('score', '?')}/100 ({entry['report']})")
    return 0


def update(args: argparse.Namespace) -> int:
    home = home_dir()
    # Check every input before creating questions, so a typo leaves nothing half done.
    company = tracker.get_interview(home, args.id).company
    for check, value in ((tracker.check_date, args.date), (tracker.check_outcome, args.outcome),
                         (tracker.check_round, args.in_round), *((tracker.check_round, r) for r in args.rounds)):
        if value is not None:
            check(value)
    catalog = load_catalog()
    for qid in args.asked_id:
        catalog.get(qid)
    new_ids = []
    for prompt in args.asked:
        data = {"id": new_question_id(prompt, catalog.questions), "kind": args.kind,
                "topics": ",".join(args.topic) or "interview", "difficulty": "M", "prompt": prompt,
                "source": f"asked at {company}"}
        try:
            question = question_from_dict(data, path="<input>")
        except CatalogFileError as e:
            raise UsageError(e.message) from None
        new_ids.append(add_user_question(question).id)
        print(f"added question {new_ids[-1]} (answer it with `mlprep quiz edit {new_ids[-1]}`)")
    i_asked = [{"question": t, "text": catalog.questions[t].prompt} if t in catalog.questions else {"text": t}
               for t in args.i_asked]
    if args.take_home_report:  # a bad report is refused before anything changes
        tracker.link_take_home(tracker.Interview("check", "check"), args.take_home_report)

    def change(interview: tracker.Interview) -> None:
        if args.role is not None:
            interview.role = args.role
        if args.date is not None:
            interview.date = tracker.check_date(args.date)
        if args.outcome is not None:
            interview.outcome = tracker.check_outcome(args.outcome)
        for name in args.rounds:
            if tracker.check_round(name) not in interview.rounds:
                interview.rounds.append(tracker.check_round(name))
        if args.notes:
            interview.notes = f"{interview.notes}\n{args.notes}".strip()
        for qid in [*args.asked_id, *new_ids]:
            tracker.link_question(interview, qid, args.in_round)
        interview.i_asked += [entry for entry in i_asked if entry not in interview.i_asked]
        if args.take_home_report:
            tracker.link_take_home(interview, args.take_home_report)

    tracker.update_interview(home, args.id, change)
    print(f"updated interview {args.id}")
    return 0
