"""mlprep.vision.metrics against the references: pycocotools COCOeval and torchmetrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlprep.vision.metrics import (
    coco_eval,
    confusion_matrix,
    dice,
    mean_average_precision,
    mean_iou,
)


def random_detection_case(seed: int, n_images: int = 40, n_classes: int = 5, jitter: float = 3.0) -> tuple[list, list]:
    """Images with 0..8 boxes, some images empty, predictions that jitter, duplicate and
    miss the truth, plus pure false positives and tied scores."""
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 9)) if rng.random() > 0.15 else 0
        xy = rng.uniform(0, 80, (k, 2))
        wh = rng.uniform(2, 40, (k, 2))
        if k > 2 and rng.random() < 0.4:  # crowded: stack boxes on top of each other
            xy[1:] = xy[0] + rng.normal(0, 2, (k - 1, 2))
        boxes = np.c_[xy, xy + wh]
        labels = rng.integers(1, n_classes + 1, k)
        targets.append({"boxes": torch.tensor(boxes, dtype=torch.float32), "labels": torch.tensor(labels)})
        p_boxes, p_labels = [], []
        if rng.random() > 0.1:  # some images get no predictions at all
            for b, c in zip(boxes, labels, strict=True):
                for _ in range(int(rng.integers(0, 3))):  # missed, found, or found twice
                    p_boxes.append(b + rng.normal(0, jitter, 4))
                    p_labels.append(c if rng.random() > 0.2 else rng.integers(1, n_classes + 1))
            for _ in range(int(rng.integers(0, 4))):  # false positives
                xy0 = rng.uniform(0, 80, 2)
                p_boxes.append(np.r_[xy0, xy0 + rng.uniform(2, 40, 2)])
                p_labels.append(rng.integers(1, n_classes + 1))
        scores = rng.choice([0.3, 0.5, 0.9], len(p_boxes)) if rng.random() < 0.3 else rng.random(len(p_boxes))
        preds.append({
            "boxes": torch.tensor(np.array(p_boxes).reshape(-1, 4), dtype=torch.float32),
            "scores": torch.tensor(scores, dtype=torch.float32),
            "labels": torch.tensor(np.array(p_labels, dtype=np.int64)),
        })
    return preds, targets


def coco_reference(preds: list, targets: list, n_classes: int = 10) -> tuple[np.ndarray, object]:
    """COCOeval's 12 summary numbers (bbox) for the same data, and the evaluator."""
    ev = coco_eval(preds, targets, n_classes)
    return ev.stats, ev


@pytest.mark.parametrize("seed", range(6))
def test_map_matches_pycocotools(seed: int) -> None:
    preds, targets = random_detection_case(seed, jitter=3.0 if seed % 2 else 0.7)  # poor and good detectors
    stats, ev = coco_reference(preds, targets)
    ours = mean_average_precision(preds, targets)
    assert abs(ours["map"] - stats[0]) < 1e-4
    assert abs(ours["map50"] - stats[1]) < 1e-4
    assert abs(ours["map75"] - stats[2]) < 1e-4
    assert abs(ours["mar_100"] - stats[8]) < 1e-4
    # Per-class AP: COCOeval's precision array averaged over thresholds and recall levels.
    precision = ev.eval["precision"][:, :, :, 0, 2]  # (T, R, K), area all, maxDets 100
    for k, cat in enumerate(ev.params.catIds):
        p = precision[:, :, k]
        if (p > -1).any():
            assert abs(ours["ap_per_class"][cat] - p[p > -1].mean()) < 1e-4


def test_map_many_detections_per_image_uses_top_100() -> None:
    preds, targets = random_detection_case(7, n_images=5, n_classes=1)
    rng = np.random.default_rng(0)
    for p in preds:  # 150 extra low-score boxes per image: only the top 100 per class count
        extra = torch.tensor(rng.uniform(0, 100, (150, 2)), dtype=torch.float32)
        p["boxes"] = torch.cat([p["boxes"], torch.cat([extra, extra + 10], 1)])
        p["scores"] = torch.cat([p["scores"], torch.rand(150) * 0.5])
        p["labels"] = torch.cat([p["labels"], torch.ones(150, dtype=torch.long)])
    stats, _ = coco_reference(preds, targets)
    assert abs(mean_average_precision(preds, targets)["map"] - stats[0]) < 1e-4


def test_map_edge_cases() -> None:
    empty = {"boxes": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0, dtype=torch.long)}
    box = {"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0]]), "labels": torch.tensor([2])}
    # No ground truth anywhere: undefined, like COCOeval.
    assert mean_average_precision([empty], [{"boxes": torch.zeros(0, 4), "labels": empty["labels"]}])["map"] == -1
    # Ground truth but no predictions: zero.
    assert mean_average_precision([empty], [box])["map"] == 0.0
    # A perfect prediction: one.
    perfect = {**box, "scores": torch.tensor([0.5])}
    assert mean_average_precision([perfect], [box])["map"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="one per image"):
        mean_average_precision([perfect], [box, box])


def test_mean_iou_and_dice_match_torchmetrics() -> None:
    from torchmetrics.functional.segmentation import dice_score
    from torchmetrics.functional.segmentation import mean_iou as tm_mean_iou

    g = torch.Generator().manual_seed(0)
    for n_classes in (2, 5, 7):
        true = torch.randint(0, n_classes, (3, 16, 16), generator=g)
        pred = torch.where(torch.rand(3, 16, 16, generator=g) < 0.7, true,
                           torch.randint(0, n_classes, (3, 16, 16), generator=g))
        pred[pred == n_classes - 1] = 0  # one class never predicted
        # Pooling over a batch equals one tall image for torchmetrics' per-image scores.
        tall_pred, tall_true = pred.reshape(1, -1, 16), true.reshape(1, -1, 16)
        ref_iou = tm_mean_iou(tall_pred, tall_true, num_classes=n_classes, input_format="index")
        torch.testing.assert_close(mean_iou(pred, true, n_classes), ref_iou[0])
        ref_dice = dice_score(tall_pred, tall_true, num_classes=n_classes, input_format="index", average="macro")
        torch.testing.assert_close(dice(pred, true, n_classes), ref_dice[0])
        # Per image, too.
        torch.testing.assert_close(mean_iou(pred[1], true[1], n_classes),
                                   tm_mean_iou(pred[1:2], true[1:2], num_classes=n_classes, input_format="index")[0])


def test_confusion_matrix_counts_pixels() -> None:
    cm = confusion_matrix(torch.tensor([[0, 2], [2, 1]]), torch.tensor([[0, 2], [1, 1]]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert int(cm.sum()) == 4
