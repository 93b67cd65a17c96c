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
    epoch, until the step budget stops training.

    ``group_by_length``: each epoch's shuffled rows are cut into groups of 50 batches, each group
    sorted by length and cut into batches, and the batches shuffled (Hugging Face's
    ``group_by_length``, batch order shuffled too). Each batch is cut to its longest row, so
    fewer padding tokens are computed: the same rows each epoch, less work, other batches."""

    GROUP = 50  # batches per length-sorted group

    def __init__(self, data: Tensors, batch_size: int, seed: int, mask_key: str = "attention_mask",
                 group_by_length: bool = False) -> None:
        self.data, self.batch_size, self.mask_key = data, batch_size, mask_key
        self.n = len(data[mask_key])
        self.gen = torch.Generator().manual_seed(seed)
        self.group_by_length = group_by_length

    def batches(self) -> list[torch.Tensor]:
        """One epoch's batches of row indices."""
        order = torch.randperm(self.n, generator=self.gen)
        if not self.group_by_length:
            return list(order.split(self.batch_size))
        lengths, batches = self.data[self.mask_key].sum(1), []
        for group in order.split(self.batch_size * self.GROUP):
            longest_first = group[lengths[group].argsort(descending=True, stable=True)]
            batches.extend(longest_first.split(self.batch_size))
        return [batches[k] for k in torch.randperm(len(batches), generator=self.gen).tolist()]

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        while True:
            for rows in self.batches():
                yield take(self.data, rows, self.mask_key)


def finetune(model: nn.Module, data: Tensors, step_fn: Callable[[nn.Module, dict], torch.Tensor], *,
             steps: int, lr: float, batch_size: int = 16, warmup_steps: int = 10, weight_decay: float = 0.01,
             head: nn.Module | None = None, head_lr: float | None = None, group_by_length: bool = False,
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
    # fused: the default loop's update in one kernel; on CPU several times faster than foreach (which is
    # slower than the loop here), equal to the loop to float rounding
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, fused=True)
    start = time.perf_counter()
    schedule = schedules.scheduler(optimizer, lambda s: schedules.linear_warmup(s, warmup_steps=warmup_steps))
    fit(model, TensorBatches(data, batch_size, seed, mask_key, group_by_length), step_fn=step_fn,
        optim=Optim(optimizer=optimizer, grad_clip=1.0, scheduler=schedule), budget=Budget(max_steps=steps),
        compute=Compute(device="cpu"), progress=progress, desc=desc)
    return time.perf_counter() - start


@torch.no_grad()
def predict(forward: Callable[[dict], torch.Tensor | tuple[torch.Tensor, ...]], data: Tensors, *,
            batch_size: int = 64, mask_key: str = "attention_mask") -> torch.Tensor | tuple[torch.Tensor, ...]:
    """``forward(batch)`` over ``data`` in batches of rows of similar length, each cut to its
    longest row; the per-token outputs ``(B, t, ...)`` padded back to the full width with zeros
    and joined in the input's order: ``(N, T, ...)``.
    ``forward`` may return a tensor or a tuple of them (start and end logits).

    >>> data = {"attention_mask": torch.tensor([[1, 1, 0], [1, 0, 0]])}
    >>> predict(lambda b: b["attention_mask"] * 2.0, data, batch_size=1)
    tensor([[2., 2., 0.],
            [2., 0., 0.]])
    """
    n, width = data[mask_key].shape[:2]
    # Rows sorted by length, so that each batch is cut short; the outputs go back in input order.
    order = data[mask_key].sum(1).argsort(descending=True, stable=True)
    joined: list[torch.Tensor] = []
    single = False
    for rows in order.split(batch_size):
        out = forward(take(data, rows, mask_key))
        single = isinstance(out, torch.Tensor)
        for k, part in enumerate((out,) if single else tuple(out)):
            if len(joined) <= k:
                joined.append(part.new_zeros((n, width, *part.shape[2:])))
            joined[k][rows, :part.shape[1]] = part
    return joined[0] if single else tuple(joined)


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
