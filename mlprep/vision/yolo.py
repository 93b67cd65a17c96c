"""A YOLOv1-style detector (Redmon et al., 2016) small enough to train on a CPU.

The image is divided into an S x S grid. Each cell predicts B boxes (x, y offsets inside
the cell, square roots of width and height relative to the image, a confidence) and one
set of class probabilities. Unlike the paper's fully connected head, the head here is a
1x1 convolution over a stride-``size/S`` feature map (fewer weights, same outputs).

>>> import torch
>>> net = YOLOv1(num_classes=6, grid=8, boxes_per_cell=2, width=8)
>>> tuple(net(torch.rand(2, 3, 64, 64)).shape)  # (N, S, S, B * 5 + C)
(2, 8, 8, 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision.ops import batched_nms

from mlprep.train import Compute, History, Optim, fit
from mlprep.vision.loops import channels_last, flip_half, one_cycle

__all__ = ["YOLOv1", "encode_targets", "yolo_loss", "decode", "cell_boxes_to_xyxy", "train_yolo", "predict_yolo"]


def _conv(c_in: int, c_out: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out),
                         nn.LeakyReLU(0.1, inplace=True))


class YOLOv1(nn.Module):
    """Backbone of conv blocks with max-pooling down to ``grid`` x ``grid``, then a 1x1 head.

    Outputs raw values (N, S, S, B * 5 + C); :func:`yolo_loss` and :func:`decode` apply the
    sigmoids and softmax.
    """

    def __init__(self, num_classes: int, grid: int = 8, boxes_per_cell: int = 2, width: int = 16,
                 image_size: int = 64) -> None:
        super().__init__()
        self.num_classes, self.grid, self.boxes_per_cell, self.image_size = num_classes, grid, boxes_per_cell, image_size
        n_pools = (image_size // grid).bit_length() - 1  # e.g. 64 -> 8 needs 3 poolings
        if grid * 2**n_pools != image_size:
            raise ValueError(f"image_size {image_size} must be grid {grid} times a power of two")
        layers, c = [_conv(3, width)], width
        for _ in range(n_pools):
            layers += [nn.MaxPool2d(2), _conv(c, 2 * c), _conv(2 * c, 2 * c)]
            c *= 2
        layers += [_conv(c, 2 * c), _conv(2 * c, 2 * c)]  # wider context at the grid resolution
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(2 * c, boxes_per_cell * 5 + num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.head(self.features(x))  # (N, B*5+C, S, S)
        return out.permute(0, 2, 3, 1)  # (N, S, S, B*5+C)


def encode_targets(targets: Sequence[dict], grid: int, image_size: int) -> tuple[torch.Tensor, ...]:
    """torchvision targets -> grid tensors: ``has_obj`` (N, S, S) bool, ``box`` (N, S, S, 4)
    as (x offset in cell, y offset, sqrt w, sqrt h), ``cls`` (N, S, S) 0-based class.

    The cell containing a box centre is responsible for it; if two centres share a cell,
    the larger box wins (YOLOv1 can report one object per cell: a known limitation).
    """
    n = len(targets)
    has_obj = torch.zeros(n, grid, grid, dtype=torch.bool)
    box = torch.zeros(n, grid, grid, 4)
    cls = torch.zeros(n, grid, grid, dtype=torch.long)
    cell = image_size / grid
    for i, t in enumerate(targets):
        b, labels = t["boxes"].float(), t["labels"]
        order = ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])).argsort()  # small first, so large overwrite
        for k in order.tolist():
            x1, y1, x2, y2 = b[k].tolist()
            cx, cy = (x1 + x2) / 2 / cell, (y1 + y2) / 2 / cell  # in cell units
            col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
            has_obj[i, row, col] = True
            box[i, row, col] = torch.tensor([cx - col, cy - row, ((x2 - x1) / image_size) ** 0.5,
                                             ((y2 - y1) / image_size) ** 0.5])
            cls[i, row, col] = int(labels[k]) - 1  # torchvision labels are 1-based
    return has_obj, box, cls


def _split(pred: torch.Tensor, boxes_per_cell: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Raw (N, S, S, B*5+C) -> boxes (N, S, S, B, 4) in (x, y, sqrt w, sqrt h) and confidences
    (N, S, S, B), both in [0, 1], and class logits (N, S, S, C)."""
    n, s = pred.shape[0], pred.shape[1]
    raw = pred[..., : boxes_per_cell * 5].reshape(n, s, s, boxes_per_cell, 5).sigmoid()
    return raw[..., :4], raw[..., 4], pred[..., boxes_per_cell * 5:]


def cell_boxes_to_xyxy(box: torch.Tensor, image_size: int) -> torch.Tensor:
    """(..., S, S, [B,] 4) (x offset, y offset, sqrt w, sqrt h) -> XYXY pixels, same shape."""
    squeeze = box.dim() == 4
    if squeeze:
        box = box.unsqueeze(-2)  # (N, S, S, 1, 4)
    s = box.shape[-3]
    cell = image_size / s
    rows = torch.arange(s, dtype=box.dtype, device=box.device).view(s, 1, 1)
    cols = torch.arange(s, dtype=box.dtype, device=box.device).view(1, s, 1)
    cx, cy = (box[..., 0] + cols) * cell, (box[..., 1] + rows) * cell
    w, h = box[..., 2] ** 2 * image_size, box[..., 3] ** 2 * image_size
    out = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    return out.squeeze(-2) if squeeze else out


def yolo_loss(pred: torch.Tensor, has_obj: torch.Tensor, box: torch.Tensor, cls: torch.Tensor, *,
              boxes_per_cell: int = 2, image_size: int = 64, lambda_coord: float = 5.0,
              lambda_noobj: float = 0.5) -> torch.Tensor:
    """The YOLOv1 sum-squared loss, divided by the batch size.

    In each cell with an object, the predictor whose box overlaps the truth most is
    "responsible": its coordinates (with square-rooted w and h, so an error on a small box
    costs more) are pulled to the truth and its confidence to that IoU. All other
    predictors' confidences go to 0, down-weighted by ``lambda_noobj`` because most cells
    are empty. Class probabilities are regressed in cells with objects.
    """
    p_box, p_conf, p_cls = _split(pred, boxes_per_cell)  # (N,S,S,B,4), (N,S,S,B), (N,S,S,C)
    with torch.no_grad():
        p_xyxy = cell_boxes_to_xyxy(p_box, image_size)  # (N, S, S, B, 4)
        t_xyxy = cell_boxes_to_xyxy(box, image_size)  # (N, S, S, 4)
        ious = _paired_iou(p_xyxy, t_xyxy.unsqueeze(-2))  # (N, S, S, B)
        best = ious.argmax(-1, keepdim=True)  # (N, S, S, 1)
        responsible = torch.zeros_like(p_conf, dtype=torch.bool).scatter_(-1, best, True) & has_obj.unsqueeze(-1)
    coord = ((p_box - box.unsqueeze(-2)) ** 2).sum(-1)[responsible].sum()
    obj = ((p_conf - ious) ** 2)[responsible].sum()
    noobj = (p_conf**2)[~responsible].sum()
    onehot = F.one_hot(cls, p_cls.shape[-1]).to(p_cls.dtype)
    class_err = ((p_cls.softmax(-1) - onehot) ** 2).sum(-1)[has_obj].sum()
    return (lambda_coord * coord + obj + lambda_noobj * noobj + class_err) / pred.shape[0]


def _paired_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of broadcast XYXY boxes (..., 4) x (..., 4) -> (...)."""
    wh = (torch.minimum(a[..., 2:], b[..., 2:]) - torch.maximum(a[..., :2], b[..., :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: (x[..., 2] - x[..., 0]).clamp(min=0) * (x[..., 3] - x[..., 1]).clamp(min=0)  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp(min=1e-9)


@torch.no_grad()
def decode(pred: torch.Tensor, *, boxes_per_cell: int = 2, image_size: int = 64, score_threshold: float = 0.05,
           nms_iou: float = 0.5, max_detections: int = 100) -> list[dict[str, torch.Tensor]]:
    """Raw output -> torchvision-style detections per image (labels 1-based).

    Score = confidence x class probability (the paper's class-specific confidence); boxes
    under ``score_threshold`` are dropped, then NMS per class removes duplicates.
    """
    p_box, p_conf, p_cls = _split(pred, boxes_per_cell)
    n, s = pred.shape[:2]
    xyxy = cell_boxes_to_xyxy(p_box, image_size).clamp(0, image_size).reshape(n, -1, 4)  # (N, S*S*B, 4)
    probs, labels = p_cls.softmax(-1).max(-1)  # (N, S, S)
    scores = (p_conf * probs.unsqueeze(-1)).reshape(n, -1)  # (N, S*S*B)
    labels = labels.unsqueeze(-1).expand(-1, -1, -1, boxes_per_cell).reshape(n, -1)
    out = []
    for i in range(n):
        keep = scores[i] > score_threshold
        b, sc, lb = xyxy[i][keep], scores[i][keep], labels[i][keep]
        kept = batched_nms(b, sc, lb, nms_iou)[:max_detections]
        out.append({"boxes": b[kept], "scores": sc[kept], "labels": lb[kept] + 1})
    return out


def train_yolo(model: YOLOv1, images: torch.Tensor, targets: Sequence[dict], *, epochs: int = 10,
               batch_size: int = 32, lr: float = 2e-3, progress: bool = True, device: str | None = None) -> History:
    """Train with the YOLOv1 loss; targets are encoded onto the grid once, up front."""
    s, size, b = model.grid, model.image_size, model.boxes_per_cell
    has_obj, box, cls = encode_targets(targets, s, size)
    loader = DataLoader(TensorDataset(images, has_obj, box, cls), batch_size=batch_size, shuffle=True, drop_last=True)
    model.to(memory_format=torch.channels_last)

    def step(net: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        x, obj, bx, c = batch
        flip = flip_half(x)
        mirrored = bx.flip(2).clone()
        mirrored[..., 0] = 1 - mirrored[..., 0]  # x offset inside the (mirrored) cell
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        obj = torch.where(flip[:, None, None], obj.flip(2), obj)
        bx = torch.where(flip[:, None, None, None], mirrored, bx)
        c = torch.where(flip[:, None, None], c.flip(2), c)
        return yolo_loss(net(channels_last(x)), obj, bx, c, boxes_per_cell=b, image_size=size)

    return fit(model, loader, epochs=epochs, step_fn=step, optim=Optim(scheduler=one_cycle(lr, epochs * len(loader))),
               compute=Compute(device=device), progress=progress, desc="yolo")


@torch.no_grad()
def predict_yolo(model: YOLOv1, images: torch.Tensor, batch_size: int = 256,
                 **decode_kwargs: Any) -> list[dict[str, torch.Tensor]]:
    """Detections (torchvision format, labels 1-based) for (N, 3, H, W) images."""
    model.eval()
    dev = next(model.parameters()).device
    out: list[dict[str, torch.Tensor]] = []
    for i in range(0, len(images), batch_size):
        raw = model(channels_last(images[i:i + batch_size].to(dev))).cpu()
        out += decode(raw, boxes_per_cell=model.boxes_per_cell, image_size=model.image_size, **decode_kwargs)
    return out
