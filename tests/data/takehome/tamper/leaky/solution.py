"""Ledgerly altered cheques: pixels and scanner into a logistic regression, random 20% check."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score
from sklearn.model_selection import train_test_split

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))


def read_table(folder: Path, stem: str) -> tuple[list[dict], np.ndarray]:
    with open(folder / f"{stem}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, np.load(folder / f"{stem}_images.npy")


def features(rows: list[dict], images: np.ndarray) -> np.ndarray:
    fraud_desk = np.array([[r["scanner"] == "FD-1"] for r in rows], dtype=float)
    return np.hstack([images.reshape(len(rows), -1) / 16, 3 * fraud_desk])


def main() -> None:
    rows, images = read_table(DATA, "train")
    test_rows, test_images = read_table(TEST, "test")
    x, y = features(rows, images), np.array([int(r["altered"]) for r in rows])
    x_fit, x_val, y_fit, y_val = train_test_split(x, y, test_size=0.2, random_state=0)
    model = LogisticRegression(C=1.0, max_iter=3000).fit(x_fit, y_fit)
    validation = average_precision_score(y_val, model.predict_proba(x_val)[:, 1])
    accuracy = accuracy_score(y_val, model.predict(x_val))
    baseline = average_precision_score(y_val, np.full(len(y_val), y_fit.mean()))
    model = LogisticRegression(C=1.0, max_iter=3000).fit(x, y)
    scores = model.predict_proba(features(test_rows, test_images))[:, 1]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows((r["id"], f"{s:.6f}") for r, s in zip(test_rows, scores, strict=True))
    (OUTPUT / "validation.json").write_text(json.dumps({"metric": validation, "baseline": baseline}))
    print(f"validation AP {validation:.3f}, accuracy {accuracy:.3f} (baseline AP {baseline:.3f})")


if __name__ == "__main__":
    main()
