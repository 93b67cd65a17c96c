"""Drill: mean average precision at IoU 0.5 (mAP@0.5), VOC-style all-point interpolation."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill
from mlprep.drills.catalog.iou import iou, random_boxes

STATEMENT = """\
# mAP@0.5

Write `map50(predictions, targets)`. Both are lists with one entry per image, in the
format torchmetrics' `MeanAveragePrecision` uses:

- `predictions[i]`: dict with `"boxes"` `(N_i, 4)` XYXY float tensor, `"scores"` `(N_i,)`,
  `"labels"` `(N_i,)` int64;
- `targets[i]`: dict with `"boxes"` `(M_i, 4)` and `"labels"` `(M_i,)`.

For each class that has at least one ground-truth box:

1. Take that class's detections from all images, sorted by decreasing score (a stable sort).
2. Walk down the list. A detection is a true positive when the ground-truth box of the same
   class **in the same image** with which it has the highest IoU has IoU `>= 0.5` and has not
   been matched yet (then mark it matched); otherwise it is a false positive (a duplicate
   detection of an already-matched box is a false positive).
3. After each detection compute precision = TP / (TP + FP) and recall = TP / (number of
   ground-truth boxes of the class).
4. Make precision monotone: replace each precision by the maximum precision at any later
   point. AP = sum over the list of (recall_k - recall_{k-1}) * precision_k, with recall_0 = 0
   (all-point interpolation, as PASCAL VOC 2010+).

Return the mean AP over those classes as a Python float. Classes with detections but no
ground truth are ignored.

Example: one image, one ground-truth box `[0, 0, 10, 10]`, detections `[0, 0, 10, 10]`
(score 0.9) and `[50, 50, 60, 60]` (score 0.95): precision 0 then 0.5, recall 0 then 1,
so AP = 0.5.
"""


def map50(predictions: list[dict], targets: list[dict]) -> float:
    """Per-image prediction dicts (boxes, scores, labels) and target dicts (boxes, labels) -> mAP@0.5."""
    classes = sorted({int(c) for t in targets for c in t["labels"]})
    aps = []
    for cls in classes:
        gts = [t["boxes"][t["labels"] == cls] for t in targets]  # per image, (M_i, 4)
        n_gt = sum(len(g) for g in gts)
        dets = [(float(s), img, box) for img, p in enumerate(predictions)
                for box, s in zip(p["boxes"][p["labels"] == cls], p["scores"][p["labels"] == cls], strict=True)]
        dets.sort(key=lambda d: -d[0])  # stable: ties keep image order
        matched = [torch.zeros(len(g), dtype=torch.bool) for g in gts]
        is_tp = []
        for _, img, box in dets:
            if len(gts[img]) == 0:
                is_tp.append(False)
                continue
            ious = iou(box[None], gts[img])[0]  # (M_img,)
            best = int(torch.argmax(ious))
            hit = bool(ious[best] >= 0.5) and not bool(matched[img][best])
            if hit:
                matched[img][best] = True
            is_tp.append(hit)
        tp = np.cumsum(is_tp)
        precision = tp / np.arange(1, len(is_tp) + 1)
        recall = tp / n_gt
        precision = np.maximum.accumulate(precision[::-1])[::-1]  # monotone envelope
        recall_steps = np.diff(np.concatenate([[0.0], recall]))
        aps.append(float(np.sum(recall_steps * precision)))
    return float(np.mean(aps)) if aps else 0.0


def _pred(boxes: list, scores: list, labels: list | None = None) -> dict:
    labels = labels if labels is not None else [0] * len(scores)
    return {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            "scores": torch.tensor(scores, dtype=torch.float32),
            "labels": torch.tensor(labels, dtype=torch.int64)}


def _target(boxes: list, labels: list | None = None) -> dict:
    labels = labels if labels is not None else [0] * len(boxes)
    return {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor(labels, dtype=torch.int64)}


def _random_image(rng: np.random.Generator, n_classes: int) -> tuple[dict, dict]:
    n_gt = int(rng.integers(1, 5))
    gt = random_boxes(rng, n_gt, size=30.0)
    gt_labels = torch.tensor(rng.integers(0, n_classes, size=n_gt))
    found = torch.tensor(rng.uniform(size=n_gt) < 0.8)  # some objects are missed
    jitter = torch.tensor(rng.normal(0, 1.5, size=(int(found.sum()), 4)), dtype=torch.float32)
    n_fp = int(rng.integers(0, 3))
    boxes = torch.cat([gt[found] + jitter, random_boxes(rng, n_fp, size=30.0)])
    labels = torch.cat([gt_labels[found], torch.tensor(rng.integers(0, n_classes, size=n_fp))])
    scores = torch.tensor(rng.uniform(size=len(boxes)), dtype=torch.float32)
    boxes = torch.cat([boxes[:, :2], torch.maximum(boxes[:, 2:], boxes[:, :2] + 0.5)], dim=1)
    return {"boxes": boxes, "scores": scores, "labels": labels}, {"boxes": gt, "labels": gt_labels}


def make_cases(rng: np.random.Generator) -> list[Case]:
    box_a, box_b, far = [0, 0, 10, 10], [20, 0, 30, 10], [50, 50, 60, 60]
    fixed = [
        ("perfect detections -> 1.0", [_pred([box_a, box_b], [0.9, 0.8])], [_target([box_a, box_b])]),
        ("one of two objects missed -> 0.5", [_pred([box_a], [0.9])], [_target([box_a, box_b])]),
        ("a false positive scored above the true one (sort by score)",
         [_pred([box_a, far], [0.9, 0.95])], [_target([box_a])]),
        ("a duplicate detection is a false positive",
         [_pred([box_a, [0, 0, 10, 11], box_b], [0.95, 0.9, 0.8])], [_target([box_a, box_b])]),
        ("IoU below 0.5 is a miss", [_pred([[0, 0, 10, 4]], [0.9])], [_target([box_a])]),
        ("two images: match only within the same image",
         [_pred([box_a], [0.9]), _pred([box_b], [0.8])], [_target([box_b]), _target([box_a])]),
        ("two classes: mean of per-class AP",
         [_pred([box_a, box_b], [0.9, 0.8], [0, 1])], [_target([box_a, box_b], [0, 0])]),
    ]
    cases = [Case(name, (p, t), expected=map50(p, t)) for name, p, t in fixed]
    for i in range(4):
        n_classes = int(rng.integers(1, 4))
        images = [_random_image(rng, n_classes) for _ in range(int(rng.integers(2, 5)))]
        preds, targets = [p for p, _ in images], [t for _, t in images]
        cases.append(Case(f"random: {len(images)} images, {n_classes} classes #{i + 1}",
                          (preds, targets), expected=map50(preds, targets)))
    return cases


DRILL = Drill(
    name="map50",
    title="mAP@0.5 for object detection",
    topic="map",
    difficulty="hard",
    time_limit_min=35,
    statement=STATEMENT,
    reference=map50,
    make_cases=make_cases,
    imports="import numpy as np\nimport torch",
    helpers=(iou,),  # the iou drill's reference, printed from its source
)
