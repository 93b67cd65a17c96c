"""Learning-rate schedules as pure functions of the optimizer step, in the spirit of nanoGPT's
``get_lr(it)``: one formula, readable, testable, and the same for every run that uses it.

A schedule returns the *multiplier* of the peak learning rate at a step (0-based); wrap it in
:func:`scheduler` to drive a PyTorch optimizer.

>>> [round(warmup_cosine(s, total_steps=10, warmup_steps=2), 3) for s in (0, 1, 2, 6, 9, 10)]
[0.5, 1.0, 1.0, 0.55, 0.134, 0.1]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

__all__ = ["warmup_cosine", "scheduler"]


def warmup_cosine(step: int, *, total_steps: int, warmup_steps: int = 0, final_fraction: float = 0.1) -> float:
    """Linear warm-up over ``warmup_steps``, then a cosine from 1 down to ``final_fraction`` at
    ``total_steps`` (and ``final_fraction`` after it)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min((step - warmup_steps) / max(1, total_steps - warmup_steps), 1.0)
    return final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * progress))


def scheduler(optimizer: torch.optim.Optimizer, schedule: Callable[[int], float]) -> torch.optim.lr_scheduler.LambdaLR:
    """A PyTorch scheduler that sets each group's LR to its initial LR times ``schedule(step)``;
    call ``.step()`` once per optimizer step.

    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    >>> sched = scheduler(opt, lambda s: warmup_cosine(s, total_steps=4, warmup_steps=2))
    >>> opt.param_groups[0]["lr"]
    1.0
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
