"""Drill: the IoU matrix of two sets of boxes, checked against ``torchvision.ops.box_iou``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# IoU (intersection over union)

Write `iou(boxes1, boxes2)`: `boxes1` is an `(N, 4)` float tensor and `boxes2` an `(M, 4)`
float tensor of boxes in XYXY format `(x1, y1, x2, y2)` with `x1 <= x2`, `y1 <= y2`, in
continuous coordinates (a box from 0 to 2 has width 2, not 3). Return the `(N, M)` tensor
whose entry `[i, j]` is area(intersection) / area(union) of `boxes1[i]` and `boxes2[j]`,
as `torchvision.ops.box_iou` does. Boxes that do not overlap, or only touch, have IoU 0.
Vectorise it: no Python loop over boxes.

Example:

    >>> iou(torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[1., 1., 3., 3.], [2., 0., 4., 2.]]))
    tensor([[0.1429, 0.0000]])

Checked against `torchvision.ops.box_iou` on hand-picked and random boxes.
"""


def iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """(N, 4) and (M, 4) XYXY boxes -> (N, M) IoU matrix."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])  # (N,)
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])  # (M,)
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])  # (N, M, 2)
    wh = (bottom_right - top_left).clamp(min=0)  # no overlap -> zero width or height
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    return inter / (area1[:, None] + area2[None, :] - inter)


def random_boxes(rng: np.random.Generator, n: int, size: float = 10.0) -> torch.Tensor:
    """(n, 4) random XYXY boxes with positive width and height inside [0, 2 * size]."""
    xy = rng.uniform(0, size, size=(n, 2))
    wh = rng.uniform(0.5, size, size=(n, 2))
    return torch.tensor(np.concatenate([xy, xy + wh], axis=1), dtype=torch.float32)


def make_cases(rng: np.random.Generator) -> list[Case]:
    from torchvision.ops import box_iou

    b = torch.tensor
    fixed = [
        ("identical boxes -> 1", b([[0.0, 0.0, 2.0, 2.0]]), b([[0.0, 0.0, 2.0, 2.0]])),
        ("half overlap", b([[0.0, 0.0, 2.0, 2.0]]), b([[1.0, 0.0, 3.0, 2.0]])),
        ("touching edges -> 0", b([[0.0, 0.0, 2.0, 2.0]]), b([[2.0, 0.0, 4.0, 2.0]])),
        ("disjoint boxes -> 0", b([[0.0, 0.0, 1.0, 1.0]]), b([[5.0, 5.0, 6.0, 6.0]])),
        ("box inside another", b([[0.0, 0.0, 4.0, 4.0]]), b([[1.0, 1.0, 2.0, 2.0]])),
        (
            "N != M (2 x 3)",
            b([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 5.0, 4.0]]),
            b([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 1.0, 1.0], [4.0, 3.0, 6.0, 6.0]]),
        ),
    ]
    cases = [Case(name, (a1, a2), expected=box_iou(a1, a2)) for name, a1, a2 in fixed]
    for i in range(6):
        n, m = rng.integers(1, 8, size=2)
        a1, a2 = random_boxes(rng, int(n)), random_boxes(rng, int(m))
        cases.append(Case(f"random {n} x {m} boxes #{i + 1}", (a1, a2), expected=box_iou(a1, a2)))
    return cases


DRILL = Drill(
    name="iou",
    title="IoU matrix of two sets of boxes",
    topic="detection",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=iou,
    make_cases=make_cases,
    imports="import torch",
)
