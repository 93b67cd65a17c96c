"""U-Net, Dice loss and the segmentation training recipe."""

from __future__ import annotations

import torch

from mlprep.vision import unet
from mlprep.vision.metrics import mean_iou
from mlprep.vision.unet import UNet, dice_loss, segmentation_loss, segmentation_tensors


def test_unet_keeps_resolution_and_skips_add_decoder_inputs() -> None:
    x = torch.rand(2, 3, 32, 32)
    with_skips, without = UNet(7, width=4, depth=3), UNet(7, width=4, depth=3, skip=False)
    assert with_skips(x).shape == (2, 7, 32, 32)
    assert without(x).shape == (2, 7, 32, 32)
    # The only difference: decoder convolutions take the concatenated skip channels.
    n_with = sum(p.numel() for p in with_skips.parameters())
    n_without = sum(p.numel() for p in without.parameters())
    assert n_with > n_without
    assert with_skips.dec[0][0].in_channels == 2 * without.dec[0][0].in_channels


def test_dice_loss_is_zero_when_perfect_and_high_when_wrong() -> None:
    target = torch.randint(0, 3, (2, 8, 8))
    perfect = torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float() * 50
    assert float(dice_loss(perfect, target)) < 1e-3
    wrong = perfect.roll(1, dims=1)  # every pixel confidently the next class
    assert float(dice_loss(wrong, target)) > 0.9
    assert float(segmentation_loss(wrong, target)) > float(segmentation_loss(perfect, target))


def test_segmentation_tensors_match_dataset_items() -> None:
    from mlprep import datasets

    ds = datasets.load("shapes-segment", "val", n=6, size=32, cache=False, progress=False)
    images, masks = segmentation_tensors(ds)
    assert images.shape == (6, 3, 32, 32) and masks.shape == (6, 32, 32)
    for i in range(6):
        image, mask = ds[i]
        assert torch.equal(images[i], image)
        assert torch.equal(masks[i], mask)


def test_train_segmenter_learns_a_simple_rule() -> None:
    # Class = whether a pixel is red: a tiny U-Net learns this within a few dozen steps.
    torch.manual_seed(0)
    x = torch.rand(64, 3, 16, 16)
    y = (x[:, 0] > 0.5).long()
    net = UNet(2, width=4, depth=1)
    history = unet.train_segmenter(net, x, y, epochs=10, batch_size=16, lr=2e-2, progress=False)
    assert history.steps[-1] < history.steps[0]
    assert float(mean_iou(unet.predict_masks(net, x), y, 2)) > 0.7


def test_train_segmenter_trains_on_what_augment_returns() -> None:
    """``augment`` sees each (flipped) batch and its output is what the loss is computed on: here it
    replaces every mask by class 1, so the net learns to predict 1 everywhere."""
    torch.manual_seed(0)
    x, y = torch.rand(32, 3, 8, 8), torch.zeros(32, 8, 8, dtype=torch.long)
    calls = []

    def augment(images, masks):
        calls.append(images.shape)
        return images, torch.ones_like(masks)

    net = UNet(2, width=4, depth=1)
    unet.train_segmenter(net, x, y, epochs=4, batch_size=8, lr=2e-2, augment=augment, progress=False)
    assert calls == [(8, 3, 8, 8)] * 16
    assert float((unet.predict_masks(net, x) == 1).float().mean()) > 0.9
