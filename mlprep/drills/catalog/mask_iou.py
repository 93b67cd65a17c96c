"""Drill: per-class IoU and Dice of label maps, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Segmentation metrics: per-class IoU and Dice

Write `mask_iou(pred, target, num_classes)`: `pred` and `target` are int64 label maps of the same
shape (`(N, H, W)`: one class in `0 .. num_classes - 1` per pixel). Return `(iou, dice)`, two
float64 tensors of shape `(num_classes,)`, counted over all pixels of all images together (not
averaged per image):

- `iou[c] = |P ∩ T| / |P ∪ T|` and `dice[c] = 2 |P ∩ T| / (|P| + |T|)`, where `P` and `T` are the
  pixels predicted as and labelled as class `c`;
- a class absent from both `pred` and `target` gets `nan` in both (0/0: it cannot be scored, and
  a mean over classes should skip it, as `torch.nanmean` does).

Vectorise it (a confusion matrix from `torch.bincount` does it in one line).
As `sklearn.metrics.jaccard_score` and `f1_score` with `average=None`, on the flattened pixels.

Example:

    >>> pred = torch.tensor([[0, 1], [1, 1]]); target = torch.tensor([[0, 1], [0, 1]])
    >>> mask_iou(pred, target, 3)
    (tensor([0.5000, 0.6667,    nan], dtype=torch.float64), tensor([0.6667, 0.8000,    nan], dtype=torch.float64))

Checked against scikit-learn on hand-picked and random label maps.
"""


def mask_iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Label maps -> per-class (IoU, Dice), float64, nan for a class in neither."""
    confusion = torch.bincount(target.flatten() * num_classes + pred.flatten(),
                               minlength=num_classes**2).reshape(num_classes, num_classes).double()
    tp = confusion.diag()
    predicted, labelled = confusion.sum(0), confusion.sum(1)
    return tp / (predicted + labelled - tp), 2 * tp / (predicted + labelled)


def _sklearn(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    import warnings

    from sklearn.metrics import f1_score, jaccard_score

    p, t = pred.flatten().numpy(), target.flatten().numpy()
    labels = list(range(num_classes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a class in neither map: 0/0, set to nan below
        iou = jaccard_score(t, p, labels=labels, average=None, zero_division=0)
        dice = f1_score(t, p, labels=labels, average=None, zero_division=0)
    absent = ~np.isin(labels, np.concatenate([p, t]))  # the convention this drill states
    iou, dice = np.where(absent, np.nan, iou), np.where(absent, np.nan, dice)
    return torch.tensor(iou, dtype=torch.float64), torch.tensor(dice, dtype=torch.float64)


def make_cases(rng: np.random.Generator) -> list[Case]:
    b = torch.tensor
    fixed = [
        ("statement example", b([[0, 1], [1, 1]]), b([[0, 1], [0, 1]]), 3),
        ("perfect prediction -> ones", b([[0, 2], [1, 1]]), b([[0, 2], [1, 1]]), 3),
        ("class only predicted -> iou 0, not nan", b([[2, 0], [0, 0]]), b([[0, 0], [0, 0]]), 3),
        ("class absent from both -> nan", b([[0, 1]]), b([[1, 0]]), 4),
        ("counted over all images together", b([[[1, 1]], [[0, 0]]]), b([[[1, 0]], [[0, 0]]]), 2),
    ]
    cases = [Case(name, (p, t, c), expected=_sklearn(p, t, c)) for name, p, t, c in fixed]
    for i in range(5):
        c = int(rng.integers(2, 6))
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 9)), int(rng.integers(2, 9)))
        t = torch.from_numpy(rng.integers(0, c, size=shape))
        p = torch.where(torch.from_numpy(rng.random(shape) < 0.7), t, torch.from_numpy(rng.integers(0, c, size=shape)))
        cases.append(Case(f"random {tuple(shape)} maps, {c} classes #{i + 1}", (p, t, c), expected=_sklearn(p, t, c)))
    return cases


DRILL = Drill(
    name="mask_iou",
    title="Per-class IoU and Dice of label maps",
    topic="segmentation",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=mask_iou,
    make_cases=make_cases,
    imports="import torch",
    output_names=("iou", "dice"),
)
