"""``mlprep takehome ...``: practise the take-home round (list, start, status, grade, card).

Exit codes: 0 done (a graded submission, whatever its score), 2 bad input (no such folder,
no takehome.yaml, an unknown assignment).
"""

from __future__ import annotations

import argparse
import json

from mlprep.cli import add_group
from mlprep.errors import UsageError
from mlprep.runtime import atomic_write_text


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep takehome`` and its subcommands."""
    parser = add_group(subparsers, "takehome", help="take-home assignments with planted traps, graded offline",
                       description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="takehome_command", metavar="SUBCOMMAND")

    p = sub.add_parser("list", help="list the assignments")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=list_assignments)

    p = sub.add_parser("start", help="write an assignment's brief, data and starter into a folder")
    p.add_argument("name")
    p.add_argument("--dir", help="the folder to create (default: ./takehome-NAME)")
    p.set_defaults(func=start)

    p = sub.add_parser("status", help="time spent against the suggested budget")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=status)

    p = sub.add_parser("grade", help="run the submission twice on a hidden test set and score it out of 100")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    p.add_argument("--memory", type=int, default=8192, metavar="MB",
                   help="address-space cap of the command in MB (default 8192)")
    p.add_argument("--seed", type=int, help="the hidden test set's seed (default: a fresh random one)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--to-quiz", action="store_true", help="add the five follow-up questions to your quiz")
    p.set_defaults(func=grade)

    p = sub.add_parser("card", help="the grader's card of an assignment: its traps (spoilers)")
    p.add_argument("name")
    p.set_defaults(func=card)


def list_assignments(args: argparse.Namespace) -> int:
    from mlprep.takehome.registry import get, names

    items = [get(n) for n in names()]
    if args.json:
        print(json.dumps([{"name": a.name, "title": a.title, "company": a.company, "kind": a.kind,
                           "metric": a.metric_name, "budget_hours": a.budget_hours} for a in items], indent=2))
        return 0
    for a in items:
        print(f"{a.name:9} {a.kind:13} {a.budget_hours:g} h  {a.metric_name:18} {a.title} ({a.company})")
    print(f"{len(items)} assignment(s); start one with `mlprep takehome start NAME`")
    return 0


def start(args: argparse.Namespace) -> int:
    from mlprep.takehome.workspace import start as start_folder

    folder = start_folder(args.name, args.dir)
    print(f"started {args.name} in {folder}: read {folder / 'BRIEF.md'}; the clock is running "
          f"(`mlprep takehome status {folder}`), grade with `mlprep takehome grade {folder}`")
    return 0


def status(args: argparse.Namespace) -> int:
    from mlprep.takehome.workspace import REPORT_FILE, elapsed_hours, read_spec

    spec = read_spec(args.dir)
    hours = elapsed_hours(spec)
    graded = (spec.folder / REPORT_FILE).is_file()
    if args.json:
        print(json.dumps({"assignment": spec.assignment, "started": spec.started, "elapsed_hours": hours,
                          "budget_hours": spec.budget_hours, "graded": graded}, indent=2))
        return 0
    if hours is None:
        print(f"{spec.assignment}: no valid start time in takehome.yaml (budget {spec.budget_hours:g} h)")
    else:
        left = spec.budget_hours - hours
        state = f"{left:.1f} h left" if left >= 0 else f"{-left:.1f} h over"
        print(f"{spec.assignment}: {hours:.1f} h of {spec.budget_hours:g} h spent ({state}); started {spec.started}")
    if graded:
        print(f"last grade report: {spec.folder / REPORT_FILE}")
    return 0


def grade(args: argparse.Namespace) -> int:
    from mlprep.takehome.grader import grade as grade_folder
    from mlprep.takehome.report import add_to_quiz
    from mlprep.takehome.workspace import REPORT_FILE

    if not args.timeout > 0 or args.memory <= 0:
        raise UsageError("--timeout and --memory must be positive (seconds, MB)")
    report = grade_folder(args.dir, timeout_s=args.timeout, seed=args.seed, memory_mb=args.memory)
    path = atomic_write_text(f"{report.folder}/{REPORT_FILE}", json.dumps(report.to_dict(), indent=2) + "\n")
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.render())
    if args.to_quiz:
        saved = add_to_quiz(report)
        if not args.json:
            print(f"added {len(saved)} question(s) to your quiz: `mlprep quiz review --topic take-home`")
    if not args.json:
        print(f"report saved to {path} (link it: `mlprep interviews update ID --take-home-report {path}`)")
    return 0


def card(args: argparse.Namespace) -> int:
    from mlprep.takehome.registry import get

    print(get(args.name).card)
    return 0
