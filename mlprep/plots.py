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

__all__ = ["plot_history", "plot_confusion_matrix", "image_grid", "draw", "overlay_boxes", "overlay_masks",
           "label_points"]

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

    plt = _plt()
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


def _abbreviations(names: Sequence[str]) -> dict[str, str]:
    """The shortest prefix (at least 2 letters) that tells each name from the others:
    circle -> ci, crescent -> cre, cross -> cro, square -> sq, star -> st, triangle -> tr."""
    names = list(dict.fromkeys(names))
    out = {}
    for name in names:
        others = [o for o in names if o != name]
        k = min(2, len(name))
        while k < len(name) and any(o.startswith(name[:k]) for o in others):
            k += 1
        out[name] = name[:k]
    return out


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Overlap area of two (x0, y0, x1, y1) rectangles."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def overlay_boxes(ax, boxes: torch.Tensor, labels: Sequence[str] | None = None, fontsize: float = 8,
                  colors: dict[str, str] | None = None, abbreviations: dict[str, str] | None = None) -> None:
    """Boxes (K, 4) XYXY in pixels on an image shown in ``ax``, each label on a tab of the box's
    colour, drawn at the figure's resolution, so a 64-pixel image still gets legible labels.

    Each tab goes where it fits whole inside the picture and covers the fewest tabs already
    placed: above the box's top-left corner, else just inside it, else at the box's bottom, right
    corners next. ``colors`` maps a label's first word (its class) to a colour; other boxes are
    coloured by their index. ``abbreviations`` maps a class to the short name drawn on its tab
    (e.g. "tr 0.93" for "triangle 0.93"; the grid's legend spells them out)."""
    from matplotlib.patches import Rectangle

    height, width = ax.get_images()[0].get_array().shape[:2]
    points_per_pixel = ax.get_window_extent().width * 72 / ax.figure.dpi / width
    placed: list[tuple[float, float, float, float]] = []
    for i, box in enumerate(boxes.detach().cpu().float().tolist()):
        x1, y1, x2, y2 = box
        label = str(labels[i]) if labels is not None and i < len(labels) else None
        name = label.split()[0] if label and label.split() else ""
        color = (colors or {}).get(name) or PALETTE[i % len(PALETTE)]
        # imshow centres pixel j on j, so the pixel edge x sits at x - 0.5
        ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=1.2))
        if not label:
            continue
        if abbreviations and name in abbreviations:
            label = " ".join([abbreviations[name], *label.split()[1:]])
        # the tab's size in image pixels (a glyph is about 0.6 em wide, the tab 1.5 em high)
        tab_w = (len(label) * 0.6 * fontsize + 3) / points_per_pixel
        tab_h = 1.5 * fontsize / points_per_pixel
        left, right, top, bottom = x1 - 0.5, x2 - 0.5, y1 - 0.5, y2 - 0.5
        candidates = [(left, top - tab_h), (left, top), (left, bottom), (left, bottom - tab_h),
                      (right - tab_w, top - tab_h), (right - tab_w, top), (right - tab_w, bottom),
                      (right - tab_w, bottom - tab_h)]
        best = None
        for order, (x, y) in enumerate(candidates):
            # slid back inside the picture, so that no tab is ever cut at an edge
            x = min(max(x, -0.5), width - 0.5 - tab_w)
            y = min(max(y, -0.5), height - 0.5 - tab_h)
            rect = (x, y, x + tab_w, y + tab_h)
            cost = sum(_overlaps(rect, p) for p in placed) + 0.01 * order
            if best is None or cost < best[0]:
                best = (cost, rect)
        x0, y0, _, _ = best[1]
        placed.append(best[1])
        ax.text(x0 + 1.5 / points_per_pixel, y0 + tab_h / 2, label, fontsize=fontsize, color=_text_color(color),
                va="center", ha="left", clip_on=True,
                bbox=dict(facecolor=color, edgecolor="none", pad=1.0, alpha=0.85))


# JupyterLab shows a figure at its pixel width (dpi 100) up to the output area's width, about
# 850 pixels at 100 % zoom, and shrinks wider ones, fonts with them: grids stay within that.
MAX_GRID_WIDTH = 8.5  # inches
MAX_GRID_COLS = 6


def image_grid(images: torch.Tensor | Sequence[torch.Tensor], titles: Sequence[str] | None = None,
               boxes: Sequence[torch.Tensor] | None = None, labels: Sequence[Sequence[str]] | None = None,
               masks: Sequence[torch.Tensor] | None = None, ncols: int = MAX_GRID_COLS, size: float = 1.6,
               title_colors: Sequence[Any] | None = None, suptitle: str | None = None,
               abbreviate: bool | None = None, max_cols: int = MAX_GRID_COLS,
               max_width: float = MAX_GRID_WIDTH) -> Figure:
    """A grid of images, each optionally with a title, boxes (+ box labels) and masks.

    Boxes, labels and masks are drawn by matplotlib over the image (:func:`overlay_boxes`,
    :func:`overlay_masks`), at the figure's resolution rather than the image's pixels.
    ``title_colors`` colours each title (e.g. green for right, red for wrong predictions).

    The grid wraps after ``min(ncols, max_cols)`` images, and each image is ``size`` inches
    wide unless that makes the figure wider than ``max_width`` inches (what a notebook shows
    without shrinking it). Box labels name their class in full where the tabs fit; where they
    would crowd the picture (``abbreviate=None``: decided from the labels' widths) a tab shows a
    short name ("tr 0.93") and a legend under the grid spells each one out.
    """
    from matplotlib.patches import Patch

    plt = _plt()
    n = len(images)
    label_colors = _label_colors(labels)
    ncols = max(1, min(ncols, max_cols, n))
    nrows = max(1, (n + ncols - 1) // ncols)
    size = min(size, max_width / ncols)
    fontsize = 8
    if abbreviate is None:  # a tab is about 0.6 em a letter; the picture is about 0.9 of its cell
        def tabs(labs):
            return [(len(str(lab)) * 0.6 + 0.4) * fontsize for lab in labs or []]
        room = 0.9 * size * 72
        abbreviate = any(sum(tabs(labs)) > 0.8 * room or max(tabs(labs), default=0) > 0.75 * room
                         for labs in labels or [])
    short = _abbreviations(list(label_colors)) if abbreviate else None
    title_lines = max((str(t).count("\n") + 1 for t in titles), default=1) if titles is not None else 0
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(size * ncols, (size + 0.16 * title_lines) * nrows + (0.35 if suptitle else 0)))
    shown = []
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            fig.delaxes(ax)
            continue
        img = _to_uint8(images[i])
        ax.imshow(img, interpolation="nearest")
        if masks is not None and masks[i] is not None:
            overlay_masks(ax, masks[i])
        ax.set_xlim(-0.5, img.shape[1] - 0.5)
        ax.set_ylim(img.shape[0] - 0.5, -0.5)
        if titles is not None:
            ax.set_title(titles[i], fontsize=fontsize + 1, color="black" if title_colors is None else title_colors[i])
        shown.append(ax)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    # boxes last: a label's size in image pixels depends on the axes' final size
    for i, ax in enumerate(shown):
        if boxes is not None and boxes[i] is not None and len(boxes[i]):
            overlay_boxes(ax, boxes[i], labels=None if labels is None else labels[i], colors=label_colors,
                          fontsize=fontsize, abbreviations=short)
    if short:
        handles = [Patch(facecolor=label_colors[name], label=f"{abbr} = {name}") for name, abbr in short.items()]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=min(len(handles), 6),
                   frameon=False, fontsize=fontsize + 1, handlelength=1.0, columnspacing=1.2)
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
