"""Drill: numerically stable softmax and cross-entropy, against ``torch.nn.functional``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Numerically stable softmax + cross-entropy

Write `softmax_cross_entropy(logits, targets)`: `logits` is an `(N, C)` float tensor,
`targets` an `(N,)` int64 tensor of class indices. Return `(probs, loss)`: `probs` the
`(N, C)` softmax of the logits, and `loss` the mean cross-entropy as a 0-d tensor, equal to
`F.softmax(logits, dim=1)` and `F.cross_entropy(logits, targets)`.

It must stay finite for logits like 1000 or -1000: subtract the row maximum before `exp`,
and compute the loss from log-softmax (`x - max - log(sum(exp(x - max)))`), not `log(softmax)`.
Do not call `torch.softmax`, `log_softmax`, `logsumexp` or `cross_entropy`.

Example: logits `[[0., 0.]]`, target `[1]` -> probs `[[0.5, 0.5]]`, loss `log 2 = 0.6931`.
"""


def softmax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, C) logits, (N,) class indices -> ((N, C) probabilities, mean loss as a 0-d tensor)."""
    shifted = logits - logits.max(dim=1, keepdim=True).values  # largest entry becomes 0: no overflow
    log_norm = torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))  # (N, 1)
    log_probs = shifted - log_norm  # (N, C)
    loss = -log_probs[torch.arange(len(targets)), targets].mean()
    return torch.exp(log_probs), loss


def make_cases(rng: np.random.Generator) -> list[Case]:
    import torch.nn.functional as F

    def case(name: str, logits: torch.Tensor, targets: torch.Tensor) -> Case:
        expected = (F.softmax(logits, dim=1), F.cross_entropy(logits, targets))
        return Case(name, (logits, targets), expected=expected)

    t = torch.tensor
    cases = [
        case("two equal logits -> loss log 2", t([[0.0, 0.0]]), t([1])),
        case("confident and right", t([[10.0, 0.0, -5.0]]), t([0])),
        case("confident and wrong", t([[10.0, 0.0, -5.0]]), t([2])),
        case("large logits (1000): subtract the max", t([[1000.0, 990.0, 0.0], [1000.0, 1000.0, 1000.0]]), t([1, 2])),
        case("target probability underflows to 0: use log-softmax, not log(softmax)",
             t([[1000.0, 0.0], [0.0, -200.0]]), t([1, 1])),
        case("very negative logits (-1000)", t([[-1000.0, -1010.0], [-1000.0, -1000.0]]), t([1, 0])),
        case("loss is the mean over the batch", t([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0]]), t([0, 0, 1])),
    ]
    for i in range(3):
        n, c = int(rng.integers(1, 9)), int(rng.integers(2, 11))
        logits = t(rng.normal(0, 5, size=(n, c)), dtype=torch.float32)
        cases.append(case(f"random {n} x {c} #{i + 1}", logits, t(rng.integers(0, c, size=n))))
    return cases


DRILL = Drill(
    name="softmax_cross_entropy",
    title="Stable softmax and cross-entropy",
    topic="fundamentals",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=softmax_cross_entropy,
    make_cases=make_cases,
    output_names=("probs", "loss"),
    imports="import torch",
)
