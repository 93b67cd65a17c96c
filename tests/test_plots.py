from __future__ import annotations

import matplotlib.figure
import pytest
import torch

from mlprep import plot_images, plots


def test_draw_boxes_and_label_map():
    image = torch.zeros(3, 32, 32)
    mask = torch.zeros(32, 32, dtype=torch.int64)
    mask[4:12, 4:12] = 2
    out = plots.draw(image, boxes=torch.tensor([[16.0, 16.0, 28.0, 28.0]]), labels=["star"], masks=mask)
    assert out.dtype == torch.uint8 and out.shape == (3, 32, 32)
    assert out[:, 8, 8].sum() > 0  # the mask was painted
    assert out[:, 16, 20].sum() > 0  # the box's top edge was drawn
    assert out[:, 0, 0].sum() == 0  # elsewhere untouched


def test_image_grid_with_boxes_masks_and_titles():
    images = torch.rand(3, 3, 24, 24)
    boxes = [torch.tensor([[2.0, 2.0, 10.0, 10.0]]), torch.zeros(0, 4), None]
    masks = [None, torch.ones(1, 24, 24, dtype=torch.bool), None]
    fig = plots.image_grid(images, titles=["a", "b", "c"], boxes=boxes, masks=masks, labels=[["x"], [], None],
                           title_colors=["green", "red", "green"], ncols=2)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3


def test_confusion_matrix_counts():
    fig = plots.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"], normalize=False)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["1", "0", "0"] and texts[4] == "1" and texts[5] == "1"


def test_grid_labels_and_masks_stay_readable():
    """Issue 22: labels drawn into 64 pixels overlapped and clipped ("triangl"); masks at
    alpha 0.45 hid the shapes. Now labels are figure text inside the picture, masks a light
    fill with an outline."""
    images = torch.rand(2, 3, 64, 64)
    mask = torch.zeros(64, 64, dtype=torch.int64)
    mask[10:30, 10:30] = 3
    fig = plots.image_grid(images, boxes=[torch.tensor([[44.0, 20.0, 63.0, 40.0]]), None],
                           labels=[["triangle 0.93"], None], masks=[None, mask], ncols=2, size=1.6)
    boxes_ax, mask_ax = fig.axes
    (label,) = boxes_ax.texts
    assert label.get_text() == "triangle 0.93" and label.get_fontsize() >= 6
    fig.canvas.draw()
    inside = boxes_ax.get_window_extent()
    drawn = label.get_window_extent()
    assert inside.x0 - 1 <= drawn.x0 and drawn.x1 <= inside.x1 + 1  # the whole label shows
    fill = mask_ax.get_images()[1].get_array()
    assert 0 < fill[..., 3].max() <= 0.3 and fill[20, 20, 3] > 0 and fill[50, 50, 3] == 0
    assert mask_ax.collections  # the outline


def test_mask_legend_names_each_class_in_its_overlay_colour():
    from matplotlib.colors import to_rgb

    mask = torch.zeros(16, 16, dtype=torch.int64)
    mask[2:8, 2:8] = 2
    fig = plots.image_grid(torch.rand(1, 3, 16, 16), masks=[mask], mask_classes=["circle", "square"])
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["circle", "square"]
    square = legend.legend_handles[1].get_facecolor()[:3]
    fill = fig.axes[0].get_images()[1].get_array()
    assert tuple(fill[4, 4, :3]) == pytest.approx(to_rgb(square), abs=1e-6)  # class 2's fill is the legend's colour


def test_history_legend_sits_below_the_curves():
    from mlprep.train import History

    history = History(epochs=[{"epoch": 1, "step": 10, "train_loss": 1.0, "val_loss": 1.1, "accuracy": 0.5},
                              {"epoch": 2, "step": 20, "train_loss": 0.5, "val_loss": 0.7, "accuracy": 0.8}],
                      steps=[1.0 - i / 40 for i in range(20)])
    fig = history.plot()
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["train loss", "val loss", "accuracy"]
    assert legend.get_window_extent().y1 < ax.get_window_extent().y0  # under the plot, on no curve


def test_grid_wraps_to_the_width_a_notebook_shows():
    """Issue 22: 12-column grids were 13 inches wide, shrunk by JupyterLab to fit, titles with them."""
    fig = plots.image_grid(torch.rand(16, 3, 32, 32), titles=["circle"] * 16, ncols=12, size=1.6)
    width, _ = fig.get_size_inches()
    assert width <= plot_images.MAX_GRID_WIDTH
    columns = {round(ax.get_position().x0, 3) for ax in fig.axes}
    assert len(columns) == plot_images.MAX_GRID_COLS and len(fig.axes) == 16


def test_crowded_box_labels_are_abbreviated_with_a_legend_and_never_clip():
    """Four labelled boxes in a 64-pixel image: short names on tabs that stay inside the picture
    and do not cover each other, and a legend that spells the short names out."""
    boxes = torch.tensor([[2.0, 2.0, 20.0, 20.0], [40.0, 1.0, 63.0, 18.0], [30.0, 30.0, 50.0, 50.0],
                          [1.0, 44.0, 22.0, 63.0]])
    labels = [["circle 0.91", "triangle 0.85", "crescent 0.77", "cross 0.60"]] * 6
    fig = plots.image_grid(torch.rand(6, 3, 64, 64), boxes=[boxes] * 6, labels=labels, ncols=6)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["ci 0.91", "tr 0.85", "cre 0.77", "cro 0.60"]
    inside = ax.get_window_extent()
    tabs = [t.get_bbox_patch().get_window_extent() for t in ax.texts]
    for tab in tabs:
        assert inside.x0 - 1 <= tab.x0 and tab.x1 <= inside.x1 + 1 and inside.y0 - 1 <= tab.y0 and tab.y1 <= inside.y1 + 1
    for i, a in enumerate(tabs):
        for b in tabs[i + 1:]:
            assert not a.overlaps(b)
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["ci = circle", "tr = triangle", "cre = crescent", "cro = cross"]
    assert min(t.get_fontsize() for t in ax.texts) >= 8


def test_abbreviations_are_unique_prefixes():
    names = ["circle", "square", "triangle", "star", "cross", "crescent"]
    short = plot_images._abbreviations(names)
    assert short == {"circle": "ci", "square": "sq", "triangle": "tr", "star": "st", "cross": "cro", "crescent": "cre"}
    assert len(set(short.values())) == len(names)


def test_label_points_keeps_labels_apart():
    """Issue 22: 08's word map had labels printed over each other; the repel loop parts them."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.text import Text

    rng = np.random.default_rng(0)
    xy = rng.normal(0, 0.05, (12, 2))  # one tight cluster
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(xy[:, 0], xy[:, 1])
    ax.set_xlim(-0.4, 0.4), ax.set_ylim(-0.4, 0.4)
    texts = plots.label_points(ax, xy, [f"word{i}" for i in range(12)])
    fig.canvas.draw()
    boxes = [Text.get_window_extent(t) for t in texts]  # the words, not their leader lines
    assert [t.get_text() for t in texts] == [f"word{i}" for i in range(12)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    frame = ax.get_window_extent()
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes)
    plt.close(fig)
