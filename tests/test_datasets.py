from __future__ import annotations

import hashlib
import subprocess
import sys
import warnings

import pytest
import torch
from torch.utils.data import DataLoader

from mlprep import datasets
from mlprep.datasets import shakespeare
from mlprep.datasets.cache import CorruptCacheWarning
from mlprep.datasets.scenes import SceneConfig, generate_scene
from mlprep.datasets.shapes import detection_collate
from mlprep.errors import UsageError

SCRIPT = (
    "import hashlib; from mlprep.datasets.scenes import SceneConfig, generate_scene;"
    "s = generate_scene(SceneConfig(size=48, max_objects=3), 5, 'val', 11);"
    "print(hashlib.sha256(s.image.tobytes() + s.instances.tobytes()).hexdigest())"
)


def test_scene_is_the_same_in_another_process():
    here = generate_scene(SceneConfig(size=48, max_objects=3), 5, "val", 11)
    digest = hashlib.sha256(here.image.tobytes() + here.instances.tobytes()).hexdigest()
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest


def test_small_images_with_clutter_render():
    # clutter disks have a radius drawn up to 4% of the side: below 25 px that range was empty
    for index in range(20):
        scene = generate_scene(SceneConfig(size=16, difficulty=1.0), 0, "train", index)
        assert scene.image.shape[:2] == (16, 16)


def test_same_items_with_any_number_of_workers(tmp_home):
    ds = datasets.load("shapes-segment", "train", n=24, size=32, progress=False)
    serial = [b for b in DataLoader(ds, batch_size=8)]
    parallel = [b for b in DataLoader(ds, batch_size=8, num_workers=2)]
    for (x0, y0), (x1, y1) in zip(serial, parallel, strict=True):
        assert torch.equal(x0, x1) and torch.equal(y0, y1)
    # Cached pixels equal a fresh render from (seed, split, index).
    scene = ds.scene(7)
    assert torch.equal(ds.images[7], torch.from_numpy(scene.image).permute(2, 0, 1))


def test_splits_are_disjoint_seed_streams(tmp_home):
    train = datasets.load("shapes-classify", "train", n=16, size=32, progress=False)
    test = datasets.load("shapes-classify", "test", n=16, size=32, progress=False)
    assert not any(torch.equal(a, b) for a in train.images for b in test.images)


def test_views_have_the_documented_formats(tmp_home):
    image, label = datasets.load("shapes-classify", "val", n=4, size=32, progress=False)[0]
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32 and 0 <= label < 6
    seg = datasets.load("shapes-segment", "val", n=4, size=32, progress=False)
    _, mask = seg[0]
    assert mask.shape == (32, 32) and mask.dtype == torch.int64 and int(mask.max()) < seg.num_classes
    det = datasets.load("shapes-detect", "val", n=8, size=48, progress=False)
    images, targets = detection_collate([det[i] for i in range(4)])
    for t in targets:
        assert t["boxes"].shape[1] == 4 and (t["labels"] >= 1).all() and (t["labels"] <= 6).all()
        assert (t["boxes"][:, 2:] > t["boxes"][:, :2]).all()
        assert t["masks"].shape[0] == len(t["labels"])
    assert len(set(len(t["labels"]) for t in (det[i][1] for i in range(8)))) > 1  # 1..N objects


def test_difficulty_is_validated():
    with pytest.raises(ValueError, match="difficulty"):
        SceneConfig(difficulty=2.0)


def test_coco_export_loads_in_pycocotools(tmp_home, tmp_path):
    from pycocotools.coco import COCO

    det = datasets.load("shapes-detect", "test", n=6, size=48, progress=False)
    path = det.export_coco(tmp_path / "coco.json")
    coco = COCO(str(path))
    assert len(coco.getImgIds()) == 6
    assert len(coco.getAnnIds()) == sum(len(det[i][1]["labels"]) for i in range(6))
    ann = coco.loadAnns(coco.getAnnIds(imgIds=[0]))[0]
    assert coco.annToMask(ann).sum() == ann["area"]


def test_corrupt_cache_is_detected_and_regenerated(tmp_home):
    ds = datasets.load("shapes-classify", "val", n=8, size=32, progress=False)
    files = list((tmp_home / "data" / "shapes").glob("*.npz"))
    assert len(files) == 1
    raw = bytearray(files[0].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    files[0].write_bytes(bytes(raw))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = datasets.load("shapes-classify", "val", n=8, size=32, progress=False)
    assert any(issubclass(w.category, CorruptCacheWarning) for w in caught)
    assert torch.equal(ds.images, again.images)


def test_shakespeare_splits_hold_out_whole_plays():
    plays = {split: {s.play for s in shakespeare.speeches(split)} for split in ("train", "val", "test")}
    assert plays["val"] == set(shakespeare.VAL_PLAYS) and plays["test"] == set(shakespeare.TEST_PLAYS)
    assert not plays["train"] & plays["val"] and not plays["train"] & plays["test"]
    assert not plays["val"] & plays["test"]
    assert len(plays["train"]) + 12 == len({r.play for r in shakespeare.records()})


def test_shakespeare_views():
    chars = datasets.load("shakespeare-chars", "val", block_size=32)
    x, y = chars[3]
    assert x.shape == (32,) and torch.equal(x[1:], y[:-1])
    assert chars.decode(chars.encode("ROMEO:\nO, she doth teach")) == "ROMEO:\nO, she doth teach"
    assert chars.text.startswith(chars.decode(chars.data[:20]))
    speeches = datasets.load("shakespeare-speeches", "test", min_words=5)
    text, label = speeches[0]
    assert len(text.split()) >= 5 and speeches.classes[label] in shakespeare.GENRES
    assert shakespeare.GENRES == ("comedy", "history", "tragedy")
    assert {s.genre for s in shakespeare.records() if s.category == "roman"} == {"tragedy"}
    words = datasets.load("shakespeare-words", "train")
    assert all(w == w.lower() for w in words[0])


def test_digits_split_sizes():
    sizes = [len(datasets.load("digits", s)) for s in ("train", "val", "test")]
    assert sum(sizes) == 1797 and sizes[0] > sizes[1] > 0


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(UsageError, match="available: .*shapes-classify"):
        datasets.load("imagenet")
    with pytest.raises(UsageError, match="valid: train, val, test"):
        datasets.load("digits", split="holdout")
