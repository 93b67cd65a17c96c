"""Sequence-to-sequence models, their training step and batched decoding, for notebook 11.

Three encoder-decoders over token ids (``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, as in
:class:`mlprep.datasets.translation_dates.SubwordVocab`), each mapping ``(src (B, S), tgt_in (B, T))`` to
logits ``(B, T, V)`` with teacher forcing:

- :class:`RNNSeq2Seq` with ``attention=False``: Sutskever et al. (2014), the whole source
  squeezed into the encoder's final state, which starts the decoder;
- :class:`RNNSeq2Seq` with ``attention=True``: the same plus additive (Bahdanau) attention over
  every encoder state;
- :class:`TransformerSeq2Seq`: a small pre-norm Transformer encoder-decoder with sinusoidal
  positions (Vaswani et al., 2017).

Decoding goes through one small interface, ``start(src) -> state`` and
``step(state, tokens) -> (log_probs, state)``, so :func:`greedy_decode` and :func:`beam_search`
(:mod:`mlprep.text.decoding`, re-exported here) serve all three. The notebook builds the teaching versions inline and proves them equal to these.

>>> model = RNNSeq2Seq(10, 12, emb=8, hidden=16, attention=True)
>>> src, tgt_in = torch.randint(3, 10, (2, 5)), torch.randint(3, 12, (2, 4))
>>> model(src, tgt_in).shape
torch.Size([2, 4, 12])
>>> greedy_decode(model, src, max_len=6).shape[0]
2
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from mlprep.text.attention import sinusoidal_positions
from mlprep.text.decoding import BOS, EOS, PAD, beam_search, greedy_decode, translate

__all__ = ["PAD", "BOS", "EOS", "padding_mask", "causal_mask", "AdditiveAttention", "RNNSeq2Seq",
           "TransformerSeq2Seq", "seq2seq_loss", "seq2seq_step", "LengthBatches", "greedy_decode",
           "beam_search", "translate"]

Batch = tuple[torch.Tensor, torch.Tensor]


def padding_mask(ids: torch.Tensor) -> torch.Tensor:
    """``(B, S)`` bool, True where ``ids`` is a real token (not ``<pad>``): keys that may be attended.

    >>> padding_mask(torch.tensor([[5, 6, 0]])).tolist()
    [[True, True, False]]
    """
    return ids != PAD


def causal_mask(length: int, device: Any = None) -> torch.Tensor:
    """``(T, T)`` bool, True where query position t may see key position s (s <= t).

    >>> causal_mask(3).int().tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


class AdditiveAttention(nn.Module):
    """Bahdanau et al.'s score ``v . tanh(W q + U k)``, softmax over the unmasked keys, and the
    weighted average of the keys (the encoder states). ``q``: (B, T, Dq), ``keys``: (B, S, Dk),
    ``mask``: (B, S) True = real; returns context (B, T, Dk) and weights (B, T, S)."""

    def __init__(self, query_dim: int, key_dim: int, attn_dim: int) -> None:
        super().__init__()
        self.query = nn.Linear(query_dim, attn_dim, bias=False)
        self.key = nn.Linear(key_dim, attn_dim)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores = self.v(torch.tanh(self.query(q)[:, :, None] + self.key(keys)[:, None])).squeeze(-1)  # (B, T, S)
        weights = scores.masked_fill(~mask[:, None], float("-inf")).softmax(dim=-1)
        return weights @ keys, weights  # (B, T, Dk), (B, T, S)


class RNNSeq2Seq(nn.Module):
    """GRU encoder-decoder. The encoder is bidirectional; its last forward and backward states,
    projected, start the decoder. With ``attention``, each decoder state ``s_t`` scores every
    encoder state additively, and ``tanh(W [s_t; c_t])`` (c_t: the attended context) predicts
    the next token (Luong et al. 2015's arrangement: the context is combined after the decoder
    GRU instead of fed into it, so training runs the GRU as one fused call). Without
    ``attention`` the decoder sees the source only through its initial state."""

    def __init__(self, src_vocab: int, tgt_vocab: int, *, emb: int = 64, hidden: int = 128,
                 attention: bool = True, attn_dim: int | None = None) -> None:
        super().__init__()
        self.attention = attention
        self.src_emb = nn.Embedding(src_vocab, emb, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(tgt_vocab, emb, padding_idx=PAD)
        self.encoder = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)
        self.decoder = nn.GRU(emb, hidden, batch_first=True)
        self.attn = AdditiveAttention(hidden, 2 * hidden, attn_dim or hidden) if attention else None
        self.combine = nn.Linear(hidden + (2 * hidden if attention else 0), hidden)
        self.out = nn.Linear(hidden, tgt_vocab)
        self.last_attention: torch.Tensor | None = None  # (B, T, S) of the last forward/step

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encoder states (B, S, 2H), source mask (B, S) and the decoder's initial state (1, B, H)."""
        mask = padding_mask(src)
        lengths = mask.sum(1).clamp_min(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.src_emb(src), lengths, batch_first=True, enforce_sorted=False)
        states, last = self.encoder(packed)  # last: (2, B, H), forward and backward at the true ends
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=src.shape[1])
        return states, mask, torch.tanh(self.bridge(torch.cat([last[0], last[1]], dim=-1)))[None]

    def _predict(self, dec: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.attn is not None:
            context, self.last_attention = self.attn(dec, memory, mask)
            dec = torch.cat([dec, context], dim=-1)
        return self.out(torch.tanh(self.combine(dec)))  # (B, T, V)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, mask, h0 = self.encode(src)
        dec, _ = self.decoder(self.tgt_emb(tgt_in), h0)  # (B, T, H): teacher forcing
        return self._predict(dec, memory, mask)

    def start(self, src: torch.Tensor) -> dict[str, torch.Tensor]:
        memory, mask, h = self.encode(src)
        return {"memory": memory, "mask": mask, "h": h}

    def step(self, state: dict[str, torch.Tensor], tokens: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Log-probabilities (N, V) of the next token after ``tokens`` (N,), and the new state."""
        dec, h = self.decoder(self.tgt_emb(tokens)[:, None], state["h"])  # (N, 1, H)
        logits = self._predict(dec, state["memory"], state["mask"])[:, 0]
        return logits.log_softmax(-1), {**state, "h": h}

    @staticmethod
    def reorder(state: dict[str, torch.Tensor], index: torch.Tensor) -> dict[str, torch.Tensor]:
        """Keep rows ``index`` of every part of the state (beam search)."""
        return {"memory": state["memory"][index], "mask": state["mask"][index], "h": state["h"][:, index]}


class TransformerSeq2Seq(nn.Module):
    """A small encoder-decoder Transformer: token embeddings scaled by sqrt(d) plus sinusoidal
    positions, ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer`` blocks, **pre-norm**
    (``x + f(LN(x))``, with a final LayerNorm on each stack) and an output projection."""

    def __init__(self, src_vocab: int, tgt_vocab: int, *, d_model: int = 64, n_head: int = 4,
                 n_enc: int = 2, n_dec: int = 2, d_ff: int = 256, dropout: float = 0.0,
                 max_len: int = 256, norm_first: bool = True) -> None:
        super().__init__()
        self.d_model = d_model
        self.src_emb = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        self.register_buffer("pe", sinusoidal_positions(max_len, d_model), persistent=False)
        layer = dict(d_model=d_model, nhead=n_head, dim_feedforward=d_ff, dropout=dropout, batch_first=True,
                     norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer), n_enc, norm=nn.LayerNorm(d_model),
                                             enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer), n_dec, norm=nn.LayerNorm(d_model))
        self.out = nn.Linear(d_model, tgt_vocab)

    def _embed(self, emb: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        return emb(ids) * math.sqrt(self.d_model) + self.pe[: ids.shape[1]]  # (B, T, d)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder output (B, S, d) and the source mask (B, S), True = real token."""
        mask = padding_mask(src)
        return self.encoder(self._embed(self.src_emb, src), src_key_padding_mask=~mask), mask

    def decode(self, memory: torch.Tensor, mask: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, V) for every position of ``tgt_in`` (causal: position t sees <= t)."""
        T = tgt_in.shape[1]
        # PyTorch's boolean masks mean the opposite of ours: True = may *not* attend.
        x = self.decoder(self._embed(self.tgt_emb, tgt_in), memory, tgt_mask=~causal_mask(T, tgt_in.device),
                         memory_key_padding_mask=~mask)
        return self.out(x)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, mask = self.encode(src)
        return self.decode(memory, mask, tgt_in)

    def start(self, src: torch.Tensor) -> dict[str, torch.Tensor]:
        memory, mask = self.encode(src)
        return {"memory": memory, "mask": mask, "prefix": src.new_zeros(src.shape[0], 0)}

    def step(self, state: dict[str, torch.Tensor], tokens: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Log-probabilities (N, V) of the next token; the decoder re-reads the whole prefix
        (no KV cache: notebook 09 builds one)."""
        prefix = torch.cat([state["prefix"], tokens[:, None]], dim=1)
        logits = self.decode(state["memory"], state["mask"], prefix)[:, -1]
        return logits.log_softmax(-1), {**state, "prefix": prefix}

    @staticmethod
    def reorder(state: dict[str, torch.Tensor], index: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v[index] for k, v in state.items()}

    @torch.no_grad()
    def cross_attention(self, src: torch.Tensor, tgt_in: torch.Tensor) -> list[torch.Tensor]:
        """Each decoder layer's cross-attention weights (B, T, S), averaged over heads: the
        layers run by hand (pre-norm order) so that the weights can be asked for."""
        memory, mask = self.encode(src)
        T = tgt_in.shape[1]
        x, weights = self._embed(self.tgt_emb, tgt_in), []
        for layer in self.decoder.layers:
            h = layer.norm1(x)
            x = x + layer.self_attn(h, h, h, attn_mask=~causal_mask(T, src.device), need_weights=False)[0]
            h = layer.norm2(x)
            attended, w = layer.multihead_attn(h, memory, memory, key_padding_mask=~mask, need_weights=True)
            x = x + attended
            x = x + layer.linear2(layer.activation(layer.linear1(layer.norm3(x))))
            weights.append(w)
        return weights


def seq2seq_loss(logits: torch.Tensor, tgt_out: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Mean cross-entropy over the real (non-pad) target tokens, with label smoothing.

    >>> round(seq2seq_loss(torch.zeros(1, 2, 4), torch.tensor([[3, 0]])).item(), 4)  # ln 4, pad ignored
    1.3863
    """
    return F.cross_entropy(logits.flatten(0, 1).float(), tgt_out.flatten(), ignore_index=PAD,
                           label_smoothing=label_smoothing)


def seq2seq_step(model: nn.Module, batch: Batch, label_smoothing: float = 0.0) -> torch.Tensor:
    """Step function for :func:`mlprep.fit`: teacher forcing on a batch ``(src, tgt)`` whose
    targets are ``<bos> ... <eos>``: the model reads ``tgt[:, :-1]`` and predicts ``tgt[:, 1:]``."""
    src, tgt = batch
    return seq2seq_loss(model(src, tgt[:, :-1]), tgt[:, 1:], label_smoothing)


class LengthBatches:
    """Padded ``(src, tgt)`` training batches, endlessly: indices are shuffled, cut into pools of
    ``pool`` batches, sorted by source length within a pool and batched, so a batch holds
    sentences of similar length and little padding. Deterministic for a given ``seed``."""

    def __init__(self, dataset: Any, *, batch_size: int, seed: int = 0, pool: int = 32) -> None:
        from mlprep.datasets.translation_dates import pad_batch

        self.dataset, self.batch_size, self.seed, self.pool = dataset, batch_size, seed, pool
        self.items = [dataset[i] for i in range(len(dataset))]
        self._pad = pad_batch

    def __iter__(self) -> Iterator[Batch]:
        gen = torch.Generator().manual_seed(self.seed)
        size = self.batch_size * self.pool
        while True:
            order = torch.randperm(len(self.items), generator=gen).tolist()
            for start in range(0, len(order), size):
                chunk = sorted(order[start:start + size], key=lambda i: len(self.items[i][0]))
                batches = [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
                for b in torch.randperm(len(batches), generator=gen).tolist():
                    yield self._pad([self.items[i] for i in batches[b]])
