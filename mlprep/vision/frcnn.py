"""Faster R-CNN (Ren et al., 2015) from torchvision with a backbone small enough for a CPU.

torchvision's ``FasterRCNN`` is the real two-stage detector: a region proposal network
(RPN) scores anchors on a feature map and regresses them into proposals, RoIAlign crops
each proposal's features, and a box head classifies and refines them. Here the backbone is
a four-block CNN trained from scratch (no downloaded weights) with one stride-4 feature
map, and the anchors are sized for small images, so images are never resized.

RoIAlign (He et al., 2017, Mask R-CNN section 3) samples each proposal's bins by bilinear
interpolation. Along one axis the samples of all bins are a fixed linear map of the feature
row, so for an axis-aligned box the whole crop is two small matrix products,
``Wy @ F @ Wx.T`` (:class:`MatmulRoIAlign`): equal to ``torchvision.ops.roi_align`` forward and
backward, and on a CPU about 2.5x faster forward and backward than its scalar kernels (a
Faster R-CNN training step 1.6x).

>>> import torch
>>> model = small_faster_rcnn(num_classes=7, image_size=64, width=8).eval()
>>> out = model([torch.rand(3, 64, 64)])
>>> sorted(out[0])
['boxes', 'labels', 'scores']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.ops import MultiScaleRoIAlign

from mlprep.train import Compute, History, Optim, fit
from mlprep.vision.loops import one_cycle

__all__ = ["MatmulRoIAlign", "bilinear_weights", "matmul_roi_align", "small_backbone", "small_faster_rcnn",
           "train_frcnn", "predict_frcnn"]


def bilinear_weights(start: torch.Tensor, length: torch.Tensor, size: int, bins: int, sampling_ratio: int) -> torch.Tensor:
    """(R,) box starts and lengths on one axis, in feature-map pixels -> (R, bins, size): the
    weights with which each bin averages the feature row, ``sampling_ratio`` bilinear samples per
    bin. The edge rules are torchvision's ``roi_align`` (aligned=False): a sample more than a pixel
    outside the map is 0, one just outside is clamped to the border."""
    step = length / bins
    k = torch.arange(bins * sampling_ratio, dtype=start.dtype, device=start.device)
    offsets = k.div(sampling_ratio, rounding_mode="floor") + (k.remainder(sampling_ratio) + 0.5) / sampling_ratio
    p = start[:, None] + offsets[None] * step[:, None]  # (R, bins * ratio) sample positions
    inside = ((p >= -1.0) & (p <= size)).to(start.dtype)
    p = p.clamp(min=0.0)
    low = p.floor().clamp(max=size - 1)
    p = torch.where(low >= size - 1, low, p)
    frac = p - low
    high = (low + 1).clamp(max=size - 1)
    w = torch.zeros(*p.shape, size, dtype=start.dtype, device=start.device)
    w.scatter_add_(2, low.long()[..., None], ((1 - frac) * inside)[..., None])
    w.scatter_add_(2, high.long()[..., None], (frac * inside)[..., None])
    return w.view(len(start), bins, sampling_ratio, size).mean(2)


def matmul_roi_align(features: torch.Tensor, boxes: Sequence[torch.Tensor], output_size: int = 7,
                     spatial_scale: float = 1.0, sampling_ratio: int = 1) -> torch.Tensor:
    """``torchvision.ops.roi_align(features, boxes, output_size, spatial_scale, sampling_ratio,
    aligned=False)`` as two batched matrix products: (N, C, H, W) features and one (R_i, 4)
    box tensor per image -> (sum R_i, C, output_size, output_size)."""
    if sampling_ratio < 1:
        raise ValueError(f"sampling_ratio must be >= 1 (adaptive sampling is not supported), got {sampling_ratio}")
    n, c, h, w = features.shape
    counts = [len(b) for b in boxes]
    r, out = max(counts, default=0), output_size
    if r == 0:
        return features.new_zeros(0, c, out, out)
    x1, y1, x2, y2 = (torch.cat(list(boxes)).to(features.dtype) * spatial_scale).unbind(1)
    wx = bilinear_weights(x1, (x2 - x1).clamp(min=1.0), w, out, sampling_ratio)  # (sum R, out, W)
    wy = bilinear_weights(y1, (y2 - y1).clamp(min=1.0), h, out, sampling_ratio)  # (sum R, out, H)
    ragged = any(k != r for k in counts)
    if ragged:  # pad every image to r boxes with zero weights
        image = torch.repeat_interleave(torch.arange(n, device=features.device), torch.tensor(counts, device=features.device))
        slot = torch.cat([torch.arange(k, device=features.device) for k in counts])
        wx = features.new_zeros(n, r, out, w).index_put_((image, slot), wx)
        wy = features.new_zeros(n, r, out, h).index_put_((image, slot), wy)
    rows = torch.bmm(wy.reshape(n, r * out, h), features.permute(0, 2, 1, 3).reshape(n, h, c * w))  # (N, r*out, C*W)
    crops = torch.bmm(rows.view(n * r, out * c, w), wx.reshape(n * r, out, w).transpose(1, 2))  # (N*r, out*C, out)
    crops = crops.view(n, r, out, c, out).permute(0, 1, 3, 2, 4)  # (N, r, C, out, out)
    return crops[image, slot] if ragged else crops.reshape(n * r, c, out, out)


class MatmulRoIAlign(MultiScaleRoIAlign):
    """Drop-in for ``MultiScaleRoIAlign(featmap_names=[name], ...)`` with one feature map (a
    subclass, as ``FasterRCNN`` asks): the same scale inference (the nearest power of two of
    feature size / image size) and output. Only when gradients flow: at inference torchvision's
    kernel, whose forward pass is fast, does the work."""

    def __init__(self, featmap_name: str = "0", output_size: int = 7, sampling_ratio: int = 1):
        super().__init__(featmap_names=[featmap_name], output_size=output_size, sampling_ratio=sampling_ratio)
        self.featmap_name, self.sampling_ratio = featmap_name, sampling_ratio

    def forward(self, features: dict[str, torch.Tensor], proposals: list[torch.Tensor],
                image_shapes: list[tuple[int, int]]) -> torch.Tensor:
        x = features[self.featmap_name]
        if not (torch.is_grad_enabled() and x.requires_grad):  # inference: torchvision's forward kernel is the faster one
            return super().forward(features, proposals, image_shapes)
        original = max(s[0] for s in image_shapes), max(s[1] for s in image_shapes)
        scales = [2.0 ** round(math.log2(float(f) / float(o))) for f, o in zip(x.shape[-2:], original, strict=True)]
        return matmul_roi_align(x, proposals, int(self.output_size[0]), scales[0], self.sampling_ratio)


def _conv(c_in: int, c_out: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def small_backbone(width: int = 32) -> nn.Module:
    """(N, 3, H, W) -> (N, 4 * width, H / 4, W / 4): the ``out_channels`` FasterRCNN asks for."""
    body = nn.Sequential(
        _conv(3, width), nn.MaxPool2d(2),  # (N, w, H/2, W/2)
        _conv(width, 2 * width), nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
        _conv(2 * width, 4 * width), _conv(4 * width, 4 * width),
        _conv(4 * width, 4 * width, dilation=2), _conv(4 * width, 4 * width, dilation=4),  # see whole objects
    )
    body.out_channels = 4 * width
    return body


def small_faster_rcnn(num_classes: int, image_size: int = 64, width: int = 32,
                      anchor_sizes: Sequence[float] = (12.0, 20.0, 32.0),
                      aspect_ratios: Sequence[float] = (0.7, 1.0, 1.4),
                      representation_size: int = 256, sampling_ratio: int = 1, roi_align: str = "matmul",
                      **kwargs) -> FasterRCNN:
    """A FasterRCNN whose anchors, proposal counts and heads suit ``image_size`` pixel images
    holding a few objects. ``num_classes`` includes the background (class 0). Extra
    ``kwargs`` go to ``FasterRCNN`` (e.g. ``rpn_post_nms_top_n_test``).

    On a CPU, torchvision's RoIAlign backward pass dominated training time: ``roi_align="matmul"``
    (the default) uses :class:`MatmulRoIAlign`, the same numbers in about 40% of the time;
    ``"torchvision"`` uses ``MultiScaleRoIAlign``. One sample per bin (``sampling_ratio=1``) and
    32 sampled RoIs per image instead of 512 also halve a step."""
    backbone = small_backbone(width)
    anchors = AnchorGenerator(sizes=(tuple(anchor_sizes),), aspect_ratios=(tuple(aspect_ratios),))
    if roi_align == "matmul":
        roi_pool: MultiScaleRoIAlign = MatmulRoIAlign("0", output_size=7, sampling_ratio=sampling_ratio)
    elif roi_align == "torchvision":
        roi_pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=sampling_ratio)
    else:
        raise ValueError(f"roi_align must be 'matmul' or 'torchvision', got {roi_align!r}")
    settings = dict(
        min_size=image_size, max_size=image_size,  # no resizing: the data is already this size
        image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25],
        rpn_pre_nms_top_n_train=300, rpn_post_nms_top_n_train=100,  # few objects per image:
        rpn_pre_nms_top_n_test=150, rpn_post_nms_top_n_test=50,  # far fewer proposals than COCO's 2000
        rpn_batch_size_per_image=64, box_batch_size_per_image=32,
        box_score_thresh=0.01, box_detections_per_img=20,
    )
    settings.update(kwargs)
    return FasterRCNN(
        backbone, num_classes=None, rpn_anchor_generator=anchors, box_roi_pool=roi_pool,
        box_head=TwoMLPHead(backbone.out_channels * 7 * 7, representation_size),
        box_predictor=FastRCNNPredictor(representation_size, num_classes), **settings,
    )


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
