"""Drill: logistic regression by full-batch gradient descent, checked against torch autograd + SGD."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Logistic regression by gradient descent

Write `logistic_regression(X, y, lr, n_steps)` in NumPy returning `(w, b)`:

- `X`: `(N, D)` float array, `y`: `(N,)` array of 0/1 labels.
- Start from `w = zeros(D)`, `b = 0.0`. Take `n_steps` full-batch gradient-descent steps
  with learning rate `lr` on the **mean** binary cross-entropy of `p = sigmoid(X @ w + b)`.
- The gradients are `dw = X.T @ (p - y) / N` and `db = mean(p - y)`.
- Return `w` as a `(D,)` array and `b` as a float.

Keep the sigmoid stable for large `|X @ w + b|` (e.g. `0.5 * (1 + tanh(z / 2))`, or
`scipy.special.expit`). Checked against PyTorch autograd with `torch.optim.SGD`.
"""


def logistic_regression(X: np.ndarray, y: np.ndarray, lr: float = 0.1,
                        n_steps: int = 100) -> tuple[np.ndarray, float]:
    """(N, D) features, (N,) 0/1 labels -> ((D,) weights, bias) after n_steps of gradient descent."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(n_steps):
        z = X @ w + b  # (N,)
        p = 0.5 * (1.0 + np.tanh(z / 2.0))  # sigmoid without overflow
        error = p - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * float(error.mean())
    return w, b


def _expected(X: np.ndarray, y: np.ndarray, lr: float, n_steps: int) -> tuple[np.ndarray, float]:
    import torch

    features, labels = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(features @ w + b, labels)
        loss.backward()
        optimizer.step()
    return w.detach().numpy(), b.item()


def make_cases(rng: np.random.Generator) -> list[Case]:
    settings = [("one step from zero", 1, 0.5, 6, 2), ("ten steps", 10, 0.1, 20, 3),
                ("200 steps, lr 0.5", 200, 0.5, 50, 4), ("one feature, separable", 50, 1.0, 30, 1)]
    cases = []
    for name, n_steps, lr, n, d in settings:
        X = rng.normal(size=(n, d))
        true_w = rng.normal(size=d) * 2
        y = (X @ true_w + rng.normal(0, 0.5, size=n) > 0).astype(np.float64)
        if "separable" in name:
            y = (X[:, 0] > 0).astype(np.float64)
        cases.append(Case(f"{name}: N={n}, D={d}", (X, y, lr, n_steps),
                          expected=_expected(X, y, lr, n_steps), atol=1e-7, rtol=1e-5))
    X = rng.normal(size=(10, 2)) * 100  # sigmoid saturates: naive exp overflows
    y = (X[:, 0] > 0).astype(np.float64)
    cases.append(Case("large features (stable sigmoid)", (X, y, 0.1, 20),
                      expected=_expected(X, y, 0.1, 20), atol=1e-7, rtol=1e-5))
    return cases


DRILL = Drill(
    name="logistic_regression",
    title="Logistic regression by gradient descent",
    topic="fundamentals",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=logistic_regression,
    make_cases=make_cases,
    output_names=("w", "b"),
    imports="import numpy as np",
)
