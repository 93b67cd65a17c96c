"""Drill: per-class precision, recall and F1 from a confusion matrix, against scikit-learn."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Precision, recall and F1 from a confusion matrix

Write `precision_recall_f1(confusion)`: `confusion` is a `(C, C)` int array where
`confusion[i, j]` counts examples of **true** class `i` **predicted** as class `j`
(scikit-learn's `confusion_matrix` convention). Return `(precision, recall, f1)`, three
`(C,)` float arrays, one entry per class:

- precision = TP / (TP + FP) = diagonal / column sums,
- recall = TP / (TP + FN) = diagonal / row sums,
- F1 = 2 * precision * recall / (precision + recall),

with 0 wherever a denominator is 0 (`zero_division=0`). The same as
`sklearn.metrics.precision_recall_fscore_support(..., zero_division=0)[:3]`.

Example: `[[5, 1], [2, 2]]` -> precision `[0.714, 0.667]`, recall `[0.833, 0.5]`.
"""


def precision_recall_f1(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C, C) counts, rows = true class, columns = predicted -> per-class (precision, recall, f1)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(confusion)
    predicted = confusion.sum(axis=0)  # TP + FP per class
    actual = confusion.sum(axis=1)  # TP + FN per class
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return precision, recall, f1


def _expected(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.metrics import precision_recall_fscore_support

    n_classes = len(confusion)
    pairs = [(i, j) for i in range(n_classes) for j in range(n_classes) for _ in range(int(confusion[i, j]))]
    y_true, y_pred = (np.array([p[k] for p in pairs], dtype=int) for k in (0, 1))
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(range(n_classes)), zero_division=0)
    return p, r, f


def make_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ("statement example", [[5, 1], [2, 2]]),
        ("rows are true classes, columns predictions (asymmetric)", [[8, 0, 0], [4, 3, 1], [2, 0, 2]]),
        ("a class never predicted: precision 0, not nan", [[3, 1, 0], [2, 4, 0], [1, 1, 0]]),
        ("a class that never occurs: recall 0", [[5, 0, 1], [0, 0, 0], [2, 0, 3]]),
        ("perfect classifier", [[4, 0], [0, 6]]),
    ]
    settings = [(name, np.array(m)) for name, m in fixed]
    for i in range(3):
        c = int(rng.integers(2, 6))
        settings.append((f"random {c} classes #{i + 1}", rng.integers(0, 8, size=(c, c))))
    return [Case(name, (m,), expected=_expected(m)) for name, m in settings]


DRILL = Drill(
    name="precision_recall_f1",
    title="Precision, recall, F1 from a confusion matrix",
    topic="evaluation",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=precision_recall_f1,
    make_cases=make_cases,
    output_names=("precision", "recall", "f1"),
    imports="import numpy as np",
)
