"""``mlprep drills``: list, start, check, show and reveal timed coding drills.

Exit codes: 0 when the command did its job (for ``check``: every case passed),
1 when a check failed, timed out or crashed, 2 for a usage error (unknown drill, no file).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from mlprep.cli import add_group
from mlprep.errors import UsageError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``drills`` and its subcommands to the ``mlprep`` parser."""
    parser = add_group(
        subparsers, "drills", help="timed coding-round drills with instant checks",
        description="Timed coding-round drills: implement an ML building block, get it checked.",
    )
    sub = parser.add_subparsers(dest="drills_command", metavar="SUBCOMMAND")

    p = sub.add_parser("list", help="every drill with topic, difficulty, time limit and your best time")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_list)

    p = sub.add_parser("start", help="write the stub into your workspace and start the clock")
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help="overwrite your file with a fresh stub and restart the clock")
    p.set_defaults(func=_start)

    p = sub.add_parser("check", help="run the checker on your file and record the attempt")
    p.add_argument("name")
    p.add_argument("file", nargs="?", help="file defining the function (default: the workspace file)")
    p.add_argument("--timeout", type=float, default=None, help="seconds before the check is killed (default 60)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random cases (default 0)")
    p.add_argument("--memory", type=int, default=None, metavar="MB",
                   help="memory your code may use beyond the checker's own (default 4096)")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of the report")
    p.set_defaults(func=_check)

    p = sub.add_parser("show", help="print the statement: what to implement, the contract, an example")
    p.add_argument("name")
    p.set_defaults(func=_show)

    p = sub.add_parser("solution", help="print the reference solution (after at least one attempt)")
    p.add_argument("name")
    p.set_defaults(func=_solution)


def _list(args: argparse.Namespace) -> int:
    from mlprep.drills.catalog import all_drills
    from mlprep.drills.store import DrillStore

    store = DrillStore()
    rows = []
    for drill in all_drills():
        attempts = store.attempts(drill.name)
        rows.append({
            "name": drill.name, "title": drill.title, "topic": drill.topic, "difficulty": drill.difficulty,
            "time_limit_min": drill.time_limit_min, "best_time_s": store.best_time(drill.name),
            "attempts": len(attempts), "passed": any(a.get("passed") for a in attempts),
        })
    _warn(store)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'name':<22} {'topic':<15} {'difficulty':<10} {'limit':>6}  {'best':>9}  title")
    for row in rows:
        best = _clock(row["best_time_s"]) if row["best_time_s"] is not None else ("passed" if row["passed"] else "-")
        print(f"{row['name']:<22} {row['topic']:<15} {row['difficulty']:<10} {row['time_limit_min']:>4} m"
              f"  {best:>9}  {row['title']}")
    print("\nstart one with: mlprep drills start NAME")
    return 0


def _warn(store) -> None:
    """Print the log lines that were skipped as unreadable (they do not change the exit code)."""
    for problem in dict.fromkeys(store.problems):
        print(f"warning: {problem}", file=sys.stderr)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _start(args: argparse.Namespace) -> int:
    from mlprep.drills.catalog import get_drill
    from mlprep.drills.store import DrillStore

    drill = get_drill(args.name)
    path, created = DrillStore().start(drill, force=args.force)
    if created:
        print(f"wrote {path}\nclock started: {drill.time_limit_min} min for {drill.title}.")
    else:
        print(f"{path} already exists; the clock keeps running (use --force to start over).")
    print(f"read the task: mlprep drills show {drill.name}\ncheck it:      mlprep drills check {drill.name}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from mlprep.drills.catalog import get_drill
    from mlprep.drills.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, check_file
    from mlprep.drills.store import DrillStore

    drill = get_drill(args.name)
    store = DrillStore()
    path = args.file or store.workspace_file(drill.name)
    if not args.file and not path.exists():
        raise UsageError(f"no workspace file for {drill.name}; run `mlprep drills start {drill.name}` or pass FILE")
    result = check_file(drill.name, path, timeout_s=args.timeout or DEFAULT_TIMEOUT_S, seed=args.seed,
                        memory_mb=args.memory or DEFAULT_MEMORY_MB)
    started = store.started_at(drill.name)
    result.elapsed_s = time.time() - started if started is not None else None
    store.record_attempt(result, file=str(path))
    _warn(store)
    if args.json:
        print(json.dumps({**result.to_dict(), "status": result.status, "passed": result.passed}, indent=2))
        return 0 if result.passed else 1
    print(result.report())
    if not result.passed:
        print(f"\nthe statement: mlprep drills show {drill.name}; "
              f"the reference: mlprep drills solution {drill.name}")
    return 0 if result.passed else 1


def _show(args: argparse.Namespace) -> int:
    from mlprep.drills.catalog import get_drill

    drill = get_drill(args.name)
    print(drill.statement)
    print(f"Topic: {drill.topic} · difficulty: {drill.difficulty} · time limit: {drill.time_limit_min} min\n")
    print("Stub:\n")
    print(drill.stub())
    return 0


def _solution(args: argparse.Namespace) -> int:
    from mlprep.drills.catalog import get_drill
    from mlprep.drills.store import DrillStore

    drill = get_drill(args.name)
    store = DrillStore()
    attempts = store.attempts(drill.name)
    _warn(store)
    if not attempts:
        raise UsageError(
            f"no attempt at {drill.name} recorded yet; try it first: "
            f"`mlprep drills start {drill.name}`, then `mlprep drills check {drill.name}`"
        )
    print(drill.solution())
    return 0
