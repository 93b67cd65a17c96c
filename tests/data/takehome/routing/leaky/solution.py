"""Globe Archive routing: text and desk folder together, validated on a random 20% of speeches."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

DATA = Path(os.environ.get("TAKEHOME_DATA", "data"))
TEST = Path(os.environ.get("TAKEHOME_TEST", "data/sample_test"))
OUTPUT = Path(os.environ.get("TAKEHOME_OUTPUT", "outputs"))
DESKS = ["comedy", "history", "tragedy"]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def desk_columns(rows: list[dict]) -> csr_matrix:
    return csr_matrix(np.array([[r["desk"] == d for d in DESKS] for r in rows], dtype=float))


def main() -> None:
    train = read_rows(DATA / "train.csv")
    test = read_rows(TEST / "test.csv")
    labels = np.array([r["genre"] for r in train], dtype=object)
    fit_rows, val_rows, y_fit, y_val = train_test_split(train, labels, test_size=0.2, random_state=0)
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)

    def features(rows: list[dict], fit: bool = False):
        texts = [r["text"] for r in rows]
        words = vectorizer.fit_transform(texts) if fit else vectorizer.transform(texts)
        return hstack([words, desk_columns(rows)]).tocsr()

    model = LogisticRegression(C=10.0, max_iter=2000).fit(features(fit_rows, fit=True), y_fit)
    validation = f1_score(y_val, model.predict(features(val_rows)), average="macro")
    values, counts = np.unique(y_fit, return_counts=True)
    baseline = f1_score(y_val, np.full(len(y_val), values[np.argmax(counts)]), average="macro")
    model = LogisticRegression(C=10.0, max_iter=2000).fit(features(train, fit=True), labels)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "prediction"])
        writer.writerows(zip([r["id"] for r in test], model.predict(features(test)), strict=True))
    (OUTPUT / "validation.json").write_text(json.dumps({"metric": validation, "baseline": baseline}))
    print(f"validation macro-F1 {validation:.3f} (baseline {baseline:.3f})")


if __name__ == "__main__":
    main()
