"""Learning-rate schedules in one place. The formulas are pure functions of the optimizer
step, in the spirit of nanoGPT's ``get_lr(it)``: one formula, readable, testable, and the same
for every run that uses it (``fit`` through :func:`scheduler`, the recipes' engine directly).

A multiplier schedule returns the fraction of the peak learning rate at a step (0-based); wrap
it in :func:`scheduler` to drive a PyTorch optimizer. The vision notebooks' one-cycle and cosine
annealing are torch's own schedulers (their recursive updates are what those notebooks' numbers
were measured with); :func:`one_cycle` and :func:`cosine_annealing` are the one place that
builds them.

>>> [round(warmup_cosine(s, total_steps=10, warmup_steps=2), 3) for s in (0, 1, 2, 6, 9, 10)]
[0.5, 1.0, 1.0, 0.55, 0.134, 0.1]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

__all__ = ["warmup_cosine_lr", "warmup_cosine", "linear_warmup", "inverse_sqrt_warmup_lr", "scheduler", "one_cycle",
           "cosine_annealing"]

SchedulerFactory = Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler]


def warmup_cosine_lr(step: int, *, peak: float, floor: float, total_steps: int, warmup_steps: int = 0) -> float:
    """The learning rate at ``step``: linear warm-up to ``peak`` over ``warmup_steps``, then a
    cosine from ``peak`` down to ``floor`` at ``total_steps`` (and ``floor`` after it). With no
    steps left after the warm-up, it stays at ``peak``.

    >>> warmup_cosine_lr(4, peak=1.0, floor=0.0, total_steps=100, warmup_steps=10)
    0.5
    >>> round(warmup_cosine_lr(99, peak=1.0, floor=0.0, total_steps=100, warmup_steps=10), 4)
    0.0003
    """
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    if total_steps <= warmup_steps:
        return peak
    progress = min((step - warmup_steps) / (total_steps - warmup_steps), 1.0)
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


def warmup_cosine(step: int, *, total_steps: int, warmup_steps: int = 0, final_fraction: float = 0.1) -> float:
    """Multiplier: linear warm-up over ``warmup_steps``, then a cosine from 1 down to
    ``final_fraction`` at ``total_steps`` (and ``final_fraction`` after it)."""
    return warmup_cosine_lr(step, peak=1.0, floor=final_fraction, total_steps=total_steps, warmup_steps=warmup_steps)


def linear_warmup(step: int, *, warmup_steps: int) -> float:
    """Multiplier: linear warm-up over ``warmup_steps``, then constant at 1.

    >>> [linear_warmup(s, warmup_steps=4) for s in range(6)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """
    return min(1.0, (step + 1) / warmup_steps)


def inverse_sqrt_warmup_lr(step: int, *, d_model: int, warmup_steps: int, factor: float = 1.0) -> float:
    """The Transformer paper's schedule (Vaswani et al. 2017, section 5.3), at 0-based ``step``:
    ``factor * d_model ** -0.5 * min(n ** -0.5, n * warmup_steps ** -1.5)`` with ``n = step + 1``:
    a linear rise for ``warmup_steps`` steps to ``factor / sqrt(d_model * warmup_steps)``, then a
    decay as ``1 / sqrt(n)``. The paper: ``d_model = 512``, ``warmup_steps = 4000``, factor 1.

    >>> peak = inverse_sqrt_warmup_lr(3999, d_model=512, warmup_steps=4000)
    >>> round(peak, 6), round(peak / inverse_sqrt_warmup_lr(15999, d_model=512, warmup_steps=4000), 6)
    (0.000699, 2.0)
    """
    n = step + 1
    return factor * d_model ** -0.5 * min(n ** -0.5, n * warmup_steps ** -1.5)


def scheduler(optimizer: torch.optim.Optimizer, schedule: Callable[[int], float]) -> torch.optim.lr_scheduler.LambdaLR:
    """A PyTorch scheduler that sets each group's LR to its initial LR times ``schedule(step)``;
    call ``.step()`` once per optimizer step.

    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    >>> sched = scheduler(opt, lambda s: warmup_cosine(s, total_steps=4, warmup_steps=2))
    >>> opt.param_groups[0]["lr"]
    1.0
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def one_cycle(max_lr: float, total_steps: int, pct_start: float) -> SchedulerFactory:
    """Optimizer -> torch's ``OneCycleLR`` (cosine warm-up from ``max_lr / 25`` over
    ``pct_start`` of the steps, then cosine annealing to ``max_lr / 1e4``): few epochs reach a
    good minimum without tuning a decay, which is what a CPU budget needs.

    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> sched = one_cycle(1.0, total_steps=10, pct_start=0.2)(opt)
    >>> round(opt.param_groups[0]["lr"], 6)  # max_lr / 25
    0.04
    """
    return lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=max(total_steps, 1),
                                                           pct_start=pct_start)


def cosine_annealing(total_steps: int) -> SchedulerFactory:
    """Optimizer -> torch's ``CosineAnnealingLR`` from the initial LR down to 0 over ``total_steps``."""
    return lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
