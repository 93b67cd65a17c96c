"""Timed coding-round drills with checkers: ``mlprep drills ...`` and ``mlprep.drills.check``.

A drill asks for one function (``iou``, ``nms``, ``attention``, ...) with a fixed contract.
The checker runs it on hand-picked and seeded random cases, compares with the reference
library (torchvision, torch, scikit-learn) or the reference solution, and reports the first
failing input with expected and actual output.

In a notebook, pass the function itself; it runs in this process:

>>> import torch
>>> def my_iou(a, b):
...     return torch.ones(len(a), len(b))  # a wrong answer
>>> result = check("iou", my_iou, quiet=True)
>>> bool(result), result.first_failure.name
(False, 'half overlap')

Pass a file path instead to run it in a subprocess with time and memory limits, as the CLI
does; that subprocess returns outputs only, and this process judges them.

A notebook's other exercises (a number, a module, a function) are checked the same way by
``check_exercise(name, answer)`` (:mod:`mlprep.drills.exercises`), and ``summarize`` prints
one line per exercise, drills and exercises alike.
"""

from __future__ import annotations

import os

from mlprep.drills.base import Case, CheckFailure, Drill
from mlprep.drills.catalog import all_drills, drill_names, get_drill
from mlprep.drills.checker import CaseResult, CheckResult, run_checks
from mlprep.drills.exercises import check_exercise, exercise_names, summarize

__all__ = [
    "Case",
    "CaseResult",
    "CheckFailure",
    "CheckResult",
    "Drill",
    "all_drills",
    "check",
    "check_exercise",
    "drill_names",
    "exercise_names",
    "get_drill",
    "run_checks",
    "show",
    "summarize",
]


def check(
    name: str,
    fn: object,
    *,
    seed: int = 0,
    record: bool = False,
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    quiet: bool = False,
) -> CheckResult:
    """Check ``fn`` (a function, or the path of a file defining ``name``) against drill ``name``.

    Prints the report unless ``quiet`` and returns a :class:`CheckResult` that is truthy
    when every case passed. A function runs in this process (no timeout: interrupt the
    kernel if it hangs); a path runs in a subprocess killed after ``timeout_s`` seconds
    (counted once it has started) with at most ``memory_mb`` more address space (default
    4096). That subprocess only runs your code and hands back its outputs; this process
    builds the references and compares, so nothing in the file can fake a pass.
    ``record=True`` appends the attempt to the log ``mlprep drills list`` reads; notebooks
    leave it off so that running them does not write to your mlprep home.
    """
    drill = get_drill(name)
    file = None
    if isinstance(fn, (str, os.PathLike)):
        from mlprep.drills.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, check_file

        file = os.fspath(fn)
        result = check_file(name, file, timeout_s=timeout_s or DEFAULT_TIMEOUT_S, seed=seed,
                            memory_mb=memory_mb or DEFAULT_MEMORY_MB)
    else:
        result = run_checks(drill, fn, seed=seed)
    if record:
        from mlprep.drills.store import DrillStore

        DrillStore().record_attempt(result, file=file)
    if not quiet:
        print(result.report())
    return result


def show(name: str) -> None:
    """Print the statement (Markdown) of drill ``name``; ``get_drill(name).stub()`` is the stub.

    >>> show("iou")  # doctest: +ELLIPSIS
    # IoU (intersection over union)
    ...
    """
    print(get_drill(name).statement)
