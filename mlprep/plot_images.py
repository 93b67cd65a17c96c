"""Image grids with class labels, boxes and masks (drawn with torchvision.utils), the pictures
of the vision notebooks; :mod:`mlprep.plots` re-exports them.

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

__all__ = ["PALETTE", "image_grid", "draw", "overlay_boxes", "overlay_masks"]

# A fixed palette: in a label map class id k (1-based, 0 is background) is PALETTE[k - 1] in
# every figure; labelled boxes get one colour per class name within a grid.
PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
           "#bcf60c", "#fabebe", "#008080", "#e6beff"]


def pyplot():
    """matplotlib.pyplot, imported when a figure is drawn (it costs start-up time otherwise)."""
    import matplotlib.pyplot as plt

    return plt


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
               max_width: float = MAX_GRID_WIDTH, mask_classes: Sequence[str] | None = None) -> Figure:
    """A grid of images, each optionally with a title, boxes (+ box labels) and masks.

    Boxes, labels and masks are drawn by matplotlib over the image (:func:`overlay_boxes`,
    :func:`overlay_masks`), at the figure's resolution rather than the image's pixels.
    ``title_colors`` colours each title (e.g. green for right, red for wrong predictions).

    The grid wraps after ``min(ncols, max_cols)`` images, and each image is ``size`` inches
    wide unless that makes the figure wider than ``max_width`` inches (what a notebook shows
    without shrinking it). Box labels name their class in full where the tabs fit; where they
    would crowd the picture (``abbreviate=None``: decided from the labels' widths) a tab shows a
    short name ("tr 0.93") and a legend under the grid spells each one out. ``mask_classes``
    names the classes 1, 2, ... of label-map masks (0 is background): a legend under the grid
    gives each one's colour.
    """
    from matplotlib.patches import Patch

    plt = pyplot()
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
    handles = []
    if short:
        handles = [Patch(facecolor=label_colors[name], label=f"{abbr} = {name}") for name, abbr in short.items()]
    if mask_classes:
        handles += [Patch(facecolor=PALETTE[c % len(PALETTE)], label=name) for c, name in enumerate(mask_classes)]
    if handles:
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=min(len(handles), 6),
                   frameon=False, fontsize=fontsize + 1, handlelength=1.0, columnspacing=1.2)
    return fig
