"""Notebook 04's exercises 2 and 4: a cross-entropy class term for the YOLOv1 loss, and which
objects share a grid cell (the measurement behind "recall of shared cells").

>>> from mlprep.drills.exercises import check_exercise
>>> check_exercise("yolo_shares_a_cell", shares_a_cell, quiet=True).status
'pass'
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from mlprep.drills.base import Case
from mlprep.drills.exercises import Exercise

__all__ = ["class_cross_entropy", "shares_a_cell"]


def class_cross_entropy(class_logits: torch.Tensor, cls: torch.Tensor, has_obj: torch.Tensor) -> torch.Tensor:
    """(N, S, S, C) logits, (N, S, S) 0-based classes, (N, S, S) bool -> the scalar cross-entropy
    summed over the cells that hold an object, as the squared error it replaces is (the loss
    divides its total by the batch size afterwards)."""
    return F.cross_entropy(class_logits[has_obj], cls[has_obj], reduction="sum")  # (K, C), (K,) -> ()


def class_ce_cases(rng: np.random.Generator) -> list[Case]:
    def make(n: int, s: int, c: int, share: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits = torch.tensor(rng.normal(0, 2, size=(n, s, s, c)), dtype=torch.float32)
        cls = torch.tensor(rng.integers(0, c, size=(n, s, s)))
        return logits, cls, torch.tensor(rng.random((n, s, s)) < share)

    one = make(1, 2, 3, 0.0)
    one[2][0, 1, 0] = True
    settings = [("one object", one), ("no object: the term is 0", make(2, 2, 3, 0.0)),
                ("a batch of 4, a quarter of the cells", make(4, 8, 6, 0.25)),
                ("every cell holds an object", make(2, 3, 4, 1.1))]
    return [Case(name, args, expected=class_cross_entropy(*args)) for name, args in settings]


def shares_a_cell(boxes: torch.Tensor, grid: int, image_size: int) -> torch.Tensor:
    """(K, 4) XYXY boxes of one image -> (K,) bool: True where the box's centre falls in the same
    grid cell as another box's centre (YOLOv1 then keeps only one of them). A centre on a cell
    edge belongs to the cell to its right or below; one on the image's far edge, to the last cell."""
    cell = image_size / grid
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2  # (K, 2) x, y in pixels
    index = (centres / cell).floor().long().clamp(0, grid - 1)  # (K, 2) column, row
    flat = index[:, 1] * grid + index[:, 0]  # (K,) one number per cell
    return torch.bincount(flat, minlength=grid * grid)[flat] > 1


def shares_cases(rng: np.random.Generator) -> list[Case]:
    def boxes(*rows: list[float]) -> torch.Tensor:
        return torch.tensor(rows, dtype=torch.float32).reshape(-1, 4)

    random_centres = rng.uniform(0, 64, size=(12, 2))
    half = rng.uniform(2, 10, size=(12, 2))
    crowd = torch.tensor(np.concatenate([random_centres - half, random_centres + half], 1), dtype=torch.float32)
    settings = [
        ("two centres in one cell, one alone", boxes([0, 0, 6, 6], [2, 2, 4, 4], [30, 30, 40, 40]), 8, 64),
        ("overlapping boxes, centres in different cells", boxes([0, 0, 20, 20], [6, 6, 26, 26]), 8, 64),
        ("a centre on a cell edge belongs to the next cell", boxes([4, 0, 12, 8], [0, 0, 6, 6]), 8, 64),
        ("a centre on the far edge belongs to the last cell", boxes([60, 60, 68, 68], [58, 58, 62, 62]), 8, 64),
        ("one box", boxes([10, 10, 20, 20]), 8, 64),
        ("no boxes", boxes(), 8, 64),
        ("12 random boxes, grid 4", crowd, 4, 64),
    ]
    return [Case(name, (b, s, size), expected=shares_a_cell(b, s, size)) for name, b, s, size in settings]


EXERCISES = (
    Exercise(
        name="yolo_class_cross_entropy", notebook="04_detection_yolo", number=2,
        question="The class term as cross-entropy, summed over the cells holding an object",
        kind="function", solution=lambda: class_cross_entropy, make_cases=class_ce_cases),
    Exercise(
        name="yolo_shares_a_cell", notebook="04_detection_yolo", number=4,
        question="Which boxes of an image have their centre in a grid cell shared with another box's centre",
        kind="function", solution=lambda: shares_a_cell, make_cases=shares_cases),
)
