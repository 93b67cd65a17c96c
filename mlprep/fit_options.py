"""The option groups of :func:`mlprep.fit`, so that its common call stays short
(``fit(model, loader, epochs=3, lr=1e-3)``) and what belongs together is given together:

>>> Optim(weight_decay=0.01, grad_clip=1.0)
Optim(optimizer=None, weight_decay=0.01, grad_clip=1.0, scheduler=None)
>>> Budget(max_steps=500, seconds=60)
Budget(max_steps=500, seconds=60)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["Optim", "Budget", "Compute"]


@dataclass(frozen=True)
class Optim:
    """How :func:`fit` updates the parameters. Without ``optimizer``, AdamW with fit's ``lr`` and
    ``weight_decay``; with one, its own settings hold (so ``lr`` and ``weight_decay`` are refused).
    ``grad_clip``: the largest gradient norm a step may use. ``scheduler``: an LR scheduler, or a
    function ``optimizer -> scheduler`` (e.g. ``lambda o: schedules.scheduler(o, fn)``), stepped
    once per optimizer step."""

    optimizer: torch.optim.Optimizer | None = None
    weight_decay: float = 0.0
    grad_clip: float | None = None
    scheduler: Any = None


@dataclass(frozen=True)
class Budget:
    """When :func:`fit` stops before its ``epochs`` are done: after ``max_steps`` optimizer steps,
    or after ``seconds`` of training (evaluation time not counted); the partial epoch is still
    evaluated, and ``History.stopped`` says ``"max_steps"`` or ``"time_budget"``."""

    max_steps: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Compute:
    """Where and how :func:`fit` runs: ``device`` (default :func:`mlprep.runtime.device`),
    ``mixed_precision`` (``"no"``, ``"bf16"`` or ``"fp16"``, through Accelerate) and ``compile``
    (the model through ``torch.compile``: the first steps are slower)."""

    device: str | torch.device | None = None
    mixed_precision: str = "no"
    compile: bool = False
