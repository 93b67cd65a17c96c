"""Time mlprep.vision.metrics.mean_average_precision against pycocotools COCOeval.

    python benchmarks/map_speed.py [--images 500] [--repeats 3]

Prints both timings (best of ``repeats``), the speed ratio (pycocotools / mlprep, > 1 means
mlprep is faster) and the largest difference in mAP, mAP50 and mAP75.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from mlprep.vision.metrics import coco_eval, mean_average_precision


def make_case(n_images: int, n_classes: int = 6, seed: int = 0) -> tuple[list, list]:
    """A detector's typical output: ~4 objects per image, jittered hits, duplicates, false
    positives and low-score clutter (up to ~30 boxes per image)."""
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 8))
        xy = rng.uniform(0, 200, (k, 2))
        boxes = np.c_[xy, xy + rng.uniform(8, 60, (k, 2))]
        labels = rng.integers(1, n_classes + 1, k)
        targets.append({"boxes": torch.tensor(boxes, dtype=torch.float32), "labels": torch.tensor(labels)})
        p, p_labels = [], []
        for b, c in zip(boxes, labels, strict=True):
            for _ in range(int(rng.integers(0, 3))):
                p.append(b + rng.normal(0, 2, 4))
                p_labels.append(int(c) if rng.random() > 0.1 else int(rng.integers(1, n_classes + 1)))
        for _ in range(int(rng.integers(0, 20))):
            xy0 = rng.uniform(0, 200, 2)
            p.append(np.r_[xy0, xy0 + rng.uniform(8, 60, 2)])
            p_labels.append(int(rng.integers(1, n_classes + 1)))
        preds.append({"boxes": torch.tensor(np.array(p).reshape(-1, 4), dtype=torch.float32),
                      "scores": torch.rand(len(p)), "labels": torch.tensor(p_labels, dtype=torch.long)})
    return preds, targets


def best_time(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    preds, targets = make_case(args.images)
    n_dets = sum(len(p["boxes"]) for p in preds)
    t_ref, ev = best_time(lambda: coco_eval(preds, targets, 6), args.repeats)
    stats = ev.stats
    t_ours, ours = best_time(lambda: mean_average_precision(preds, targets), args.repeats)
    diff = max(abs(ours["map"] - stats[0]), abs(ours["map50"] - stats[1]), abs(ours["map75"] - stats[2]))
    print(f"{args.images} images, {n_dets} detections")
    print(f"pycocotools COCOeval: {t_ref:.3f} s   mlprep: {t_ours:.3f} s")
    print(f"speed ratio (pycocotools / mlprep): {t_ref / t_ours:.1f}x   max |difference| in mAP: {diff:.2e}")


if __name__ == "__main__":
    main()
