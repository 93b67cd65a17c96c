"""Run a drill's cases against a candidate function and report the outcome.

The same :class:`CheckResult` comes back whether the function ran in this process
(notebooks) or in a subprocess (``mlprep drills check``); it prints the same report.

>>> from mlprep.drills.catalog import get_drill
>>> drill = get_drill("iou")
>>> result = run_checks(drill, drill.reference)
>>> bool(result), result.n_failed
(True, 0)
"""

from __future__ import annotations

import copy
import inspect
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mlprep.drills.base import Case, CheckFailure, Drill
from mlprep.drills.compare import compare, format_value

__all__ = ["CaseResult", "CheckResult", "describe_exception", "judge_case", "run_checks"]


@dataclass
class CaseResult:
    """The outcome of one case; ``inputs``/``expected``/``got`` are readable text."""

    name: str
    passed: bool
    message: str = ""
    inputs: str = ""
    expected: str = ""
    got: str = ""


@dataclass(repr=False)
class CheckResult:
    """All cases of one check. Truthy when every case passed and nothing crashed."""

    drill: str
    cases: list[CaseResult] = field(default_factory=list)
    error: str = ""  # import failure, timeout or crash: nothing could be checked
    seconds: float = 0.0
    elapsed_s: float | None = None  # since `mlprep drills start`, when known
    time_limit_min: int | None = None

    def __repr__(self) -> str:
        state = f"error={self.error.splitlines()[0]!r}" if self.error else f"passed={self.n_passed}/{len(self.cases)}"
        return f"CheckResult(drill={self.drill!r}, {state})"

    def __bool__(self) -> bool:
        return not self.error and bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def passed(self) -> bool:
        return bool(self)

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def n_failed(self) -> int:
        return len(self.cases) - self.n_passed

    @property
    def not_attempted(self) -> bool:
        """True for an untouched stub: every case raised ``NotImplementedError``."""
        return (not self.error and bool(self.cases)
                and all(c.message.startswith("raised NotImplementedError") for c in self.cases))

    @property
    def status(self) -> str:
        """``"pass"``, ``"fail"`` or ``"not attempted"`` (an error counts as a fail)."""
        return "pass" if self else "not attempted" if self.not_attempted else "fail"

    @property
    def first_failure(self) -> CaseResult | None:
        return next((c for c in self.cases if not c.passed), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        cases = [CaseResult(**c) for c in data.get("cases", [])]
        return cls(**{**data, "cases": cases})

    def report(self) -> str:
        """The text ``mlprep drills check`` and ``mlprep.drills.check`` print."""
        lines = [f"drill {self.drill}"]
        if self.not_attempted:
            return "\n".join(lines + [
                f"  not attempted yet: {self.drill} still raises NotImplementedError.",
                "  Write it (replace the `raise`), then run the check again."])
        if self.error:
            lines.append(f"  ERROR {self.error}")
        previous = ""
        for case in self.cases:
            status = "PASS" if case.passed else "FAIL"
            # The same exception in every case (a stub, a typo) is said once, not twelve times.
            message = "the same error" if case.message and case.message == previous and case.message.startswith("raised") else case.message
            previous = case.message
            lines.append(f"  {status}  {case.name}" + (f": {message}" if message else ""))
        failure = self.first_failure
        if failure is not None and failure.inputs:
            lines += ["", f"first failing case: {failure.name}", "  inputs:"]
            lines += [f"    {line}" for line in failure.inputs.splitlines()]
            for label, text in (("expected", failure.expected), ("got", failure.got)):
                if text:
                    lines.append(f"  {label}:")
                    lines += [f"    {line}" for line in text.splitlines()]
        verdict = "PASS" if self else "FAIL"
        lines += ["", f"{verdict}: {self.n_passed}/{len(self.cases)} cases passed ({self.seconds:.2f} s)"]
        if self.elapsed_s is not None and self.time_limit_min:
            over = " (over the limit)" if self.elapsed_s > 60 * self.time_limit_min else ""
            lines.append(
                f"time: {_minutes(self.elapsed_s)} of {self.time_limit_min} min{over}"
            )
        return "\n".join(lines)


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s"


def run_checks(
    drill: Drill,
    fn: Any,
    *,
    seed: int = 0,
    progress: Callable[[CheckResult, str | None], None] | None = None,
) -> CheckResult:
    """Run every case of ``drill`` on ``fn``; candidate exceptions become failed cases.

    ``progress(result_so_far, case_name)`` is called before each case (the subprocess
    runner uses it to say which case hung when it has to be killed).
    """
    start = time.perf_counter()
    result = CheckResult(drill=drill.name, time_limit_min=drill.time_limit_min)
    if not callable(fn):
        result.error = f"expected a function named {drill.name}, got {type(fn).__name__}"
        return result
    names = list(inspect.signature(drill.reference).parameters)
    for case in drill.make_cases(np.random.default_rng(seed)):
        if progress is not None:
            progress(result, case.name)
        result.cases.append(_run_case(case, fn, names, drill.output_names))
    result.seconds = time.perf_counter() - start
    return result


def _run_case(case: Case, fn: Any, names: list[str], output_names: tuple[str, ...] = ()) -> CaseResult:
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    try:
        got = fn(*args, **kwargs)
    except Exception as e:  # the candidate's bug is the report, not a crash of ours
        return judge_case(case, names, output_names, raised=describe_exception(e))
    return judge_case(case, names, output_names, got=got)


def judge_case(case: Case, names: list[str], output_names: tuple[str, ...] = (), *,
               got: Any = None, raised: str | None = None) -> CaseResult:
    """The verdict on one case, given what the candidate's function returned (``got``) or
    the description of what it raised (``raised``). The subprocess runner calls this in the
    parent, on outputs the candidate's process sent back, so its code never judges itself."""
    inputs = _describe_inputs(case, names)
    if raised is not None:
        return CaseResult(case.name, False, raised, inputs=inputs)
    try:
        if case.check is not None:
            case.check(got)
        elif output_names and isinstance(case.expected, tuple):
            _compare_named(case, got, output_names)
        else:
            compare(case.expected, got, atol=case.atol, rtol=case.rtol)
    except CheckFailure as e:
        expected = format_value(case.expected) if case.check is None else ""
        return CaseResult(case.name, False, str(e), inputs, expected, format_value(got))
    except Exception as e:  # e.g. the output is the wrong type for a custom check
        return CaseResult(case.name, False, f"output could not be checked: {e!r}", inputs, "", format_value(got))
    return CaseResult(case.name, True)


def _compare_named(case: Case, got: Any, output_names: tuple[str, ...]) -> None:
    # A tuple result is reported part by part by name ("dx[0, 1]: ..."), not "result[1]".
    if not isinstance(got, (tuple, list)) or len(got) != len(output_names):
        raise CheckFailure(f"expected a tuple ({', '.join(output_names)}), got {format_value(got, 80)}")
    for name, expected, value in zip(output_names, case.expected, got, strict=True):
        compare(expected, value, atol=case.atol, rtol=case.rtol, path=name)


def _describe_inputs(case: Case, names: list[str]) -> str:
    names = names + [f"arg{i}" for i in range(len(names), len(case.args))]
    parts = [f"{names[i]} = {format_value(a)}" for i, a in enumerate(case.args)]
    parts += [f"{k} = {format_value(v)}" for k, v in case.kwargs.items()]
    return "\n".join(parts)


def describe_exception(error: BaseException) -> str:
    """``raised TypeError: ... (line 3 in iou: return a @ b)``: the candidate's line."""
    frames = traceback.extract_tb(error.__traceback__)
    # The last frame outside the checker and the child process's loop is where the candidate's code failed.
    frames = [f for f in frames if not f.filename.endswith(("checker.py", "runner.py", "child.py"))]
    where = f" (line {frames[-1].lineno} in {frames[-1].name}: {frames[-1].line})" if frames else ""
    return f"raised {type(error).__name__}: {error}{where}"
