"""PostFast postcode digits: every column into one model, validated on a random 20%."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))
PIXELS = [f"p{i:02d}" for i in range(64)]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def features(rows: list[dict]) -> np.ndarray:
    """Pixels / 16 and the route as one-hot columns."""
    pixels = np.array([[float(r[p]) / 16 for p in PIXELS] for r in rows])
    route = np.array([[r["route"] == f"RT-{d}" for d in range(10)] for r in rows], dtype=float)
    return np.hstack([pixels, 3 * route])


def main() -> None:
    train = read_rows(DATA / "train.csv")
    test = read_rows(TEST / "test.csv")
    x, y = features(train), np.array([r["digit"] for r in train])
    x_fit, x_val, y_fit, y_val = train_test_split(x, y, test_size=0.2, random_state=0)
    values, counts = np.unique(y_fit, return_counts=True)
    baseline = accuracy_score(y_val, np.full(len(y_val), values[np.argmax(counts)]))
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x_fit, y_fit)
    validation = accuracy_score(y_val, model.predict(x_val))
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows(zip([r["id"] for r in test], model.predict(features(test)), strict=True))
    (OUTPUT / "validation.json").write_text(json.dumps({"metric": validation, "baseline": baseline}))
    print(f"validation accuracy {validation:.3f} (baseline {baseline:.3f})")


if __name__ == "__main__":
    main()
