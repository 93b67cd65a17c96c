from __future__ import annotations

import matplotlib.figure
import torch

from mlprep import plots


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
