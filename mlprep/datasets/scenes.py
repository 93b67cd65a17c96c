"""Procedural scenes of coloured shapes: the offline stand-in for real vision datasets.

Every scene is a pure function of ``(seed, split, index)``: the same item comes out in any
process and with any number of DataLoader workers. A scene has a textured background
(noise plus the CC0 textures bundled with scikit-image), distractor clutter (lines and
blobs that belong to no class) and 1..N shapes with random colour, size, rotation and
position that may partly occlude each other.

>>> cfg = SceneConfig(size=32)
>>> a = generate_scene(cfg, seed=0, split="train", index=7)
>>> b = generate_scene(cfg, seed=0, split="train", index=7)
>>> bool((a.image == b.image).all()), a.image.shape, a.image.dtype.name
(True, (32, 32, 3), 'uint8')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from skimage import draw

CLASSES = ("circle", "square", "triangle", "star", "cross", "crescent")
SPLITS = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class SceneConfig:
    """What a scene looks like. ``difficulty`` in [0, 1] scales clutter, noise, object size
    and how close an object's colour may come to its background."""

    size: int = 64
    min_objects: int = 1
    max_objects: int = 1
    difficulty: float = 0.5
    min_scale: float = 0.10  # object radius as a fraction of the image side
    max_scale: float = 0.26

    def __post_init__(self) -> None:
        if not 16 <= self.size <= 1024:
            raise ValueError(f"size must be in [16, 1024], got {self.size}")
        if not 1 <= self.min_objects <= self.max_objects:
            raise ValueError("need 1 <= min_objects <= max_objects")
        if not 0.0 <= self.difficulty <= 1.0:
            raise ValueError(f"difficulty must be in [0, 1], got {self.difficulty}")


@dataclass
class Scene:
    image: np.ndarray  # (H, W, 3) uint8
    instances: np.ndarray  # (H, W) uint8: 0 background, k = k-th object (1-based)
    labels: np.ndarray  # (K,) int64, 0-based class index into CLASSES
    boxes: np.ndarray  # (K, 4) float32 XYXY, pixel edges (x2 - x1 = width in pixels)

    @property
    def semantic(self) -> np.ndarray:
        """(H, W) uint8: 0 background, c + 1 for class c."""
        lut = np.concatenate([[0], self.labels + 1]).astype(np.uint8)
        return lut[self.instances]


@functools.lru_cache(maxsize=1)
def _textures() -> tuple[np.ndarray, ...]:
    from skimage import data

    # CC0 textures shipped inside scikit-image: no download.
    return tuple(getattr(data, n)().astype(np.float32) / 255.0 for n in ("brick", "grass", "gravel"))


def _background(rng: np.random.Generator, size: int, difficulty: float) -> np.ndarray:
    textures = _textures()
    tex = textures[rng.integers(len(textures))]
    step = int(rng.integers(1, 4))  # zoom level of the texture
    span = size * step
    y, x = rng.integers(0, tex.shape[0] - span, size=2)
    patch = tex[y : y + span : step, x : x + span : step]  # (S, S)
    patch = (patch - patch.mean()) * (0.1 + 0.5 * difficulty)
    base = rng.uniform(0.15, 0.85, size=3).astype(np.float32)
    tint = rng.uniform(0.5, 1.0, size=3).astype(np.float32)
    return np.clip(base + patch[..., None] * tint, 0.0, 1.0)


def _clutter(rng: np.random.Generator, img: np.ndarray, difficulty: float) -> None:
    size = img.shape[0]
    for _ in range(int(rng.poisson(0.5 + 3 * difficulty))):
        colour = rng.uniform(0, 1, size=3)
        if rng.random() < 0.5:
            r0, c0, r1, c1 = rng.integers(0, size, size=4)
            rr, cc = draw.line(r0, c0, r1, c1)
        else:
            rr, cc = draw.disk(tuple(rng.integers(0, size, size=2)), rng.uniform(1, max(1.0, size * 0.04)), shape=img.shape[:2])  # images under 25 px: radius 1
        img[rr, cc] = colour


def _polygon(kind: str, r: float) -> np.ndarray:
    """Vertices (V, 2) as (row, col) offsets for a shape of radius ``r`` before rotation."""
    if kind == "circle":
        t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
        return np.stack([np.sin(t), np.cos(t)], 1) * r
    if kind == "square":
        t = np.pi / 4 + np.arange(4) * np.pi / 2
        return np.stack([np.sin(t), np.cos(t)], 1) * r
    if kind == "triangle":
        t = -np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        return np.stack([np.sin(t), np.cos(t)], 1) * r * 1.1
    if kind == "star":
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, r * 1.1, r * 0.45)
        return np.stack([np.sin(t) * rad, np.cos(t) * rad], 1)
    if kind == "cross":
        a, b = r, r * 0.36
        pts = [(-a, -b), (-a, b), (-b, b), (-b, a), (b, a), (b, b), (a, b), (a, -b), (b, -b), (b, -a), (-b, -a), (-b, -b)]
        return np.array(pts, dtype=np.float64)
    raise ValueError(kind)


def _shape_mask(kind: str, centre: np.ndarray, r: float, angle: float, size: int) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    if kind == "crescent":
        rr, cc = draw.disk(tuple(centre), r, shape=mask.shape)
        mask[rr, cc] = True
        offset = 0.55 * r * np.array([np.sin(angle), np.cos(angle)])
        rr, cc = draw.disk(tuple(centre + offset), 0.85 * r, shape=mask.shape)
        mask[rr, cc] = False
        return mask
    verts = _polygon(kind, r)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    verts = verts @ rot.T + centre
    rr, cc = draw.polygon(verts[:, 0], verts[:, 1], shape=mask.shape)
    mask[rr, cc] = True
    return mask


def generate_scene(config: SceneConfig, seed: int, split: str, index: int) -> Scene:
    """Render scene ``index`` of ``split`` for ``seed``; a pure function of its arguments."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    # Splits draw from disjoint seed streams: the entropy tuple includes the split code.
    rng = np.random.default_rng([int(seed), SPLITS[split], int(index)])
    size, difficulty = config.size, config.difficulty
    img = _background(rng, size, difficulty)
    _clutter(rng, img, difficulty)
    instances = np.zeros((size, size), dtype=np.uint8)
    labels: list[int] = []
    n = int(rng.integers(config.min_objects, config.max_objects + 1))
    lo = config.min_scale * size
    hi = config.max_scale * size * (1.0 - 0.25 * difficulty)
    for _ in range(n):
        label = int(rng.integers(len(CLASSES)))
        for _attempt in range(12):
            r = rng.uniform(lo, max(lo, hi))
            centre = rng.uniform(r * 0.8, size - r * 0.8, size=2)
            mask = _shape_mask(CLASSES[label], centre, r, rng.uniform(0, 2 * np.pi), size)
            if mask.sum() < 12:
                continue
            # Allow partial occlusion, not burial: each earlier object keeps >= 60% of itself.
            covered = instances[mask]
            if covered.any():
                counts = np.bincount(covered, minlength=len(labels) + 1)[1:]
                visible = np.bincount(instances.ravel(), minlength=len(labels) + 1)[1:]
                if np.any(counts > 0.4 * np.maximum(visible, 1)):
                    continue
            break
        else:
            continue
        local = img[mask].mean(0)
        min_dist = 0.6 - 0.3 * difficulty  # how different the object is from what is under it
        for _attempt in range(20):
            colour = rng.uniform(0, 1, size=3)
            if np.linalg.norm(colour - local) >= min_dist:
                break
        shade = 1.0 + rng.normal(0, 0.04 + 0.08 * difficulty, size=(int(mask.sum()), 1))
        img[mask] = np.clip(colour * shade, 0, 1)
        labels.append(label)
        instances[mask] = len(labels)
    img += rng.normal(0, 0.01 + 0.04 * difficulty, size=img.shape)
    image = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    # Drop objects that a later one hid almost completely, and renumber the rest.
    keep, boxes = [], []
    for k in range(1, len(labels) + 1):
        rows, cols = np.nonzero(instances == k)
        if rows.size >= 8:
            keep.append(k)
            boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
    remap = np.zeros(len(labels) + 1, dtype=np.uint8)
    remap[keep] = np.arange(1, len(keep) + 1)
    return Scene(
        image=image,
        instances=remap[instances],
        labels=np.array([labels[k - 1] for k in keep], dtype=np.int64),
        boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
    )
