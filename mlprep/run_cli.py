"""``mlprep run``: the curriculum's notebooks, in order, headless, then a summary.

Before the run it prints this machine's speed index and each notebook's expected minutes;
each notebook runs in a fresh kernel (:func:`mlprep.notebook_runner.run_notebook`); a failing
notebook does not stop the others; after the run, a summary table (or, with ``--json``, the
same as JSON, indent 2). The exit code says whether all passed and met their targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from mlprep import speed
from mlprep.errors import MlprepError
from mlprep.notebook_runner import check_kernel, default_notebooks_dir, find_notebooks, run_notebook
from mlprep.parameters import parse_parameters
from mlprep.run_report import PASSED, Outcome, preface, summary_data, summary_table
from mlprep.runtime import results_dir
from mlprep.speed import SpeedIndex
from mlprep.timings import load_timings

__all__ = ["run", "register"]


def _print_speed_index(stems: list[str], notebooks_dir: Path) -> tuple[SpeedIndex, dict[str, str]]:
    """The cached speed index (measured now if stale) and the notebooks' workloads, after
    printing both with the minutes expected here."""
    try:
        timings = load_timings(notebooks_dir)
    except MlprepError as e:  # a broken budgets file should not stop the notebooks from running
        print(f"warning: {e}")
        timings = {}
    if speed.read_cache() is None:
        print("measuring this machine's speed index (about 30 s; kept for a week)...", flush=True)
        busy = speed.load_warning()
        if busy:
            print(busy)
    index = speed.cached_speed_index()
    print(preface(stems, timings, index), flush=True)
    return index, {stem: entry["workload"] for stem, entry in timings.items()}


def _build_portfolio() -> int:
    """``mlprep portfolio build``, in-process; 0, or the error's exit code (printed in one line)."""
    from mlprep.portfolio.cli import build_and_report

    try:
        build_and_report()
    except MlprepError as e:
        print(f"error: portfolio not built: {e}", file=sys.stderr)
        return e.exit_code
    return 0


def run(names: list[str], params: dict[str, Any], notebooks_dir: Path, cell_timeout: int | None = None,
        *, with_speed_index: bool = True, portfolio: bool = False, as_json: bool = False) -> tuple[int, list[Outcome]]:
    """Run notebooks in order; exit code 0 only if every one passed and met its targets.
    With ``portfolio``, build the portfolio afterwards whatever the outcome (not when interrupted).
    With ``as_json``, stdout holds only the summary as JSON (indent 2); what a person reads
    during the run goes to stderr."""
    if not as_json:
        code, outcomes, _, _ = _run(names, params, notebooks_dir, cell_timeout, with_speed_index, portfolio)
        return code, outcomes
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        code, outcomes, index, workloads = _run(names, params, notebooks_dir, cell_timeout, with_speed_index, portfolio)
    summary = summary_data(outcomes, index, workloads)
    summary.update(interrupted=code == 130, results=str(results_dir()), exit_code=code)
    print(json.dumps(summary, indent=2), file=stdout)
    return code, outcomes


def _run(names: list[str], params: dict[str, Any], notebooks_dir: Path, cell_timeout: int | None,
         with_speed_index: bool, portfolio: bool) -> tuple[int, list[Outcome], SpeedIndex | None, dict[str, str]]:
    from mlprep.progress import progress_bar, write

    notebooks = find_notebooks(names, notebooks_dir)
    check_kernel()
    index, workloads = _print_speed_index([p.stem for p in notebooks], notebooks_dir) if with_speed_index else (None, {})
    outcomes: list[Outcome] = []
    overall = progress_bar(notebooks, desc="curriculum", unit="notebook", position=0)
    try:
        for path in overall:
            overall.set_postfix_str(path.stem)
            outcome = run_notebook(path, params, cell_timeout=cell_timeout, speed_index=index)
            outcomes.append(outcome)
            write(f"{outcome.stem}: {outcome.status} in {outcome.seconds / 60:.1f} min")
    except KeyboardInterrupt:
        overall.close()
        print(summary_table(outcomes, index, workloads) + "\ninterrupted: the notebooks after these did not run")
        return 130, outcomes, index, workloads
    overall.close()
    print(summary_table(outcomes, index, workloads))
    print(f"executed notebooks and run.json: {results_dir()}/<notebook>/"
          + ("" if portfolio else "; next: mlprep portfolio build"))
    code = 0 if all(o.status == PASSED for o in outcomes) else 1
    if portfolio:
        code = _build_portfolio() or code
    return code, outcomes, index, workloads


def _handler(args: argparse.Namespace) -> int:
    notebooks_dir = Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir()
    code, _ = run(args.notebooks, parse_parameters(args.parameters), notebooks_dir, args.cell_timeout,
                  with_speed_index=not args.no_speed_index, portfolio=args.portfolio, as_json=args.json)
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep run``."""
    parser = subparsers.add_parser(
        "run", help="run the curriculum notebooks headless and summarise their results",
        description="Execute notebooks in curriculum order (all by default), offline, saving "
        "results/<stem>/executed.ipynb and run.json. Prints this machine's speed index and the "
        "expected minutes first. Continues past failures; exits 1 if any notebook failed "
        "or missed a target (with --portfolio too, after building it).",
    )
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="stem (04_detection_yolo), unique prefix (04) or path; default: all")
    parser.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                        metavar="NAME=VALUE", help="set a parameter in every notebook (repeatable)")
    parser.add_argument("--notebooks-dir", metavar="DIR", help=f"default: {default_notebooks_dir()}")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                        help="fail a notebook whose cell runs longer than this (default: no limit)")
    parser.add_argument("--portfolio", action="store_true",
                        help="then build the portfolio (as `mlprep portfolio build`), whatever the outcome")
    parser.add_argument("--no-speed-index", action="store_true",
                        help="skip the speed index (measured about 10 s once a week) and the projections")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON (indent 2) on stdout; the progress goes to stderr")
    parser.set_defaults(func=_handler)
