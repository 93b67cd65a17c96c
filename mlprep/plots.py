"""Pictures people would rather look at than read: learning curves, confusion matrices, labelled
scatter plots, and (from :mod:`mlprep.plot_images`) image grids with labels, boxes and masks.

>>> import torch
>>> fig = image_grid(torch.rand(4, 3, 16, 16), titles=["a", "b", "c", "d"], ncols=2)
>>> len(fig.axes)
4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from mlprep.plot_images import draw, image_grid, overlay_boxes, overlay_masks, pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mlprep.train import History

__all__ = ["plot_history", "plot_confusion_matrix", "image_grid", "draw", "overlay_boxes", "overlay_masks",
           "label_points"]

def plot_history(history: History, ax=None, smooth: int = 20) -> Figure:
    """Training loss per step (moving average over ``smooth`` steps) and per-epoch
    validation loss; other per-epoch metrics on a second axis."""
    plt = pyplot()
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
        ax2.set_ylabel(", ".join(extra) if len(extra) <= 2 else "metric")
    # One legend for both axes, under the plot, where it cannot cover a curve; as many entries
    # a row as the axes' width holds (about 1.1 inches each), so that narrow panels do not collide.
    handles = ax.get_legend_handles_labels()[0] + (ax2.get_legend_handles_labels()[0] if extra else [])
    ax.set_title("learning curves")
    fig.tight_layout()
    width = ax.get_position().width * fig.get_size_inches()[0]
    ncols = max(1, min(len(handles), 4, int(width / 1.1)))
    rows = -(-len(handles) // ncols)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.02 * rows), ncols=ncols,
              frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true: Sequence[int] | torch.Tensor, y_pred: Sequence[int] | torch.Tensor,
                          class_names: Sequence[str], ax=None, normalize: bool = True) -> Figure:
    """A confusion matrix (rows: true class) with counts or row-normalised rates."""
    from sklearn.metrics import confusion_matrix

    plt = pyplot()
    cm = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), labels=list(range(len(class_names))))
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    if ax is None:
        size = max(3.2, 1.0 + 0.55 * len(class_names))  # 3 classes were a 2.6-inch thumbnail
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
            ax.text(j, i, text, ha="center", va="center", fontsize=9 if len(class_names) <= 8 else 8,
                    color="white" if shown[i, j] > shown.max() / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def label_points(ax, xy: np.ndarray | Sequence[Sequence[float]], labels: Sequence[str], fontsize: float = 9,
                 iterations: int = 300, marker_radius: float = 5.0) -> list:
    """Text labels for the points ``xy`` (N, 2, data coordinates) of a scatter plot in ``ax``,
    nudged apart until no two labels and no label and point overlap (a small repel loop, in the
    spirit of adjustText); a label pushed away from its point gets a thin leader line.

    Call it once the figure has its final size (after ``tight_layout``); returns the annotations."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    xy = np.asarray(xy, dtype=float)
    points = ax.transData.transform(xy)  # display pixels
    px_per_pt = fig.dpi / 72
    r = marker_radius * px_per_pt
    texts = [ax.annotate(str(lab), p, xytext=(4, 3), textcoords="offset points", fontsize=fontsize,
                         ha="left", va="bottom") for lab, p in zip(labels, xy, strict=True)]
    offsets = np.array([[4.0, 3.0]] * len(texts)) * px_per_pt
    frame = ax.get_window_extent(renderer)
    sizes = np.array([[t.get_window_extent(renderer).width, t.get_window_extent(renderer).height] for t in texts])
    obstacles = [ax.get_legend().get_window_extent(renderer)] if ax.get_legend() else []
    pad = 1.5  # pixels kept clear around a label
    n = len(texts)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    for _ in range(iterations):
        lo = points + offsets - pad  # each label's box, lower-left and upper-right corners
        hi = points + offsets + sizes + pad
        # label against label: part each overlapping pair along its shorter overlap
        dx = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
        dy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
        hit = (dx > 0) & (dy > 0) & upper
        centre = (lo + hi) / 2
        side = np.where(centre[:, None] >= centre[None, :], 1.0, -1.0)  # (n, n, 2): i's side of j
        along_y = hit & (dy < dx)
        along_x = hit & ~(dy < dx)
        push = np.zeros_like(offsets)
        for axis, mask, overlap in ((1, along_y, dy), (0, along_x, dx)):
            amount = np.where(mask, side[..., axis] * (overlap / 2 + 0.5), 0.0)
            push[:, axis] += amount.sum(1) - amount.sum(0)
        # label against any point's marker: the box's nearest point to the marker, pushed out of it
        near = np.clip(points[None, :, :], lo[:, None, :], hi[:, None, :])  # (labels, points, 2)
        gap = np.linalg.norm(points[None] - near, axis=-1)
        inside = gap < r
        away = centre[:, None, :] - points[None]
        away /= np.maximum(np.linalg.norm(away, axis=-1, keepdims=True), 1e-6)
        push += (away * np.where(inside, r - gap + 0.5, 0.0)[..., None]).sum(1)
        # and against the legend
        for box in obstacles:
            ox = np.minimum(hi[:, 0], box.x1) - np.maximum(lo[:, 0], box.x0)
            oy = np.minimum(hi[:, 1], box.y1) - np.maximum(lo[:, 1], box.y0)
            over = (ox > 0) & (oy > 0)
            push[:, 1] -= np.where(over, oy + 0.5, 0.0)  # legends sit at a top corner: move down
        moved = hit.any() or inside.any() or bool(np.abs(push).max(initial=0) > 0)
        offsets += push
        # stay inside the axes
        lo = points + offsets
        offsets[:, 0] += np.clip(frame.x0 - lo[:, 0], 0, None) - np.clip(lo[:, 0] + sizes[:, 0] - frame.x1, 0, None)
        offsets[:, 1] += np.clip(frame.y0 - lo[:, 1], 0, None) - np.clip(lo[:, 1] + sizes[:, 1] - frame.y1, 0, None)
        if not moved:
            break
    final = []
    for text, point, offset, size in zip(texts, xy, offsets, sizes, strict=True):
        # distance from the point to the nearest edge of its label's box
        gap = np.hypot(max(offset[0], 0, -(offset[0] + size[0])), max(offset[1], 0, -(offset[1] + size[1])))
        line = dict(arrowstyle="-", color="0.45", lw=0.6, shrinkA=0, shrinkB=r / px_per_pt) if gap > 2 * r else None
        text.remove()
        final.append(ax.annotate(text.get_text(), point, xytext=tuple(offset / px_per_pt), textcoords="offset points",
                                 fontsize=fontsize, ha="left", va="bottom", arrowprops=line))
    return final
