"""Drill: forward and backward of a two-layer MLP in NumPy, checked against torch autograd."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Two-layer MLP, forward and backward, in NumPy

Write `mlp_numpy(X, y, W1, b1, W2, b2)` using only NumPy (no autograd):

- `X`: `(N, D)` float64 inputs; `y`: `(N,)` int class indices;
- `W1`: `(D, H)`, `b1`: `(H,)`, `W2`: `(H, C)`, `b2`: `(C,)`.
- Forward: `hidden = relu(X @ W1 + b1)`, `logits = hidden @ W2 + b2`,
  `loss` = mean softmax cross-entropy of `logits` against `y` (numerically stable).
- Return `(loss, grads)` where `loss` is a float and `grads` is a dict with keys
  `"W1", "b1", "W2", "b2"` holding the gradients of `loss`, shaped like the parameters.

Hint: `d loss / d logits = (softmax(logits) - one_hot(y)) / N`; the ReLU passes gradient
only where its input was positive.

Checked against PyTorch autograd on the same network.
"""


def mlp_numpy(X: np.ndarray, y: np.ndarray, W1: np.ndarray, b1: np.ndarray,
              W2: np.ndarray, b2: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """(N, D) X, (N,) labels, weights -> (mean cross-entropy loss, dict of gradients W1, b1, W2, b2)."""
    n = X.shape[0]
    pre = X @ W1 + b1  # (N, H)
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ W2 + b2  # (N, C)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d_logits = np.exp(log_probs)
    d_logits[np.arange(n), y] -= 1.0
    d_logits /= n  # the loss is a mean over the batch
    d_hidden = d_logits @ W2.T  # (N, H)
    d_pre = d_hidden * (pre > 0)
    grads = {"W1": X.T @ d_pre, "b1": d_pre.sum(axis=0), "W2": hidden.T @ d_logits, "b2": d_logits.sum(axis=0)}
    return float(loss), grads


def _expected(X: np.ndarray, y: np.ndarray, *params: np.ndarray) -> tuple[float, dict]:
    import torch
    import torch.nn.functional as F

    W1, b1, W2, b2 = (torch.tensor(p, requires_grad=True) for p in params)
    logits = torch.relu(torch.tensor(X) @ W1 + b1) @ W2 + b2
    loss = F.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in zip(["W1", "b1", "W2", "b2"], [W1, b1, W2, b2], strict=True)}
    return loss.item(), grads


def make_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    shapes = [("one example", 1, 3, 4, 2), ("small batch", 4, 3, 5, 3), ("batch of 16", 16, 6, 8, 4),
              ("many classes", 8, 5, 7, 10), ("large weights (stable softmax needed)", 5, 4, 6, 3)]
    for name, n, d, h, c in shapes:
        scale = 40.0 if "large" in name else 1.0
        X = rng.normal(size=(n, d))
        y = rng.integers(0, c, size=n)
        params = (rng.normal(size=(d, h)) * scale, rng.normal(size=h),
                  rng.normal(size=(h, c)) * scale, rng.normal(size=c))
        cases.append(Case(f"{name}: N={n}, D={d}, H={h}, C={c}", (X, y, *params),
                          expected=_expected(X, y, *params), atol=1e-6, rtol=1e-5))
    return cases


DRILL = Drill(
    name="mlp_numpy",
    title="Two-layer MLP forward and backward in NumPy",
    topic="fundamentals",
    difficulty="medium",
    time_limit_min=30,
    statement=STATEMENT,
    reference=mlp_numpy,
    make_cases=make_cases,
    output_names=("loss", "grads"),
    imports="import numpy as np",
)
