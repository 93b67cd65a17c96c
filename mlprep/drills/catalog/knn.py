"""Drill: k-nearest-neighbour classification, checked against scikit-learn."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# k-nearest neighbours

Write `knn(X_train, y_train, X_test, k)` in NumPy: for each row of `X_test` find the `k`
training points with the smallest Euclidean distance and predict the most common label
among them; when labels tie in the vote, predict the **smallest** tied label. Return an
`(N_test,)` int array. Same as `KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)
.predict(X_test)`.

- `X_train`: `(N, D)`, `y_train`: `(N,)` non-negative ints, `X_test`: `(M, D)`, `1 <= k <= N`.
- Vectorise the distance matrix: `(M, N)` from `|a|^2 - 2 a.b + |b|^2` or broadcasting.
"""


def knn(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int) -> np.ndarray:
    """(N, D) training points, (N,) labels, (M, D) queries -> (M,) predicted labels."""
    distances = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(axis=-1)  # (M, N)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]  # (M, k)
    votes = y_train[nearest]  # (M, k)
    n_labels = int(y_train.max()) + 1
    counts = np.stack([np.bincount(row, minlength=n_labels) for row in votes])  # (M, n_labels)
    return counts.argmax(axis=1)  # argmax picks the smallest label among ties


def make_cases(rng: np.random.Generator) -> list[Case]:
    from sklearn.neighbors import KNeighborsClassifier

    def case(name: str, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int) -> Case:
        model = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X_train, y_train)
        return Case(name, (X_train, y_train, X_test, k), expected=model.predict(X_test))

    line = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    cases = [
        case("k = 1 on a line", line, np.array([0, 0, 1, 1, 1]), np.array([[0.4], [1.8], [9.0]]), 1),
        case("k = 3 majority beats the nearest point", line, np.array([0, 0, 1, 1, 1]),
             np.array([[2.1], [5.0]]), 3),
        case("vote tie -> smallest label", np.array([[0.0], [1.0], [3.0], [4.0]]), np.array([2, 1, 0, 3]),
             np.array([[0.4], [3.4]]), 2),
    ]
    for i in range(4):
        n, m, d, n_labels = int(rng.integers(10, 40)), int(rng.integers(3, 10)), int(rng.integers(1, 5)), 3
        k = int(rng.choice([1, 3, 5]))
        X_train = rng.normal(size=(n, d))
        y_train = rng.integers(0, n_labels, size=n)
        cases.append(case(f"random #{i + 1}: N={n}, D={d}, k={k}", X_train, y_train, rng.normal(size=(m, d)), k))
    return cases


DRILL = Drill(
    name="knn",
    title="k-nearest-neighbour classifier",
    topic="fundamentals",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=knn,
    make_cases=make_cases,
    imports="import numpy as np",
)
