"""Ledgerly altered cheques: a score per scan from the image only.

Scans of one cheque stay on one side of every split (GroupKFold by `cheque_id`): copies of a
cheque on both sides would flatter validation. `scanner` is left out: suspicious cheques were
re-scanned at the fraud desk (FD-1), so in the history it marks the answer, which production will
not have. Scored by average precision, as the fraud team reviews the top of the list.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))


def read_table(folder: Path) -> tuple[list[dict], np.ndarray]:
    stem = "train" if (folder / "train.csv").is_file() else "test"
    with open(folder / f"{stem}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, np.load(folder / f"{stem}_images.npy")


def features(images: np.ndarray) -> np.ndarray:
    """Pixels plus ink statistics: written-over amounts carry more ink, in halves of the box."""
    x = images / 16.0
    halves = [x[:, :, :4], x[:, :, 4:], x[:, :4, :], x[:, 4:, :]]
    ink = np.stack([h.sum((1, 2)) for h in halves], 1)
    bright = np.stack([(h > 0.5).sum((1, 2)) for h in halves], 1)
    return np.hstack([x.reshape(len(x), -1), ink, bright, ink.max(1, keepdims=True)])


def make_model(c: float):
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=3000))


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float | None) -> np.ndarray:
    """Scores for every training scan from a model that never saw its cheque (None: the rate)."""
    scores = np.zeros(len(y))
    for fit, held in GroupKFold(n_splits=5).split(x, y, groups):
        scores[held] = y[fit].mean() if c is None else make_model(c).fit(x[fit], y[fit]).predict_proba(x[held])[:, 1]
    return scores


def main() -> None:
    rows, images = read_table(DATA)
    test_rows, test_images = read_table(TEST)
    x, y = features(images), np.array([int(r["altered"]) for r in rows])
    groups = np.array([r["cheque_id"] for r in rows])
    baseline = average_precision_score(y, out_of_fold(x, y, groups, None))
    oof = {c: out_of_fold(x, y, groups, c) for c in (0.003, 0.03, 0.3)}
    scores = {c: float(average_precision_score(y, s)) for c, s in oof.items()}
    best = max(scores, key=scores.get)
    model = make_model(best).fit(x, y)
    predictions = model.predict_proba(features(test_images))[:, 1]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows((r["id"], f"{p:.6f}") for r, p in zip(test_rows, predictions, strict=True))
    summary = {"metric": scores[best], "baseline": float(baseline), "C": best, "by_C": scores}
    (OUTPUT / "validation.json").write_text(json.dumps(summary, indent=2))
    plot_errors(y, oof[best], Path("errors.png"))
    print(json.dumps(summary))


def plot_errors(y: np.ndarray, scores: np.ndarray, path: Path) -> None:
    """Out-of-fold score distributions of clean and altered scans, for the error analysis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    bins = np.linspace(0, 1, 21)
    ax.hist(scores[y == 0], bins=bins, alpha=0.6, density=True, label="clean")
    ax.hist(scores[y == 1], bins=bins, alpha=0.6, density=True, label="altered")
    ax.set_xlabel("out-of-fold score")
    ax.legend()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    main()
