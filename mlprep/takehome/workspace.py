"""A learner's take-home folder: what ``mlprep takehome start`` writes, and ``takehome.yaml``.

The folder holds ``BRIEF.md`` (the assignment and how it is run and graded), ``data/`` (the
training data and an unlabelled sample, generated from ``data_seed``), a starter
``solution.py`` and ``README.md`` with the sections reviewers expect, ``requirements.txt`` and
``takehome.yaml``, which names the assignment, the one command that trains and predicts, the
data seed and the start time. No hidden labels are ever written here.

>>> import tempfile
>>> folder = start("drift", Path(tempfile.mkdtemp()) / "drift")
>>> spec = read_spec(folder)
>>> spec.assignment, spec.command
('drift', 'python solution.py')
>>> sorted(p.name for p in (folder / "data").iterdir())
['sample_test', 'train.csv']
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from mlprep.errors import UsageError
from mlprep.runtime import atomic_write_text
from mlprep.takehome import starter
from mlprep.takehome.assignments import Assignment
from mlprep.takehome.registry import get

SPEC_FILE = "takehome.yaml"
REPORT_FILE = "grade-report.json"
SAMPLE_ROWS = 100
ENV_DATA, ENV_TEST, ENV_OUTPUT = "TAKEHOME_DATA", "TAKEHOME_TEST", "TAKEHOME_OUTPUT"
README_SECTIONS = ("Problem framing", "Baseline", "Approach", "Results", "Error analysis",
                   "Limitations and next steps")

CONTRACT = """\

## How your submission is run

`takehome.yaml` names **one command** (`command: python solution.py`). To grade, `mlprep takehome
grade` copies this folder to a temporary directory, writes the training data into `data/` afresh
(from `data_seed`; do not edit the data), and runs the command **twice**, offline, with a time
limit (10 minutes by default), with three environment variables set:

- `TAKEHOME_DATA`: the folder holding `train.csv` (and its `.npy` files).
- `TAKEHOME_TEST`: a folder holding `test.csv` (and its `.npy` files): the hidden test inputs,
  generated at grading time, in the format of `data/sample_test/`. It has no labels.
- `TAKEHOME_OUTPUT`: an empty folder. Write two files there:
  - `predictions.csv` with columns `id,prediction`, one row for every `id` of `test.csv`;
  - `validation.json`: `{{"metric": ..., "baseline": ...}}`, your validation estimate of
    {metric} for your model and for your baseline.

Run without them (`python solution.py`), the starter reads `data/`, predicts `data/sample_test/`
and writes to `outputs/`. The grader scores the predictions in its own process; nothing your code
prints or imports changes the score.

## What to hand in

- `README.md` with the sections {sections} (numbers, and a figure in the error analysis).
- `requirements.txt` with pinned versions; a test or two for your code.
- Suggested time: {hours:g} hours. `mlprep takehome status` shows the time spent.

## How it is graded (out of 100)

Hidden-test {metric} against a naive and a strong reference (40); reproducibility: two runs give
the same predictions, one command, pinned requirements (15); methodology: a baseline, a
validation estimate that holds up on the hidden set, no trap fallen into (25); write-up and
error analysis (15); code health: ruff, tests (5).
"""


@dataclass(frozen=True)
class Spec:
    """What ``takehome.yaml`` says."""

    folder: Path
    assignment: str
    command: str
    data_seed: int
    started: str  # ISO 8601, UTC
    budget_hours: float


def brief(assignment: Assignment) -> str:
    """The learner's ``BRIEF.md``: the business problem, then how it is run and graded."""
    return assignment.brief + CONTRACT.format(metric=assignment.metric_name, hours=assignment.budget_hours,
                                              sections=", ".join(README_SECTIONS))


def write_data(folder: Path, assignment: Assignment, data_seed: int) -> None:
    """Training data and the unlabelled sample into ``folder`` (``data/``)."""
    assignment.train(data_seed).write(folder, "train")
    sample = assignment.hidden(data_seed, pool=assignment.sample_pool).inputs
    sample.rows = sample.rows[:SAMPLE_ROWS]
    sample.arrays = {k: v[:SAMPLE_ROWS] for k, v in sample.arrays.items()}
    sample.write(folder / "sample_test", "test")


def start(name: str, folder: str | Path | None = None, *, data_seed: int | None = None) -> Path:
    """Create the take-home folder for assignment ``name`` (default ``./takehome-NAME``)."""
    assignment = get(name)
    folder = Path(folder if folder is not None else f"takehome-{name}").expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} already exists and is not empty; pass --dir NEW_FOLDER")
    data_seed = secrets.randbelow(2**31) if data_seed is None else int(data_seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_data(folder / "data", assignment, data_seed)
    atomic_write_text(folder / "BRIEF.md", brief(assignment))
    atomic_write_text(folder / "solution.py", starter.solution(assignment))
    atomic_write_text(folder / "README.md", starter.readme(assignment, README_SECTIONS))
    atomic_write_text(folder / "requirements.txt", "".join(f"{p}=={_version(p)}\n" for p in starter.PACKAGES))
    spec = {"assignment": name, "command": "python solution.py", "data_seed": data_seed,
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "budget_hours": assignment.budget_hours}
    atomic_write_text(folder / SPEC_FILE, yaml.safe_dump(spec, sort_keys=False))
    return folder


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "0"


def read_spec(folder: str | Path) -> Spec:
    """Read and check ``FOLDER/takehome.yaml``; any problem is a one-line :class:`UsageError`."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise UsageError(f"no folder {folder}; start one with `mlprep takehome start NAME --dir {folder}`")
    path = folder / SPEC_FILE
    if not path.is_file():
        raise UsageError(f"{path} not found: not a take-home folder (start one with `mlprep takehome start NAME`)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise UsageError(f"{path}: cannot be read as YAML ({type(e).__name__})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping with assignment, command, data_seed, started")
    assignment = get(data.get("assignment"))
    command = data.get("command")
    if not isinstance(command, str) or not command.strip():
        raise UsageError(f"{path}: 'command' must be the one command that trains and predicts, "
                         "e.g. `command: python solution.py`")
    seed = data.get("data_seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"{path}: 'data_seed' must be the integer `start` wrote")
    started = data.get("started")
    started = started.isoformat() if isinstance(started, dt.datetime) else str(started or "")
    budget = data.get("budget_hours", assignment.budget_hours)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0:
        raise UsageError(f"{path}: 'budget_hours' must be a positive number")
    return Spec(folder.resolve(), assignment.name, command.strip(), seed, started, float(budget))


def elapsed_hours(spec: Spec, now: dt.datetime | None = None) -> float | None:
    """Hours since the recorded start, or None when ``started`` is missing or malformed."""
    try:
        began = dt.datetime.fromisoformat(spec.started)
    except ValueError:
        return None
    if began.tzinfo is None:
        began = began.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (now - began).total_seconds() / 3600)
