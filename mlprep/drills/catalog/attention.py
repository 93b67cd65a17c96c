"""Drill: scaled dot-product attention, checked against ``F.scaled_dot_product_attention``."""

from __future__ import annotations

import math

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Scaled dot-product attention

Write `attention(q, k, v, mask)` returning `(out, weights)`:

- `q`: `(..., L, d_k)`, `k`: `(..., S, d_k)`, `v`: `(..., S, d_v)` float tensors; the leading
  dimensions (batch, heads) are the same for all three.
- `mask`: `None` or a bool tensor broadcastable to `(..., L, S)`; `True` means "may attend",
  `False` means the score is replaced by `-inf` before the softmax (as the boolean
  `attn_mask` of `F.scaled_dot_product_attention`). Every query may attend somewhere.
- `weights = softmax(q @ k^T / sqrt(d_k))` over the last dimension, `(..., L, S)`;
  `out = weights @ v`, `(..., L, d_v)`.

Without the `1 / sqrt(d_k)` scale the softmax saturates as `d_k` grows; the checker uses
`d_k` up to 64. Do not call `F.scaled_dot_product_attention` or `nn.MultiheadAttention`.
"""


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(..., L, d_k) q, (..., S, d_k) k, (..., S, d_v) v, bool mask (True = attend) -> (out, weights)."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., L, S)
    return weights @ v, weights  # (..., L, d_v)


def _expected(q, k, v, mask):
    import torch.nn.functional as F

    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return out, torch.softmax(scores, dim=-1)


def make_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int) -> torch.Tensor:
        return torch.tensor(rng.normal(size=shape), dtype=torch.float32)

    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    padding = torch.tensor([True, True, True, False, False, False])[None, None, None, :]  # (1, 1, 1, S)
    settings = [
        ("one query, d_k = 1", t(1, 1), t(3, 1), t(3, 2), None),
        ("(L, d) without batch, d_k = 16", t(4, 16), t(6, 16), t(6, 8), None),
        ("batch (B, L, d), d_k = 64: scale by sqrt(d_k)", t(2, 5, 64), t(2, 7, 64), t(2, 7, 3), None),
        ("causal mask", t(2, 5, 8), t(2, 5, 8), t(2, 5, 8), causal),
        ("heads (B, H, L, d) with a padding mask", t(2, 3, 4, 8), t(2, 3, 6, 8), t(2, 3, 6, 5), padding),
        ("L != S, d_v != d_k", t(3, 2, 32), t(3, 9, 32), t(3, 9, 4), None),
    ]
    return [Case(name, (q, k, v, m), expected=_expected(q, k, v, m), atol=1e-5, rtol=1e-4)
            for name, q, k, v, m in settings]


DRILL = Drill(
    name="attention",
    title="Scaled dot-product attention",
    topic="attention",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=attention,
    make_cases=make_cases,
    output_names=("out", "weights"),
    imports="import math\n\nimport torch",
)
