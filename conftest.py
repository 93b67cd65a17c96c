"""Per-notebook timing report (as nbdev's test runner gives): nbval runs a notebook as one
test per cell; this adds the cells up so a slow notebook is visible at the end of `pytest`,
with its minutes projected onto the reference machine (minutes here x the speed-index factor of
the notebook's workload in notebooks/timings.json) against its budget."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

_NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)
_NOTEBOOK_FAILED: set[str] = set()


def pytest_collection_modifyitems(items):
    """Every notebook cell is `slow`: `pytest -m "not slow"` is the unit tests alone."""
    for item in items:
        if item.nodeid.split("::", 1)[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _NOTEBOOK_SECONDS[path] += report.duration  # setup + call + teardown
        if report.failed:
            _NOTEBOOK_FAILED.add(path)


def _projection():
    """(speed index, timings) or (None, {}) when they cannot be had."""
    try:
        from mlprep import speed
        from mlprep.timings import load_timings

        return speed.cached_speed_index(), load_timings(Path(__file__).parent / "notebooks")
    except Exception:  # the report must not fail the run
        return None, {}


def pytest_terminal_summary(terminalreporter):
    if not _NOTEBOOK_SECONDS:
        return
    from mlprep.timings import CURRICULUM_BUDGET, budget_minutes

    tr = terminalreporter
    tr.section("notebook timings")
    index, timings = _projection()
    total = reference_total = 0.0
    for path, seconds in sorted(_NOTEBOOK_SECONDS.items()):
        total += seconds
        status = "FAILED" if path in _NOTEBOOK_FAILED else "ok"
        line = f"{seconds:8.1f} s  {seconds / 60:5.2f} min  {status:<6} {path}"
        entry = timings.get(Path(path).stem)
        if index is not None and entry:
            reference = seconds / 60 * index.factors[entry["workload"]]
            reference_total += reference
            budget = budget_minutes(Path(path).stem, entry["workload"])
            line += f"  (~{reference:.2f} min on the reference machine, budget {budget:.0f}{', OVER' if reference > budget else ''})"
        tr.write_line(line)
    tr.write_line(f"{total:8.1f} s  {total / 60:5.2f} min  total, {len(_NOTEBOOK_SECONDS)} notebooks")
    if index is not None and reference_total:
        tr.write_line(f"about {reference_total:.1f} min on the reference machine (budget {CURRICULUM_BUDGET:.0f}; "
                      f"speed index {index.describe()})")
