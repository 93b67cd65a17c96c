"""Object detection with torchvision's Faster R-CNN, trained from scratch (nothing downloaded).

    python -m mlprep.recipes.detect --dataset shapes-detect --epochs 10 --out runs/detect
    python -m mlprep.recipes.detect --dataset penn-fudan --data-dir ~/data/PennFudanPed --epochs 20
    accelerate launch --num_processes 2 -m mlprep.recipes.detect --dataset shapes-detect --epochs 10

Datasets: ``shapes-detect`` (generated, 6 classes) or ``penn-fudan``, a local folder in the
Penn-Fudan layout (``PNGImages/`` + ``PedMasks/``, one class) given with ``--data-dir``.
Models (``--model``): ``small``, the notebook's detector (:func:`mlprep.vision.frcnn.small_faster_rcnn`,
images kept at their size, anchors scaled with ``--image-size``), the default for
shapes-detect; ``mobilenet``, torchvision's MobileNetV3-Large FPN version (images resized to
``--min-size``), the default for photos. Reports COCO-style mAP (``val_map``, averaged over
IoU 0.50:0.95) and ``val_map50``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import Dataset

from mlprep.datasets.shapes import detection_collate
from mlprep.recipes import main
from mlprep.recipes.config import RecipeConfig
from mlprep.recipes.engine import Recipe

__all__ = ["DetectConfig", "RECIPE", "build_data", "build_model"]


@dataclass
class DetectConfig(RecipeConfig):
    dataset: str = "shapes-detect"
    out: str = "runs/detect"
    epochs: int = 10
    batch_size: int = 8
    lr: float = 5e-4
    min_lr: float = 5e-6
    warmup_steps: int = 200
    weight_decay: float = 1e-4
    grad_clip: float | None = 10.0  # a young RPN can produce huge box-regression losses
    eval_samples: int | None = 300
    model: str = "auto"  # small (shapes-detect's default) or mobilenet (penn-fudan's default)
    width: int = 32  # small: channels of the backbone's first block
    min_size: int = 320  # mobilenet: images are resized so the shorter side is this
    max_size: int = 640
    train_samples: int | None = None  # shapes-detect: how many scenes to generate (default 5000)
    image_size: int = 64  # shapes-detect only


def build_data(cfg: DetectConfig) -> tuple[Dataset, Dataset]:
    from mlprep import datasets
    from mlprep.errors import UsageError
    from mlprep.recipes.data import PennFudan

    if cfg.dataset == "shapes-detect":
        return (datasets.load("shapes-detect", "train", n=cfg.train_samples, size=cfg.image_size, progress=False),
                datasets.load("shapes-detect", "val", n=cfg.eval_samples, size=cfg.image_size, progress=False))
    if cfg.dataset == "penn-fudan":
        if not cfg.data_dir:
            raise UsageError("penn-fudan needs --data-dir pointing at the unzipped PennFudanPed folder "
                             "(PNGImages/ and PedMasks/)")
        return PennFudan(cfg.data_dir, "train"), PennFudan(cfg.data_dir, "val")
    raise UsageError(f"detect trains on shapes-detect or penn-fudan, not {cfg.dataset!r}")


def build_model(cfg: DetectConfig, train_set: Dataset) -> nn.Module:
    """Faster R-CNN with random weights: the small CNN backbone or MobileNetV3-Large FPN."""
    from mlprep.errors import UsageError

    num_classes = len(train_set.classes) + 1  # + background, torchvision's label 0
    model = cfg.model if cfg.model != "auto" else ("small" if cfg.dataset == "shapes-detect" else "mobilenet")
    if model == "small":
        from mlprep.vision.frcnn import small_faster_rcnn

        scale = cfg.image_size / 64  # its anchors suit objects in 64-pixel scenes
        return small_faster_rcnn(num_classes, image_size=cfg.image_size, width=cfg.width,
                                 anchor_sizes=tuple(s * scale for s in (12.0, 20.0, 32.0)))
    if model == "mobilenet":
        from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn

        return fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None, num_classes=num_classes,
                                                     min_size=cfg.min_size, max_size=cfg.max_size)
    raise UsageError(f"--model must be auto, small or mobilenet, not {cfg.model!r}")


def loss(model: nn.Module, batch, cfg: DetectConfig) -> torch.Tensor:
    images, targets = batch
    parts = model(list(images), [{k: t[k] for k in ("boxes", "labels")} for t in targets])  # dict of 4 losses
    return sum(parts.values())


@torch.no_grad()
def evaluate(model: nn.Module, loader, accelerator, cfg: DetectConfig) -> dict[str, float]:
    """COCO mAP over the validation images, every process's detections gathered first."""
    from accelerate.utils import gather_object

    from mlprep.vision.metrics import mean_average_precision

    was_training = model.training
    model.eval()
    predictions, truths = [], []
    for images, targets in loader:
        with accelerator.autocast():
            outputs = model(list(images))
        predictions += [{k: v.float().cpu() if k != "labels" else v.cpu() for k, v in p.items()} for p in outputs]
        truths += [{"boxes": t["boxes"].cpu(), "labels": t["labels"].cpu()} for t in targets]
    model.train(was_training)
    if accelerator.num_processes > 1:  # each process saw its own images: pool them (lists of dicts)
        predictions, truths = gather_object(predictions), gather_object(truths)
    scores = mean_average_precision(predictions, truths)
    return {"val_map": float(scores["map"]), "val_map50": float(scores["map50"])}


RECIPE = Recipe(name="recipe_detect", build_data=build_data, build_model=build_model, loss=loss, evaluate=evaluate,
                collate=detection_collate)

if __name__ == "__main__":
    raise SystemExit(main(RECIPE, DetectConfig, prog="python -m mlprep.recipes.detect"))
