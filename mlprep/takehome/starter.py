"""The starter files ``mlprep takehome start`` writes: a ``solution.py`` that already runs end to
end with a baseline (so the plumbing works from minute one), and a ``README.md`` with the
sections reviewers expect.

>>> from mlprep.takehome.registry import get
>>> code = solution(get("routing"))
>>> compile(code, "solution.py", "exec") and "def baseline" in code
True
"""

from __future__ import annotations

from collections.abc import Sequence

from mlprep.takehome.assignments import Assignment

PACKAGES = ("numpy", "scikit-learn")

_METRIC = {
    "average_precision": ("average_precision_score", "average_precision_score(y_true, y_pred)"),
    "macro_f1": ("f1_score", 'f1_score(y_true, y_pred, average="macro")'),
    "accuracy": ("accuracy_score", "accuracy_score(y_true, y_pred)"),
}

_SOLUTION = '''\
"""{title} ({company}): the one command that trains and predicts. See BRIEF.md.

Run it as `python solution.py`; the grader sets TAKEHOME_DATA, TAKEHOME_TEST and TAKEHOME_OUTPUT.
It starts as a baseline only: replace the approach section with your model.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.metrics import {metric_import}

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))
LABEL = "{label}"
SEED = 0


def read_table(folder: Path, stem: str) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The rows of FOLDER/STEM.csv and its arrays (FOLDER/STEM_<name>.npy, row i = row i)."""
    with open(folder / f"{{stem}}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    arrays = {{p.stem[len(stem) + 1:]: np.load(p) for p in sorted(folder.glob(f"{{stem}}_*.npy"))}}
    return rows, arrays


def metric(y_true, y_pred) -> float:
    """The company's metric: {metric_name}."""
    return float({metric_call})


# 1. Problem framing: who uses the prediction, what a mistake costs, why this metric.

# 2. Baseline: the simplest thing that could work, scored the same way as your model.
def baseline(train_labels: list[str], n: int) -> list:
    {baseline}


# 3. Approach: your model goes here (features, model, how validation chose its settings).

# 4. Results, 5. Error analysis, 6. Limitations and next steps: in README.md, with numbers.


def main() -> None:
    train_rows, _train_arrays = read_table(DATA, "train")
    test_rows, _test_arrays = read_table(TEST, "test")
    labels = [row[LABEL] for row in train_rows]
    rng = np.random.default_rng(SEED)
    held_out = rng.random(len(labels)) < 0.2  # replace with a split that mimics production
    fit = [y for y, h in zip(labels, held_out, strict=True) if not h]
    truth = [{cast}(y) for y, h in zip(labels, held_out, strict=True) if h]
    validation = metric(truth, baseline(fit, len(truth)))
    predictions = baseline(labels, len(test_rows))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows([row["id"], p] for row, p in zip(test_rows, predictions, strict=True))
    (OUTPUT / "validation.json").write_text(json.dumps({{"metric": validation, "baseline": validation}}))
    print(f"validation {metric_name}: {{validation:.3f}} (baseline)")


if __name__ == "__main__":
    main()
'''

_BASELINES = {
    True: ("rate = float(np.mean([float(y) for y in train_labels]))\n"
           "    return [rate] * n  # one score for everything: average precision = the positive rate"),
    False: ("values, counts = np.unique(train_labels, return_counts=True)\n"
            "    return [str(values[np.argmax(counts)])] * n  # the most common class"),
}

_README = {
    "Problem framing": "Who uses the prediction, what a mistake costs, and why the metric fits.",
    "Baseline": "The simplest model, and its validation score (a number).",
    "Approach": "Features, model, and how validation (which split, and why) chose the settings.",
    "Results": "Validation numbers for baseline and model, with their spread.",
    "Error analysis": "Where the model fails, with numbers and a figure (e.g. ![errors](errors.png)).",
    "Limitations and next steps": "What you would not ship yet, and what you would do next.",
}


def solution(assignment: Assignment) -> str:
    """The starter ``solution.py`` for ``assignment``: reads the data, predicts with the
    baseline, writes ``predictions.csv`` and ``validation.json``."""
    metric_import, metric_call = _METRIC[assignment.metric_name]
    return _SOLUTION.format(title=assignment.title, company=assignment.company, label=assignment.label_column,
                            metric_import=metric_import, metric_call=metric_call,
                            metric_name=assignment.metric_name, baseline=_BASELINES[assignment.scored],
                            cast="int" if assignment.scored else "str")


def readme(assignment: Assignment, sections: Sequence[str]) -> str:
    """The starter ``README.md``: one heading per section reviewers expect, with a prompt."""
    parts = [f"# {assignment.title} ({assignment.company}): my submission\n"]
    for name in sections:
        parts.append(f"## {name}\n\n_{_README.get(name, '')}_\n")
    return "\n".join(parts)
