"""Drill: Faster R-CNN's box parametrisation, checked against torchvision's ``BoxCoder``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Box parametrisation (the R-CNN box coder)

Write `box_coder(boxes, anchors)`: `boxes` and `anchors` are `(N, 4)` float tensors of XYXY
boxes, row `i` of `boxes` being the ground truth matched to anchor `i`. Return the `(N, 4)`
regression targets `(t_x, t_y, t_w, t_h)` of Faster R-CNN (Ren et al., 2015, equation 2):

- centre and size of each box: `x = (x1 + x2) / 2`, `w = x2 - x1` (continuous coordinates), and
  the same for `y`, `h`; likewise `x_a, y_a, w_a, h_a` for the anchor;
- `t_x = (x - x_a) / w_a`, `t_y = (y - y_a) / h_a`, `t_w = log(w / w_a)`, `t_h = log(h / h_a)`.

Offsets are in units of the anchor's size, so one target means the same for a small and a large
anchor; the log makes a box twice as wide and one half as wide equally far from the anchor.
This is `torchvision.models.detection._utils.BoxCoder(weights=(1, 1, 1, 1)).encode_single(boxes, anchors)`.

Example:

    >>> box_coder(torch.tensor([[10., 10., 30., 50.]]), torch.tensor([[12., 8., 28., 40.]]))
    tensor([[0.0000, 0.1875, 0.2231, 0.2231]])

Checked against torchvision's `BoxCoder` on hand-picked and random box pairs.
"""


def box_coder(boxes: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """(N, 4) XYXY ground truths and their (N, 4) anchors -> (N, 4) targets (t_x, t_y, t_w, t_h)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    x, y = boxes[:, 0] + w / 2, boxes[:, 1] + h / 2
    wa, ha = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    xa, ya = anchors[:, 0] + wa / 2, anchors[:, 1] + ha / 2
    return torch.stack([(x - xa) / wa, (y - ya) / ha, torch.log(w / wa), torch.log(h / ha)], dim=1)


def _random_boxes(rng: np.random.Generator, n: int) -> torch.Tensor:
    xy = rng.uniform(0, 50, size=(n, 2))
    wh = rng.uniform(2, 40, size=(n, 2))
    return torch.tensor(np.concatenate([xy, xy + wh], axis=1), dtype=torch.float32)


def make_cases(rng: np.random.Generator) -> list[Case]:
    from torchvision.models.detection._utils import BoxCoder

    coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    b = torch.tensor
    fixed = [
        ("box equal to its anchor -> zeros", b([[4.0, 4.0, 20.0, 12.0]]), b([[4.0, 4.0, 20.0, 12.0]])),
        ("statement example", b([[10.0, 10.0, 30.0, 50.0]]), b([[12.0, 8.0, 28.0, 40.0]])),
        ("shifted right by half the anchor's width", b([[8.0, 0.0, 24.0, 10.0]]), b([[0.0, 0.0, 16.0, 10.0]])),
        ("twice as wide, half as tall", b([[0.0, 0.0, 32.0, 5.0]]), b([[8.0, 0.0, 24.0, 10.0]])),
        ("non-square anchor, both offsets", b([[5.0, 20.0, 15.0, 30.0]]), b([[0.0, 0.0, 40.0, 20.0]])),
    ]
    cases = [Case(name, (g, a), expected=coder.encode_single(g, a)) for name, g, a in fixed]
    for i in range(5):
        n = int(rng.integers(1, 9))
        g, a = _random_boxes(rng, n), _random_boxes(rng, n)
        cases.append(Case(f"random {n} pairs #{i + 1}", (g, a), expected=coder.encode_single(g, a)))
    return cases


DRILL = Drill(
    name="box_coder",
    title="Faster R-CNN box regression targets",
    topic="detection",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=box_coder,
    make_cases=make_cases,
    imports="import torch",
)
