"""Checks for the notebooks' open exercises: ``check_exercise(name, answer)``.

A drill (``drills.check``) asks for one function with a fixed contract. A notebook's other
exercises ask for a number (a receptive field, a parameter count), a module (option A's
shortcut) or a function (BatchNorm in train mode at test time). Each such exercise is
registered here with cases, and its checker returns the same :class:`CheckResult` as a
drill: ``"not attempted"`` while the answer is ``None`` or a stub raising
``NotImplementedError``, ``"fail"`` with the first differing case, or ``"pass"``. Every
reference answer is computed (by back-propagation, by counting ``parameters()``), never typed.

>>> check_exercise("resnet20_projection_parameters", None, quiet=True).status
'not attempted'
>>> result = check_exercise("resnet20_projection_parameters", 12, quiet=True)
>>> result.status, result.first_failure.message
('fail', 'got 12: too small')

:func:`summarize` prints one line per exercise, drills and these alike: the check cell
that ends each notebook's exercises.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from mlprep.drills.base import Case, CheckFailure, Drill
from mlprep.drills.catalog import unknown_name
from mlprep.drills.checker import CheckResult, run_checks

__all__ = ["Exercise", "check_exercise", "exercise_names", "get_exercise", "number_case", "summarize"]

# Exercise name -> the module (under mlprep.drills.exercises) that defines it, in notebook order.
EXERCISE_MODULES = {
    "alexnet_receptive_field": "alexnet",
    "resnet_option_a_shortcut": "resnet",
    "resnet20_projection_parameters": "resnet",
    "bn_train_mode_accuracy": "resnet",
    "unet_bilinear_up": "unet",
    "yolo_class_cross_entropy": "yolo",
    "yolo_shares_a_cell": "yolo",
}


@dataclass
class Exercise:
    """One checkable notebook exercise.

    ``kind`` says what the learner passes: ``"number"`` (the value itself), ``"function"``
    or ``"class"`` (called with each case's arguments). ``solution()`` returns a right
    answer of that kind, computed by code; the tests check that it passes. ``probe``, when
    set, wraps a function or class answer into what the cases call (to observe side
    effects, such as whether the model was left as it was found).
    """

    name: str
    notebook: str  # e.g. "02_resnet"
    number: int  # the exercise's number in that notebook
    question: str  # one line
    kind: str  # "number" | "function" | "class"
    solution: Callable[[], Any]
    make_cases: Callable[[np.random.Generator], list[Case]]
    probe: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None


def exercise_names() -> list[str]:
    """Every exercise check, in notebook order."""
    return list(EXERCISE_MODULES)


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; an unknown name is a :class:`UsageError` with suggestions."""
    if name not in EXERCISE_MODULES:
        raise unknown_name(name, list(EXERCISE_MODULES), "exercise check", "see `mlprep.drills.exercise_names()`")
    module = importlib.import_module(f"mlprep.drills.exercises.{EXERCISE_MODULES[name]}")
    return next(exercise for exercise in module.EXERCISES if exercise.name == name)


def check_exercise(name: str, answer: Any, *, seed: int = 0, quiet: bool = False) -> CheckResult:
    """Check ``answer`` to exercise ``name``; prints the report unless ``quiet``.

    ``None``, or a function or class that raises ``NotImplementedError``, is "not attempted".
    The cases run on one torch thread (see :func:`single_thread`).
    """
    exercise = get_exercise(name)
    fn = _callable_answer(exercise, answer)
    drill = Drill(name=name, title=exercise.question, topic=exercise.notebook, difficulty="easy",
                  time_limit_min=0, statement=exercise.question, reference=fn, make_cases=exercise.make_cases)
    with single_thread():
        result = run_checks(drill, fn, seed=seed)
    if not quiet:
        print(result.report())
    return result


def _callable_answer(exercise: Exercise, answer: Any) -> Callable[..., Any]:
    if answer is None:
        def not_answered(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"exercise {exercise.number} ({exercise.name}) is not answered yet")

        return not_answered
    if exercise.kind == "number":
        def given() -> Any:
            return answer

        return given
    if not callable(answer):
        return answer  # run_checks reports "expected a function"
    return exercise.probe(answer) if exercise.probe is not None else answer


def number_case(name: str, expected: Callable[[], int],
                hints: Callable[[], Mapping[int, str]] | None = None) -> Case:
    """A case for a whole-number answer. A wrong answer is told whether it is too small or too
    large (and, for a known slip in ``hints()``, what was probably missed), never the answer.
    ``expected`` and ``hints`` are computed only once there is an answer to judge, so an
    untouched exercise costs nothing."""

    def check(got: Any) -> None:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailure(f"expected a whole number (an int), got {type(got).__name__} {got!r}")
        want = expected()
        hint = (hints() if hints else {}).get(int(got)) if got != want else None
        if got != want:
            side = "too small" if got < want else "too large"
            raise CheckFailure(f"got {got}: {side}" + (f" ({hint})" if hint else ""))

    return Case(name, check=check)


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the block on one torch thread: the checks' tensors are tiny, and on a busy CPU a
    second thread's synchronisation can cost seconds per call."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def summarize(results: Mapping[str, CheckResult], discussion: str = "") -> None:
    """Print one line per exercise: its label, its status, and for a fail the first failing case.

    ``discussion`` names the exercises that have no check (experiments to run and discuss).

    >>> summarize({"2 receptive field": check_exercise("alexnet_receptive_field", None, quiet=True)},
    ...           discussion="3, 4")
    exercise 2 receptive field        not attempted yet
    exercises 3, 4: experiments to run and discuss, no check
    """
    width = max([len(label) for label in results] + [22])
    for label, result in results.items():
        line = f"exercise {label:<{width}}  "
        if result.status == "not attempted":
            line += "not attempted yet"
        elif result:
            line += f"PASS ({result.n_passed}/{len(result.cases)} cases)"
        else:
            failure = result.first_failure
            detail = result.error or (f"{failure.name!r}: {failure.message}" if failure else "")
            line += f"FAIL at {_shorten(detail)}"
        print(line)
    if discussion:
        plural = "s" if "," in discussion or " and " in discussion else ""
        print(f"exercise{plural} {discussion}: experiments to run and discuss, no check")


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
