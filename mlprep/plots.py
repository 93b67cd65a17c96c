"""Pictures people would rather look at than read: learning curves, confusion matrices,
image grids with labels, boxes and masks (drawn with torchvision.utils).

>>> import torch
>>> fig = image_grid(torch.rand(4, 3, 16, 16), titles=["a", "b", "c", "d"], ncols=2)
>>> len(fig.axes)
4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mlprep.train import History

__all__ = ["plot_history", "plot_confusion_matrix", "image_grid", "draw"]

# A fixed palette so a class has the same colour in every figure.
PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
           "#bcf60c", "#fabebe", "#008080", "#e6beff"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: History, ax=None, smooth: int = 20) -> Figure:
    """Training loss per step (moving average over ``smooth`` steps) and per-epoch
    validation loss; other per-epoch metrics on a second axis."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    else:
        fig = ax.figure
    steps = np.asarray(history.steps, dtype=float)
    if steps.size:
        k = max(1, min(smooth, steps.size))
        avg = np.convolve(steps, np.ones(k) / k, mode="valid")
        ax.plot(np.arange(k, steps.size + 1), avg, label="train loss", color="C0")
    ends = [e["step"] for e in history.epochs]
    if history["val_loss"]:
        ax.plot(ends, history["val_loss"], "o-", label="val loss", color="C1")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    extra = sorted({k for e in history.epochs for k in e} - {"epoch", "step", "train_loss", "val_loss", "seconds"})
    if extra:
        ax2 = ax.twinx()
        for i, key in enumerate(extra):
            ax2.plot([e["step"] for e in history.epochs if key in e], history[key], "s--", color=f"C{i + 2}", label=key)
        ax2.set_ylabel("metric")
        ax2.legend(loc="center right")
    ax.legend(loc="upper right")
    ax.set_title("learning curves")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true: Sequence[int] | torch.Tensor, y_pred: Sequence[int] | torch.Tensor,
                          class_names: Sequence[str], ax=None, normalize: bool = True) -> Figure:
    """A confusion matrix (rows: true class) with counts or row-normalised rates."""
    from sklearn.metrics import confusion_matrix

    plt = _plt()
    cm = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), labels=list(range(len(class_names))))
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    if ax is None:
        size = 1.0 + 0.55 * len(class_names)
        fig, ax = plt.subplots(figsize=(size + 1, size))
    else:
        fig = ax.figure
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            text = f"{shown[i, j]:.2f}" if normalize else str(cm[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > shown.max() / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def draw(image: torch.Tensor, boxes: torch.Tensor | None = None, labels: Sequence[str] | None = None,
         masks: torch.Tensor | None = None, colors: Sequence[str] | None = None, alpha: float = 0.45,
         width: int = 1) -> torch.Tensor:
    """An image (3, H, W), float in [0, 1] or uint8, with masks (K, H, W) or a label map
    (H, W) overlaid and boxes (K, 4) XYXY drawn; returns uint8 (3, H, W)."""
    from torchvision.utils import draw_bounding_boxes, draw_segmentation_masks

    img = image.detach().cpu()
    if img.dtype != torch.uint8:
        img = (img.clamp(0, 1) * 255).round().to(torch.uint8)
    if img.shape[0] == 1:
        img = img.expand(3, -1, -1)
    if masks is not None:
        masks = masks.detach().cpu()
        if masks.dim() == 2:  # a label map: one mask per non-background class present
            present = [int(c) for c in masks.unique() if c != 0]
            colors_m = [PALETTE[(c - 1) % len(PALETTE)] for c in present]
            masks = torch.stack([masks == c for c in present]) if present else None
        else:
            masks = masks.bool()
            colors_m = list(colors) if colors else [PALETTE[i % len(PALETTE)] for i in range(len(masks))]
        if masks is not None and len(masks):
            img = draw_segmentation_masks(img, masks, alpha=alpha, colors=colors_m)
    if boxes is not None and len(boxes):
        box_colors = list(colors) if colors else [PALETTE[i % len(PALETTE)] for i in range(len(boxes))]
        img = draw_bounding_boxes(img, boxes.detach().cpu().float(), labels=list(labels) if labels else None,
                                  colors=box_colors, width=width)
    return img


def image_grid(images: torch.Tensor | Sequence[torch.Tensor], titles: Sequence[str] | None = None,
               boxes: Sequence[torch.Tensor] | None = None, labels: Sequence[Sequence[str]] | None = None,
               masks: Sequence[torch.Tensor] | None = None, ncols: int = 8, size: float = 1.6,
               title_colors: Sequence[Any] | None = None, suptitle: str | None = None) -> Figure:
    """A grid of images, each optionally with a title, boxes (+ box labels) and masks.

    ``title_colors`` colours each title (e.g. green for right, red for wrong predictions).
    """
    plt = _plt()
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = max(1, (n + ncols - 1) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            fig.delaxes(ax)
            continue
        img = draw(images[i], boxes=None if boxes is None else boxes[i],
                   labels=None if labels is None else labels[i], masks=None if masks is None else masks[i])
        ax.imshow(img.permute(1, 2, 0).numpy(), interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, color="black" if title_colors is None else title_colors[i])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
