"""Drill: non-maximum suppression, checked against ``torchvision.ops.nms``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill
from mlprep.drills.catalog.iou import iou, random_boxes

STATEMENT = """\
# Non-maximum suppression (NMS)

Write `nms(boxes, scores, iou_threshold)`: `boxes` is an `(N, 4)` float tensor of XYXY
boxes, `scores` an `(N,)` float tensor. Greedily keep the highest-scoring box, drop every
remaining box whose IoU with it is **greater than** `iou_threshold`, and repeat with the
highest-scoring box left. Return the `int64` tensor of kept indices (into the original
`boxes`) sorted by decreasing score, as `torchvision.ops.nms` does. You may write your own
IoU helper (see the `iou` drill); do not call `torchvision.ops`.

Example:

    >>> boxes = torch.tensor([[0., 0., 2., 2.], [0., 0., 2., 2.1], [3., 3., 4., 4.]])
    >>> nms(boxes, torch.tensor([0.5, 0.9, 0.7]), 0.5)
    tensor([1, 2])

Checked against `torchvision.ops.nms` on hand-picked and random clusters of boxes.
"""


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """(N, 4) boxes, (N,) scores -> int64 indices of kept boxes, by decreasing score."""
    order = torch.argsort(scores, descending=True)  # best first
    ious = iou(boxes, boxes)  # (N, N)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= ious[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


def _clustered_boxes(rng: np.random.Generator, n_clusters: int, per_cluster: int) -> torch.Tensor:
    # Jittered copies of a few boxes, so that suppression actually happens.
    centres = random_boxes(rng, n_clusters, size=20.0)
    jitter = torch.tensor(rng.normal(0, 0.6, size=(n_clusters, per_cluster, 4)), dtype=torch.float32)
    boxes = (centres[:, None, :] + jitter).reshape(-1, 4)
    return torch.cat([boxes[:, :2], torch.maximum(boxes[:, 2:], boxes[:, :2] + 0.1)], dim=1)


def make_cases(rng: np.random.Generator) -> list[Case]:
    from torchvision.ops import nms as tv_nms

    b = torch.tensor
    two_clusters = b([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [20.0, 20.0, 30.0, 30.0],
                      [0.5, 0.0, 10.0, 10.5], [21.0, 20.0, 31.0, 30.0]])
    fixed = [
        ("one box", b([[0.0, 0.0, 1.0, 1.0]]), b([0.3]), 0.5),
        ("scores not sorted: keep the best of two overlapping boxes",
         b([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.1]]), b([0.5, 0.9]), 0.5),
        ("no overlap: keep all, ordered by score", b([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0],
                                                     [4.0, 4.0, 5.0, 5.0]]), b([0.2, 0.9, 0.5]), 0.5),
        ("two clusters, unsorted scores", two_clusters, b([0.6, 0.9, 0.3, 0.8, 0.7]), 0.5),
        ("IoU exactly 0.5 at threshold 0.5 is kept (only > suppresses)",
         b([[0.0, 0.0, 3.0, 1.0], [1.0, 0.0, 4.0, 1.0]]), b([0.9, 0.8]), 0.5),
        ("chain: a suppressed box does not suppress others",
         b([[0.0, 0.0, 4.0, 1.0], [2.0, 0.0, 6.0, 1.0], [4.0, 0.0, 8.0, 1.0]]), b([0.9, 0.8, 0.7]), 0.3),
    ]
    cases = [Case(name, (bx, sc, t), expected=tv_nms(bx, sc, t)) for name, bx, sc, t in fixed]
    for i, threshold in enumerate([0.3, 0.5, 0.7, 0.5]):
        boxes = _clustered_boxes(rng, n_clusters=int(rng.integers(2, 5)), per_cluster=int(rng.integers(2, 6)))
        scores = torch.tensor(rng.uniform(size=len(boxes)), dtype=torch.float32)
        cases.append(Case(f"random clusters, {len(boxes)} boxes, threshold {threshold} #{i + 1}",
                          (boxes, scores, threshold), expected=tv_nms(boxes, scores, threshold)))
    return cases


DRILL = Drill(
    name="nms",
    title="Non-maximum suppression",
    topic="nms",
    difficulty="easy",
    time_limit_min=15,
    statement=STATEMENT,
    reference=nms,
    make_cases=make_cases,
    imports="import torch",
    helpers=(iou,),  # the iou drill's reference, printed from its source
)
