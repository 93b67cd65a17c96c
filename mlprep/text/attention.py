"""Attention and masking utilities, written to be read (Vaswani et al., 2017, section 3.2).

The teaching versions here are tested against ``torch.nn.functional.scaled_dot_product_attention``
and ``torch.nn.MultiheadAttention``; models use the fused PyTorch kernel.

>>> import torch
>>> q = k = v = torch.randn(2, 5, 8)                      # (B, T, d)
>>> out, weights = scaled_dot_product_attention(q, k, v, mask=causal_mask(5))
>>> out.shape, weights.shape
(torch.Size([2, 5, 8]), torch.Size([2, 5, 5]))
>>> bool(weights[0, 0, 1:].eq(0).all())                   # position 0 only sees itself
True
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "causal_mask",
    "padding_mask",
    "scaled_dot_product_attention",
    "multi_head_attention",
    "sinusoidal_positions",
]


def causal_mask(length: int, device: torch.device | str | None = None) -> torch.Tensor:
    """``(length, length)`` boolean mask, True where query ``i`` may attend to key ``j <= i``.

    >>> causal_mask(3).int().tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def padding_mask(lengths: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
    """``(B, 1, T)`` boolean mask, True at real (non-padding) key positions; broadcasts over queries.

    >>> padding_mask(torch.tensor([2, 3])).int().tolist()
    [[[1, 1, 0]], [[1, 1, 1]]]
    """
    max_length = int(max_length if max_length is not None else lengths.max())
    positions = torch.arange(max_length, device=lengths.device)  # (T,)
    return (positions[None, :] < lengths[:, None])[:, None, :]  # (B, 1, T)


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(q k^T / sqrt(d_k)) v`` with an optional boolean ``mask`` (True = may attend).

    Shapes: q ``(..., T_q, d_k)``, k ``(..., T_k, d_k)``, v ``(..., T_k, d_v)``; ``mask``
    broadcasts to ``(..., T_q, T_k)``. Returns the output ``(..., T_q, d_v)`` and the weights.
    Dividing by sqrt(d_k) keeps the logits' variance near 1 whatever d_k is, so the softmax
    does not saturate and its gradients do not vanish.
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (..., T_q, T_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)  # each row sums to 1 over the visible keys
    return weights @ v, weights  # (..., T_q, d_v)


def multi_head_attention(
    x_q: torch.Tensor,
    x_kv: torch.Tensor,
    in_proj_weight: torch.Tensor,
    in_proj_bias: torch.Tensor | None,
    out_proj: nn.Linear,
    num_heads: int,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Multi-head attention with ``nn.MultiheadAttention``'s weight layout (batch first).

    ``in_proj_weight`` is ``(3d, d)``: the query, key and value projections stacked.
    Each head attends in its own ``d / num_heads`` subspace; the heads are concatenated and
    mixed by ``out_proj``.

    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = torch.randn(1, 4, 8)
    >>> ours = multi_head_attention(x, x, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj, 2)
    >>> torch.allclose(ours, mha(x, x, x, need_weights=False)[0], atol=1e-6)
    True
    """
    batch, t_q, d = x_q.shape
    t_k = x_kv.size(1)
    head_dim = d // num_heads
    w_q, w_k, w_v = in_proj_weight.chunk(3)  # each (d, d)
    b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
    q = nn.functional.linear(x_q, w_q, b_q).view(batch, t_q, num_heads, head_dim).transpose(1, 2)
    k = nn.functional.linear(x_kv, w_k, b_k).view(batch, t_k, num_heads, head_dim).transpose(1, 2)
    v = nn.functional.linear(x_kv, w_v, b_v).view(batch, t_k, num_heads, head_dim).transpose(1, 2)
    out, _ = scaled_dot_product_attention(q, k, v, mask)  # (B, H, T_q, head_dim)
    out = out.transpose(1, 2).reshape(batch, t_q, d)  # heads side by side: (B, T_q, d)
    return out_proj(out)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """The paper's positional encodings, ``(length, dim)``:
    ``PE[p, 2i] = sin(p / 10000^(2i/dim))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/dim))``.

    Each pair of dimensions is a rotation at its own frequency, so ``PE[p + k]`` is a linear
    function of ``PE[p]`` for any fixed offset ``k``: relative positions are easy to read.

    >>> pe = sinusoidal_positions(4, 6)
    >>> pe.shape, float(pe[0, 0]), float(pe[0, 1])
    (torch.Size([4, 6]), 0.0, 1.0)
    """
    if dim % 2:
        raise ValueError(f"dim must be even for sin/cos pairs, got {dim}")
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (T, 1)
    inv_freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    angles = position * inv_freq  # (T, dim/2)
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe
