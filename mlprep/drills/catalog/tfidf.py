"""Drill: TF-IDF vectors, checked against scikit-learn's ``TfidfVectorizer`` defaults."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# TF-IDF

Write `tfidf(docs)`: `docs` is a list of strings. Return `(vocabulary, matrix)` exactly as
scikit-learn's `TfidfVectorizer()` with its defaults computes them:

- tokens: lower-case the text, then take every match of the regular expression
  `r"(?u)\\b\\w\\w+\\b"` (words of two or more characters; single letters are dropped);
- `vocabulary`: the sorted list of distinct tokens; column `j` of the matrix is `vocabulary[j]`;
- tf = raw count of the term in the document;
- idf = `ln((1 + n_docs) / (1 + df)) + 1` (smoothed; `df` = number of documents containing it);
- each row = tf * idf, then divided by its L2 norm (rows of all zeros stay zero).

`matrix` is an `(n_docs, len(vocabulary))` float array. Do not import scikit-learn.

Example: `tfidf(["a cat", "the cat sat"])` has vocabulary `["cat", "sat", "the"]`.
"""


def tfidf(docs: list[str]) -> tuple[list[str], np.ndarray]:
    """List of documents -> (sorted vocabulary, (n_docs, V) L2-normalised tf-idf matrix)."""
    token_lists = [re.findall(r"(?u)\b\w\w+\b", doc.lower()) for doc in docs]
    vocabulary = sorted({token for tokens in token_lists for token in tokens})
    column = {token: j for j, token in enumerate(vocabulary)}
    df = Counter(token for tokens in token_lists for token in set(tokens))
    n_docs = len(docs)
    idf = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1 for t in vocabulary])
    matrix = np.zeros((n_docs, len(vocabulary)))
    for i, tokens in enumerate(token_lists):
        for token, count in Counter(tokens).items():
            matrix[i, column[token]] = count * idf[column[token]]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return vocabulary, np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


WORDS = "the cat sat on mat dog ran to a park I saw big red ball and it was fun".split()


def make_cases(rng: np.random.Generator) -> list[Case]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    def case(name: str, docs: list[str]) -> Case:
        vectorizer = TfidfVectorizer()
        matrix = vectorizer.fit_transform(docs).toarray()
        return Case(name, (docs,), expected=(list(vectorizer.get_feature_names_out()), matrix))

    cases = [
        case("statement example", ["a cat", "the cat sat"]),
        case("repeated terms: tf is the raw count", ["dog dog dog cat", "cat sat", "dog sat on the mat"]),
        case("case and punctuation: 'The' == 'the'", ["The cat, the HAT!", "Hat-trick: the end."]),
        case("a term in every document still counts (smoothed idf + 1)", ["red ball", "red car", "red bus"]),
        case("a document with no tokens is a zero row", ["big dog", "a I", "dog park"]),
    ]
    for i in range(3):
        docs = [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 12)))) for _ in range(int(rng.integers(2, 7)))]
        cases.append(case(f"random {len(docs)} documents #{i + 1}", docs))
    return cases


DRILL = Drill(
    name="tfidf",
    title="TF-IDF like TfidfVectorizer",
    topic="tfidf",
    difficulty="medium",
    time_limit_min=20,
    statement=STATEMENT,
    reference=tfidf,
    make_cases=make_cases,
    output_names=("vocabulary", "matrix"),
    imports="import math\nimport re\nfrom collections import Counter\n\nimport numpy as np",
)
