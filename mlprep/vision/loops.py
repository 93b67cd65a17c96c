"""Training plumbing shared by the dense-prediction models (U-Net, YOLOv1, Faster R-CNN of
notebooks 03, 04, 05): their one-cycle schedule, channels-last layout, random horizontal flips
(every shape class is symmetric under a flip, so labels stay valid), ``shapes-detect`` as
tensors, and batch-1 inference speed. Each model's own ``train_*`` and ``predict_*`` live with
the model (:mod:`mlprep.vision.unet`, :mod:`mlprep.vision.yolo`, :mod:`mlprep.vision.frcnn`).

>>> import torch
>>> round(images_per_second(lambda x: x * 2, torch.rand(4, 3, 8, 8), seconds=0.01)) > 0
True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import torch

from mlprep import schedules

__all__ = ["one_cycle", "channels_last", "flip_half", "detection_samples", "images_per_second"]


def one_cycle(max_lr: float, total_steps: int) -> Callable[[torch.optim.Optimizer], Any]:
    """The dense models' schedule: :func:`mlprep.schedules.one_cycle` warming up for 20% of the steps."""
    return schedules.one_cycle(max_lr, total_steps, pct_start=0.2)


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """NHWC layout: oneDNN's convolutions run about 1.3-1.8x faster with it on a CPU."""
    return x.contiguous(memory_format=torch.channels_last)


def flip_half(x: torch.Tensor) -> torch.Tensor:
    """Which rows of a batch to flip: a random half."""
    return torch.rand(x.shape[0], device=x.device) < 0.5


def detection_samples(dataset) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
    """A ``shapes-detect`` split as images (N, 3, H, W) float and targets with boxes and labels only."""
    images = dataset.images.float().div_(255)
    targets = []
    for i in range(len(dataset)):
        labels, boxes = dataset.objects(i)
        targets.append({"boxes": boxes.clone(), "labels": labels + 1})
    return images, targets


@torch.no_grad()
def images_per_second(predict: Callable[[torch.Tensor], Any] | Mapping[str, Callable[[torch.Tensor], Any]],
                      images: torch.Tensor, seconds: float = 2.0) -> float | dict[str, float]:
    """Batch-1 inference throughput: ``predict`` on one image at a time for ``seconds`` (at least 5
    calls each), 1 / the median call time. The median, not the mean: a moment when another process
    holds the core does not count.

    Given several predictors by name, they are timed in one loop, call by call in turn on the same
    images, and a dict of rates comes back: load that comes and goes falls on all of them alike, so
    their ratio holds even on a busy machine (timed a minute apart, it did not).
    """
    named = dict(predict) if isinstance(predict, Mapping) else {"": predict}
    for fn in named.values():
        fn(images[:1])  # warm-up (first-call allocations)
    times: dict[str, list[float]] = {name: [] for name in named}
    start, i = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or i < 5:
        image = images[i % len(images)][None]
        for name, fn in named.items():
            t = time.perf_counter()
            fn(image)
            times[name].append(time.perf_counter() - t)
        i += 1
    rates = {name: 1.0 / statistics.median(ts) for name, ts in times.items()}
    return rates if isinstance(predict, Mapping) else rates[""]
