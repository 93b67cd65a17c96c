"""``mlprep takehome grade``: run a submission twice on a hidden test set and score it.

The hidden test set is generated here, from a fresh random seed the learner's folder never
holds; its inputs are written for the submission to read and its labels stay in this process.
The submission's command runs in a subprocess (:mod:`mlprep.takehome.sandbox`) on a copy of the
folder; the score is computed here from the files it wrote (``predictions.csv``,
``validation.json``, its README), read as data. Nothing the submission imports, patches or
prints can change it. The criteria and weights are in :mod:`mlprep.takehome.scoring`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlprep.takehome import sandbox, scoring
from mlprep.takehome.assignments import Assignment
from mlprep.takehome.registry import get
from mlprep.takehome.report import Report
from mlprep.takehome.workspace import ENV_DATA, ENV_OUTPUT, ENV_TEST, read_spec, write_data

MAX_OUTPUT_BYTES = 20 * 2**20


@dataclass
class Attempt:
    """One run of the command and what it left behind."""

    run: sandbox.Run
    predictions: np.ndarray | None = None
    problem: str = ""  # why the predictions could not be used
    claimed: dict[str, float] = field(default_factory=dict)  # validation.json


def read_predictions(path: Path, ids: list[str], assignment: Assignment) -> tuple[np.ndarray | None, str]:
    """The predictions in hidden-id order, or ``(None, why not)``."""
    if not path.is_file():
        return None, f"no predictions: the command did not write $TAKEHOME_OUTPUT/{path.name}"
    if path.stat().st_size > MAX_OUTPUT_BYTES:
        return None, f"{path.name} is over {MAX_OUTPUT_BYTES // 2**20} MB; one row per test id is a few KB"
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as e:
        return None, f"malformed {path.name}: {e}"
    if not rows or not {"id", "prediction"} <= set(rows[0]):
        return None, f"malformed {path.name}: it needs the header `id,prediction` and one row per test id"
    got: dict[str, str] = {}
    for row in rows:
        if row["id"] in got:
            return None, f"malformed {path.name}: id {row['id']!r} appears twice"
        got[row["id"]] = (row["prediction"] or "").strip()
    missing = [i for i in ids if i not in got]
    if missing:
        return None, f"{path.name} has no prediction for {len(missing)} of {len(ids)} test ids (e.g. {missing[0]!r})"
    values = []
    for i in ids:
        value = _value(got[i], assignment)
        if value is None:
            allowed = "a number in [0, 1]" if assignment.scored else ", ".join(assignment.classes)
            return None, f"malformed {path.name}: prediction {got[i][:40]!r} for id {i!r} is not {allowed}"
        values.append(value)
    return np.array(values, dtype=float if assignment.scored else object), ""


def _value(text: str, assignment: Assignment) -> float | str | None:
    if assignment.scored:
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if text in assignment.classes:
        return text
    try:  # "3.0" for the digit 3
        number = float(text)
    except ValueError:
        return None
    name = str(int(number)) if math.isfinite(number) and number == int(number) else ""
    return name if name in assignment.classes else None


def read_claims(path: Path) -> dict[str, float]:
    """The numbers of ``validation.json`` (``metric``, ``baseline``) that are finite numbers."""
    try:
        if path.stat().st_size > 65536:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(data[k]) for k in ("metric", "baseline")
            if isinstance(data.get(k), (int, float)) and not isinstance(data[k], bool) and math.isfinite(data[k])}


def ruff_findings(folder: Path) -> int | None:
    """How many ruff findings the submission's Python files have (None: ruff not available)."""
    try:
        done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--exit-zero",
                               "--output-format", "json", "."], cwd=folder, capture_output=True, timeout=120)
        if done.returncode != 0:
            return None
        return len(json.loads(done.stdout or b"[]"))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def grade(folder: str | Path, *, timeout_s: float = sandbox.DEFAULT_TIMEOUT_S, seed: int | None = None,
          memory_mb: int = sandbox.DEFAULT_MEMORY_MB, runs: int = 2) -> Report:
    """Grade the take-home folder ``folder``; ``seed`` (default: a fresh random one) makes the
    hidden test set. Bad input (no folder, no ``takehome.yaml``) raises ``UsageError``; a crash,
    a timeout or bad output is part of the report."""
    spec = read_spec(folder)
    assignment = get(spec.assignment)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    hidden = assignment.hidden(seed)
    attempts: list[Attempt] = []
    with tempfile.TemporaryDirectory(prefix="mlprep-takehome-") as tmp:
        tmp = Path(tmp)
        write_data(tmp / "data", assignment, spec.data_seed)
        train_labels = _train_labels(tmp / "data" / "train.csv", assignment)
        for i in range(runs):
            hidden.inputs.write(tmp / "test", "test")  # afresh: a first run may have changed it
            work, out = tmp / f"run-{i}", tmp / f"output-{i}"
            sandbox.copy_submission(spec.folder, work)
            shutil.copytree(tmp / "data", work / "data")
            out.mkdir()
            run = sandbox.run_command(spec.command, work, {ENV_DATA: str(work / "data"), ENV_TEST: str(tmp / "test"),
                                                           ENV_OUTPUT: str(out)},
                                      timeout_s=timeout_s, memory_mb=memory_mb)
            attempt = Attempt(run, claimed=read_claims(out / "validation.json"))
            attempt.predictions, attempt.problem = read_predictions(out / "predictions.csv", hidden.ids, assignment)
            attempts.append(attempt)
            if not run.ok or attempt.predictions is None:
                break  # a second run cannot tell more
        files = scoring.Files.read(tmp / "run-0", ruff_findings(tmp / "run-0"))
    return scoring.score(assignment, spec, seed, hidden, train_labels, attempts, files, timeout_s)


def _train_labels(path: Path, assignment: Assignment) -> np.ndarray:
    with open(path, newline="", encoding="utf-8") as f:
        return np.array([row[assignment.label_column] for row in csv.DictReader(f)], dtype=object)
