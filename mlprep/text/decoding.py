"""Decoding an encoder-decoder, one token at a time: :func:`greedy_decode`, :func:`beam_search`
and :func:`translate` (strings in, strings out, in batches of similar length).

A model is decoded through two methods, ``start(src) -> state`` and
``step(state, tokens) -> (log_probs, state)`` (plus ``reorder(state, index)`` for beam search), so
these serve every model of :mod:`mlprep.text.seq2seq`. Token ids are
:class:`mlprep.datasets.translation_dates.SubwordVocab`'s: ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2.

>>> _writable(torch.zeros(1, 4)).tolist()  # a decoder never writes <pad> or <bos>
[[-inf, -inf, 0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["PAD", "BOS", "EOS", "greedy_decode", "beam_search", "translate"]

PAD, BOS, EOS = 0, 1, 2


def _writable(log_probs: torch.Tensor) -> torch.Tensor:
    """``log_probs`` (N, V) with ``<pad>`` and ``<bos>`` ruled out: a decoder never writes them."""
    return log_probs.index_fill(-1, torch.tensor([PAD, BOS], device=log_probs.device), float("-inf"))


@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, max_len: int) -> torch.Tensor:
    """Token ids (B, <= max_len) chosen one argmax at a time (never ``<pad>`` or ``<bos>``),
    ``<pad>`` after each ``<eos>``; stops early once every row has ended."""
    state = model.start(src)
    tokens = torch.full((src.shape[0],), BOS, dtype=torch.long, device=src.device)
    done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
    out = []
    for _ in range(max_len):
        log_probs, state = model.step(state, tokens)
        tokens = _writable(log_probs).argmax(-1).masked_fill(done, PAD)
        out.append(tokens)
        done |= tokens == EOS
        if done.all():
            break
    return torch.stack(out, dim=1)


@torch.no_grad()
def beam_search(model: nn.Module, src: torch.Tensor, *, beam: int, max_len: int,
                length_penalty: float = 0.0) -> torch.Tensor:
    """The best of ``beam`` hypotheses per source row: token ids (B, <= max_len), ``<pad>``
    after ``<eos>``. Each step extends every live hypothesis by every token and keeps the
    ``beam`` best sums of log-probabilities per row; an ended hypothesis stays as it is. The
    final choice divides each score by ``((5 + length) / 6) ** length_penalty`` (Wu et al.
    2016; the Transformer paper used 0.6; 0 compares raw sums)."""
    B = src.shape[0]
    state = model.reorder(model.start(src), torch.arange(B, device=src.device).repeat_interleave(beam))
    scores = torch.full((B, beam), float("-inf"), device=src.device)
    scores[:, 0] = 0.0  # one live hypothesis per row to start with
    seqs = torch.full((B * beam, 1), BOS, dtype=torch.long, device=src.device)
    lengths = torch.zeros(B, beam, device=src.device)
    for _ in range(max_len):
        ended = seqs[:, -1] == EOS  # (B * beam,): also true for the <pad>s after an <eos>
        ended |= seqs[:, -1] == PAD
        log_probs, new_state = model.step(state, seqs[:, -1].masked_fill(ended, EOS))
        log_probs = _writable(log_probs)
        V = log_probs.shape[-1]
        # An ended hypothesis has one continuation, <pad>, that costs nothing.
        frozen = torch.full_like(log_probs, float("-inf"))
        frozen[:, PAD] = 0.0
        log_probs = torch.where(ended[:, None], frozen, log_probs)
        total = (scores.view(-1, 1) + log_probs).view(B, beam * V)
        scores, flat = total.topk(beam, dim=1)  # (B, beam)
        parent = (flat // V) + torch.arange(B, device=src.device)[:, None] * beam
        token = flat % V
        parent, token = parent.view(-1), token.view(-1)
        lengths = lengths.view(-1)[parent].view(B, beam) + (token != PAD).view(B, beam).float()
        seqs = torch.cat([seqs[parent], token[:, None]], dim=1)
        state = model.reorder(new_state, parent)
        if ((token == EOS) | (token == PAD)).all():
            break
    normalised = scores / ((5 + lengths) / 6) ** length_penalty
    best = normalised.argmax(dim=1) + torch.arange(B, device=src.device) * beam
    return seqs[best, 1:]


@torch.no_grad()
def translate(model: nn.Module, sources: Sequence[str], src_vocab: Any, tgt_vocab: Any, *, max_len: int,
              beam: int = 1, batch_size: int = 100, length_penalty: float = 0.0) -> list[str]:
    """Decode ``sources`` (strings) greedily (``beam=1``) or with beam search, in batches of
    similar length, with the model in eval mode; returns strings in the order given."""
    from mlprep.datasets.translation_dates import pad_batch

    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    out: list[str] = [""] * len(sources)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        src, _ = pad_batch([(src_vocab.encode(sources[i]), torch.zeros(1, dtype=torch.long)) for i in idx])
        src = src.to(dev)
        ids = greedy_decode(model, src, max_len) if beam == 1 else \
            beam_search(model, src, beam=beam, max_len=max_len, length_penalty=length_penalty)
        for i, row in zip(idx, ids.tolist(), strict=True):
            out[i] = tgt_vocab.decode(row)
    model.train(was_training)
    return out
