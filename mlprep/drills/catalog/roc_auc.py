"""Drill: ROC AUC from scores, with ties, checked against ``sklearn.metrics.roc_auc_score``."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# ROC AUC

Write `roc_auc(y_true, scores)`: `y_true` is an `(N,)` array of 0/1 labels containing both
classes, `scores` an `(N,)` float array (higher = more likely positive). Return the area
under the ROC curve as a float, equal to `sklearn.metrics.roc_auc_score(y_true, scores)`.

Two equivalent routes:
- the probability that a random positive scores higher than a random negative, where a
  **tie counts one half** (the Mann-Whitney U statistic; ranks with averaged ties give it
  in O(N log N));
- the trapezoidal area under the (FPR, TPR) curve, with tied scores forming one step.

Example: `roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])` is `0.75`.
"""


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """(N,) 0/1 labels, (N,) scores -> area under the ROC curve (ties count one half)."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # Tied scores share the average of their ranks, which is what counts a tie as one half.
    for value in np.unique(sorted_scores):
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n_pos = int((y_true == 1).sum())
    n_neg = len(y_true) - n_pos
    u = ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2  # pairs a positive wins
    return float(u / (n_pos * n_neg))


def make_cases(rng: np.random.Generator) -> list[Case]:
    from sklearn.metrics import roc_auc_score

    def case(name: str, y: list | np.ndarray, s: list | np.ndarray) -> Case:
        y, s = np.asarray(y), np.asarray(s, dtype=np.float64)
        return Case(name, (y, s), expected=float(roc_auc_score(y, s)))

    cases = [
        case("statement example -> 0.75", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
        case("perfect ranking -> 1", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
        case("reversed ranking -> 0", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]),
        case("all scores tied -> 0.5", [0, 1, 0, 1, 1], [0.3] * 5),
        case("a tie between a positive and a negative counts 1/2", [0, 1, 0, 1], [0.2, 0.5, 0.5, 0.9]),
        case("unsorted input, unbalanced classes", [1, 0, 0, 0, 0, 1, 0], [0.7, 0.2, 0.9, 0.1, 0.3, 0.4, 0.05]),
    ]
    for i in range(3):
        n = int(rng.integers(10, 60))
        y = rng.integers(0, 2, size=n)
        y[:2] = [0, 1]
        s = np.round(rng.uniform(size=n) + 0.5 * y, 1)  # rounding makes ties
        cases.append(case(f"random with ties #{i + 1}: N={n}", y, s))
    return cases


DRILL = Drill(
    name="roc_auc",
    title="ROC AUC with tied scores",
    topic="evaluation",
    difficulty="medium",
    time_limit_min=15,
    statement=STATEMENT,
    reference=roc_auc,
    make_cases=make_cases,
    imports="import numpy as np",
)
