"""Vision take-home: flag altered cheques (8x8 scans of handwritten digits, severe imbalance).

An altered scan is a digit with part of another digit written over it (one half of the box).
Traps: about 7% of cheques are altered (accuracy is meaningless); a cheque is scanned one to
three times (near-duplicates: a random split puts copies on both sides); the ``scanner``
field says ``FD-1`` (the fraud desk's scanner) for most altered cheques in the history, because
suspicious cheques were re-scanned there, while in production every scanner sees every cheque.

>>> table = ASSIGNMENT.train(0)
>>> table.columns, table.arrays["images"].shape[1:]
(('id', 'cheque_id', 'scanner', 'altered'), (8, 8))
>>> hidden = ASSIGNMENT.hidden(1)
>>> "altered" in hidden.inputs.columns, len(hidden.labels) == len(hidden.inputs.rows)
(False, True)
"""

from __future__ import annotations

import numpy as np

from mlprep.takehome.assignments import Assignment, Hidden, Table
from mlprep.takehome.pools import digit_pool

SCANNERS = ("BR-01", "BR-02", "BR-03", "BR-04", "BR-05", "FD-1")
ALTERED_RATE = 0.07
TRAIN_CHEQUES, HIDDEN_CHEQUES = 1000, 1500  # about 70 and 105 altered: AP is noisy below that


def _altered(rng: np.random.Generator, images: np.ndarray) -> np.ndarray:
    """A digit with one half of another digit's strokes written over it."""
    base, other = images[rng.integers(len(images))], images[rng.integers(len(images))]
    mask = np.zeros((8, 8), dtype=bool)
    half = slice(0, 4) if rng.random() < 0.5 else slice(4, 8)
    if rng.random() < 0.5:
        mask[:, half] = True
    else:
        mask[half, :] = True
    return np.where(mask, np.maximum(base, other), base)


def _scan(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """One scan: sensor noise, and now and then a one-pixel offset of the box."""
    shift = rng.integers(-1, 2, size=2) if rng.random() < 0.3 else (0, 0)
    moved = np.roll(image, tuple(int(s) for s in shift), axis=(0, 1))
    return np.clip(moved + rng.normal(0, 0.8, size=(8, 8)), 0, 16).astype(np.float32)


def _cheques(rng: np.random.Generator, n: int, pool: str) -> list[tuple[bool, np.ndarray]]:
    images, _ = digit_pool(pool)
    out = []
    for _ in range(n):
        altered = bool(rng.random() < ALTERED_RATE)
        image = _altered(rng, images) if altered else images[rng.integers(len(images))]
        out.append((altered, image))
    return out


def train(seed: int) -> Table:
    rng = np.random.default_rng([int(seed), 101])
    rows, images = [], []
    cheque_ids = rng.choice(90000, size=TRAIN_CHEQUES, replace=False) + 10000
    for cheque, (altered, image) in zip(cheque_ids, _cheques(rng, TRAIN_CHEQUES, "train"), strict=True):
        for _ in range(int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))):
            fraud_desk = rng.random() < (0.8 if altered else 0.03)
            scanner = "FD-1" if fraud_desk else SCANNERS[rng.integers(5)]
            rows.append({"cheque_id": f"chq-{cheque}", "scanner": scanner, "altered": str(int(altered))})
            images.append(_scan(rng, image))
    order = rng.permutation(len(rows))
    rows = [{"id": f"scan-{i:05d}", **rows[j]} for i, j in enumerate(order)]
    return Table(("id", "cheque_id", "scanner", "altered"), rows, {"images": np.stack(images)[order]})


def hidden(seed: int, pool: str = "hidden") -> Hidden:
    """The test set; ``pool="train"`` draws the workspace's unlabelled sample from training images."""
    rng = np.random.default_rng([int(seed), 202])
    rows, images, labels, leak = [], [], [], []
    cheque_ids = rng.choice(90000, size=HIDDEN_CHEQUES, replace=False) + 100000
    for i, (altered, image) in enumerate(_cheques(rng, HIDDEN_CHEQUES, pool)):
        scanner = SCANNERS[rng.integers(len(SCANNERS))]  # production: independent of the label
        rows.append({"id": f"new-{i:05d}", "cheque_id": f"chq-{cheque_ids[i]}", "scanner": scanner})
        images.append(_scan(rng, image))
        labels.append(int(altered))
        leak.append(int(scanner == "FD-1"))
    table = Table(("id", "cheque_id", "scanner"), rows, {"images": np.stack(images)})
    return Hidden(table, np.array(labels), np.array(leak))


BRIEF = """\
# Flag altered cheques (Ledgerly, vision)

**The business.** Ledgerly clears handwritten cheques for small banks. A growing fraud pattern:
someone writes over part of the amount to change a digit. Every amount box is scanned as an 8x8
grey image (values 0 to 16). The fraud team can review a limited number of cheques a day, the
ones your model scores highest, so what Ledgerly cares about is how well your score **ranks
altered cheques above clean ones**: average precision (AP) of your score on next month's scans.

**The data** (`data/`):

- `train.csv`: `id` (one scan), `cheque_id`, `scanner` (the scanner that took the image),
  `altered` (1 = the amount was altered, from the fraud team's investigations; 0 = clean).
- `train_images.npy`: float32 array of shape (N, 8, 8); row i is the scan of `train.csv` row i.
- `sample_test/`: a few unlabelled recent scans, in the format of
  the test set your command will be given.

**Deliverable.** A score in [0, 1] (higher = more likely altered) for every scan of the test set.
"""

CARD = """\
# Grader's card: tamper (not shown to the learner)

1. **Imbalance.** About 7% of cheques are altered. Predicting "clean" for everything gives 93%
   accuracy; the company metric is average precision, whose floor is the positive rate.
   A submission that reports accuracy, or tunes a 0.5 threshold, has missed it.
2. **Leaky field: `scanner`.** In the history, suspicious cheques were re-scanned at the fraud
   desk, so `scanner == FD-1` marks about 80% of altered scans (3% of clean ones). In production
   every scanner sees every cheque: on the hidden set `scanner` is independent of the label.
   The grader measures how far the scores separate FD-1 scans from the others (ROC AUC; about
   0.5 when the field is ignored). A model that uses it collapses on the hidden set.
3. **Near-duplicates.** A cheque is scanned one to three times (`cheque_id`). A random split puts
   copies of the same cheque in training and validation, and validation AP comes out optimistic.
   Careful: split by `cheque_id` (GroupKFold / GroupShuffleSplit).
4. **Small positives.** About 70 altered cheques in training: validation AP is noisy; a careful
   write-up gives a spread (folds) and an error analysis of the missed alterations.
"""

FOLLOW_UPS = (
    "Only about 7% of the cheques are altered. Why is accuracy the wrong number to show the fraud "
    "team, and how would you choose the daily review cut-off from your scores?",
    "Several scans share a cheque_id. What happens to your validation estimate if copies of one "
    "cheque land on both sides of the split, and how did you prevent it?",
    "You have about seventy altered cheques to learn from. How confident are you in your validation "
    "AP, and what would you do to get a tighter estimate?",
)

ASSIGNMENT = Assignment(
    name="tamper", title="Flag altered cheques", company="Ledgerly", kind="vision", budget_hours=6,
    metric_name="average_precision", label_column="altered", classes=(), leak_column="scanner",
    strong_metric=0.47, honesty_tolerance=0.2, brief=BRIEF, card=CARD, follow_ups=FOLLOW_UPS,
    train=train, hidden=hidden,
)
