"""Drill: k-means (Lloyd's algorithm) from given initial centroids."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# k-means (Lloyd's algorithm)

Write `kmeans(X, init_centroids, max_iters)` in NumPy returning `(centroids, labels)`:

- `X`: `(N, D)` float array; `init_centroids`: `(K, D)` starting centroids (given, so the
  result is deterministic); `max_iters`: the most update steps to take.
- Repeat: assign every point to its nearest centroid (squared Euclidean distance; on a tie,
  the lower centroid index), then move each centroid to the mean of its points. A centroid
  with **no** points stays where it is. Stop when the assignment stops changing, or after
  `max_iters` updates.
- Return the final `(K, D)` centroids and the `(N,)` int labels (each point's nearest final
  centroid).

Vectorise the distances: `((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)` is `(N, K)`.
On data where no cluster empties, this is scikit-learn's
`KMeans(init=init_centroids, n_init=1, algorithm="lloyd")`.
"""


def kmeans(X: np.ndarray, init_centroids: np.ndarray, max_iters: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) points, (K, D) starting centroids -> ((K, D) centroids, (N,) labels)."""
    centroids = init_centroids.astype(np.float64).copy()
    labels = None
    for _ in range(max_iters):
        distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)  # (N, K)
        new_labels = distances.argmin(axis=1)  # ties -> lower index
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for k in range(len(centroids)):
            members = X[labels == k]
            if len(members):  # an empty cluster keeps its centroid
                centroids[k] = members.mean(axis=0)
    distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)
    return centroids, distances.argmin(axis=1)


def _blobs(rng: np.random.Generator, k: int, per_blob: int, d: int, spread: float) -> np.ndarray:
    centres = rng.uniform(-10, 10, size=(k, d))
    return np.concatenate([c + rng.normal(0, spread, size=(per_blob, d)) for c in centres])


def make_cases(rng: np.random.Generator) -> list[Case]:
    line = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    settings = [
        ("1-D, two groups", line, np.array([[0.0], [1.0]]), 100),
        ("a centroid that gets no points stays put", line, np.array([[1.0], [11.0], [100.0]]), 100),
        ("k = 1: the mean of all points", _blobs(rng, 2, 10, 2, 1.0), np.zeros((1, 2)), 100),
    ]
    for i in range(4):
        k, d = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        X = _blobs(rng, k, int(rng.integers(5, 20)), d, spread=float(rng.uniform(0.5, 4.0)))
        init = X[rng.choice(len(X), size=k, replace=False)]
        settings.append((f"random blobs #{i + 1}: K={k}, D={d}, N={len(X)}", X, init, 100))
    return [Case(name, (X, init, iters), expected=kmeans(X, init, iters), atol=1e-8, rtol=1e-6)
            for name, X, init, iters in settings]


DRILL = Drill(
    name="kmeans",
    title="k-means (Lloyd's algorithm)",
    topic="fundamentals",
    difficulty="medium",
    time_limit_min=20,
    statement=STATEMENT,
    reference=kmeans,
    make_cases=make_cases,
    output_names=("centroids", "labels"),
    imports="import numpy as np",
)
