"""PostFast postcode digits: train on 2025, predict 2026 (see README.md for the reasoning).

Validation is a time split (the last six weeks), because the test is the next quarter. The
camera changed on 2025-10-01 (found by comparing mean images month by month): older scans are
moved one pixel right and down, every scan is standardised (removes the gain), and `route`
and `sorter` are left out (route was back-filled after delivery; it is not known at sort time).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))
CAMERA_CHANGE = "2025-10-01"
VALIDATION_FROM = "2025-11-15"
PIXELS = [f"p{i:02d}" for i in range(64)]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def features(rows: list[dict]) -> np.ndarray:
    """Pixels as the new camera sees them, standardised per scan."""
    images = np.array([[float(r[p]) for p in PIXELS] for r in rows]).reshape(-1, 8, 8)
    old = np.array([r["scanned_at"] < CAMERA_CHANGE for r in rows])
    moved = np.zeros_like(images)
    moved[:, 1:, 1:] = images[:, :-1, :-1]
    images[old] = moved[old]
    flat = images.reshape(len(rows), -1)
    return (flat - flat.mean(1, keepdims=True)) / (flat.std(1, keepdims=True) + 1e-6)


def majority(labels: np.ndarray, n: int) -> np.ndarray:
    values, counts = np.unique(labels, return_counts=True)
    return np.full(n, values[np.argmax(counts)])


def plot_errors(truth: np.ndarray, predicted: np.ndarray, path: Path) -> None:
    """The validation confusion matrix, for the README's error analysis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(5, 5))
    ConfusionMatrixDisplay.from_predictions(truth, predicted, ax=ax, colorbar=False)
    ax.set_title("validation (last six weeks): true vs predicted digit")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    train = read_rows(DATA / "train.csv")
    test = read_rows(TEST / "test.csv")
    x, y = features(train), np.array([r["digit"] for r in train])
    late = np.array([r["scanned_at"] >= VALIDATION_FROM for r in train])
    baseline = accuracy_score(y[late], majority(y[~late], int(late.sum())))
    scores = {}
    for c in (0.01, 0.1, 1.0):
        model = LogisticRegression(C=c, max_iter=2000).fit(x[~late], y[~late])
        scores[c] = accuracy_score(y[late], model.predict(x[late]))
    best = max(scores, key=scores.get)
    checked = LogisticRegression(C=best, max_iter=2000).fit(x[~late], y[~late])
    plot_errors(y[late], checked.predict(x[late]), Path("errors.png"))
    model = LogisticRegression(C=best, max_iter=2000).fit(x, y)
    predictions = model.predict(features(test))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows(zip([r["id"] for r in test], predictions, strict=True))
    summary = {"metric": scores[best], "baseline": baseline, "C": best, "by_C": scores}
    (OUTPUT / "validation.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
