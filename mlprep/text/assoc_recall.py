"""A synthetic long-range task: associative recall over many key-value pairs.

Each sequence lists ``num_pairs`` pairs ``(key, value)`` with distinct keys, one pair per
position, then a query position holding one of the keys; the answer is that key's value.
The *distance* is how many positions back the queried pair is (1 = the last pair).

Self-attention connects the query to every pair in one step (path length O(1), the
Transformer paper's Table 1); a recurrent net must carry every pair through its state
across up to ``num_pairs`` steps (O(n)), so its accuracy falls with distance.

>>> import torch
>>> batch = make_recall_batch(4, num_pairs=8, num_keys=16, num_values=8, generator=torch.Generator().manual_seed(0))
>>> batch.keys.shape, batch.values.shape, batch.target.shape
(torch.Size([4, 9]), torch.Size([4, 9]), torch.Size([4]))
>>> i = 8 - int(batch.distance[0])                         # the queried pair's position
>>> bool(batch.keys[0, i] == batch.keys[0, -1]) and bool(batch.values[0, i] == batch.target[0])
True
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from mlprep.text.gpt import Block, GPTConfig
from mlprep.train import Budget, Callback, Compute, Optim, fit

__all__ = ["RecallBatch", "make_recall_batch", "RecallTransformer", "RecallLSTM", "train_recall",
           "accuracy_by_distance", "accuracy_by_pairs"]


@dataclass
class RecallBatch:
    keys: torch.Tensor  # (B, N + 1): pair keys, then the query key
    values: torch.Tensor  # (B, N + 1): pair values, then ``num_values`` (the "?" token)
    target: torch.Tensor  # (B,): the queried pair's value
    distance: torch.Tensor  # (B,): 1..N positions back from the query


def make_recall_batch(batch_size: int, *, num_pairs: int, num_keys: int, num_values: int,
                      generator: torch.Generator | None = None) -> RecallBatch:
    """Random sequences of distinct keys with random values and one query each."""
    if num_pairs > num_keys:
        raise ValueError(f"num_pairs ({num_pairs}) cannot exceed num_keys ({num_keys}): keys are distinct")
    keys = torch.rand(batch_size, num_keys, generator=generator).argsort(dim=1)[:, :num_pairs]  # (B, N)
    values = torch.randint(num_values, (batch_size, num_pairs), generator=generator)  # (B, N)
    picked = torch.randint(num_pairs, (batch_size,), generator=generator)  # (B,)
    rows = torch.arange(batch_size)
    query = keys[rows, picked]
    keys = torch.cat([keys, query[:, None]], dim=1)  # (B, N + 1)
    values = torch.cat([values, torch.full((batch_size, 1), num_values)], dim=1)
    return RecallBatch(keys, values, values[rows, picked], num_pairs - picked)


class _PairEmbedding(nn.Module):
    """One vector per position: key embedding + value embedding (+1 value id for "?")."""

    def __init__(self, num_keys: int, num_values: int, dim: int) -> None:
        super().__init__()
        self.key = nn.Embedding(num_keys, dim)
        self.value = nn.Embedding(num_values + 1, dim)

    def forward(self, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        return self.key(keys) + self.value(values)  # (B, N + 1, dim)


class RecallTransformer(nn.Module):
    """Pair embeddings, ``n_layer`` MiniGPT blocks (no positions needed: lookup is by
    content), and a value classifier read at the query position."""

    def __init__(self, num_keys: int, num_values: int, dim: int = 64, n_layer: int = 2, n_head: int = 1) -> None:
        super().__init__()
        self.embed = _PairEmbedding(num_keys, num_values, dim)
        cfg = GPTConfig(vocab_size=num_values, n_layer=n_layer, n_head=n_head, n_embd=dim)
        self.blocks = nn.ModuleList(Block(cfg, i) for i in range(n_layer))
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_values)

    def forward(self, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        x = self.embed(keys, values)  # (B, N + 1, dim)
        for block in self.blocks:
            x = block(x)  # causal is fine: the query is last and sees every pair
        return self.head(self.ln(x[:, -1]))  # (B, num_values)


class RecallLSTM(nn.Module):
    """The same pair embeddings into an LSTM; the value is read from the last hidden state."""

    def __init__(self, num_keys: int, num_values: int, dim: int = 64, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.embed = _PairEmbedding(num_keys, num_values, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, num_values)

    def forward(self, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embed(keys, values))  # (B, N + 1, hidden)
        return self.head(out[:, -1])  # (B, num_values)


def _recall_batches(batch_size: int, seed: int, pair_counts: tuple[int, ...], num_keys: int, num_values: int):
    gen = torch.Generator().manual_seed(seed)
    while True:  # each batch draws its number of pairs, so one model learns every setting
        n = pair_counts[int(torch.randint(len(pair_counts), (1,), generator=gen))]
        b = make_recall_batch(batch_size, num_pairs=n, num_keys=num_keys, num_values=num_values, generator=gen)
        yield b.keys, b.values, b.target


def _recall_step(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    keys, values, target = batch
    return F.cross_entropy(model(keys, values), target)


def train_recall(model: nn.Module, *, steps: int, pair_counts: tuple[int, ...] | list[int], num_keys: int,
                 num_values: int, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, progress: bool = True,
                 desc: str = "recall", callbacks: Iterable[Callback] = ()) -> float:
    """Train for ``steps`` AdamW steps on fresh random sequences, each batch with a number of
    pairs drawn from ``pair_counts``; returns the training seconds (``callbacks`` go to ``fit``,
    e.g. to measure accuracy as training goes)."""
    torch.manual_seed(seed)
    batches = _recall_batches(batch_size, seed, tuple(pair_counts), num_keys, num_values)
    start = time.perf_counter()
    fit(model, batches, lr=lr, step_fn=_recall_step, optim=Optim(grad_clip=1.0), budget=Budget(max_steps=steps),
        compute=Compute(device="cpu"), callbacks=callbacks, progress=progress, desc=desc)
    return time.perf_counter() - start


@torch.no_grad()
def accuracy_by_distance(model: nn.Module, *, num_pairs: int, num_keys: int, num_values: int,
                         samples: int = 4096, seed: int = 12345) -> torch.Tensor:
    """Accuracy ``(num_pairs,)`` on fresh sequences; entry ``d - 1`` is for distance ``d``."""
    model.eval()
    batch = make_recall_batch(samples, num_pairs=num_pairs, num_keys=num_keys, num_values=num_values,
                              generator=torch.Generator().manual_seed(seed))
    dev = next(model.parameters()).device
    correct = (model(batch.keys.to(dev), batch.values.to(dev)).argmax(1).cpu() == batch.target).float()
    totals = torch.zeros(num_pairs).index_add_(0, batch.distance - 1, correct)
    counts = torch.zeros(num_pairs).index_add_(0, batch.distance - 1, torch.ones(samples))
    return totals / counts.clamp(min=1)


def accuracy_by_pairs(model: nn.Module, pair_counts: tuple[int, ...] | list[int], *, num_keys: int,
                      num_values: int, samples: int = 2048, seed: int = 12345) -> list[float]:
    """Mean accuracy for each number of pairs in ``pair_counts`` (fresh sequences)."""
    return [float(accuracy_by_distance(model, num_pairs=n, num_keys=num_keys, num_values=num_values,
                                       samples=samples, seed=seed + n).mean()) for n in pair_counts]
