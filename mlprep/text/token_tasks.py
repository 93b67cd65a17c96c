"""Training plumbing for token-level tasks (tagging, extractive QA); used by
``notebooks/12_token_classification.ipynb`` and ``notebooks/13_extractive_qa.ipynb``.

The lessons (label alignment, the heads, span search, the metrics) stay inline in the
notebooks; this module holds what their models share: batches of padded tensors cut to
their longest row, a step-budgeted AdamW loop on :func:`mlprep.fit`, batched inference, and
a BERT encoder split in two (:func:`cache_lower` runs the embeddings and the lower layers
once; :class:`UpperLayers` fine-tunes a copy of the top layers on the cached states).

>>> data = {"input_ids": torch.tensor([[101, 7, 102, 0], [101, 102, 0, 0]]),
...         "attention_mask": torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])}
>>> {k: tuple(v.shape) for k, v in take(data, torch.tensor([0, 1])).items()}
{'input_ids': (2, 3), 'attention_mask': (2, 3)}
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping

import torch
from torch import nn
from torch.nn import functional as F

from mlprep import schedules
from mlprep.train import Budget, Compute, Optim, fit

__all__ = ["take", "TensorBatches", "finetune", "predict", "additive_mask", "lower_states", "cache_lower",
           "UpperLayers"]

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


def additive_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """``(B, T)`` of 1/0 -> ``(B, 1, 1, T)``: 0 where attended, the float minimum at padding,
    added to the attention scores (what a BERT layer expects as ``attention_mask``)."""
    return (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def lower_states(encoder: nn.Module, batch: Mapping[str, torch.Tensor], frozen_layers: int) -> torch.Tensor:
    """A BERT ``encoder``'s embeddings and layers ``0 .. frozen_layers - 1``: token ids ``(B, T)``
    -> hidden states ``(B, T, H)``."""
    h = encoder.embeddings(input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids"))
    mask = additive_mask(batch["attention_mask"])
    for layer in encoder.encoder.layer[:frozen_layers]:
        h = _layer(layer, h, mask)
    return h


def _layer(layer: nn.Module, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    out = layer(hidden, attention_mask=mask)
    return out[0] if isinstance(out, tuple) else out  # older transformers return (hidden, ...)


def cache_lower(encoder: nn.Module, data: Tensors, frozen_layers: int) -> tuple[dict[str, torch.Tensor], float]:
    """``data`` with the frozen lower states added as ``"hidden"`` ``(N, T, H)``, computed once,
    batch by batch under ``no_grad`` (not ``inference_mode``: the layers trained on these states
    save them for their backward pass), and the seconds it took."""
    start = time.perf_counter()
    encoder.eval()
    cached = dict(data, hidden=predict(lambda b: lower_states(encoder, b, frozen_layers), data))
    return cached, time.perf_counter() - start


class UpperLayers(nn.Module):
    """A trainable copy of ``encoder``'s layers from ``frozen_layers`` up, and a new linear head
    (dropout first, as ``BertFor...`` heads do) over the cached lower states.

    ``encode(hidden, mask)`` applied to :func:`cache_lower`'s states equals the whole encoder's
    ``last_hidden_state`` on every real token (padding rows may differ: nothing reads them)."""

    def __init__(self, encoder: nn.Module, frozen_layers: int, n_out: int, dropout: float) -> None:
        super().__init__()
        self.layers = copy.deepcopy(encoder.encoder.layer[frozen_layers:])
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)

    def encode(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """``(B, T, H)`` -> ``(B, T, H)``."""
        mask = additive_mask(attention_mask)
        for layer in self.layers:
            hidden = _layer(layer, hidden, mask)
        return hidden

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """``(B, T, H)`` -> ``(B, T, n_out)``."""
        return self.head(self.drop(self.encode(hidden, attention_mask)))
