"""The notebooks' time budgets and ``notebooks/timings.json``, their minutes on the reference machine.

Each entry says which of :mod:`mlprep.speed`'s workloads a notebook is like, how many minutes it
takes on the reference machine, and whether that was measured there or projected from another
machine (minutes there x that machine's factor):

    {"07_rnn_language_model": {"workload": "lstm", "reference_minutes": 2.5, "source": "measured"}}

>>> from mlprep.speed import SpeedIndex
>>> minutes_here({"01_a": {"workload": "cnn", "reference_minutes": 3.0, "source": "measured"}},
...              SpeedIndex({"cnn": 1.2, "lstm": 1, "transformer": 1}))
{'01_a': 1.5}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlprep.errors import UsageError
from mlprep.runtime import atomic_write_text
from mlprep.speed import WORKLOADS, SpeedIndex, project_minutes

__all__ = ["load_timings", "write_timings", "minutes_here", "budget_minutes"]

NOTEBOOK_BUDGET, TRANSFORMER_BUDGET, CURRICULUM_BUDGET = 3.0, 4.0, 40.0  # minutes, on the reference
TIMINGS_FILE = "timings.json"
SOURCES = ("measured", "projected")  # on the reference machine / elsewhere, times the factor


def minutes_here(timings: Mapping[str, Mapping[str, Any]], index: SpeedIndex) -> dict[str, float]:
    """Each notebook's expected minutes on this machine: reference minutes / its workload's factor."""
    return {stem: project_minutes(float(e["reference_minutes"]), e["workload"], index)
            for stem, e in timings.items()}


def budget_minutes(stem: str, workload: str) -> float:
    """A notebook's budget on the reference machine: 4 minutes for the transformer ones, else 3.

    >>> budget_minutes("09_attention_gpt", "transformer"), budget_minutes("06_tfidf", "cnn")
    (4.0, 3.0)
    """
    return TRANSFORMER_BUDGET if workload == "transformer" or stem[:3] in {"09_", "10_"} else NOTEBOOK_BUDGET


def _entry_problem(entry: Any) -> str:
    if not isinstance(entry, dict):
        return 'each entry must be an object like {"workload": "cnn", "reference_minutes": 1.0, "source": "measured"}'
    if entry.get("workload") not in WORKLOADS:
        return f"workload must be one of {', '.join(WORKLOADS)}, not {entry.get('workload')!r}"
    minutes = entry.get("reference_minutes")
    if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or not minutes >= 0:
        return f"reference_minutes must be a number >= 0, not {minutes!r}"
    if entry.get("source") not in SOURCES:
        return f"source must be one of {', '.join(SOURCES)}, not {entry.get('source')!r}"
    return ""


def load_timings(notebooks_dir: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """``notebooks_dir/timings.json`` as a dict; {} when there is none, and a UsageError (an
    MlprepError) naming the file when it is malformed.

    >>> import tempfile
    >>> load_timings(tempfile.mkdtemp())
    {}
    """
    path = Path(notebooks_dir) / TIMINGS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path} is not readable JSON ({e}); fix it or delete it") from e
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold an object keyed by notebook stem; fix it or delete it")
    for stem, entry in data.items():
        problem = _entry_problem(entry)
        if problem:
            raise UsageError(f"{path}: {stem}: {problem}")
    return data


def write_timings(notebooks_dir: str | os.PathLike, timings: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write ``timings.json`` through a temporary file, one notebook a line, in curriculum order.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_timings(folder, {"06_tfidf": {"workload": "cnn", "reference_minutes": 0.3, "source": "measured"}})
    >>> load_timings(folder)["06_tfidf"]["reference_minutes"]
    0.3
    """
    for stem, entry in timings.items():
        problem = _entry_problem(dict(entry))
        if problem:
            raise UsageError(f"timings for {stem}: {problem}")
    lines = [f"  {json.dumps(stem)}: {json.dumps(dict(timings[stem]))}" for stem in sorted(timings)]
    return atomic_write_text(Path(notebooks_dir) / TIMINGS_FILE, "{\n" + ",\n".join(lines) + "\n}\n")
