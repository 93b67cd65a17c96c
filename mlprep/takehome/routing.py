"""NLP take-home: route incoming speeches to the comedy, history or tragedy desk.

Speeches come from Shakespeare's plays (:mod:`mlprep.datasets.shakespeare`); the label is the
First Folio genre of the play. Traps: the hidden speeches come from plays that are not in the
training data (a random split of speeches lets character names and play vocabulary leak); the
``desk`` field is the desk the speech was filed under *after* routing (it matches the label in
the history, and is the intake clerk's random tray in production); about 10% of training labels
are wrong (volunteer tagging).

>>> table = ASSIGNMENT.train(0)
>>> table.columns
('id', 'play', 'act', 'speaker', 'desk', 'text', 'genre')
>>> hidden = ASSIGNMENT.hidden(3)
>>> "play" in hidden.inputs.columns, {r["speaker"] for r in hidden.inputs.rows} > {"ROSALIND"}
(False, True)
"""

from __future__ import annotations

import numpy as np

from mlprep.datasets.shakespeare import GENRES
from mlprep.takehome.assignments import Assignment, Hidden, Table
from mlprep.takehome.pools import speech_pool

TRAIN_SPEECHES, HIDDEN_SPEECHES = 1200, 600
LABEL_NOISE = 0.10  # share of training labels replaced by another genre
DESK_MATCH = 0.95  # share of training rows whose desk is the (clean) label


def _other(rng: np.random.Generator, genre: str) -> str:
    return str(rng.choice([g for g in GENRES if g != genre]))


def train(seed: int) -> Table:
    rng = np.random.default_rng([int(seed), 303])
    pool = speech_pool("train")
    rows = []
    for i, k in enumerate(rng.choice(len(pool), size=TRAIN_SPEECHES, replace=False)):
        speech = pool[k]
        desk = speech.genre if rng.random() < DESK_MATCH else _other(rng, speech.genre)
        label = _other(rng, speech.genre) if rng.random() < LABEL_NOISE else speech.genre
        rows.append({"id": f"sp-{i:05d}", "play": speech.play, "act": speech.act, "speaker": speech.speaker,
                     "desk": desk, "text": speech.text, "genre": label})
    return Table(("id", "play", "act", "speaker", "desk", "text", "genre"), rows)


def hidden(seed: int, pool: str = "hidden") -> Hidden:
    """The test set: speeches of plays not in training, without the play's title (the
    workspace's unlabelled sample comes from the same held-out plays)."""
    rng = np.random.default_rng([int(seed), 404])
    speeches = speech_pool(pool)
    rows, labels, leak = [], [], []
    for i, k in enumerate(rng.choice(len(speeches), size=HIDDEN_SPEECHES, replace=False)):
        speech = speeches[k]
        desk = str(rng.choice(GENRES))  # production: the intake tray, independent of the genre
        # Loose pages: no play title (which would make the genre a look-up for anyone who knows them).
        rows.append({"id": f"in-{i:05d}", "act": speech.act, "speaker": speech.speaker, "desk": desk,
                     "text": speech.text})
        labels.append(speech.genre)
        leak.append(desk)
    table = Table(("id", "act", "speaker", "desk", "text"), rows)
    return Hidden(table, np.array(labels, dtype=object), np.array(leak, dtype=object))


BRIEF = """\
# Route incoming speeches (Globe Archive, NLP)

**The business.** The Globe Archive is digitising play scripts from donated collections. Each
speech is sent to one of three editorial desks (`comedy`, `history`, `tragedy`) for annotation.
Today a clerk reads every speech; the archive wants a model to route them. A wrongly routed
speech costs an editor's time, and the small history desk matters as much as the big ones:
the metric is **macro-F1** over the three desks on speeches from the next collections.

**The data** (`data/`):

- `train.csv`: `id`, `play`, `act`, `speaker`, `desk` (the desk folder the speech was found in),
  `text`, and `genre` (the label, tagged by volunteers).
- `sample_test/`: a few unlabelled speeches from the next collections, in the test set's format
  (loose pages: the play is not known).

**Deliverable.** A desk (`comedy`, `history` or `tragedy`) for every speech of the test set.
"""

CARD = """\
# Grader's card: routing (not shown to the learner)

1. **Source shift.** The hidden speeches come from plays that are not in the training data
   (new collections). A random split of speeches puts other speeches of the same play in
   validation: character names and play vocabulary make validation F1 optimistic. Careful:
   split by `play` (GroupKFold).
2. **Leaky field: `desk`.** In the history the folder is the desk the speech was routed to
   (it matches the label 95% of the time); in production it is the intake clerk's tray, drawn
   independently of the genre. The grader measures how often predictions follow `desk` where
   `desk` is wrong (about the error rate split over two desks when ignored).
3. **Label noise.** About 10% of training labels were replaced by another genre (volunteer
   tagging). A careful write-up looks at confident "errors" and finds some are label errors;
   strong regularisation helps more than a bigger model.
4. **Imbalance across desks.** Histories are the smallest class: macro-F1 punishes a model
   that never predicts `history`; class weights or threshold tuning help.
"""

FOLLOW_UPS = (
    "The new speeches come from plays you never saw in training. How did your validation split "
    "reflect that, and what happens to the estimate if you split speeches at random?",
    "About one label in ten may be wrong (volunteer tagging). How would you find the mislabelled "
    "rows, and would you relabel, drop or keep them?",
    "Macro-F1 weighs the small history desk as much as the others. What did you do for that desk, "
    "and what would you change if the business only cared about total editor time?",
)

ASSIGNMENT = Assignment(
    name="routing", title="Route incoming speeches", company="Globe Archive", kind="nlp",
    budget_hours=6, metric_name="macro_f1", label_column="genre", classes=GENRES, leak_column="desk",
    strong_metric=0.48, honesty_tolerance=0.12, brief=BRIEF, card=CARD, follow_ups=FOLLOW_UPS,
    train=train, hidden=hidden, sample_pool="hidden",
)
