"""Drill: one Adam update, checked against ``torch.optim.Adam``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# One Adam step

Write `adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)` returning
`(new_param, new_m, new_v)`, one update of Adam (Kingma & Ba, 2015) as `torch.optim.Adam`
does it (no weight decay):

- `param`, `grad`, `m`, `v`: float tensors of the same shape; `m` and `v` are the first and
  second moment estimates **before** this step (zeros before the first step);
- `t`: the number of this step, starting at 1 (used for bias correction).

    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)
    param = param - lr * m_hat / (sqrt(v_hat) + eps)

Return new tensors; do not modify the inputs in place. Forgetting the bias correction makes
the first steps far too small: at `t = 1` Adam moves every weight by almost exactly `lr`.
"""


def adam_step(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
              lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
              eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tensors of one shape and the step number t >= 1 -> (new_param, new_m, new_v)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)  # bias correction: m and v start at zero
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v


def _expected(param, grad, m, v, t, lr, beta1, beta2, eps):
    p = param.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    if t > 1:  # resume from the given moments, as if t - 1 steps had been taken
        optimizer.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
    p.grad = grad.clone()
    optimizer.step()
    state = optimizer.state[p]
    return p.detach(), state["exp_avg"], state["exp_avg_sq"]


def make_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.tensor(rng.normal(0, scale, size=shape), dtype=torch.float64)

    zeros = torch.zeros(3, dtype=torch.float64)
    settings = [
        ("first step (t=1): every weight moves by about lr", t(3), t(3), zeros, zeros, 1, 1e-3, 0.9, 0.999, 1e-8),
        ("first step with tiny gradients", t(4), t(4, scale=1e-4), zeros[:1].repeat(4), zeros[:1].repeat(4),
         1, 0.01, 0.9, 0.999, 1e-8),
        ("step 10 with existing moments", t(2, 3), t(2, 3), t(2, 3, scale=0.1), t(2, 3).abs() * 0.01,
         10, 1e-3, 0.9, 0.999, 1e-8),
        ("step 1000, other betas", t(5), t(5), t(5, scale=0.1), t(5).abs() * 0.01, 1000, 0.05, 0.8, 0.99, 1e-6),
        ("large eps", t(3), t(3, scale=1e-3), zeros, zeros, 1, 0.1, 0.9, 0.999, 1e-2),
    ]
    return [Case(name, args, expected=_expected(*args), atol=1e-9, rtol=1e-6) for name, *args in settings]


DRILL = Drill(
    name="adam_step",
    title="One Adam optimiser step",
    topic="optimisation",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=adam_step,
    make_cases=make_cases,
    output_names=("new_param", "new_m", "new_v"),
    imports="import torch",
)
