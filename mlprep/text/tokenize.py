"""Word tokenisation (:func:`words`, defined in :mod:`mlprep.datasets.words`) and a word vocabulary
with counts (what word2vec and TF-IDF start from).

>>> words("The King's men, 3 of them!")
['the', "king's", 'men', 'of', 'them']
>>> vocab = Vocab.build([["a", "b", "a"], ["a", "c"]], min_count=2)
>>> vocab.itos, vocab.counts.tolist()
(['a'], [3])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mlprep.datasets.words import words  # the one word tokenizer, re-exported

__all__ = ["words", "Vocab"]


@dataclass
class Vocab:
    """Words sorted by falling frequency (ties alphabetical), with their counts."""

    itos: list[str]
    counts: np.ndarray  # (V,) int64

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
        counter = Counter(w for sentence in sentences for w in sentence)
        kept = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
        return cls(kept, np.array([counter[w] for w in kept], dtype=np.int64))

    def __post_init__(self) -> None:
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def encode(self, sentences: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Known words of all sentences as one id array, plus each token's sentence index.

        >>> v = Vocab.build([["a", "b"], ["b", "z"]])
        >>> [a.tolist() for a in v.encode([["a", "b", "q"], ["b"]])]
        [[1, 0, 0], [0, 0, 1]]
        """
        ids: list[int] = []
        sentence_of: list[int] = []
        for index, sentence in enumerate(sentences):
            known = [self.stoi[w] for w in sentence if w in self.stoi]
            ids.extend(known)
            sentence_of.extend([index] * len(known))
        return np.asarray(ids, dtype=np.int64), np.asarray(sentence_of, dtype=np.int64)
