"""Language-model training in one place: the loss, the step for :func:`mlprep.fit`, the
evaluator and the step-budgeted trainer, used by notebooks 07 and 09, the GPT recipe and
``benchmarks/lm_sweep.py`` so that every language model is trained and scored alike.

Any model mapping ``(B, T)`` ids to ``(B, T, V)`` logits works (``gpt.MiniGPT``,
``charrnn.CharRNN``). Loss is next-token cross-entropy in nats per token (per character for
the character models). A budget in steps, not seconds, gives the same model on a slow machine
and on a fast one; its cost in seconds is reported (:attr:`LMRun.ms_per_step`).

>>> data = torch.arange(100) % 7
>>> x, y = next(iter(RandomWindows(data, block_size=8, batch_size=4, seed=0)))
>>> x.shape, bool((y[:, :-1] == x[:, 1:]).all())
(torch.Size([4, 8]), True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, Subset

from mlprep.schedules import scheduler as lambda_scheduler
from mlprep.schedules import warmup_cosine
from mlprep.train import Budget, Compute, History, Optim, fit

__all__ = ["lm_loss", "lm_step", "evaluate_lm", "RandomWindows", "val_windows", "spaced_windows",
           "LMRun", "train_lm"]

Batch = tuple[torch.Tensor, torch.Tensor]


def lm_loss(logits: torch.Tensor, targets: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Next-token cross-entropy (nats) of logits ``(B, T, V)`` against targets ``(B, T)``,
    computed in float32 even when the logits come from a bf16/fp16 autocast region.

    >>> round(lm_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.long)).item(), 4)  # ln 4: uniform
    1.3863
    """
    return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), reduction=reduction)


def lm_step(model: nn.Module, batch: Batch) -> torch.Tensor:
    """Step function for :func:`mlprep.fit`: the mean loss of a batch ``(x, y)``, both (B, T)."""
    x, y = batch
    return lm_loss(model(x), y)  # model(x): (B, T, V)


@torch.no_grad()
def evaluate_lm(model: nn.Module, batches: Iterable[Batch]) -> float:
    """Mean next-token cross-entropy (nats per token) over every target in ``batches``, with
    the model in eval mode (its mode is restored afterwards)."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    total, count = 0.0, 0
    for x, y in batches:
        total += lm_loss(model(x.to(dev)), y.to(dev)).item() * y.numel()
        count += y.numel()
    model.train(was_training)
    return total / count


class RandomWindows:
    """Batches of ``(x, y)`` windows at random offsets of ``data`` ``(N,)``, until
    ``max_batches`` (in practice, until the step budget stops training). No ``len``: the
    progress bar counts steps instead of showing a meaningless total."""

    def __init__(self, data: torch.Tensor, *, block_size: int, batch_size: int, seed: int = 0,
                 max_batches: int = 10**9) -> None:
        self.data, self.block_size, self.batch_size = data, block_size, batch_size
        self.seed, self.max_batches = seed, max_batches

    def __iter__(self) -> Iterator[Batch]:
        gen = torch.Generator().manual_seed(self.seed)
        offsets = torch.arange(self.block_size + 1)  # (T + 1,)
        for _ in range(self.max_batches):
            starts = torch.randint(len(self.data) - self.block_size - 1, (self.batch_size,), generator=gen)
            chunk = self.data[starts[:, None] + offsets]  # (B, T + 1)
            yield chunk[:, :-1], chunk[:, 1:]


def val_windows(data: torch.Tensor, *, block_size: int, count: int = 256, batch_size: int = 64) -> list[Batch]:
    """``count`` evenly spaced, fixed windows of the token stream ``data`` as batches: a cheap,
    deterministic estimate of the validation loss that every model is scored on.

    >>> [tuple(x.shape) for x, _ in val_windows(torch.arange(1000), block_size=8, count=100)]
    [(64, 8), (36, 8)]
    """
    starts = torch.linspace(0, len(data) - block_size - 2, count).long()
    chunk = data[starts[:, None] + torch.arange(block_size + 1)]  # (count, T + 1)
    return [(c[:, :-1], c[:, 1:]) for c in chunk.split(batch_size)]


def spaced_windows(dataset: Dataset, count: int | None = 512, batch_size: int = 128) -> DataLoader:
    """Batches of ``count`` evenly spaced items of a window dataset (every item if None), so
    that an estimate from a few windows still covers every held-out play."""
    n = len(dataset)  # type: ignore[arg-type]
    idx = range(n) if count is None or count >= n else [round(i * (n - 1) / (count - 1)) for i in range(count)]
    return DataLoader(Subset(dataset, list(idx)), batch_size=batch_size)


@dataclass
class LMRun:
    """What one run produced."""

    val_loss: float
    train_s: float  # wall time of the optimisation steps only
    steps: int
    history: History

    @property
    def ms_per_step(self) -> float:
        """Measured cost of one optimizer step on this machine (training only)."""
        return 1000 * self.train_s / max(self.steps, 1)


def train_lm(model: nn.Module, batches: Iterable[Batch], val_batches: Iterable[Batch], *, steps: int | None,
             lr: float = 3e-3, warmup_steps: int = 50, scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
             epochs: int = 1, time_budget_s: float | None = None, weight_decay: float = 0.0,
             grad_clip: float = 1.0, seed: int | None = None, device: Any = None, progress: bool = True,
             desc: str = "lm") -> LMRun:
    """Train ``model`` with AdamW on ``batches`` for ``steps`` optimizer steps (or ``epochs``
    passes, or ``time_budget_s`` seconds, whichever ends first), clipping the gradient norm,
    then score it on ``val_batches`` (evaluation time is not counted).

    The learning rate warms up over ``warmup_steps``, then follows a cosine to 10% at the last
    step (:func:`mlprep.schedules.warmup_cosine`), unless ``scheduler`` (an optimizer ->
    scheduler factory, e.g. :func:`mlprep.schedules.one_cycle`) is given. ``seed``, when given,
    reseeds torch's global generator just before training.
    """
    if scheduler is None and steps is not None:
        total = steps

        def scheduler(opt: torch.optim.Optimizer) -> Any:
            return lambda_scheduler(opt, lambda s: warmup_cosine(s, total_steps=total, warmup_steps=warmup_steps))

    if seed is not None:
        torch.manual_seed(seed)
    history = fit(model, batches, epochs=epochs, lr=lr, step_fn=lm_step,
                  optim=Optim(weight_decay=weight_decay, grad_clip=grad_clip, scheduler=scheduler),
                  budget=Budget(max_steps=steps, seconds=time_budget_s), compute=Compute(device=device),
                  progress=progress, desc=desc)
    val = evaluate_lm(model, val_batches)
    return LMRun(val_loss=val, train_s=history.seconds, steps=len(history.steps), history=history)
