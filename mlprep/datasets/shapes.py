"""The three views of the ``shapes`` scenes: classify, segment and detect.

Scenes are rendered once per (view, split, size, difficulty, seed, n), cached under
``MLPREP_DATA`` with a checksum, and held in memory as uint8 arrays.

>>> ds = ShapesClassify("val", n=8, size=32, cache=False)
>>> image, label = ds[0]
>>> tuple(image.shape), image.dtype, 0 <= label < len(ds.classes)
((3, 32, 32), torch.float32, True)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from mlprep.datasets.cache import cached_arrays
from mlprep.datasets.scenes import CLASSES, SPLITS, SceneConfig, generate_scene
from mlprep.progress import progress_bar
from mlprep.runtime import atomic_write_text, data_dir

CACHE_VERSION = 2
DEFAULT_N = {"train": 5000, "val": 1000, "test": 1000}
_VIEW_DEFAULTS = {
    "classify": dict(min_objects=1, max_objects=1, min_scale=0.14, max_scale=0.3),
    "segment": dict(min_objects=1, max_objects=4, min_scale=0.09, max_scale=0.24),
    "detect": dict(min_objects=1, max_objects=4, min_scale=0.09, max_scale=0.24),
}


def render(view: str, split: str, n: int, config: SceneConfig, seed: int, progress: bool = True) -> dict[str, np.ndarray]:
    """Render ``n`` scenes into flat arrays: images, instance maps and a per-object table."""
    images = np.empty((n, config.size, config.size, 3), dtype=np.uint8)
    instances = np.empty((n, config.size, config.size), dtype=np.uint8)
    obj_image, obj_label, obj_box = [], [], []
    for i in progress_bar(range(n), desc=f"shapes-{view}/{split}", disable=not progress, leave=False):
        scene = generate_scene(config, seed, split, i)
        images[i], instances[i] = scene.image, scene.instances
        obj_image += [i] * len(scene.labels)
        obj_label += scene.labels.tolist()
        obj_box += scene.boxes.tolist()
    return {
        "images": images,
        "instances": instances,
        "obj_image": np.array(obj_image, dtype=np.int64),
        "obj_label": np.array(obj_label, dtype=np.int64),
        "obj_box": np.array(obj_box, dtype=np.float32).reshape(-1, 4),
    }


class _Shapes(Dataset):
    view = ""

    def __init__(
        self,
        split: str = "train",
        *,
        n: int | None = None,
        size: int = 64,
        difficulty: float = 0.5,
        seed: int = 0,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        cache: bool = True,
        progress: bool = True,
        **scene_options: Any,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r} for shapes-{self.view}; valid: {', '.join(SPLITS)}")
        self.split, self.seed, self.transform = split, int(seed), transform
        self.n = int(n if n is not None else DEFAULT_N[split])
        self.config = SceneConfig(size=size, difficulty=difficulty, **{**_VIEW_DEFAULTS[self.view], **scene_options})
        self.classes = CLASSES

        def build() -> dict[str, np.ndarray]:
            return render(self.view, split, self.n, self.config, self.seed, progress)

        if cache:
            c = self.config
            key = (
                f"shapes-{self.view}-{split}-n{self.n}-s{c.size}-d{c.difficulty:g}-o{c.min_objects}-{c.max_objects}"
                f"-r{c.min_scale:g}-{c.max_scale:g}-seed{self.seed}-v{CACHE_VERSION}"
            )
            arrays = cached_arrays(data_dir() / "shapes", key, build)
        else:
            arrays = build()
        self.images = torch.from_numpy(arrays["images"]).permute(0, 3, 1, 2).contiguous()  # (N, 3, H, W) uint8
        self.instances = torch.from_numpy(arrays["instances"])  # (N, H, W) uint8
        self.obj_image = torch.from_numpy(arrays["obj_image"])
        self.obj_label = torch.from_numpy(arrays["obj_label"])
        self.obj_box = torch.from_numpy(arrays["obj_box"])
        # Where each image's objects start in the per-object table.
        self._offsets = torch.searchsorted(self.obj_image, torch.arange(self.n + 1))

    def __len__(self) -> int:
        return self.n

    def image(self, index: int) -> torch.Tensor:
        """(3, H, W) float image in [0, 1], after ``transform``."""
        x = self.images[index].float().div_(255)
        return self.transform(x) if self.transform is not None else x

    def objects(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """0-based labels (K,) and XYXY boxes (K, 4) of image ``index``."""
        lo, hi = int(self._offsets[index]), int(self._offsets[index + 1])
        return self.obj_label[lo:hi], self.obj_box[lo:hi]

    def scene(self, index: int):
        """Re-render item ``index`` from its seed (the cache holds the same pixels)."""
        return generate_scene(self.config, self.seed, self.split, index)


class ShapesClassify(_Shapes):
    """One labelled shape per image, plus clutter: ``(image (3, H, W) float, label int)``."""

    view = "classify"

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        labels, _ = self.objects(index)
        return self.image(index), int(labels[0])

    @property
    def labels(self) -> torch.Tensor:
        """(N,) class index of every image."""
        return self.obj_label[self._offsets[:-1]]


class ShapesSegment(_Shapes):
    """``(image (3, H, W) float, mask (H, W) int64)``: 0 is background, c + 1 is class c."""

    view = "segment"

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels, _ = self.objects(index)
        lut = torch.cat([torch.zeros(1, dtype=torch.int64), labels + 1])
        return self.image(index), lut[self.instances[index].long()]

    @property
    def num_classes(self) -> int:
        return len(self.classes) + 1


class ShapesDetect(_Shapes):
    """``(image, target)`` in torchvision's detection format: ``boxes`` (K, 4) XYXY float,
    ``labels`` (K,) int64 with 1..C for the classes (0 is background), ``masks`` (K, H, W)
    uint8, ``image_id``, ``area``, ``iscrowd``. Use :func:`detection_collate` with a
    DataLoader."""

    view = "detect"

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        labels, boxes = self.objects(index)
        inst = self.instances[index]
        masks = (inst[None] == torch.arange(1, len(labels) + 1, dtype=inst.dtype)[:, None, None]).to(torch.uint8)
        target = {
            "boxes": boxes.clone(),
            "labels": labels + 1,
            "masks": masks,
            "image_id": torch.tensor(index),
            "area": masks.flatten(1).sum(1).float(),
            "iscrowd": torch.zeros(len(labels), dtype=torch.int64),
        }
        return self.image(index), target

    def export_coco(self, path: str | Path) -> Path:
        """Write COCO-format JSON (boxes as [x, y, w, h], RLE masks) for ``pycocotools.coco.COCO``."""
        from pycocotools import mask as mask_utils

        size = self.config.size
        images, annotations = [], []
        for i in range(self.n):
            images.append({"id": i, "file_name": f"{self.split}_{i:06d}.png", "width": size, "height": size})
            labels, boxes = self.objects(i)
            inst = self.instances[i].numpy()
            for k, (label, box) in enumerate(zip(labels.tolist(), boxes.tolist(), strict=True), start=1):
                m = np.asfortranarray((inst == k).astype(np.uint8))
                rle = mask_utils.encode(m)
                rle["counts"] = rle["counts"].decode("ascii")
                x1, y1, x2, y2 = box
                annotations.append({
                    "id": len(annotations) + 1, "image_id": i, "category_id": label + 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1], "area": float(m.sum()),
                    "segmentation": rle, "iscrowd": 0,
                })
        categories = [{"id": c + 1, "name": name, "supercategory": "shape"} for c, name in enumerate(self.classes)]
        doc = {"info": {"description": f"mlprep shapes-detect {self.split}"}, "images": images,
               "annotations": annotations, "categories": categories}
        return atomic_write_text(path, json.dumps(doc))


def detection_collate(batch: list) -> tuple[tuple, tuple]:
    """Keep images and targets as tuples: detection targets differ in size per image."""
    return tuple(zip(*batch, strict=True))  # type: ignore[return-value]
