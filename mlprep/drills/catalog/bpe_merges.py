"""Drill: learn byte-pair-encoding merges from word counts (Sennrich et al., 2016)."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# BPE merge learning

Write `bpe_merges(word_counts, num_merges)`: `word_counts` maps each word of a corpus to
how often it occurs. Start with every word split into single characters (no end-of-word
marker). Then repeat `num_merges` times:

1. Count every pair of adjacent symbols over all words, **weighted by the word's count**.
2. If there are no pairs left, stop. Otherwise pick the most frequent pair; on a tie pick
   the smallest pair in Python's tuple order (`("a", "b") < ("a", "c") < ("b", "a")`).
3. Replace every occurrence of that pair in every word by the merged symbol, scanning left
   to right without overlaps (merging `("a", "a")` in `a a a` gives `aa a`).

Return the list of merges in the order learned, each a tuple of two strings.

Example: `bpe_merges({"low": 5, "lower": 2, "newest": 6, "widest": 3}, 2)` returns
`[("e", "s"), ("es", "t")]`: the pairs `(e, s)` and `(s, t)` both occur 6 + 3 = 9 times and
`(e, s)` is smaller; after merging it, `(es, t)` occurs 9 times.
"""


def bpe_merges(word_counts: dict[str, int], num_merges: int) -> list[tuple[str, str]]:
    """{word: count}, number of merges -> merges in the order learned, e.g. [("e", "s"), ...]."""
    words = {word: list(word) for word in word_counts}  # word -> current symbols
    merges = []
    for _ in range(num_merges):
        pair_counts: Counter = Counter()
        for word, symbols in words.items():
            for pair in pairwise(symbols):
                pair_counts[pair] += word_counts[word]
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))  # most frequent, then smallest
        merges.append(best)
        for word, symbols in words.items():
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2  # no overlaps
                else:
                    merged.append(symbols[i])
                    i += 1
            words[word] = merged
    return merges


def make_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ("statement example", {"low": 5, "lower": 2, "newest": 6, "widest": 3}, 2),
        ("counts weight the pairs", {"ab": 1, "cd": 10, "abab": 1}, 1),
        ("ties -> smallest pair", {"ba": 3, "ab": 3, "ca": 3}, 2),
        ("no overlapping merges: 'aaaa'", {"aaaa": 1, "aaa": 1}, 3),
        ("more merges than possible: stop early", {"abc": 2}, 5),
        ("classic corpus, 10 merges", {"low": 5, "lower": 2, "newest": 6, "widest": 3}, 10),
    ]
    settings = list(fixed)
    for i in range(3):
        letters = list("abcde")
        words = {"".join(rng.choice(letters, size=int(rng.integers(2, 7)))): int(rng.integers(1, 9))
                 for _ in range(int(rng.integers(3, 9)))}
        settings.append((f"random corpus #{i + 1}: {len(words)} words", words, int(rng.integers(3, 10))))
    return [Case(name, (words, n), expected=bpe_merges(words, n)) for name, words, n in settings]


DRILL = Drill(
    name="bpe_merges",
    title="BPE merge learning",
    topic="gpt",
    difficulty="medium",
    time_limit_min=25,
    statement=STATEMENT,
    reference=bpe_merges,
    make_cases=make_cases,
    imports="from collections import Counter\nfrom itertools import pairwise",
)
