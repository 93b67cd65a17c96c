"""Time-ordered take-home: read the handwritten postcode digit on parcels, a year of scans,
predict next quarter's.

Images are scikit-learn's handwritten digits. Traps: the sorting hall's camera was replaced on
2025-10-01 (images from then on are offset by a pixel and brighter), and the test set comes
entirely from after the change, so a random split hides the drift; the ``route`` field was
back-filled from the delivered parcel in the history (its number is the digit) but in
production it is the inbound truck's route, independent of the digit.

>>> table = ASSIGNMENT.train(0)
>>> table.columns[:5], len(table.columns)
(('id', 'scanned_at', 'sorter', 'route', 'digit'), 69)
>>> rows = ASSIGNMENT.hidden(2).inputs.rows
>>> min(r["scanned_at"] for r in rows) > max(r["scanned_at"] for r in table.rows)
True
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mlprep.takehome.assignments import Assignment, Hidden, Table
from mlprep.takehome.pools import digit_pool

CAMERA_CHANGE = dt.date(2025, 10, 1)
TRAIN_START, TRAIN_DAYS = dt.date(2025, 1, 1), 365
HIDDEN_START, HIDDEN_DAYS = dt.date(2026, 1, 5), 84
TRAIN_SCANS, HIDDEN_SCANS = 1100, 600  # each training image once: no copies across a split
ROUTE_MATCH = 0.95  # share of training rows whose route number is the digit
PIXELS = tuple(f"p{i:02d}" for i in range(64))


def new_camera(image: np.ndarray) -> np.ndarray:
    """What the replacement camera does to a scan: one pixel to the right and down, more gain."""
    moved = np.zeros_like(image)
    moved[1:, 1:] = image[:-1, :-1]
    return np.clip(moved * 1.35 + 1.0, 0, 16)


def _row(rng: np.random.Generator, image: np.ndarray, day: dt.date, route: int) -> dict[str, str]:
    scan = new_camera(image) if day >= CAMERA_CHANGE else image
    scan = np.clip(scan + rng.normal(0, 0.7, size=(8, 8)), 0, 16)
    return {"scanned_at": day.isoformat(), "sorter": f"S{rng.integers(1, 4)}", "route": f"RT-{route}",
            **{name: f"{v:.1f}" for name, v in zip(PIXELS, scan.ravel(), strict=True)}}


def train(seed: int) -> Table:
    rng = np.random.default_rng([int(seed), 505])
    images, labels = digit_pool("train")
    days = np.sort(rng.integers(0, TRAIN_DAYS, size=TRAIN_SCANS))
    rows = []
    for i, (day, k) in enumerate(zip(days, rng.choice(len(images), size=TRAIN_SCANS, replace=False), strict=True)):
        digit = int(labels[k])
        route = digit if rng.random() < ROUTE_MATCH else int(rng.integers(10))
        row = _row(rng, images[k], TRAIN_START + dt.timedelta(days=int(day)), route)
        rows.append({"id": f"pc-{i:05d}", **row, "digit": str(digit)})
    return Table(("id", "scanned_at", "sorter", "route", "digit", *PIXELS), rows)


def hidden(seed: int, pool: str = "hidden") -> Hidden:
    """The test set; ``pool="train"`` draws the workspace's unlabelled sample from training images."""
    rng = np.random.default_rng([int(seed), 606])
    images, labels = digit_pool(pool)
    days = np.sort(rng.integers(0, HIDDEN_DAYS, size=HIDDEN_SCANS))
    rows, truth, leak = [], [], []
    for i, day in enumerate(days):
        k = rng.integers(len(images))
        route = int(rng.integers(10))  # production: the inbound truck, independent of the digit
        rows.append({"id": f"nx-{i:05d}", **_row(rng, images[k], HIDDEN_START + dt.timedelta(days=int(day)), route)})
        truth.append(str(int(labels[k])))
        leak.append(str(route))
    table = Table(("id", "scanned_at", "sorter", "route", *PIXELS), rows)
    return Hidden(table, np.array(truth, dtype=object), np.array(leak, dtype=object))


BRIEF = """\
# Read postcode digits (PostFast, time-ordered)

**The business.** PostFast's sorting hall reads the last digit of each parcel's handwritten
postcode from an 8x8 grey scan (values 0 to 16) and sends the parcel down one of ten chutes.
A misread parcel goes to the wrong depot and costs a day. PostFast wants a model trained on last
year's scans that keeps working next quarter: the metric is **accuracy** on scans from
January to March 2026.

**The data** (`data/`):

- `train.csv`: one scan per row, in time order: `id`, `scanned_at` (date), `sorter` (the
  machine), `route` (route code from the logistics system), `digit` (the label, 0 to 9), and
  the 64 pixels `p00` ... `p63` (row by row).
- `sample_test/`: a few unlabelled scans from January 2026, in the test set's format.

**Deliverable.** A digit (0 to 9) for every scan of the test set.
"""

CARD = """\
# Grader's card: drift (not shown to the learner)

1. **Time shift.** The camera was replaced on 2025-10-01: from then on scans are offset by one
   pixel (right and down) and brighter. The hidden set is all from 2026, after the change; about
   a quarter of the training scans are. A random split mixes old-camera scans into validation
   and overstates what the model does next quarter. Careful: validate on the last months (a
   time split), notice the drop, and fix it (train on shifted copies, weight recent scans, or
   normalise the offset away).
2. **Leaky field: `route`.** The history's route was back-filled from where the parcel was
   delivered, so `RT-d` names the digit 95% of the time; in production it is the inbound
   truck's route, independent of the digit. The grader measures how often predictions follow
   `route` where it is wrong (near 0 when ignored).
3. **Few recent scans.** Only about 270 scans come from the new camera. Training on them alone
   throws away three quarters of the data; training on everything unchanged learns the old
   camera. The strong answer uses all of it, made to look like the new camera.
"""

FOLLOW_UPS = (
    "Your data runs from January to December and the test is next quarter. How did you split for "
    "validation, and what did you see when you compared the first and last months?",
    "Scans changed on 2025-10-01. How would you detect a change like that in production before "
    "accuracy reports come back, and what would you retrain on?",
    "Only a quarter of your training scans come from the new camera. Did you train on all of the "
    "year, on the last months only, or something in between, and what did validation say?",
)

ASSIGNMENT = Assignment(
    name="drift", title="Read postcode digits next quarter", company="PostFast", kind="time-ordered",
    budget_hours=5, metric_name="accuracy", label_column="digit", classes=tuple(str(d) for d in range(10)),
    leak_column="route", strong_metric=0.96, honesty_tolerance=0.08, brief=BRIEF, card=CARD,
    follow_ups=FOLLOW_UPS, train=train, hidden=hidden,
)
