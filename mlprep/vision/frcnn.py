"""Faster R-CNN (Ren et al., 2015) from torchvision with a backbone small enough for a CPU.

torchvision's ``FasterRCNN`` is the real two-stage detector: a region proposal network
(RPN) scores anchors on a feature map and regresses them into proposals, RoIAlign crops
each proposal's features, and a box head classifies and refines them. Here the backbone is
a four-block CNN trained from scratch (no downloaded weights) with one stride-4 feature
map, and the anchors are sized for small images, so images are never resized.

>>> import torch
>>> model = small_faster_rcnn(num_classes=7, image_size=64, width=8).eval()
>>> out = model([torch.rand(3, 64, 64)])
>>> sorted(out[0])
['boxes', 'labels', 'scores']
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.ops import MultiScaleRoIAlign

__all__ = ["small_backbone", "small_faster_rcnn"]


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
                      representation_size: int = 256, sampling_ratio: int = 1, **kwargs) -> FasterRCNN:
    """A FasterRCNN whose anchors, proposal counts and heads suit ``image_size`` pixel images
    holding a few objects. ``num_classes`` includes the background (class 0). Extra
    ``kwargs`` go to ``FasterRCNN`` (e.g. ``rpn_post_nms_top_n_test``).

    On a CPU, RoIAlign's backward pass dominates training time; one sample per bin
    (``sampling_ratio=1``) and 32 sampled RoIs per image instead of 512 halve a step."""
    backbone = small_backbone(width)
    anchors = AnchorGenerator(sizes=(tuple(anchor_sizes),), aspect_ratios=(tuple(aspect_ratios),))
    roi_pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=sampling_ratio)
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
