"""Image classification with a CIFAR-style ResNet: shapes-classify offline, CIFAR-10 online.

    python -m mlprep.recipes.classify --dataset shapes-classify --max-steps 2000 --out runs/classify
    python -m mlprep.recipes.classify --dataset cifar10 --download --epochs 30 --mixed-precision bf16
    accelerate launch --num_processes 2 -m mlprep.recipes.classify --dataset cifar10 --epochs 30

Datasets: ``shapes-classify`` (generated, 6 classes), ``digits`` (8x8, 10 classes) and
``cifar10`` (torchvision's files under ``--data-dir``; ``--download`` fetches them).
Augmentation (random crop with padding, horizontal flip) runs on the batch, on the device.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import Dataset, TensorDataset

from mlprep.recipes import main
from mlprep.recipes.config import RecipeConfig
from mlprep.recipes.engine import Recipe, reduce_sums

__all__ = ["ClassifyConfig", "RECIPE", "augment", "build_data", "build_model"]

FLIP_SAFE = {"shapes-classify", "cifar10"}  # a mirrored digit is not the same digit
NUM_CLASSES = {"shapes-classify": 6, "digits": 10, "cifar10": 10}


@dataclass
class ClassifyConfig(RecipeConfig):
    dataset: str = "shapes-classify"
    out: str = "runs/classify"
    epochs: int = 10
    batch_size: int = 128
    lr: float = 2e-3
    min_lr: float = 2e-5
    warmup_steps: int = 100
    weight_decay: float = 0.05
    model: str = "resnet"  # resnet (ResNetMini, depth 6n+2) or cnn (SmallCNN with BatchNorm)
    depth: int = 20
    width: int = 16
    batchnorm: bool = True  # cnn only (the ResNet always has it)
    augment: bool = True
    label_smoothing: float = 0.0
    train_samples: int | None = None  # shapes-classify: how many images to generate (default 5000)
    image_size: int = 64  # shapes-classify only


def build_data(cfg: ClassifyConfig) -> tuple[Dataset, Dataset]:
    """(train, val) as tensors of images (uint8 or float) and int64 labels."""
    from mlprep import datasets
    from mlprep.errors import UsageError
    from mlprep.recipes.data import cifar10

    if cfg.dataset == "cifar10":
        return (cifar10("train", cfg.data_dir, download=cfg.download),
                cifar10("val", cfg.data_dir, download=False))
    if cfg.dataset == "shapes-classify":
        sets = []
        for split, n in (("train", cfg.train_samples), ("val", cfg.eval_samples)):
            ds = datasets.load("shapes-classify", split, n=n, size=cfg.image_size, progress=False)
            sets.append(TensorDataset(ds.images, ds.labels))  # uint8 (N, 3, H, W): 4x less to move than float
        return sets[0], sets[1]
    if cfg.dataset == "digits":
        return datasets.load("digits", "train"), datasets.load("digits", "val")
    raise UsageError(f"classify trains on shapes-classify, digits or cifar10, not {cfg.dataset!r}")


def build_model(cfg: ClassifyConfig, train_set: Dataset) -> nn.Module:
    from mlprep.errors import UsageError
    from mlprep.vision.models import ResNetMini, SmallCNN

    num_classes, in_channels = NUM_CLASSES[cfg.dataset], train_set[0][0].shape[0]
    if cfg.model == "resnet":
        return ResNetMini(cfg.depth, num_classes=num_classes, in_channels=in_channels, width=cfg.width)
    if cfg.model == "cnn":
        return SmallCNN(num_classes=num_classes, in_channels=in_channels, width=cfg.width, batchnorm=cfg.batchnorm)
    raise UsageError(f"--model must be resnet or cnn, not {cfg.model!r}")


def as_float(x: torch.Tensor) -> torch.Tensor:
    """Images to float in [-0.5, 0.5] (uint8 ones are scaled from [0, 255])."""
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
    return x - 0.5


def augment(x: torch.Tensor, flip: bool = True) -> torch.Tensor:
    """Random crop after padding by 1/8 of the side, and a random horizontal flip, per image.

    Uses the global torch RNG, which the training loop reseeds every step (exact resume).

    >>> x = torch.arange(2 * 1 * 8 * 8.).view(2, 1, 8, 8)
    >>> augment(x).shape
    torch.Size([2, 1, 8, 8])
    """
    n, _, h, w = x.shape  # (N, C, H, W)
    pad = max(1, h // 8)
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")  # (N, C, H + 2 pad, W + 2 pad)
    dy = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    dx = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    out = torch.stack([padded[i, :, y : y + h, x_ : x_ + w] for i, (y, x_) in enumerate(zip(dy, dx, strict=True))])
    if flip:
        flipped = (torch.rand(n) < 0.5).to(x.device)
        out = torch.where(flipped[:, None, None, None], out.flip(-1), out)
    return out


def loss(model: nn.Module, batch, cfg: ClassifyConfig) -> torch.Tensor:
    x, y = batch
    x = as_float(x)
    if cfg.augment:
        x = augment(x, flip=cfg.dataset in FLIP_SAFE)
    return F.cross_entropy(model(x), y, label_smoothing=cfg.label_smoothing)


@torch.no_grad()
def evaluate(model: nn.Module, loader, accelerator, cfg: ClassifyConfig) -> dict[str, float]:
    """Validation loss and accuracy over every sample once, summed across processes."""
    was_training = model.training
    model.eval()
    sums = {"loss": 0.0, "correct": 0.0, "count": 0.0}
    for x, y in loader:
        with accelerator.autocast():
            logits = model(as_float(x))
        sums["loss"] += float(F.cross_entropy(logits.float(), y, reduction="sum"))
        sums["correct"] += float((logits.argmax(1) == y).sum())
        sums["count"] += len(y)
    model.train(was_training)
    total = reduce_sums(accelerator, sums)
    return {"val_loss": total["loss"] / total["count"], "val_accuracy": total["correct"] / total["count"]}


RECIPE = Recipe(name="recipe_classify", build_data=build_data, build_model=build_model, loss=loss, evaluate=evaluate)

if __name__ == "__main__":
    raise SystemExit(main(RECIPE, ClassifyConfig, prog="python -m mlprep.recipes.classify"))
