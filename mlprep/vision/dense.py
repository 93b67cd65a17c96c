"""Training and inference recipes for the dense-prediction notebooks (03, 04, 05).

The notebooks call these (``benchmarks/notebook_seeds.py`` reruns the notebooks with other
seeds). Each ``train_*`` wraps
:func:`mlprep.fit` with a one-cycle learning-rate schedule and random horizontal flips (all
shape classes are symmetric under a flip, so labels stay valid).

>>> import torch
>>> from mlprep.vision.unet import UNet
>>> x, y = torch.rand(8, 3, 16, 16), torch.randint(0, 3, (8, 16, 16))
>>> history = train_segmenter(UNet(3, width=4, depth=1), x, y, epochs=1, batch_size=4, progress=False)
>>> len(history.steps)
2
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mlprep import schedules
from mlprep.train import Compute, History, Optim, fit
from mlprep.vision.unet import segmentation_loss

if TYPE_CHECKING:  # imported where used: torchvision.ops costs a segmentation notebook 2 s of start-up
    from mlprep.vision import yolo as yolo_ops

__all__ = ["one_cycle", "train_segmenter", "predict_masks", "train_yolo", "predict_yolo",
           "detection_samples", "train_frcnn", "predict_frcnn", "images_per_second"]


def one_cycle(max_lr: float, total_steps: int) -> Callable[[torch.optim.Optimizer], Any]:
    """The dense tasks' schedule: :func:`mlprep.schedules.one_cycle` warming up for 20% of the steps."""
    return schedules.one_cycle(max_lr, total_steps, pct_start=0.2)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """NHWC layout: oneDNN's convolutions run about 1.3-1.8x faster with it on a CPU."""
    return x.contiguous(memory_format=torch.channels_last)


def _flip_half(x: torch.Tensor) -> torch.Tensor:
    """Which rows of a batch to flip: a random half."""
    return torch.rand(x.shape[0], device=x.device) < 0.5


def train_segmenter(model: nn.Module, images: torch.Tensor, masks: torch.Tensor, *, epochs: int = 10,
                    batch_size: int = 32, lr: float = 3e-3, progress: bool = True, device: str | None = None) -> History:
    """Cross-entropy + Dice training of a segmentation net on whole tensors (N, 3, H, W), (N, H, W)."""
    loader = DataLoader(TensorDataset(images, masks), batch_size=batch_size, shuffle=True, drop_last=True)
    model.to(memory_format=torch.channels_last)

    def step(net: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        x, y = batch
        flip = _flip_half(x)
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        y = torch.where(flip[:, None, None], y.flip(-1), y)
        return segmentation_loss(net(_channels_last(x)), y)

    return fit(model, loader, epochs=epochs, step_fn=step, optim=Optim(scheduler=one_cycle(lr, epochs * len(loader))),
               compute=Compute(device=device), progress=progress, desc="segment")


@torch.no_grad()
def predict_masks(model: nn.Module, images: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """(N, 3, H, W) -> (N, H, W) arg-max class per pixel, in eval mode."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model(_channels_last(images[i:i + batch_size].to(dev))).argmax(1).cpu()
                      for i in range(0, len(images), batch_size)])


def train_yolo(model: yolo_ops.YOLOv1, images: torch.Tensor, targets: Sequence[dict], *, epochs: int = 10,
               batch_size: int = 32, lr: float = 2e-3, progress: bool = True, device: str | None = None) -> History:
    """Train with the YOLOv1 loss; targets are encoded onto the grid once, up front."""
    from mlprep.vision import yolo as yolo_ops

    s, size, b = model.grid, model.image_size, model.boxes_per_cell
    has_obj, box, cls = yolo_ops.encode_targets(targets, s, size)
    loader = DataLoader(TensorDataset(images, has_obj, box, cls), batch_size=batch_size, shuffle=True, drop_last=True)
    model.to(memory_format=torch.channels_last)

    def step(net: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        x, obj, bx, c = batch
        flip = _flip_half(x)
        mirrored = bx.flip(2).clone()
        mirrored[..., 0] = 1 - mirrored[..., 0]  # x offset inside the (mirrored) cell
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        obj = torch.where(flip[:, None, None], obj.flip(2), obj)
        bx = torch.where(flip[:, None, None, None], mirrored, bx)
        c = torch.where(flip[:, None, None], c.flip(2), c)
        return yolo_ops.yolo_loss(net(_channels_last(x)), obj, bx, c, boxes_per_cell=b, image_size=size)

    return fit(model, loader, epochs=epochs, step_fn=step, optim=Optim(scheduler=one_cycle(lr, epochs * len(loader))),
               compute=Compute(device=device), progress=progress, desc="yolo")


@torch.no_grad()
def predict_yolo(model: yolo_ops.YOLOv1, images: torch.Tensor, batch_size: int = 256,
                 **decode_kwargs: Any) -> list[dict[str, torch.Tensor]]:
    """Detections (torchvision format, labels 1-based) for (N, 3, H, W) images."""
    from mlprep.vision import yolo as yolo_ops

    model.eval()
    dev = next(model.parameters()).device
    out: list[dict[str, torch.Tensor]] = []
    for i in range(0, len(images), batch_size):
        raw = model(_channels_last(images[i:i + batch_size].to(dev))).cpu()
        out += yolo_ops.decode(raw, boxes_per_cell=model.boxes_per_cell, image_size=model.image_size, **decode_kwargs)
    return out


def detection_samples(dataset) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
    """A ``shapes-detect`` split as images (N, 3, H, W) float and targets with boxes and labels only."""
    images = dataset.images.float().div_(255)
    targets = []
    for i in range(len(dataset)):
        labels, boxes = dataset.objects(i)
        targets.append({"boxes": boxes.clone(), "labels": labels + 1})
    return images, targets


def train_frcnn(model: nn.Module, images: torch.Tensor, targets: Sequence[dict], *, epochs: int = 10,
                batch_size: int = 16, lr: float = 2e-3, progress: bool = True, device: str | None = None) -> History:
    """Train a torchvision detection model (sum of RPN and box-head losses)."""
    width = images.shape[-1]
    loader = DataLoader(list(zip(images, targets, strict=True)), batch_size=batch_size, shuffle=True,
                        drop_last=True, collate_fn=lambda b: tuple(zip(*b, strict=True)))
    backbone = getattr(model, "backbone", None)
    if backbone is not None:
        backbone.to(memory_format=torch.channels_last)

    def step(net: nn.Module, batch: Any) -> dict[str, torch.Tensor]:
        xs, ts = batch
        xs, ts = list(xs), [dict(t) for t in ts]
        for i in (torch.rand(len(xs)) < 0.5).nonzero().flatten().tolist():
            xs[i] = xs[i].flip(-1)
            bx = ts[i]["boxes"]
            ts[i]["boxes"] = torch.stack([width - bx[:, 2], bx[:, 1], width - bx[:, 0], bx[:, 3]], 1)
        return net(xs, ts)

    return fit(model, loader, epochs=epochs, step_fn=step, optim=Optim(scheduler=one_cycle(lr, epochs * len(loader))),
               compute=Compute(device=device), progress=progress, desc="faster-rcnn")


@torch.no_grad()
def predict_frcnn(model: nn.Module, images: torch.Tensor, batch_size: int = 64) -> list[dict[str, torch.Tensor]]:
    """torchvision detection model inference, eval mode, detections on the CPU."""
    model.eval()
    dev = next(model.parameters()).device
    out: list[dict[str, torch.Tensor]] = []
    for i in range(0, len(images), batch_size):
        out += [{k: v.cpu() for k, v in d.items()} for d in model(list(images[i:i + batch_size].to(dev)))]
    return out


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
