"""A small U-Net (Ronneberger et al., 2015) and the same encoder-decoder without skips.

The encoder halves the resolution ``depth`` times while doubling the channels; the decoder
upsamples back. With ``skip=True`` each decoder stage concatenates the encoder features of
the same resolution, which carry the precise locations the bottleneck has lost.

>>> import torch
>>> net = UNet(num_classes=7, width=8, depth=2)
>>> tuple(net(torch.rand(2, 3, 32, 32)).shape)
(2, 7, 32, 32)
>>> tuple(UNet(num_classes=7, width=8, depth=2, skip=False)(torch.rand(1, 3, 32, 32)).shape)
(1, 7, 32, 32)

:func:`train_segmenter` wraps :func:`mlprep.fit` with cross-entropy + Dice, a one-cycle schedule
and random horizontal flips; :func:`predict_masks` takes the arg-max class per pixel.

>>> x, y = torch.rand(8, 3, 16, 16), torch.randint(0, 3, (8, 16, 16))
>>> history = train_segmenter(UNet(3, width=4, depth=1), x, y, epochs=1, batch_size=4, progress=False)
>>> len(history.steps)
2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mlprep.train import Compute, History, Optim, fit
from mlprep.vision.loops import channels_last, flip_half, one_cycle

__all__ = ["UNet", "conv_block", "dice_loss", "segmentation_loss", "segmentation_tensors", "train_segmenter",
           "predict_masks"]


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 convolutions with BatchNorm and ReLU; keeps the spatial size."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """``depth`` down/up stages, ``width`` channels at full resolution (doubling per stage),
    or explicit channels per level with ``widths`` (e.g. ``(8, 32, 64, 128)``: cheap at full
    resolution, wide where recognising the object happens).

    ``skip=False`` gives the plain encoder-decoder used as the ablation: identical layers,
    except that decoder convolutions see only the upsampled features.
    """

    def __init__(self, num_classes: int, width: int = 16, depth: int = 3, in_channels: int = 3,
                 skip: bool = True, widths: Sequence[int] | None = None) -> None:
        super().__init__()
        self.skip = skip
        widths = list(widths) if widths is not None else [width * 2**i for i in range(depth + 1)]  # [16, 32, 64, 128]
        depth = len(widths) - 1
        self.stem = conv_block(in_channels, widths[0])
        self.down = nn.ModuleList(conv_block(widths[i], widths[i + 1]) for i in range(depth))
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in reversed(range(depth)))
        self.dec = nn.ModuleList(
            conv_block(widths[i] * (2 if skip else 1), widths[i]) for i in reversed(range(depth))
        )
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)  # (B, w, H, W)
        skips = [h]
        for block in self.down:
            h = block(F.max_pool2d(h, 2))  # (B, 2^i w, H / 2^i, W / 2^i)
            skips.append(h)
        skips.pop()  # the bottleneck is h itself
        for up, dec in zip(self.up, self.dec, strict=True):
            h = up(h)  # (B, c / 2, 2h, 2w): back to the resolution of the matching encoder stage
            e = skips.pop()
            h = dec(torch.cat([h, e], 1) if self.skip else h)
        return self.head(h)  # (B, num_classes, H, W) logits


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 - soft Dice, averaged over classes: insensitive to how rare a class's pixels are.

    >>> logits = torch.full((1, 2, 4, 4), -9.0); logits[:, 1] = 9.0  # confident "class 1"
    >>> round(float(dice_loss(logits, torch.ones(1, 4, 4, dtype=torch.long))), 3)  # right
    0.0
    >>> round(float(dice_loss(logits, torch.zeros(1, 4, 4, dtype=torch.long))), 3)  # wrong
    0.941
    """
    probs = logits.softmax(1)  # (B, C, H, W)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).to(probs.dtype)  # (B, C, H, W)
    inter = (probs * onehot).sum((0, 2, 3))  # (C,)
    total = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return 1 - ((2 * inter + eps) / (total + eps)).mean()


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy (per-pixel, well-behaved gradients) plus Dice (class balance)."""
    return F.cross_entropy(logits, target) + dice_loss(logits, target)


def segmentation_tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Whole ``shapes-segment`` split as tensors: images (N, 3, H, W) float, masks (N, H, W) int64.

    Faster than indexing item by item when the split fits in memory.
    """
    images = dataset.images.float().div_(255)  # (N, 3, H, W)
    masks = torch.empty(dataset.instances.shape, dtype=torch.int64)  # (N, H, W)
    for i in range(len(dataset)):
        labels, _ = dataset.objects(i)
        lut = torch.cat([torch.zeros(1, dtype=torch.int64), labels + 1])
        masks[i] = lut[dataset.instances[i].long()]
    return images, masks


def train_segmenter(model: nn.Module, images: torch.Tensor, masks: torch.Tensor, *, epochs: int = 10,
                    batch_size: int = 32, lr: float = 3e-3,
                    augment: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None,
                    progress: bool = True, device: str | None = None) -> History:
    """Cross-entropy + Dice training of a segmentation net on whole tensors (N, 3, H, W), (N, H, W):
    fit's AdamW with a one-cycle schedule peaking at ``lr``, random horizontal flips,
    then ``augment(images, masks) -> (images, masks)`` on each batch if given (e.g. an elastic
    deformation: ``benchmarks/unet_elastic.py``)."""
    loader = DataLoader(TensorDataset(images, masks), batch_size=batch_size, shuffle=True, drop_last=True)
    model.to(memory_format=torch.channels_last)

    def step(net: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        x, y = batch
        flip = flip_half(x)
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        y = torch.where(flip[:, None, None], y.flip(-1), y)
        if augment is not None:
            x, y = augment(x, y)
        return segmentation_loss(net(channels_last(x)), y)

    return fit(model, loader, epochs=epochs, step_fn=step, optim=Optim(scheduler=one_cycle(lr, epochs * len(loader))),
               compute=Compute(device=device), progress=progress, desc="segment")


@torch.no_grad()
def predict_masks(model: nn.Module, images: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """(N, 3, H, W) -> (N, H, W) arg-max class per pixel, in eval mode."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model(channels_last(images[i:i + batch_size].to(dev))).argmax(1).cpu()
                      for i in range(0, len(images), batch_size)])
