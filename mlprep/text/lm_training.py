"""Training a character language model for a fixed number of steps, used for both models of
notebook 09's equal-budget comparison (and by ``benchmarks/lm_sweep.py``) so they compare like with like.

Any model mapping ``(B, T)`` ids to ``(B, T, V)`` logits works (``MiniGPT``, ``charrnn.CharRNN``).
Batches are random windows of the training text; the learning rate warms up, then follows a
cosine to 10% at the last step (:func:`mlprep.schedules.warmup_cosine`). A budget in steps, not
seconds, gives the same model on a slow machine and on a fast one; its cost in seconds is
reported (:attr:`LMRun.ms_per_step`).

>>> import torch
>>> data = torch.arange(100) % 7
>>> x, y = next(iter(RandomWindows(data, block_size=8, batch_size=4, seed=0)))
>>> x.shape, bool((y[:, :-1] == x[:, 1:]).all())
(torch.Size([4, 8]), True)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from mlprep.schedules import scheduler, warmup_cosine
from mlprep.text.gpt import lm_loss, lm_step
from mlprep.train import History, fit

__all__ = ["RandomWindows", "val_windows", "LMRun", "train_lm", "evaluate_lm"]



class RandomWindows:
    """Batches of ``(x, y)`` windows at random offsets of ``data`` ``(N,)``, until
    ``max_batches`` (in practice, until the step budget stops training). No ``len``: the
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
    """What one run produced."""

    val_loss: float
    train_s: float
    steps: int
    history: History

    @property
    def ms_per_step(self) -> float:
        """Measured cost of one optimizer step on this machine (training only)."""
        return 1000 * self.train_s / max(self.steps, 1)


def train_lm(model: nn.Module, train_data: torch.Tensor, val_data: torch.Tensor, *, steps: int,
             block_size: int = 128, batch_size: int = 32, lr: float = 3e-3, weight_decay: float = 0.0,
             warmup_steps: int = 50, grad_clip: float = 1.0, seed: int = 0, device: str | None = None,
             progress: bool = True, desc: str = "lm") -> LMRun:
    """Train ``model`` on random windows for ``steps`` AdamW steps (warm-up, then cosine to 10%),
    then score it on fixed validation windows (evaluation time is not counted)."""
    torch.manual_seed(seed)
    batches = RandomWindows(train_data, block_size=block_size, batch_size=batch_size, seed=seed)
    history = fit(model, batches, epochs=1, max_steps=steps, lr=lr, weight_decay=weight_decay,
                  step_fn=lm_step, grad_clip=grad_clip, device=device, progress=progress, desc=desc,
                  scheduler=lambda opt: scheduler(opt, lambda s: warmup_cosine(
                      s, total_steps=steps, warmup_steps=warmup_steps)))
    val = evaluate_lm(model, val_windows(val_data, block_size=block_size))
    return LMRun(val_loss=val, train_s=history.seconds, steps=len(history.steps), history=history)
