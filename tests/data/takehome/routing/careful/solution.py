"""Globe Archive routing: TF-IDF and a logistic regression on the speech text only.

The next collections are new plays, so validation holds out whole plays (GroupKFold by `play`).
`desk` is the folder a speech was filed in after routing: it is the answer, not an input, and is
not used. See README.md for the reasoning and the numbers.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))
DESKS = ["comedy", "history", "tragedy"]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_model(c: float):
    """Word unigrams and bigrams; balanced classes so the small history desk counts."""
    return make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)),
                         LogisticRegression(C=c, class_weight="balanced", max_iter=2000))


def macro_f1(truth, predicted) -> float:
    return float(f1_score(truth, predicted, average="macro", labels=DESKS, zero_division=0))


def cross_validate(texts: np.ndarray, labels: np.ndarray, plays: np.ndarray, c: float | None) -> tuple:
    """Out-of-fold predictions with whole plays held out; c=None is the majority baseline."""
    predicted = np.empty(len(labels), dtype=object)
    for fit, held in GroupKFold(n_splits=4).split(texts, labels, plays):
        if c is None:
            values, counts = np.unique(labels[fit], return_counts=True)
            predicted[held] = values[np.argmax(counts)]
        else:
            predicted[held] = make_model(c).fit(texts[fit], labels[fit]).predict(texts[held])
    return macro_f1(labels, predicted), predicted


def main() -> None:
    train = read_rows(DATA / "train.csv")
    test = read_rows(TEST / "test.csv")
    texts = np.array([r["text"] for r in train], dtype=object)
    labels = np.array([r["genre"] for r in train], dtype=object)
    plays = np.array([r["play"] for r in train])
    baseline, _ = cross_validate(texts, labels, plays, None)
    scores = {c: cross_validate(texts, labels, plays, c) for c in (1.0, 10.0)}
    best = max(scores, key=lambda c: scores[c][0])
    model = make_model(best).fit(texts, labels)
    predictions = model.predict(np.array([r["text"] for r in test], dtype=object))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows(zip([r["id"] for r in test], predictions, strict=True))
    summary = {"metric": scores[best][0], "baseline": baseline, "C": best,
               "by_C": {c: s for c, (s, _) in scores.items()}}
    (OUTPUT / "validation.json").write_text(json.dumps(summary, indent=2))
    plot_errors(labels, scores[best][1], Path("errors.png"))
    print(json.dumps(summary))


def plot_errors(truth: np.ndarray, predicted: np.ndarray, path: Path) -> None:
    """Out-of-fold confusion matrix, for the README's error analysis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(4, 4))
    ConfusionMatrixDisplay.from_predictions(truth, predicted, labels=DESKS, ax=ax, colorbar=False)
    ax.set_title("held-out plays: tagged vs predicted desk")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    main()
