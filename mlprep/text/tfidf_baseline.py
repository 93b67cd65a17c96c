"""Genre of a Shakespeare speech from TF-IDF n-grams: the classifier of notebook 06.

Train on the training plays, pick the SVM's C on the validation plays, score once on the
test plays, next to a majority-class baseline. ``weighting`` switches the features between
TF-IDF, TF alone and raw counts, so notebook 06 can measure what IDF adds.

>>> out = train_genre_classifier(c_grid=(0.1,))
>>> sorted(out.metrics)[:2], out.metrics["tfidf_test_macro_f1"] > out.metrics["majority_test_macro_f1"]
(['majority_test_accuracy', 'majority_test_macro_f1'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GenreClassifier", "train_genre_classifier"]


@dataclass
class GenreClassifier:
    vectorizer: Any  # fitted TfidfVectorizer
    model: Any  # fitted LinearSVC
    splits: dict[str, Any]  # train/val/test ShakespeareSpeeches
    test_pred: np.ndarray
    val_f1: dict[float, float]
    metrics: dict[str, float]


WEIGHTINGS = ("tfidf", "tf", "counts")


def train_genre_classifier(min_words: int = 20, c_grid: Sequence[float] = (0.03, 0.1, 0.3),
                           seed: int = 0, *, weighting: str = "tfidf",
                           ngram_range: tuple[int, int] = (1, 2), sublinear_tf: bool = True,
                           min_df: int = 2) -> GenreClassifier:
    """Word n-gram features + class-balanced linear SVM, C chosen on the validation plays.

    ``weighting``: ``"tfidf"`` (sublinear tf x smoothed IDF, L2-normalised), ``"tf"`` (the
    same without IDF: isolates what IDF adds) or ``"counts"`` (raw counts, no normalisation).
    Metrics are named ``<weighting>_test_macro_f1`` and ``<weighting>_test_accuracy``.
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.svm import LinearSVC

    from mlprep import datasets
    from mlprep.errors import MlprepError

    if weighting not in WEIGHTINGS:
        raise MlprepError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    splits = {s: datasets.load("shakespeare-speeches", s, min_words=min_words) for s in ("train", "val", "test")}
    y = {s: d.labels.numpy() for s, d in splits.items()}
    if weighting == "counts":
        vectorizer = CountVectorizer(ngram_range=ngram_range, min_df=min_df)
    else:
        vectorizer = TfidfVectorizer(ngram_range=ngram_range, sublinear_tf=sublinear_tf, min_df=min_df,
                                     use_idf=weighting == "tfidf")
    x = {"train": vectorizer.fit_transform(splits["train"].texts)}
    x.update({s: vectorizer.transform(splits[s].texts) for s in ("val", "test")})

    def svm(c: float) -> LinearSVC:
        return LinearSVC(C=c, class_weight="balanced", random_state=seed, max_iter=5000).fit(x["train"], y["train"])

    val_f1 = {c: float(f1_score(y["val"], svm(c).predict(x["val"]), average="macro")) for c in c_grid}
    model = svm(max(val_f1, key=val_f1.get))
    pred = model.predict(x["test"])
    majority = DummyClassifier(strategy="most_frequent").fit(x["train"], y["train"]).predict(x["test"])
    metrics = {f"{weighting}_test_macro_f1": float(f1_score(y["test"], pred, average="macro")),
               f"{weighting}_test_accuracy": float(accuracy_score(y["test"], pred)),
               "majority_test_macro_f1": float(f1_score(y["test"], majority, average="macro")),
               "majority_test_accuracy": float(accuracy_score(y["test"], majority))}
    return GenreClassifier(vectorizer, model, splits, pred, val_f1, metrics)
