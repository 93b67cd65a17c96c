"""Drill: BIO tags to entity spans, checked against seqeval's extraction (``get_entities``)."""

from __future__ import annotations

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# BIO tags to entity spans

Write `bio_decode(tags)`: `tags` is a list of strings, each `O` or `B-TYPE` / `I-TYPE`
(`B-PER`, `I-LOC`, ...). Return the entities as a list of `(type, start, end)` tuples in
order, `end` **inclusive**, exactly as `seqeval.metrics.sequence_labeling.get_entities`
returns them (the CoNLL evaluation script's rules, which entity-level F1 is computed on):

- `B-X` always starts a new entity of type X (even right after another X);
- `I-X` continues the current entity if it has type X; otherwise (after `O`, at the start,
  or after an entity of another type) it **starts** a new entity of type X;
- `O` ends the current entity.

Example:

    >>> bio_decode(["B-PER", "I-PER", "O", "I-LOC", "B-PER", "B-PER"])
    [('PER', 0, 1), ('LOC', 3, 3), ('PER', 4, 4), ('PER', 5, 5)]

Checked against seqeval on hand-picked and random tag sequences.
"""


def bio_decode(tags: list[str]) -> list[tuple[str, int, int]]:
    """BIO tags -> [(type, start, end inclusive)], seqeval's rules."""
    spans: list[tuple[str, int, int]] = []
    kind, start = None, 0  # the open entity's type and first position
    for i, tag in enumerate(list(tags) + ["O"]):  # a final O closes the last entity
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind
        if kind is not None and not continues:
            spans.append((kind, start, i - 1))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = label, i
    return spans


def _expected(tags: list[str]) -> list[tuple[str, int, int]]:
    from seqeval.metrics.sequence_labeling import get_entities

    return [tuple(e) for e in get_entities(list(tags))]


def make_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ("statement example", ["B-PER", "I-PER", "O", "I-LOC", "B-PER", "B-PER"]),
        ("entity at the very end", ["O", "O", "B-PER", "I-PER"]),
        ("I- after O starts an entity", ["O", "I-PER", "I-PER", "O"]),
        ("I- at the start starts an entity", ["I-LOC", "O"]),
        ("type change inside a run splits it", ["B-PER", "I-PER", "I-LOC", "I-LOC"]),
        ("B- right after the same type starts a new one", ["B-PER", "B-PER", "I-PER"]),
        ("no entities", ["O", "O", "O"]),
        ("empty sequence", []),
    ]
    cases = [Case(name, (tags,), expected=_expected(tags)) for name, tags in fixed]
    pool = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    for i in range(6):
        tags = [pool[k] for k in rng.integers(0, len(pool), size=int(rng.integers(5, 25)))]
        cases.append(Case(f"random tags #{i + 1} ({len(tags)} tags)", (tags,), expected=_expected(tags)))
    return cases


DRILL = Drill(
    name="bio_decode",
    title="BIO tags to entity spans",
    topic="ner",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=bio_decode,
    make_cases=make_cases,
)
