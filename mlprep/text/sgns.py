"""Skip-gram with negative sampling (word2vec, Mikolov et al. 2013), fast on a CPU.

Three ingredients from the paper: subsampling of frequent words (keep a word with
probability ``(sqrt(f/t) + 1) * t/f``, word2vec's C formula), noise words drawn from the
unigram distribution raised to 3/4, and the SGNS loss
``-log s(u_o . v_c) - sum_k log s(-u_k . v_c)``.

Speed comes from three choices, each explained where it is made: pairs for a whole
epoch built with NumPy at once, gradients written out by hand and applied with
``index_add_`` (sparse SGD, like word2vec's C code), and noise words shared by a small
group of pairs (each pair still gets ``negatives`` noise words).

>>> sentences = [["the", "king", "rules"], ["the", "queen", "rules"]] * 50
>>> result = train_sgns(sentences, dim=8, epochs=2, min_count=1, progress=False)
>>> result.vectors.shape
(4, 8)
"""

from __future__ import annotations

import math  # noqa: F401  (used in a doctest)
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from mlprep.text.tokenize import Vocab

__all__ = ["SkipGramNS", "keep_probabilities", "noise_distribution", "skipgram_pairs",
           "SGNSResult", "train_sgns", "sgns_sgd_step"]


class SkipGramNS(nn.Module):
    """Two embedding tables: ``center`` (the word vectors you keep) and ``context``."""

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        # word2vec's initialisation: small uniform centers, zero contexts.
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(self, center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """Mean SGNS loss of a batch: center (B,), context (B,), negatives (B, K).

        >>> model = SkipGramNS(10, 4)
        >>> loss = model(torch.tensor([1]), torch.tensor([2]), torch.tensor([[3, 4]]))
        >>> abs(loss.item() - 3 * math.log(2)) < 1e-6  # zero contexts: every score is 0, 3 x log 2
        True
        """
        v = self.center(center)  # (B, D)
        u_pos = self.context(context)  # (B, D)
        u_neg = self.context(negatives)  # (B, K, D)
        pos = nn.functional.logsigmoid((u_pos * v).sum(-1))  # (B,)
        neg = nn.functional.logsigmoid(-torch.bmm(u_neg, v.unsqueeze(2)).squeeze(2)).sum(-1)  # (B,)
        return -(pos + neg).mean()


def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of a word (word2vec's subsampling).

    >>> keep_probabilities(np.array([1000, 1]), sample=1e-3).round(3).tolist()
    [0.033, 1.0]
    """
    freq = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(freq / sample) + 1.0) * sample / freq)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """Unigram^0.75: flattens the counts so rare words are drawn more than their share.

    >>> noise_distribution(np.array([16, 1])).round(3).tolist()
    [0.889, 0.111]
    """
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


def skipgram_pairs(
    ids: np.ndarray, sentence_of: np.ndarray, window: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """All (center, context) pairs of one pass, vectorised: each center draws its window
    size b uniformly in 1..window (word2vec's "reduced window"), pairs never cross sentences.

    >>> c, o = skipgram_pairs(np.array([0, 1, 2]), np.array([0, 0, 0]), 1, np.random.default_rng(0))
    >>> sorted(zip(c.tolist(), o.tolist()))
    [(0, 1), (1, 0), (1, 2), (2, 1)]
    """
    reach = rng.integers(1, window + 1, size=len(ids))
    centers, contexts = [], []
    for d in range(1, window + 1):  # a loop over offsets, not over tokens
        same = sentence_of[:-d] == sentence_of[d:]
        right = same & (reach[:-d] >= d)  # center i, context i + d
        left = same & (reach[d:] >= d)  # center i + d, context i
        centers += [ids[:-d][right], ids[d:][left]]
        contexts += [ids[d:][right], ids[:-d][left]]
    return np.concatenate(centers), np.concatenate(contexts)


def sgns_sgd_step(
    center_w: torch.Tensor, context_w: torch.Tensor, center: torch.Tensor, context: torch.Tensor,
    negatives: torch.Tensor, lr: float,
) -> torch.Tensor:
    """One SGD step on the summed SGNS loss with hand-written gradients; returns the mean loss.

    Negatives are (G, K) for B = G * S pairs: each group of S consecutive pairs shares K
    noise words. With S = 1 this is textbook SGNS; sharing turns B*K gathers and scatters
    into G*K and the per-pair objective is unchanged in expectation.
    """
    groups, k = negatives.shape
    v = center_w.index_select(0, center)  # (B, D)
    u_pos = context_w.index_select(0, context)  # (B, D)
    u_neg = context_w.index_select(0, negatives.reshape(-1)).view(groups, k, -1)  # (G, K, D)
    v_grouped = v.view(groups, -1, v.shape[1])  # (G, S, D)
    pos_score = (u_pos * v).sum(1)  # (B,)
    neg_score = torch.bmm(v_grouped, u_neg.transpose(1, 2))  # (G, S, K)
    # d(-log s(x))/dx = s(x) - 1 and d(-log s(-x))/dx = s(x)
    g_pos = torch.sigmoid(pos_score) - 1.0  # (B,)
    g_neg = torch.sigmoid(neg_score)  # (G, S, K)
    grad_v = g_pos[:, None] * u_pos + torch.bmm(g_neg, u_neg).view_as(v)  # (B, D)
    grad_u_neg = torch.bmm(g_neg.transpose(1, 2), v_grouped)  # (G, K, D)
    center_w.index_add_(0, center, grad_v, alpha=-lr)
    context_w.index_add_(0, context, g_pos[:, None] * v, alpha=-lr)
    context_w.index_add_(0, negatives.reshape(-1), grad_u_neg.reshape(groups * k, -1), alpha=-lr)
    loss = -nn.functional.logsigmoid(pos_score).sum() - nn.functional.logsigmoid(-neg_score).sum()
    return loss / len(center)


@dataclass
class SGNSResult:
    vocab: Vocab
    model: SkipGramNS
    seconds: float  # training wall time (pair building + updates), without building the vocab
    losses: list[float]  # mean loss per epoch
    pairs: int = 0  # (center, context) pairs trained on, all epochs: the work, independent of the machine

    @property
    def vectors(self) -> np.ndarray:
        """(V, D) word vectors (the center table), as word2vec keeps them."""
        return self.model.center.weight.detach().numpy()

    def vector(self, word: str) -> np.ndarray | None:
        return self.vectors[self.vocab.stoi[word]] if word in self.vocab else None

    def most_similar(self, word: str | np.ndarray, topn: int = 8, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Nearest words by cosine similarity to a word or a vector."""
        unit = self.vectors / (np.linalg.norm(self.vectors, axis=1, keepdims=True) + 1e-12)
        query = unit[self.vocab.stoi[word]] if isinstance(word, str) else word / np.linalg.norm(word)
        skip = set(exclude) | ({word} if isinstance(word, str) else set())
        order = np.argsort(-(unit @ query))
        return [(self.vocab.itos[i], float(unit[i] @ query)) for i in order[: topn + len(skip)]
                if self.vocab.itos[i] not in skip][:topn]

    def analogy(self, a: str, b: str, c: str, topn: int = 3) -> list[tuple[str, float]]:
        """a is to b as c is to ? (3CosAdd on unit vectors)."""
        unit = {w: self.vector(w) / np.linalg.norm(self.vector(w)) for w in (a, b, c)}
        return self.most_similar(unit[b] - unit[a] + unit[c], topn=topn, exclude=(a, b, c))


def train_sgns(
    sentences: Sequence[Sequence[str]],
    *,
    dim: int = 100,
    window: int = 5,
    negatives: int = 5,
    epochs: int = 10,
    min_count: int = 5,
    sample: float = 1e-3,
    lr: float = 0.05,
    batch_size: int = 2048,
    share_negatives: int = 16,
    noise_power: float = 0.75,
    seed: int = 0,
    threads: int | None = 1,
    progress: bool = True,
) -> SGNSResult:
    """Train SGNS with linearly decaying SGD (word2vec's schedule) and return the vectors.

    ``noise_power``: negatives are drawn from unigram**noise_power (0.75: the paper's; 1: the
    unigram distribution; 0: uniform). ``threads=1`` by default: these are many small gathers
    and scatters, where a second thread mostly waits (on a busy machine it made training 10x slower, not faster).
    """
    from mlprep.progress import progress_bar

    vocab = Vocab.build(sentences, min_count=min_count)
    ids, sentence_of = vocab.encode(sentences)
    keep = keep_probabilities(vocab.counts, sample)
    # A table where each word fills a share of slots equal to its noise probability:
    # drawing uniform slots is much faster than torch.multinomial per batch.
    noise_table = torch.from_numpy(np.repeat(np.arange(len(vocab)), np.round(noise_distribution(vocab.counts, noise_power) * 2_000_000).astype(np.int64)))
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SkipGramNS(len(vocab), dim)
    center_w, context_w = model.center.weight.data, model.context.weight.data
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    batch_size -= batch_size % share_negatives
    losses: list[float] = []
    start = time.perf_counter()
    try:
        done, planned, pairs = 0, None, 0
        for _epoch in progress_bar(range(epochs), desc="sgns", disable=not progress):
            kept = rng.random(len(ids)) < keep[ids]  # subsampling, fresh each epoch
            center, context = skipgram_pairs(ids[kept], sentence_of[kept], window, rng)
            order = rng.permutation(len(center))
            center, context = torch.from_numpy(center[order]), torch.from_numpy(context[order])
            full = len(center) - len(center) % batch_size  # drop the ragged tail of the epoch
            planned = planned or full * epochs
            total = 0.0
            for s in range(0, full, batch_size):
                step_lr = lr * max(1e-4, 1.0 - done / planned)
                slots = torch.randint(len(noise_table), (batch_size // share_negatives, negatives), generator=generator)
                total += sgns_sgd_step(center_w, context_w, center[s : s + batch_size], context[s : s + batch_size],
                                       noise_table[slots], step_lr).item()
                done += batch_size
            pairs += full
            losses.append(total / max(full // batch_size, 1))
            if not np.isfinite(losses[-1]):
                # Summed sparse updates: a tiny vocabulary puts many copies of a word in one batch.
                raise FloatingPointError(f"SGNS loss became {losses[-1]} in epoch {_epoch + 1}; lower lr "
                                         f"(now {lr}) or batch_size (now {batch_size})")
    finally:
        torch.set_num_threads(old_threads)
    return SGNSResult(vocab, model, time.perf_counter() - start, losses, pairs)
