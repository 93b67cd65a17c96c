"""Drill: layer normalisation forward, checked against ``torch.nn.functional.layer_norm``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Layer normalisation

Write `layer_norm(x, gamma, beta, eps)`: `x` is a float tensor of any shape `(..., D)`,
`gamma` and `beta` are `(D,)`. Normalise each vector along the **last** dimension with its
own mean and biased variance (divide by D), then scale and shift:
`(x - mean) / sqrt(var + eps) * gamma + beta`. Equal to `F.layer_norm(x, (D,), gamma, beta, eps)`.

Unlike batch norm nothing is averaged over the batch, so one example's output does not
depend on the others, and training and evaluation behave the same.

Example: `layer_norm(torch.tensor([[1., 3.]]), torch.ones(2), torch.zeros(2), 0.0)` is
`[[-1., 1.]]`.
"""


def layer_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """(..., D) x, (D,) gamma and beta -> (..., D), normalised over the last dimension."""
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased
    return (x - mean) / torch.sqrt(var + eps) * gamma + beta


def make_cases(rng: np.random.Generator) -> list[Case]:
    import torch.nn.functional as F

    def t(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.tensor(rng.normal(0, scale, size=shape), dtype=torch.float32)

    settings = [
        ("two values -> -1, 1", torch.tensor([[1.0, 3.0]]), torch.ones(2), torch.zeros(2), 1e-5),
        ("(B, D) batch", t(4, 6), t(6), t(6), 1e-5),
        ("(B, T, D): normalise the last dimension only", t(2, 3, 5), t(5), t(5), 1e-5),
        ("biased variance (divide by D)", t(3, 2, scale=4.0), t(2), t(2), 1e-5),
        ("large eps", t(2, 4, scale=0.1), t(4), t(4), 0.5),
        ("1-D input", t(7), t(7), t(7), 1e-5),
    ]
    return [Case(name, (x, g, b, eps), expected=F.layer_norm(x, (x.shape[-1],), g, b, eps))
            for name, x, g, b, eps in settings]


DRILL = Drill(
    name="layer_norm",
    title="Layer normalisation forward",
    topic="transformer",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=layer_norm,
    make_cases=make_cases,
    imports="import torch",
)
