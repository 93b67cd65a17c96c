"""Detection and segmentation metrics: COCO mAP (vectorised), mean IoU and Dice.

:func:`mean_average_precision` reproduces ``pycocotools`` ``COCOeval`` for boxes
(``maxDets=100``, area "all") to floating-point precision, but works on torchvision-style
lists of dicts and matches every image, class and IoU threshold at once with numpy
instead of one Python loop per (image, class). :func:`coco_eval` runs the reference itself on
the same lists; ``tests/test_vision_metrics.py`` checks that the two agree and
``benchmarks/map_speed.py`` times both.

>>> import torch
>>> gt = [{"boxes": torch.tensor([[0., 0., 10., 10.]]), "labels": torch.tensor([1])}]
>>> pred = [{"boxes": torch.tensor([[0., 0., 10., 9.]]), "scores": torch.tensor([0.9]), "labels": torch.tensor([1])}]
>>> r = mean_average_precision(pred, gt)
>>> round(r["map50"], 4), round(r["map"], 4)
(1.0, 0.9)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["mean_average_precision", "coco_eval", "mean_iou", "dice", "confusion_matrix", "COCO_IOU_THRESHOLDS"]

# Exactly the arrays COCOeval uses, so threshold comparisons agree bit for bit.
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


def _flatten(items: Sequence[Mapping[str, Any]], with_scores: bool) -> tuple[np.ndarray, ...]:
    """Concatenate per-image dicts into flat arrays: image index, label, score, box (float64)."""
    image, label, score, box = [], [], [], []
    for i, item in enumerate(items):
        b = torch.as_tensor(item["boxes"]).detach().cpu().reshape(-1, 4).double().numpy()
        image.append(np.full(len(b), i, dtype=np.int64))
        label.append(torch.as_tensor(item["labels"]).detach().cpu().reshape(-1).long().numpy())
        box.append(b)
        if with_scores:
            score.append(torch.as_tensor(item["scores"]).detach().cpu().reshape(-1).double().numpy())
        elif "iscrowd" in item and bool(torch.as_tensor(item["iscrowd"]).any()):
            raise ValueError("crowd annotations (iscrowd=1) are not supported; drop them or use pycocotools")
    cat = lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt)  # noqa: E731
    boxes = np.concatenate(box) if box else np.zeros((0, 4))
    return cat(image, np.int64), cat(label, np.int64), cat(score, np.float64) if with_scores else None, boxes


def _box_iou_coco(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU of XYXY boxes (..., D, 4) x (..., G, 4) -> (..., D, G), computed the way pycocotools'
    C code does (from x, y, w, h) so that values match to the last bit."""
    dw, dh = dt[..., 2] - dt[..., 0], dt[..., 3] - dt[..., 1]  # (..., D)
    gw, gh = gt[..., 2] - gt[..., 0], gt[..., 3] - gt[..., 1]  # (..., G)
    dx, dy, gx, gy = dt[..., 0], dt[..., 1], gt[..., 0], gt[..., 1]
    w = np.minimum((dw + dx)[..., :, None], (gw + gx)[..., None, :]) - np.maximum(dx[..., :, None], gx[..., None, :])
    h = np.minimum((dh + dy)[..., :, None], (gh + gy)[..., None, :]) - np.maximum(dy[..., :, None], gy[..., None, :])
    inter = w * h
    union = (dw * dh)[..., :, None] + (gw * gh)[..., None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    return np.where((w > 0) & (h > 0), iou, 0.0)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element inside its run of equal, already-sorted group ids."""
    if len(groups) == 0:
        return groups
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


def mean_average_precision(
    predictions: Sequence[Mapping[str, Any]],
    targets: Sequence[Mapping[str, Any]],
    iou_thresholds: Sequence[float] | None = None,
    max_detections: int = 100,
) -> dict[str, Any]:
    """COCO-style box mAP for torchvision-format predictions (``boxes`` XYXY, ``scores``,
    ``labels``) and targets (``boxes``, ``labels``), one dict per image.

    Returns ``map`` (mean over ``iou_thresholds``, default 0.50:0.05:0.95), ``map50`` and
    ``map75`` (when those thresholds are used), ``mar_100`` (recall), ``ap_per_class``
    ``{label: AP}`` and ``classes``. As in COCOeval, a class counts only if it has ground
    truth, and an undefined value (no ground truth at all) is -1.
    """
    if len(predictions) != len(targets):
        raise ValueError(f"got {len(predictions)} prediction dicts but {len(targets)} target dicts; need one per image")
    thresholds = COCO_IOU_THRESHOLDS if iou_thresholds is None else np.asarray(iou_thresholds, dtype=np.float64)
    T = len(thresholds)
    d_img, d_lab, d_score, d_box = _flatten(predictions, with_scores=True)
    g_img, g_lab, _, g_box = _flatten(targets, with_scores=False)
    classes = np.unique(g_lab)  # COCOeval skips classes without ground truth
    n_classes = max(int(classes.max()) + 1 if len(classes) else 0, int(d_lab.max()) + 1 if len(d_lab) else 0)

    # Only detections of classes with ground truth can matter; drop the rest early.
    keep = np.isin(d_lab, classes)
    d_img, d_lab, d_score, d_box = d_img[keep], d_lab[keep], d_score[keep], d_box[keep]
    d_order = np.arange(len(d_img))  # insertion order breaks score ties, as in COCOeval

    # (image, class) pair id of every box; detections sorted by pair, then score, then order.
    d_pair, g_pair = d_img * n_classes + d_lab, g_img * n_classes + g_lab
    pairs, pair_index = np.unique(np.r_[d_pair, g_pair], return_inverse=True)
    P = len(pairs)
    dp, gp = pair_index[: len(d_pair)], pair_index[len(d_pair):]
    d_sort = np.lexsort((d_order, -d_score, dp))
    d_rank = _rank_within(dp[d_sort])
    d_sort, d_rank = d_sort[d_rank < max_detections], d_rank[d_rank < max_detections]  # top-k per pair
    g_sort = np.argsort(gp, kind="stable")
    g_rank = _rank_within(gp[g_sort])
    D = int(d_rank.max()) + 1 if len(d_rank) else 0
    G = int(g_rank.max()) + 1 if len(g_rank) else 0

    # Padded per-pair boxes: (P, D, 4) and (P, G, 4); padding gets IoU -1 so it never matches.
    dt = np.zeros((P, D, 4))
    gt = np.zeros((P, G, 4))
    d_valid = np.zeros((P, D), dtype=bool)
    g_valid = np.zeros((P, G), dtype=bool)
    dt[dp[d_sort], d_rank], d_valid[dp[d_sort], d_rank] = d_box[d_sort], True
    gt[gp[g_sort], g_rank], g_valid[gp[g_sort], g_rank] = g_box[g_sort], True
    ious = np.where(d_valid[:, :, None] & g_valid[:, None, :], _box_iou_coco(dt, gt), -1.0)  # (P, D, G)

    # Greedy matching in score order, all pairs and thresholds at once: each detection takes the
    # unmatched ground truth with the highest IoU >= threshold (the last one on ties, like COCOeval).
    bar = np.minimum(thresholds, 1 - 1e-10)[None, :, None]  # (1, T, 1)
    g_taken = np.zeros((P, T, G), dtype=bool)
    d_hit = np.zeros((P, T, D), dtype=bool)
    rows = np.arange(P)[:, None]
    cols = np.arange(T)[None, :]
    for d in range(D):
        iou_d = ious[:, d, None, :]  # (P, 1, G)
        ok = (iou_d >= bar) & ~g_taken  # (P, T, G)
        best = G - 1 - np.argmax(np.where(ok, iou_d, -np.inf)[..., ::-1], axis=-1)  # (P, T), last max
        hit = ok.any(-1)
        d_hit[:, :, d] = hit
        g_taken[rows, cols, best] |= hit

    # Per class: rank all its detections (score, then image, then order) and integrate precision.
    hits = d_hit[dp[d_sort], :, d_rank]  # (N, T) for every kept detection
    # COCOeval ignores unmatched detections whose area falls outside the range [0, 1e10]: an
    # inverted box (x2 < x1) has negative area, so it is neither a true nor a false positive.
    area = (d_box[d_sort, 2] - d_box[d_sort, 0]) * (d_box[d_sort, 3] - d_box[d_sort, 1])
    counted = hits | ((area >= 0) & (area <= 1e10))[:, None]  # (N, T)
    k_of = d_lab[d_sort]
    precision = -np.ones((T, len(RECALL_THRESHOLDS), len(classes)))
    recall = -np.ones((T, len(classes)))
    n_gt = np.bincount(g_lab, minlength=n_classes)
    for k, c in enumerate(classes):
        sel = np.flatnonzero(k_of == c)
        sel = sel[np.lexsort((d_order[d_sort][sel], d_img[d_sort][sel], -d_score[d_sort][sel]))]
        tp = np.cumsum(hits[sel].T, axis=1).astype(float)  # (T, n)
        fp = np.cumsum((~hits[sel] & counted[sel]).T, axis=1).astype(float)
        rc = tp / n_gt[c]
        pr = tp / (fp + tp + np.spacing(1))
        pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]  # precision envelope
        recall[:, k] = rc[:, -1] if len(sel) else 0.0
        for t in range(T):
            idx = np.searchsorted(rc[t], RECALL_THRESHOLDS, side="left")
            padded = np.r_[pr[t], 0.0]  # recall levels never reached get precision 0
            precision[t, :, k] = padded[np.minimum(idx, len(sel))]

    def mean_valid(a: np.ndarray) -> float:
        return float(a[a > -1].mean()) if (a > -1).any() else -1.0

    result: dict[str, Any] = {"map": mean_valid(precision), "mar_100": mean_valid(recall)}
    for name, value in (("map50", 0.5), ("map75", 0.75)):
        where = np.flatnonzero(np.isclose(thresholds, value))
        if len(where):
            result[name] = mean_valid(precision[where[0]])
    result["ap_per_class"] = {int(c): mean_valid(precision[:, :, k]) for k, c in enumerate(classes)}
    result["classes"] = [int(c) for c in classes]
    return result


def coco_eval(preds: Sequence[Mapping[str, Any]], targets: Sequence[Mapping[str, Any]], num_classes: int):
    """The reference: pycocotools ``COCOeval`` (bbox) on torchvision-style lists, after
    ``evaluate``, ``accumulate`` and ``summarize`` (its printout silenced). ``.stats`` holds the
    12 summary numbers (``stats[0]`` mAP, ``stats[1]`` mAP@0.5, ...); labels are 1..num_classes.
    Conversion to COCO's format is included, as a user of pycocotools would pay it.
    """
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(box: list[float]) -> list[float]:
        return [box[0], box[1], box[2] - box[0], box[3] - box[1]]

    anns, dets = [], []
    for i, t in enumerate(targets):
        for box, label in zip(t["boxes"].tolist(), t["labels"].tolist(), strict=True):
            b = xywh(box)
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": label, "bbox": b,
                         "area": b[2] * b[3], "iscrowd": 0})
    for i, p in enumerate(preds):
        for box, score, label in zip(p["boxes"].tolist(), p["scores"].tolist(), p["labels"].tolist(), strict=True):
            dets.append({"image_id": i, "category_id": label, "bbox": xywh(box), "score": score})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": [{"id": i} for i in range(len(targets))], "annotations": anns,
                      "categories": [{"id": c} for c in range(1, num_classes + 1)]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets) if dets else COCO(), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def confusion_matrix(pred_mask: torch.Tensor, true_mask: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(num_classes, num_classes) pixel counts, rows the true class, columns the predicted one.

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2).tolist()
    [[1, 1], [0, 1]]
    """
    pred, true = pred_mask.reshape(-1).long(), true_mask.reshape(-1).long()
    return torch.bincount(true * num_classes + pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def _per_class(pred_mask: torch.Tensor, true_mask: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, ...]:
    cm = confusion_matrix(pred_mask, true_mask, num_classes).double()
    inter = cm.diag()  # (C,)
    return inter, cm.sum(0), cm.sum(1)  # intersection, predicted pixels, true pixels


def mean_iou(pred_mask: torch.Tensor, true_mask: torch.Tensor, num_classes: int, *,
             per_class: bool = False, include_background: bool = True) -> torch.Tensor:
    """Intersection over union per class, pooled over all pixels given, averaged over the
    classes present in the prediction or the truth (absent classes are NaN per class).

    Pass a whole test set at once: pooling is what "dataset mIoU" means in papers.

    >>> p = torch.tensor([[0, 1], [1, 1]]); t = torch.tensor([[0, 1], [0, 1]])
    >>> round(float(mean_iou(p, t, 2)), 4)  # class 0: 1/2, class 1: 2/3
    0.5833
    """
    inter, predicted, true = _per_class(pred_mask, true_mask, num_classes)
    union = predicted + true - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.full_like(union, float("nan")))
    if not include_background:
        iou = iou[1:]
    return iou.float() if per_class else iou.nanmean().float()


def dice(pred_mask: torch.Tensor, true_mask: torch.Tensor, num_classes: int, *,
         per_class: bool = False, include_background: bool = True) -> torch.Tensor:
    """Dice (F1 of pixels) per class, 2|P∩T| / (|P| + |T|), pooled over all pixels and
    averaged over classes present in the prediction or the truth.

    >>> p = torch.tensor([[0, 1], [1, 1]]); t = torch.tensor([[0, 1], [0, 1]])
    >>> round(float(dice(p, t, 2)), 4)  # class 0: 2/3, class 1: 4/5
    0.7333
    """
    inter, predicted, true = _per_class(pred_mask, true_mask, num_classes)
    total = predicted + true
    score = torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.full_like(total, float("nan")))
    if not include_background:
        score = score[1:]
    return score.float() if per_class else score.nanmean().float()
