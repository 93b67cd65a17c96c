"""Per-notebook timing report (as nbdev's test runner gives): nbval runs a notebook as one
test per cell; this adds the cells up so a slow notebook is visible at the end of `pytest`."""

from __future__ import annotations

from collections import defaultdict

_NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)
_NOTEBOOK_FAILED: set[str] = set()


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _NOTEBOOK_SECONDS[path] += report.duration  # setup + call + teardown
        if report.failed:
            _NOTEBOOK_FAILED.add(path)


def pytest_terminal_summary(terminalreporter):
    if not _NOTEBOOK_SECONDS:
        return
    tr = terminalreporter
    tr.section("notebook timings")
    total = 0.0
    for path, seconds in sorted(_NOTEBOOK_SECONDS.items()):
        total += seconds
        status = "FAILED" if path in _NOTEBOOK_FAILED else "ok"
        tr.write_line(f"{seconds:8.1f} s  {seconds / 60:5.2f} min  {status:<6} {path}")
    tr.write_line(f"{total:8.1f} s  {total / 60:5.2f} min  total, {len(_NOTEBOOK_SECONDS)} notebooks")
