"""Training plumbing for token-level tasks (tagging, extractive QA); used by
``notebooks/12_token_tasks_qa.ipynb``.

The lessons (label alignment, the heads, span search, the metrics) stay inline in the
notebook; this module holds what its three models share: batches of padded tensors cut to
their longest row, a step-budgeted AdamW loop on :func:`mlprep.fit`, and batched inference.

>>> data = {"input_ids": torch.tensor([[101, 7, 102, 0], [101, 102, 0, 0]]),
...         "attention_mask": torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])}
>>> {k: tuple(v.shape) for k, v in take(data, torch.tensor([0, 1])).items()}
{'input_ids': (2, 3), 'attention_mask': (2, 3)}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

import torch
from torch import nn
from torch.nn import functional as F

from mlprep import schedules
from mlprep.train import Budget, Compute, Optim, fit

__all__ = ["take", "TensorBatches", "finetune", "predict"]

Tensors = Mapping[str, torch.Tensor]


def take(data: Tensors, rows: torch.Tensor, mask_key: str = "attention_mask") -> dict[str, torch.Tensor]:
    """Rows ``rows`` of every tensor; those as long as the mask are cut to the longest real row."""
    mask = data[mask_key][rows]
    width, length = mask.shape[1], int(mask.sum(1).max())
    return {k: (v[rows, :length] if v.dim() > 1 and v.shape[1] == width else v[rows]) for k, v in data.items()}


class TensorBatches:
    """Shuffled batches of ``data`` (a dict of tensors with one row per example), epoch after
    epoch, until the step budget stops training."""

    def __init__(self, data: Tensors, batch_size: int, seed: int, mask_key: str = "attention_mask") -> None:
        self.data, self.batch_size, self.mask_key = data, batch_size, mask_key
        self.n = len(data[mask_key])
        self.gen = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        while True:
            for rows in torch.randperm(self.n, generator=self.gen).split(self.batch_size):
                yield take(self.data, rows, self.mask_key)


def finetune(model: nn.Module, data: Tensors, step_fn: Callable[[nn.Module, dict], torch.Tensor], *,
             steps: int, lr: float, batch_size: int = 16, warmup_steps: int = 10, weight_decay: float = 0.01,
             head: nn.Module | None = None, head_lr: float | None = None,
             seed: int = 0, mask_key: str = "attention_mask", progress: bool = True, desc: str = "finetune") -> float:
    """``steps`` AdamW steps on shuffled batches of ``data`` (linear warm-up, then constant;
    gradients clipped at 1); ``step_fn(model, batch)`` returns the loss. ``head`` (a submodule
    of ``model``, new and randomly initialised) may get its own, larger ``head_lr``. Returns the
    seconds it took here: the budget is in steps, so the model is the same on any machine."""
    torch.manual_seed(seed)
    model.train()
    head_params = {id(p) for p in head.parameters()} if head is not None else set()
    groups = [{"params": [p for p in model.parameters() if id(p) not in head_params], "lr": lr}]
    if head_params:
        groups.append({"params": list(head.parameters()), "lr": head_lr or lr})
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, foreach=True)  # = the default loop, faster
    start = time.perf_counter()
    schedule = schedules.scheduler(optimizer, lambda s: schedules.linear_warmup(s, warmup_steps=warmup_steps))
    fit(model, TensorBatches(data, batch_size, seed, mask_key), step_fn=step_fn,
        optim=Optim(optimizer=optimizer, grad_clip=1.0, scheduler=schedule), budget=Budget(max_steps=steps),
        compute=Compute(device="cpu"), progress=progress, desc=desc)
    return time.perf_counter() - start


@torch.no_grad()
def predict(forward: Callable[[dict], torch.Tensor | tuple[torch.Tensor, ...]], data: Tensors, *,
            batch_size: int = 64, mask_key: str = "attention_mask") -> torch.Tensor | tuple[torch.Tensor, ...]:
    """``forward(batch)`` over ``data`` in batches cut to their longest row, the per-token
    outputs ``(B, t, ...)`` padded back to the full width with zeros and joined: ``(N, T, ...)``.
    ``forward`` may return a tensor or a tuple of them (start and end logits).

    >>> data = {"attention_mask": torch.tensor([[1, 1, 0], [1, 0, 0]])}
    >>> predict(lambda b: b["attention_mask"] * 2.0, data, batch_size=1)
    tensor([[2., 2., 0.],
            [2., 0., 0.]])
    """
    n, width = data[mask_key].shape[:2]
    parts: list[tuple[torch.Tensor, ...]] = []
    single = False
    for rows in torch.arange(n).split(batch_size):
        out = forward(take(data, rows, mask_key))
        single = isinstance(out, torch.Tensor)
        parts.append((out,) if single else tuple(out))
    joined = tuple(torch.cat([F.pad(p[k], [0, 0] * (p[k].dim() - 2) + [0, width - p[k].shape[1]]) for p in parts])
                   for k in range(len(parts[0])))
    return joined[0] if single else joined
