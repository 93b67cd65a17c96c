"""The one word tokenizer. It lives with the datasets because the word datasets
(``shakespeare-words``, ``wiki-excerpt``) are made with it; :mod:`mlprep.text.tokenize`
re-exports it for the models (word2vec, TF-IDF), so the datasets never import :mod:`mlprep.text`.
"""

from __future__ import annotations

import re

__all__ = ["words"]

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text: str) -> list[str]:
    """Lower-case alphabetic tokens; inner apostrophes kept (``o'er``; ``'tis`` -> ``tis``),
    digits and punctuation dropped.

    >>> words("O'er the hills, 'tis NIGHT! 2 men")
    ["o'er", 'the', 'hills', 'tis', 'night', 'men']
    """
    return _WORD.findall(text.lower())
