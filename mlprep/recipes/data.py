"""On-disk datasets for the recipes: CIFAR-10 (torchvision's format) and Penn-Fudan folders.

Nothing here downloads unless asked (``download=True``, the recipes' ``--download``); a
missing dataset is a :class:`~mlprep.errors.UsageError` that says what to do.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from mlprep.errors import UsageError
from mlprep.runtime import data_dir

__all__ = ["cifar10", "PennFudan", "split_indices"]

CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def split_indices(n: int, split: str, val_fraction: float) -> range:
    """The last ``val_fraction`` of ``n`` items is ``val``, the rest ``train`` (no shuffle:
    the files are already in random order, and a fixed split keeps runs comparable).

    >>> split_indices(10, "train", 0.2), split_indices(10, "val", 0.2)
    (range(0, 8), range(8, 10))
    """
    n_val = max(1, round(n * val_fraction))
    if split == "train":
        return range(0, n - n_val)
    if split == "val":
        return range(n - n_val, n)
    raise UsageError(f"unknown split {split!r}; use train or val")


def cifar10(split: str, root: str | Path | None = None, download: bool = False, val_fraction: float = 0.1,
            ) -> TensorDataset:
    """CIFAR-10 as ``(uint8 image (3, 32, 32), label)``, read with torchvision.

    ``train`` and ``val`` split the official training batches (val: the last
    ``val_fraction``); ``test`` is the official test batch. ``root`` holds (or receives)
    ``cifar-10-batches-py/``; it defaults to ``<MLPREP_DATA>/cifar10``.
    """
    from torchvision.datasets import CIFAR10

    root = Path(root) if root else data_dir() / "cifar10"
    if download:
        old = socket.getdefaulttimeout()
        socket.setdefaulttimeout(30)  # fail in seconds when offline, never hang
        try:
            CIFAR10(str(root), train=True, download=True)
        except OSError as e:
            raise UsageError(f"could not download CIFAR-10 into {root} ({e}); check the network, or copy "
                             "cifar-10-batches-py/ there yourself and drop --download") from e
        finally:
            socket.setdefaulttimeout(old)
    try:
        ds = CIFAR10(str(root), train=split != "test", download=False)
    except RuntimeError as e:  # torchvision: "Dataset not found or corrupted"
        raise UsageError(f"CIFAR-10 not found under {root}: run once with --download (needs the network, "
                         "170 MB), or put cifar-10-batches-py/ there, or pass --data-dir DIR") from e
    images = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2)  # (N, 32, 32, 3) -> (N, 3, 32, 32)
    labels = torch.tensor(ds.targets, dtype=torch.int64)
    if split != "test":
        keep = split_indices(len(labels), split, val_fraction)
        images, labels = images[keep.start : keep.stop], labels[keep.start : keep.stop]
    out = TensorDataset(images, labels)
    out.classes = CIFAR_CLASSES  # type: ignore[attr-defined]
    return out


class PennFudan(Dataset):
    """A Penn-Fudan-style folder: ``PNGImages/<name>.png`` and ``PedMasks/<name>_mask.png``
    where mask value k > 0 is the k-th pedestrian. Items are ``(float image (3, H, W),
    target)`` in torchvision's detection format with one class (label 1)."""

    classes = ("pedestrian",)

    def __init__(self, root: str | Path, split: str = "train", val_fraction: float = 0.2) -> None:
        self.root = Path(root)
        image_dir, mask_dir = self.root / "PNGImages", self.root / "PedMasks"
        if not image_dir.is_dir() or not mask_dir.is_dir():
            raise UsageError(f"{self.root} is not a Penn-Fudan folder: it needs PNGImages/ and PedMasks/ "
                             "(unzip PennFudanPed.zip and pass --data-dir .../PennFudanPed)")
        names = sorted(p.stem for p in image_dir.glob("*.png"))
        if not names:
            raise UsageError(f"no .png images in {image_dir}")
        keep = split_indices(len(names), split, val_fraction)
        self.names = names[keep.start : keep.stop]

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        from PIL import Image

        name = self.names[index]
        image = np.asarray(Image.open(self.root / "PNGImages" / f"{name}.png").convert("RGB"))
        mask = torch.from_numpy(np.array(Image.open(self.root / "PedMasks" / f"{name}_mask.png")))  # (H, W) ids
        ids = mask.unique()
        ids = ids[ids > 0]
        masks = (mask[None] == ids[:, None, None]).to(torch.uint8)  # (K, H, W)
        boxes = torch.zeros(len(ids), 4)
        for k, m in enumerate(masks):
            ys, xs = torch.nonzero(m, as_tuple=True)
            boxes[k] = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
        target = {"boxes": boxes, "labels": torch.ones(len(ids), dtype=torch.int64), "masks": masks,
                  "image_id": torch.tensor(index), "area": masks.flatten(1).sum(1).float(),
                  "iscrowd": torch.zeros(len(ids), dtype=torch.int64)}
        return torch.from_numpy(image.copy()).permute(2, 0, 1).float() / 255, target  # (3, H, W)
