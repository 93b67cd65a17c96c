"""What an assignment is and the tables it is made of (the registry of them: :mod:`mlprep.takehome.registry`).

An :class:`Assignment` is a company-style brief plus two generators: ``train(seed)`` builds the
labelled data the learner gets, ``hidden(seed)`` builds the test set the grader scores on. The
hidden generator returns the labels separately (:class:`Hidden`): the grader writes the inputs
for the submission to read and keeps the labels in its own memory. Each assignment also names
its *leaky field*, a column that carries the label in the training data but not in production
(its hidden values are drawn independently of the label), so the grader can measure how much a
submission's predictions follow it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlprep.runtime import atomic_write_bytes, atomic_write_text

METRICS = ("average_precision", "macro_f1", "accuracy")


@dataclass
class Table:
    """Rows for a CSV file (``columns`` in order) and arrays saved next to it as ``.npy``."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def write(self, folder: Path, stem: str) -> list[Path]:
        """Write ``folder/stem.csv`` and ``folder/stem_<name>.npy`` atomically; returns the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        paths = [atomic_write_text(folder / f"{stem}.csv", buffer.getvalue())]
        for name, array in self.arrays.items():
            data = io.BytesIO()
            np.save(data, array, allow_pickle=False)
            paths.append(atomic_write_bytes(folder / f"{stem}_{name}.npy", data.getvalue()))
        return paths


@dataclass
class Hidden:
    """The hidden test set: ``inputs`` (no label column) for the submission, ``labels`` and
    ``leak`` (the leaky field as a label value, or 0/1 "has the leaky value" for a score task)
    for the grader only."""

    inputs: Table
    labels: np.ndarray
    leak: np.ndarray

    @property
    def ids(self) -> list[str]:
        return [row["id"] for row in self.inputs.rows]


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    company: str
    kind: str  # "vision", "nlp", "time-ordered"
    budget_hours: float
    metric_name: str  # one of METRICS
    label_column: str
    classes: tuple[str, ...]  # predictions must be one of these; () means a score in [0, 1]
    leak_column: str
    strong_metric: float  # the careful reference's hidden score, mean of hidden seeds 0, 1, 2 (rounded)
    honesty_tolerance: float  # |claimed validation - hidden| a sound validation stays within
    brief: str  # Markdown, shown to the learner
    card: str  # Markdown, for graders only: the traps and how each shows in a submission
    follow_ups: tuple[str, ...]  # interviewer questions about the assignment's traps
    train: Callable[[int], Table] = field(repr=False)
    hidden: Callable[..., Hidden] = field(repr=False)  # hidden(seed, pool="hidden")
    sample_pool: str = "train"  # where the workspace's unlabelled sample comes from

    @property
    def scored(self) -> bool:
        """True when predictions are scores in [0, 1] (ranking metric), not class labels."""
        return not self.classes

    def metric(self, labels: np.ndarray, predictions: np.ndarray) -> float:
        """The metric the company cares about, on the hidden labels."""
        from sklearn.metrics import accuracy_score, average_precision_score, f1_score

        if self.metric_name == "average_precision":
            return float(average_precision_score(labels.astype(int), predictions.astype(float)))
        if self.metric_name == "macro_f1":
            return float(f1_score(labels, predictions, average="macro", labels=list(self.classes),
                                  zero_division=0))
        return float(accuracy_score(labels, predictions))

    def naive_metric(self, labels: np.ndarray, train_labels: np.ndarray) -> float:
        """What a constant prediction scores: the training set's majority class, or one score
        for every item (average precision = the positive rate)."""
        if self.scored:
            return self.metric(labels, np.full(len(labels), 0.5))
        values, counts = np.unique(train_labels, return_counts=True)
        return self.metric(labels, np.full(len(labels), values[np.argmax(counts)], dtype=object))
