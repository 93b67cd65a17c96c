"""Drill: top-k / top-p (nucleus) filtering of next-token logits before sampling."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Top-k / top-p sampling distribution

Write `top_k_top_p(logits, k, p, temperature)`: `logits` is a `(V,)` or `(B, V)` float
tensor of next-token logits. Return the probabilities you would sample from, same shape,
each row summing to 1:

1. Divide the logits by `temperature` (> 0).
2. Top-k: if `k > 0`, keep only the `k` largest logits of each row (`k = 0` disables it).
3. Top-p (nucleus): on the softmax of what is left, sort descending and keep the smallest
   set of tokens whose cumulative probability reaches `p` (a token is kept when the
   probability mass **before** it is `< p`; the most likely token is always kept).
   `p = 1.0` disables it.
4. Softmax over the kept tokens; removed tokens get probability exactly 0.

Then `torch.multinomial(probs, 1)` samples. (Hugging Face's `TopKLogitsWarper` and
`TopPLogitsWarper`, applied in that order, compute the same distribution.)

Example: `top_k_top_p(torch.log(torch.tensor([0.5, 0.3, 0.2])), 0, 0.7, 1.0)` is
`[0.625, 0.375, 0.0]`.
"""


def top_k_top_p(logits: torch.Tensor, k: int = 0, p: float = 1.0, temperature: float = 1.0) -> torch.Tensor:
    """(V,) or (B, V) logits -> probabilities of the same shape after temperature, top-k, top-p."""
    logits = logits / temperature
    if k > 0:
        kth_largest = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[..., -1:]  # (..., 1)
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    if p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        sorted_probs = torch.softmax(sorted_logits, dim=-1)
        mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        remove_sorted = mass_before >= p  # the top token has mass 0 before it: always kept
        remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to vocabulary order
        logits = logits.masked_fill(remove, float("-inf"))
    return torch.softmax(logits, dim=-1)


def make_cases(rng: np.random.Generator) -> list[Case]:
    t = torch.tensor
    example = torch.log(t([0.5, 0.3, 0.2]))
    settings = [
        ("statement example: p = 0.7", example, 0, 0.7, 1.0),
        ("no filtering (k = 0, p = 1)", example, 0, 1.0, 1.0),
        ("top-k only, k = 2", t([1.0, 3.0, 2.0, 0.5]), 2, 1.0, 1.0),
        ("k larger than the vocabulary", t([1.0, 3.0, 2.0]), 10, 1.0, 1.0),
        ("p small: only the top token", t([2.0, 1.0, 0.0, 5.0]), 0, 0.1, 1.0),
        ("top-k then top-p (renormalise after top-k)", t([3.0, 2.5, 2.0, 1.0, 0.0]), 3, 0.6, 1.0),
        ("temperature 0.5 sharpens", t([1.0, 0.5, 0.0]), 0, 0.9, 0.5),
        ("temperature 2 flattens", t([1.0, 0.5, 0.0]), 2, 1.0, 2.0),
    ]
    for i in range(3):
        logits = t(rng.normal(0, 2, size=(int(rng.integers(1, 4)), int(rng.integers(5, 30)))), dtype=torch.float32)
        k, p = int(rng.choice([0, 3, 10])), float(rng.choice([0.5, 0.8, 0.95]))
        settings.append((f"random batch #{i + 1}: shape {tuple(logits.shape)}, k={k}, p={p}", logits, k, p, 1.0))
    return [Case(name, (logits, k, p, temp), expected=top_k_top_p(logits, k, p, temp), atol=1e-6)
            for name, logits, k, p, temp in settings]


DRILL = Drill(
    name="top_k_top_p",
    title="Top-k / top-p sampling filter",
    topic="gpt",
    difficulty="medium",
    time_limit_min=20,
    statement=STATEMENT,
    reference=top_k_top_p,
    make_cases=make_cases,
    imports="import torch",
)
