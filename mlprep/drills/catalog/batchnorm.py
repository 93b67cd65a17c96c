"""Drill: batch norm forward and backward (training mode), checked against torch autograd."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Batch normalisation, forward and backward

Write `batchnorm(x, gamma, beta, dout, eps)` for a batch in **training mode**, without
autograd (`torch.no_grad()` semantics: compute the gradients by hand):

- `x`: `(N, D)` float64 tensor; `gamma`, `beta`: `(D,)`; `dout`: `(N, D)` upstream gradient.
- Forward: per feature, `mean` and the **biased** variance (divide by N, as batch norm does
  when normalising), `x_hat = (x - mean) / sqrt(var + eps)`, `out = gamma * x_hat + beta`.
- Return `(out, dx, dgamma, dbeta)`: the output and the gradients of `sum(out * dout)`
  with respect to `x`, `gamma` and `beta`.

The classic mistake is to treat `mean` and `var` as constants in the backward pass; they
depend on `x`. The compact form is
`dx = (gamma / (N * std)) * (N * dout - dout.sum(0) - x_hat * (dout * x_hat).sum(0))`.

Checked against `F.batch_norm(..., training=True)` and autograd.
"""


def batchnorm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, dout: torch.Tensor,
              eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(N, D) x, (D,) gamma and beta, (N, D) upstream gradient -> (out, dx, dgamma, dbeta)."""
    n = x.shape[0]
    mean = x.mean(dim=0)  # (D,)
    var = ((x - mean) ** 2).mean(dim=0)  # biased, as used for normalising
    std = torch.sqrt(var + eps)
    x_hat = (x - mean) / std  # (N, D)
    out = gamma * x_hat + beta
    dbeta = dout.sum(dim=0)
    dgamma = (dout * x_hat).sum(dim=0)
    dx = (gamma / (n * std)) * (n * dout - dbeta - x_hat * dgamma)  # mean and var depend on x
    return out, dx, dgamma, dbeta


def _expected(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, dout: torch.Tensor,
              eps: float) -> tuple[torch.Tensor, ...]:
    import torch.nn.functional as F

    x, gamma, beta = (t.clone().requires_grad_(True) for t in (x, gamma, beta))
    out = F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)
    out.backward(dout)
    return out.detach(), x.grad, gamma.grad, beta.grad


def make_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int, loc: float = 0.0, scale: float = 1.0) -> torch.Tensor:
        return torch.tensor(rng.normal(loc, scale, size=shape), dtype=torch.float64)

    settings = [
        ("N=2, D=1", t(2, 1), t(1), t(1), t(2, 1), 1e-5),
        ("N=4, D=3", t(4, 3), t(3), t(3), t(4, 3), 1e-5),
        ("shifted, scaled features", t(8, 4, loc=5.0, scale=3.0), t(4), t(4), t(8, 4), 1e-5),
        ("gamma = 1, beta = 0, dout = 1: dx is 0", t(6, 2), torch.ones(2, dtype=torch.float64),
         torch.zeros(2, dtype=torch.float64), torch.ones(6, 2, dtype=torch.float64), 1e-5),
        ("eps = 0.1 matters for small variance", t(5, 3, scale=0.1), t(3), t(3), t(5, 3), 0.1),
        ("random N=32, D=8", t(32, 8), t(8), t(8), t(32, 8), 1e-5),
    ]
    return [Case(name, (x, g, b, d, eps), expected=_expected(x, g, b, d, eps), atol=1e-7, rtol=1e-5)
            for name, x, g, b, d, eps in settings]


DRILL = Drill(
    name="batchnorm",
    title="Batch norm forward and backward",
    topic="batchnorm",
    difficulty="hard",
    time_limit_min=30,
    statement=STATEMENT,
    reference=batchnorm,
    make_cases=make_cases,
    output_names=("out", "dx", "dgamma", "dbeta"),
    imports="import torch",
)
