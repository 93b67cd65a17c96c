"""A decoder-only mini-GPT in the style of karpathy/nanoGPT: pre-norm blocks, weight tying,
learned positions, temperature/top-k sampling and a KV cache written from scratch.

>>> import torch
>>> model = MiniGPT(GPTConfig(vocab_size=10, block_size=16, n_layer=2, n_head=2, n_embd=16))
>>> idx = torch.zeros(3, 5, dtype=torch.long)              # (B, T) token ids
>>> model(idx).shape                                       # (B, T, vocab) logits
torch.Size([3, 5, 10])
>>> out = model.generate(idx, 4, temperature=0)            # greedy, with the KV cache
>>> torch.equal(out, model.generate(idx, 4, temperature=0, use_cache=False))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["GPTConfig", "MiniGPT", "KVCache", "sample_next"]


@dataclass
class GPTConfig:
    """Every size in one place. The defaults are the tuned CPU character-level model."""

    vocab_size: int = 81
    block_size: int = 128  # longest context the model sees (learned positions)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0  # no dropout: a few minutes of training does not overfit


class KVCache:
    """Keys and values of every layer for the tokens seen so far, each ``(B, H, T, head_dim)``.

    During generation each new token only needs its own query against the cached keys, so a
    step costs O(T) instead of recomputing all T positions (O(T^2) attention, O(T) MLPs).
    """

    def __init__(self) -> None:
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []

    @property
    def length(self) -> int:
        return self.keys[0].size(2) if self.keys else 0

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's ``k``, ``v`` for ``layer`` and return all keys and values so far."""
        if layer == len(self.keys):
            self.keys.append(k)
            self.values.append(v)
        else:
            self.keys[layer] = torch.cat([self.keys[layer], k], dim=2)
            self.values[layer] = torch.cat([self.values[layer], v], dim=2)
        return self.keys[layer], self.values[layer]


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig, layer: int) -> None:
        super().__init__()
        if cfg.n_embd % cfg.n_head:
            raise ValueError(f"n_embd ({cfg.n_embd}) must be divisible by n_head ({cfg.n_head})")
        self.layer, self.n_head, self.dropout = layer, cfg.n_head, cfg.dropout
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        batch, steps, channels = x.shape  # (B, T, C)
        # keys this layer has cached (earlier layers may already hold this step's keys)
        past = cache.keys[self.layer].size(2) if cache is not None and self.layer < len(cache.keys) else 0
        q, k, v = self.qkv(x).split(channels, dim=2)  # 3 x (B, T, C)
        q, k, v = (t.view(batch, steps, self.n_head, -1).transpose(1, 2) for t in (q, k, v))  # (B, H, T, hd)
        if cache is not None:
            k, v = cache.update(self.layer, k, v)  # (B, H, past + T, hd)
        if past == 0:
            mask, causal = None, True
        else:  # new queries see every cached key and the new keys up to themselves
            mask = torch.ones(steps, past + steps, dtype=torch.bool, device=x.device).tril(diagonal=past)
            causal = False
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).reshape(batch, steps, channels)  # heads back side by side: (B, T, C)
        return self.proj(y)


class Block(nn.Module):
    """Pre-norm block: ``x + attn(ln(x))`` then ``x + mlp(ln(x))`` (GPT-2 ordering, stabler than post-norm)."""

    def __init__(self, cfg: GPTConfig, layer: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg, layer)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(),
                                 nn.Linear(4 * cfg.n_embd, cfg.n_embd), nn.Dropout(cfg.dropout))

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache)  # (B, T, C)
        return x + self.mlp(self.ln2(x))


class MiniGPT(nn.Module):
    """Token + position embeddings, ``n_layer`` blocks, final LayerNorm, and an output head
    that shares its weight with the token embedding (weight tying: fewer parameters, and
    tokens that are used alike get alike input and output vectors)."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos_emb = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg, i) for i in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # tied
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith(("attn.proj.weight", "mlp.2.weight")):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        """Parameters counted once (the tied head is the embedding)."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """``idx`` ``(B, T)`` token ids -> logits ``(B, T, vocab)``. With a ``cache``, ``idx``
        holds only the new tokens; their positions continue after the cached ones."""
        past = cache.length if cache is not None else 0
        steps = idx.size(1)
        if past + steps > self.cfg.block_size:
            raise ValueError(f"sequence of {past + steps} tokens exceeds block_size {self.cfg.block_size}")
        positions = torch.arange(past, past + steps, device=idx.device)  # (T,)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))  # (B, T, C)
        for block in self.blocks:
            x = block(x, cache)
        return self.head(self.ln_f(x))  # (B, T, vocab)

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, *, temperature: float = 1.0,
                 top_k: int | None = None, use_cache: bool = True,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` ``(B, T)``; returns ``(B, T + new)``.

        Without the cache every step re-runs the model on the whole (cropped) context. With
        it, the prompt is run once and each step feeds one token. Learned absolute positions
        mean a full window cannot slide, so once the context is longer than ``block_size``
        the cached path re-runs the cropped window too (same outputs, no speed-up).
        """
        was_training = self.training
        self.eval()
        cache = KVCache() if use_cache else None
        fresh = idx  # tokens the model has not seen yet
        for _ in range(max_new_tokens):
            if cache is None or cache.length + fresh.size(1) > self.cfg.block_size:
                cache = KVCache() if use_cache else None
                fresh = idx[:, -self.cfg.block_size:]
            logits = self(fresh, cache)[:, -1, :]  # (B, vocab): only the last position predicts
            next_id = sample_next(logits, temperature=temperature, top_k=top_k, generator=generator)
            idx = torch.cat([idx, next_id], dim=1)
            fresh = next_id if cache is not None else idx
        self.train(was_training)
        return idx


def sample_next(logits: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """One token id per row of ``logits`` ``(B, vocab)`` -> ``(B, 1)``.

    ``temperature`` divides the logits (below 1 sharpens, 0 means greedy arg-max); ``top_k``
    keeps only the k most likely tokens before sampling.

    >>> sample_next(torch.tensor([[0.0, 5.0, 1.0]]), temperature=0).tolist()
    [[1]]
    >>> sample_next(torch.tensor([[0.0, 5.0, 1.0]]), top_k=1).tolist()
    [[1]]
    """
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.multinomial(logits.softmax(dim=-1), 1, generator=generator)
