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

__all__ = ["plot_history", "plot_confusion_matrix", "image_grid", "draw", "overlay_boxes", "overlay_masks"]

# A fixed palette: in a label map class id k (1-based, 0 is background) is PALETTE[k - 1] in
# every figure; labelled boxes get one colour per class name within a grid.
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
    # One legend for both axes, under the plot, where it cannot cover a curve.
    handles = ax.get_legend_handles_labels()[0] + (ax2.get_legend_handles_labels()[0] if extra else [])
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=min(len(handles), 4),
              frameon=False, fontsize=8)
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
         masks: torch.Tensor | None = None, colors: Sequence[str] | None = None, alpha: float = 0.3,
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


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) or (1, H, W), float in [0, 1] or uint8 -> (H, W, 3) uint8 for imshow."""
    img = image.detach().cpu()
    if img.dtype != torch.uint8:
        img = (img.clamp(0, 1) * 255).round().to(torch.uint8)
    if img.shape[0] == 1:
        img = img.expand(3, -1, -1)
    return img.permute(1, 2, 0).numpy()


def _text_color(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _label_colors(labels: Sequence[Sequence[str] | None] | None) -> dict[str, str]:
    """A colour per class name (a label's first word), in order of first appearance: a class
    keeps one colour across the grid, and two classes in it never share one."""
    names = dict.fromkeys(str(lab).split()[0] for labs in labels or [] for lab in labs or [] if str(lab).split())
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def overlay_masks(ax, masks: torch.Tensor, alpha: float = 0.25) -> None:
    """Masks on an image already shown in ``ax``: a light fill and a solid outline per mask, so
    the shape under it stays visible. ``masks``: a label map (H, W) (0 is background) or (K, H, W)."""
    from matplotlib import patheffects
    from matplotlib.colors import to_rgba

    masks = masks.detach().cpu()
    if masks.dim() == 2:
        present = [int(c) for c in masks.unique() if c != 0]
        layers = [(masks == c, PALETTE[(c - 1) % len(PALETTE)]) for c in present]
    else:
        layers = [(m.bool(), PALETTE[i % len(PALETTE)]) for i, m in enumerate(masks)]
    for mask, color in layers:
        m = mask.numpy()
        if not m.any():
            continue
        fill = np.zeros((*m.shape, 4))
        fill[m] = to_rgba(color, alpha)
        ax.imshow(fill, interpolation="nearest")
        if m.all():
            continue
        outline = ax.contour(m.astype(float), levels=[0.5], colors=[color], linewidths=1.2)
        # a white halo keeps the outline visible on a shape of the mask's own colour
        outline.set(path_effects=[patheffects.withStroke(linewidth=2.4, foreground="white")])


def overlay_boxes(ax, boxes: torch.Tensor, labels: Sequence[str] | None = None, fontsize: float = 6.5,
                  colors: dict[str, str] | None = None) -> None:
    """Boxes (K, 4) XYXY in pixels on an image shown in ``ax``, each label on a tab of the box's
    colour at the box's top-left corner (inside the box when it touches the top edge), drawn at
    the figure's resolution, so a 64-pixel image still gets legible labels. ``colors`` maps a
    label's first word (its class) to a colour; other boxes are coloured by their index."""
    from matplotlib.patches import Rectangle

    height, width = ax.get_images()[0].get_array().shape[:2]
    points_per_pixel = ax.get_window_extent().width * 72 / ax.figure.dpi / width
    for i, box in enumerate(boxes.detach().cpu().float().tolist()):
        x1, y1, x2, y2 = box
        label = str(labels[i]) if labels is not None and i < len(labels) else None
        name = label.split()[0] if label and label.split() else ""
        color = (colors or {}).get(name) or PALETTE[i % len(PALETTE)]
        # imshow centres pixel j on j, so the pixel edge x sits at x - 0.5
        ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=1.2))
        if label:
            inside = y1 < 0.15 * height
            # a tab that would run off the right edge hangs from the box's right corner instead
            right = x1 + len(label) * 0.6 * fontsize / points_per_pixel > width
            ax.text((x2 if right else x1) - 0.5, y1 - 0.5, label, fontsize=fontsize, color=_text_color(color),
                    va="top" if inside else "bottom", ha="right" if right else "left", clip_on=True,
                    bbox=dict(facecolor=color, edgecolor="none", pad=0.6, alpha=0.85))


def image_grid(images: torch.Tensor | Sequence[torch.Tensor], titles: Sequence[str] | None = None,
               boxes: Sequence[torch.Tensor] | None = None, labels: Sequence[Sequence[str]] | None = None,
               masks: Sequence[torch.Tensor] | None = None, ncols: int = 8, size: float = 1.6,
               title_colors: Sequence[Any] | None = None, suptitle: str | None = None) -> Figure:
    """A grid of images, each optionally with a title, boxes (+ box labels) and masks.

    Boxes, labels and masks are drawn by matplotlib over the image (:func:`overlay_boxes`,
    :func:`overlay_masks`), at the figure's resolution rather than the image's pixels.
    ``title_colors`` colours each title (e.g. green for right, red for wrong predictions).
    """
    plt = _plt()
    n = len(images)
    label_colors = _label_colors(labels)
    ncols = max(1, min(ncols, n))
    nrows = max(1, (n + ncols - 1) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            fig.delaxes(ax)
            continue
        img = _to_uint8(images[i])
        ax.imshow(img, interpolation="nearest")
        if masks is not None and masks[i] is not None:
            overlay_masks(ax, masks[i])
        if boxes is not None and boxes[i] is not None and len(boxes[i]):
            overlay_boxes(ax, boxes[i], labels=None if labels is None else labels[i], colors=label_colors)
        ax.set_xlim(-0.5, img.shape[1] - 0.5)
        ax.set_ylim(img.shape[0] - 0.5, -0.5)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, color="black" if title_colors is None else title_colors[i])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
