"""Training a character language model for a fixed wall-clock budget, used for both models of
notebook 09's equal-budget comparison (and by ``benchmarks/lm_sweep.py``) so they compare like with like.

Any model mapping ``(B, T)`` ids to ``(B, T, V)`` logits works (``MiniGPT``, ``charrnn.CharRNN``).
Batches are random windows of the training text; the learning rate warms up, then follows a
cosine to 10% *over the time budget* (the number of steps a budget buys is not known in
advance, and a schedule that ends exactly at the budget is fair to every model).

>>> import torch
>>> data = torch.arange(100) % 7
>>> x, y = next(iter(RandomWindows(data, block_size=8, batch_size=4, seed=0)))
>>> x.shape, bool((y[:, :-1] == x[:, 1:]).all())
(torch.Size([4, 8]), True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from mlprep.text.gpt import lm_loss, lm_step
from mlprep.train import History, fit

__all__ = ["RandomWindows", "val_windows", "TimeCosine", "LMRun", "train_lm", "evaluate_lm"]



class RandomWindows:
    """Batches of ``(x, y)`` windows at random offsets of ``data`` ``(N,)``, until
    ``max_batches`` (in practice, until the time budget stops training). No ``len``: the
    progress bar counts steps instead of showing a meaningless total."""

    def __init__(self, data: torch.Tensor, *, block_size: int, batch_size: int, seed: int = 0,
                 max_batches: int = 10**9) -> None:
        self.data, self.block_size, self.batch_size = data, block_size, batch_size
        self.seed, self.max_batches = seed, max_batches

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        gen = torch.Generator().manual_seed(self.seed)
        offsets = torch.arange(self.block_size + 1)  # (T + 1,)
        for _ in range(self.max_batches):
            starts = torch.randint(len(self.data) - self.block_size - 1, (self.batch_size,), generator=gen)
            chunk = self.data[starts[:, None] + offsets]  # (B, T + 1)
            yield chunk[:, :-1], chunk[:, 1:]


def val_windows(data: torch.Tensor, *, block_size: int, count: int = 256,
                batch_size: int = 64) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``count`` evenly spaced, fixed windows of ``data`` as batches: a cheap, deterministic
    estimate of the validation loss that every model is scored on."""
    starts = torch.linspace(0, len(data) - block_size - 2, count).long()
    chunk = data[starts[:, None] + torch.arange(block_size + 1)]  # (count, T + 1)
    return [(c[:, :-1], c[:, 1:]) for c in chunk.split(batch_size)]


class TimeCosine(torch.optim.lr_scheduler.LRScheduler):
    """Linear warm-up over ``warmup_steps``, then a cosine from the base LR to
    ``final_fraction`` of it as the wall clock goes from 0 to ``budget_s``."""

    def __init__(self, optimizer: torch.optim.Optimizer, budget_s: float, warmup_steps: int = 50,
                 final_fraction: float = 0.1) -> None:
        self.budget_s, self.warmup_steps, self.final_fraction = budget_s, warmup_steps, final_fraction
        self.t0: float | None = None
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.t0 is None:
            self.t0 = time.perf_counter()
        progress = min((time.perf_counter() - self.t0) / self.budget_s, 1.0)
        cosine = self.final_fraction + (1 - self.final_fraction) * 0.5 * (1 + math.cos(math.pi * progress))
        warm = min(1.0, (self.last_epoch + 1) / self.warmup_steps)
        return [base * warm * cosine for base in self.base_lrs]


@torch.no_grad()
def evaluate_lm(model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Mean next-token cross-entropy (nats per character) over ``batches``."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    total = count = 0
    for x, y in batches:
        total += float(lm_loss(model(x.to(dev)), y.to(dev))) * len(x)
        count += len(x)
    model.train(was_training)
    return total / count


@dataclass
class LMRun:
    """What one budgeted run produced."""

    val_loss: float
    train_s: float
    steps: int
    history: History


def train_lm(model: nn.Module, train_data: torch.Tensor, val_data: torch.Tensor, *, budget_s: float,
             block_size: int = 128, batch_size: int = 32, lr: float = 3e-3, weight_decay: float = 0.0,
             warmup_steps: int = 50, grad_clip: float = 1.0, seed: int = 0, device: str | None = None,
             max_steps: int | None = None, progress: bool = True, desc: str = "lm") -> LMRun:
    """Train ``model`` on random windows for ``budget_s`` seconds of training (or ``max_steps``
    steps, if that comes first), then score it on fixed validation windows (evaluation time is
    not counted)."""
    torch.manual_seed(seed)
    batches = RandomWindows(train_data, block_size=block_size, batch_size=batch_size, seed=seed)
    history = fit(model, batches, epochs=1, time_budget_s=budget_s, max_steps=max_steps, lr=lr, weight_decay=weight_decay,
                  step_fn=lm_step, grad_clip=grad_clip, device=device, progress=progress, desc=desc,
                  scheduler=lambda opt: TimeCosine(opt, budget_s, warmup_steps=warmup_steps))
    val = evaluate_lm(model, val_windows(val_data, block_size=block_size))
    return LMRun(val_loss=val, train_s=history.seconds, steps=len(history.steps), history=history)
