"""Drill: cross-entropy with label smoothing and ignored (padding) targets, against torch."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Label-smoothed cross-entropy

Write `label_smoothing(logits, targets, epsilon, ignore_index=-100)`: `logits` is `(N, C)`,
`targets` `(N,)` int64. Return the mean loss (a 0-d tensor) equal to
`F.cross_entropy(logits, targets, label_smoothing=epsilon, ignore_index=ignore_index)`.

Label smoothing (Szegedy et al. 2016; the Transformer used epsilon = 0.1) trains against the
mixture `q = (1 - epsilon) * one_hot(target) + epsilon / C` over **all C** classes, the true one
included:

    loss_i = -sum over c of q_c * log_softmax(logits_i)_c
           = (1 - epsilon) * (-log p_target) + epsilon * mean over c of (-log p_c)

Rows whose target equals `ignore_index` (padding, in a batch of sentences) contribute nothing,
and the mean is over the remaining rows. Do not call `cross_entropy` or `nll_loss`.

Example: logits `[[0., 0.]]`, target `[0]`, any epsilon -> `log 2 = 0.6931`.
"""


def label_smoothing(logits: torch.Tensor, targets: torch.Tensor, epsilon: float,
                    ignore_index: int = -100) -> torch.Tensor:
    """(N, C) logits, (N,) targets, smoothing epsilon -> mean label-smoothed loss (0-d)."""
    keep = targets != ignore_index
    log_probs = torch.log_softmax(logits[keep], dim=-1)  # (M, C)
    nll = -log_probs.gather(1, targets[keep][:, None]).squeeze(1)  # (M,)
    uniform = -log_probs.mean(dim=-1)  # (M,): cross-entropy against 1/C everywhere
    return ((1 - epsilon) * nll + epsilon * uniform).mean()


def make_cases(rng: np.random.Generator) -> list[Case]:
    import torch.nn.functional as F

    def case(name: str, logits: torch.Tensor, targets: torch.Tensor, eps: float, ignore: int = -100) -> Case:
        expected = F.cross_entropy(logits, targets, label_smoothing=eps, ignore_index=ignore)
        return Case(name, (logits, targets, eps, ignore), expected=expected)

    t = torch.tensor
    cases = [
        case("two equal logits -> log 2", t([[0.0, 0.0]]), t([0]), 0.1),
        case("epsilon 0 is plain cross-entropy", t([[2.0, 0.5, -1.0]]), t([1]), 0.0),
        case("confident and right: smoothing adds a penalty", t([[8.0, 0.0, 0.0, 0.0]]), t([0]), 0.1),
        case("epsilon 1: uniform target", t([[3.0, 1.0, 0.0]]), t([2]), 1.0),
        case("padding rows are ignored (ignore_index = 0)", t([[1.0, 2.0, 0.5], [4.0, 0.0, 0.0], [0.0, 0.0, 9.0]]),
             t([1, 0, 2]), 0.2, 0),
    ]
    for i in range(3):
        n, c = int(rng.integers(2, 9)), int(rng.integers(2, 12))
        logits = t(rng.normal(0, 3, size=(n, c)), dtype=torch.float32)
        targets = t(rng.integers(0, c, size=n))
        targets[0] = -100  # one padding row
        cases.append(case(f"random {n} x {c} with a padding row #{i + 1}", logits, targets,
                          float(rng.choice([0.05, 0.1, 0.3]))))
    return cases


DRILL = Drill(
    name="label_smoothing",
    title="Label-smoothed cross-entropy",
    topic="seq2seq",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=label_smoothing,
    make_cases=make_cases,
    imports="import torch",
)
