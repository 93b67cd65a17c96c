"""``shakespeare-qa``: extractive questions over short scene passages, in SQuAD 2.0 format.

A context is a run of ``speeches`` consecutive speeches of one scene, one per line as
``SPEAKER: text`` (each speech cut to its first ``max_words`` tokens). Each context gets one
question from one of four templates; a third or more have no answer in the passage:

=====================  ==================================  =====================================
template               answer (a span of the context)      unanswerable variant
=====================  ==================================  =====================================
``after``              the speaker tag of the next speech  X's first speech is the passage's last,
  Who speaks after X?  after X's first one                 or (half the time) X is a speaker of
                                                           the play absent from the passage
``before``             the tag of the speech before X's    X's first speech is the passage's
                                                           first, or X is absent
``says``               the tag of the speech that holds    the quote comes from another scene of
  Who says "..."?      the quote (4-6 consecutive words)   the same play
``names``              the first person mention (the       X speaks in the passage but names
  Whom does X name?    ``shakespeare-mentions`` labels)     nobody there
                       in X's speeches, X's own name aside
=====================  ==================================  =====================================

Only ``says`` can be solved by matching the question's words against the context; the others
need the order of the speeches (``after``, ``before``) or what a speech is about (``names``).
Items are dicts with SQuAD's fields: ``id``, ``context``, ``question``, ``answers`` (``text``
and ``answer_start`` lists, empty when unanswerable), plus ``template``, ``play`` and ``scene``.

>>> item = next(q for q in qa_examples("val", n=8, seed=0) if q["answers"]["text"])
>>> start, text = item["answers"]["answer_start"][0], item["answers"]["text"][0]
>>> item["context"][start:start + len(text)] == text
True
"""

from __future__ import annotations

import random
from collections import defaultdict

from torch.utils.data import Dataset

from mlprep.datasets import shakespeare as sh
from mlprep.datasets.mentions import _TOKEN, _base, name_parts

__all__ = ["TEMPLATES", "qa_examples", "ShakespeareQA"]

TEMPLATES = ("after", "before", "says", "names")
UNANSWERABLE_SHARE = 1 / 3


def _cut(text: str, max_words: int) -> tuple[str, list[tuple[str, int]]]:
    """The first ``max_words`` tokens of ``text`` on one line, and each token's char offset."""
    flat = " ".join(text.split())
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(flat)][:max_words]
    end = tokens[-1][1] + len(tokens[-1][0]) if tokens else 0
    return flat[:end], tokens


def _passage(speeches: list[sh.Speech], max_words: int) -> tuple[str, list[dict]]:
    lines, parts, offset = [], [], 0
    for s in speeches:
        text, tokens = _cut(s.text, max_words)
        prefix = f"{s.speaker}: "
        parts.append({"speaker": s.speaker, "start": offset, "text_start": offset + len(prefix),
                      "text": text, "tokens": tokens})
        lines.append(prefix + text)
        offset += len(prefix) + len(text) + 1  # the newline
    return "\n".join(lines), parts


def _mentions(part: dict, names: frozenset[str]) -> list[tuple[str, int]]:
    """Person mentions of a speech as (text, char offset in the speech text); runs merged."""
    found: list[tuple[str, int]] = []
    previous_end = -2
    for word, start in part["tokens"]:
        if _base(word) in names:
            if found and start == previous_end + 1:  # "Michael Cassio"
                text, first = found[-1]
                found[-1] = (part["text"][first:start + len(word)], first)
            else:
                found.append((word, start))
            previous_end = start + len(word)
    return found


def _own_names(speaker: str) -> set[str]:
    return {w.capitalize() for w in speaker.split()}


def _question(rng: random.Random, template: str, answerable: bool, parts: list[dict],
              cast: list[str], other_lines: list[str], names: frozenset[str]):
    """(question, answer text, answer offset in the context) or None when this passage cannot
    carry the template; the answer is ("", -1) for an unanswerable question."""
    speakers = [p["speaker"] for p in parts]
    if template in ("after", "before"):
        step = 1 if template == "after" else -1
        if not answerable:
            # Half the time X speaks first only at the passage's edge (nobody after or before it
            # here: the passage must be read), else X is absent (string matching can tell).
            edge = len(parts) - 1 if step == 1 else 0
            at_edge = [s for i, s in enumerate(speakers) if speakers.index(s) == i == edge]
            absent = [c for c in cast if c not in speakers]
            pool = at_edge if at_edge and (rng.random() < 0.5 or not absent) else absent
            return (f"Who speaks {template} {rng.choice(pool)}?", "", -1) if pool else None
        options = []
        for i, p in enumerate(parts):
            j = i + step
            first = speakers.index(p["speaker"]) == i
            if first and 0 <= j < len(parts) and speakers[j] != p["speaker"]:
                options.append((p["speaker"], parts[j]))
        if not options:
            return None
        who, other = rng.choice(options)
        return f"Who speaks {template} {who}?", other["speaker"], other["start"]
    if template == "says":
        if not answerable:
            if not other_lines:
                return None
            line = rng.choice(other_lines).split()
            if len(line) < 6:
                return None
            k = rng.randint(4, 6)
            i = rng.randrange(0, len(line) - k + 1)
            return f'Who says "{" ".join(line[i:i + k])}"?', "", -1
        p = rng.choice(parts)
        words = p["text"].split()
        if len(words) < 6:
            return None
        k = rng.randint(4, 6)
        i = rng.randrange(0, len(words) - k + 1)
        return f'Who says "{" ".join(words[i:i + k])}"?', p["speaker"], p["start"]
    # names
    by_speaker: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for p in parts:
        own = _own_names(p["speaker"])
        by_speaker[p["speaker"]] += [(t, p["text_start"] + o) for t, o in _mentions(p, names)
                                     if not set(t.replace("'s", "").split()) & own]
    pool = [s for s in by_speaker if bool(by_speaker[s]) == answerable]
    if not pool:
        return None
    who = rng.choice(pool)
    if not answerable:
        return f"Whom does {who} name?", "", -1
    text, start = by_speaker[who][0]
    return f"Whom does {who} name?", text, start


def qa_examples(split: str, n: int = 1000, *, speeches: int = 4, max_words: int = 16,
                seed: int = 0) -> list[dict]:
    """``n`` SQuAD 2.0 items from ``split``'s plays (deterministic given ``seed``): templates in
    turn, a third of each unanswerable, passages of ``speeches`` consecutive speeches of a scene
    drawn at random."""
    if n < 0 or speeches < 2 or max_words < 4:
        raise ValueError("need n >= 0, speeches >= 2 and max_words >= 4")
    rng = random.Random(f"shakespeare-qa/{split}/{seed}")
    names = name_parts()
    scenes: dict[tuple[str, str, str], list[sh.Speech]] = defaultdict(list)
    for s in sh.speeches(split):
        scenes[(s.play, s.act, s.scene)].append(s)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (play, _, _), items in scenes.items():
        for s in items:
            counts[play][s.speaker] += 1
    cast = {play: sorted(sp for sp, c in c_.items() if c >= 10) for play, c_ in counts.items()}
    keys = sorted(k for k, v in scenes.items() if len(v) >= speeches)
    scenes_of: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for k in scenes:
        scenes_of[k[0]].append(k)
    out: list[dict] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * n + 100:
            raise RuntimeError(f"could not build {n} questions from {split}")
        template = TEMPLATES[len(out) % len(TEMPLATES)]
        answerable = rng.random() >= UNANSWERABLE_SHARE
        key = rng.choice(keys)
        start = rng.randrange(0, len(scenes[key]) - speeches + 1)
        context, parts = _passage(scenes[key][start:start + speeches], max_words)
        other_scene = rng.choice(scenes_of[key[0]])
        others = [" ".join(s.text.split()) for s in scenes[other_scene]] if other_scene != key else []
        made = _question(rng, template, answerable, parts, cast[key[0]], others, names)
        if made is None:
            continue
        question, text, answer_start = made
        if text:
            assert context[answer_start:answer_start + len(text)] == text, (context, text, answer_start)
        out.append({"id": f"{split}-{seed}-{len(out)}", "context": context, "question": question,
                    "answers": {"text": [text] if text else [], "answer_start": [answer_start] if text else []},
                    "template": template, "play": key[0], "scene": key[2]})
    return out


class ShakespeareQA(Dataset):
    """SQuAD 2.0-style items (dicts, see the module docstring) for ``split``'s plays."""

    def __init__(self, split: str = "train", *, n: int = 1000, speeches: int = 4, max_words: int = 16,
                 seed: int = 0) -> None:
        self.split = split
        self.items = qa_examples(split, n, speeches=speeches, max_words=max_words, seed=seed)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return self.items[index]
