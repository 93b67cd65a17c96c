"""Genre classification with a BERT encoder: frozen embeddings, fine-tuning, from scratch.

Used by ``notebooks/10_bert_finetuning.ipynb``.
The pretrained weights come from :mod:`mlprep.text.pretrained` (bundled, sha256-verified);
the scratch model has the same architecture (``AutoConfig``) and random weights.

>>> enc = Encoded(torch.tensor([[101, 7, 102, 0]]), torch.tensor([[1, 1, 1, 0]]), torch.tensor([2]))
>>> batch = enc.batch(torch.tensor([0]))
>>> batch[0].shape                                   # trimmed to the longest real sequence
torch.Size([1, 3])
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from mlprep import schedules
from mlprep.train import Budget, Compute, Optim, fit

__all__ = ["Encoded", "tokenize", "stratified_subsample", "pretrained_classifier", "scratch_classifier",
           "finetune", "predict"]


@dataclass
class Encoded:
    """Token ids ``(N, T)``, attention mask ``(N, T)`` and labels ``(N,)``, padded to T."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rows ``rows``, cut to their longest sequence (dynamic padding: less wasted compute)."""
        mask = self.attention_mask[rows]
        length = int(mask.sum(1).max())
        return self.input_ids[rows, :length], mask[:, :length], self.labels[rows]


def tokenize(tokenizer: Any, texts: Sequence[str], labels: Sequence[int] | torch.Tensor,
             max_length: int = 64) -> Encoded:
    """WordPiece-tokenise ``texts``, truncated and padded to ``max_length`` tokens."""
    enc = tokenizer(list(texts), padding="max_length", truncation=True, max_length=max_length,
                    return_tensors="pt")
    return Encoded(enc["input_ids"], enc["attention_mask"], torch.as_tensor(labels, dtype=torch.long))


def stratified_subsample(labels: Sequence[int] | torch.Tensor, per_class: int, seed: int = 0) -> torch.Tensor:
    """Indices of up to ``per_class`` random items of each class (sorted).

    >>> stratified_subsample([0, 0, 0, 1, 1], per_class=2, seed=0).shape
    torch.Size([4])
    """
    labels = torch.as_tensor(labels)
    gen = torch.Generator().manual_seed(seed)
    picked = []
    for c in labels.unique():
        rows = (labels == c).nonzero().flatten()
        picked.append(rows[torch.randperm(len(rows), generator=gen)[:per_class]])
    return torch.cat(picked).sort().values


def pretrained_classifier(num_labels: int) -> nn.Module:
    """MiniLM's pretrained encoder with a new, randomly initialised classification head."""
    from transformers import AutoModelForSequenceClassification

    from mlprep.text.pretrained import minilm_dir, verify_weights

    directory = minilm_dir()
    verify_weights(directory)
    return AutoModelForSequenceClassification.from_pretrained(str(directory), num_labels=num_labels,
                                                              local_files_only=True)


def scratch_classifier(num_labels: int, seed: int = 0) -> nn.Module:
    """The same architecture as :func:`pretrained_classifier`, every weight random."""
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from mlprep.text.pretrained import minilm_dir

    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(str(minilm_dir()), num_labels=num_labels, local_files_only=True)
    return AutoModelForSequenceClassification.from_config(config)


def _step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
    input_ids, attention_mask, labels = batch
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits  # (B, num_labels)
    return F.cross_entropy(logits, labels)


class _Batches:
    """Shuffled batches of ``enc``, epoch after epoch, until the step budget stops training."""

    def __init__(self, enc: Encoded, batch_size: int, seed: int) -> None:
        self.enc, self.batch_size, self.gen = enc, batch_size, torch.Generator().manual_seed(seed)

    def __iter__(self):
        while True:
            for rows in torch.randperm(len(self.enc), generator=self.gen).split(self.batch_size):
                yield self.enc.batch(rows)


def finetune(model: nn.Module, train: Encoded, *, steps: int, lr: float = 5e-5, batch_size: int = 32,
             warmup_steps: int = 10, seed: int = 0, progress: bool = True, desc: str = "finetune") -> float:
    """Train every weight of ``model`` for ``steps`` AdamW steps (linear warm-up, then constant;
    weight decay 0.01); returns the training seconds. A budget in steps gives the same model on
    any machine; the seconds it cost here are returned."""
    torch.manual_seed(seed)
    model.train()
    start = time.perf_counter()
    warmup = lambda opt: schedules.scheduler(opt, lambda s: schedules.linear_warmup(s, warmup_steps=warmup_steps))  # noqa: E731
    fit(model, _Batches(train, batch_size, seed), lr=lr, step_fn=_step,
        optim=Optim(weight_decay=0.01, grad_clip=1.0, scheduler=warmup), budget=Budget(max_steps=steps),
        compute=Compute(device="cpu"), progress=progress, desc=desc)
    return time.perf_counter() - start


@torch.no_grad()
def predict(model: nn.Module, data: Encoded, batch_size: int = 64) -> torch.Tensor:
    """Predicted class ``(N,)`` for every row of ``data``, in eval mode."""
    model.eval()
    out = []
    for rows in torch.arange(len(data)).split(batch_size):
        input_ids, attention_mask, _ = data.batch(rows)
        out.append(model(input_ids=input_ids, attention_mask=attention_mask).logits.argmax(1))
    return torch.cat(out)
