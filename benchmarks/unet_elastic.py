"""U-Net's elastic-deformation augmentation on few training images, as notebook 03 trains its U-Net.

    python benchmarks/unet_elastic.py               # seeds 0 1 2, about 11 minutes on 2 cores
    python benchmarks/unet_elastic.py --seeds 0

Ronneberger et al. (2015, sections 1 and 3.1) credit elastic deformations of the few training
images for learning from "very few annotated images": biomedical tissue deforms, so a deformed
cell is still a cell. This runs the comparison on notebook 03's data and model, too slow for the
notebook's budget: the U-Net trained on the first ``n`` training images for ``steps`` steps (rounded
down to whole epochs: 798 for 192 images) with random flips alone, and with flips plus
``torchvision.transforms.v2.ElasticTransform`` (one field per image, applied to image and mask
alike; torchvision's default strength, alpha 50 and sigma 5, and twice that alpha), at each
training size. Test mIoU on the notebook's 500 test images, and training mIoU to show the
overfitting. Writes ``benchmarks/results/unet_elastic.json``, which notebook 03 prints.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

OUT = Path(__file__).with_name("results") / "unet_elastic.json"
# notebook 03's parameters cell, and the sizes and strengths tried here
SETTING = {"size": 32, "difficulty": 0.1, "max_objects": 2, "scale": [0.2, 0.35], "width": 8, "depth": 3,
           "batch": 32, "lr": 5e-3, "n_test": 500, "runs": [{"n": 32, "steps": 500}, {"n": 192, "steps": 800}],
           "alphas": [50.0, 100.0], "sigma": 5.0}


def elastic_batch(alpha: float, sigma: float):
    """(images (N, 3, H, W), masks (N, H, W)) -> the same, each pair through its own
    ``v2.ElasticTransform`` draw (bilinear for the image, nearest for the mask)."""
    from torchvision import tv_tensors
    from torchvision.transforms import v2

    transform = v2.ElasticTransform(alpha=alpha, sigma=sigma)

    def apply(images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [transform(tv_tensors.Image(x), tv_tensors.Mask(y)) for x, y in zip(images, masks, strict=True)]
        return torch.stack([p[0].as_subclass(torch.Tensor) for p in pairs]), torch.stack(
            [p[1].as_subclass(torch.Tensor) for p in pairs])

    return apply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    import mlprep
    from mlprep import datasets
    from mlprep.vision.metrics import mean_iou
    from mlprep.vision.unet import UNet, predict_masks, segmentation_tensors, train_segmenter

    torch.set_num_threads(2)
    s = SETTING
    arms = {"flips": None, **{f"flips + elastic alpha {a:g}": a for a in s["alphas"]}}
    rows: list[dict] = []
    for seed in args.seeds:
        scene = dict(size=s["size"], difficulty=s["difficulty"], max_objects=s["max_objects"],
                     min_scale=s["scale"][0], max_scale=s["scale"][1], seed=seed)
        train = datasets.load("shapes-segment", "train", n=max(r["n"] for r in s["runs"]), progress=False, **scene)
        test = datasets.load("shapes-segment", "test", n=s["n_test"], progress=False, **scene)
        x_all, y_all = segmentation_tensors(train)
        x_test, y_test = segmentation_tensors(test)
        for run in s["runs"]:
            x, y = x_all[:run["n"]], y_all[:run["n"]]
            epochs = run["steps"] // (run["n"] // s["batch"])
            for arm, alpha in arms.items():
                mlprep.seed_everything(seed)
                model = UNet(train.num_classes, width=s["width"], depth=s["depth"], skip=True)
                start = time.perf_counter()
                train_segmenter(model, x, y, epochs=epochs, batch_size=s["batch"], lr=s["lr"], progress=False,
                                augment=None if alpha is None else elastic_batch(alpha, s["sigma"]))
                row = {"seed": seed, "n": run["n"], "steps": epochs * (run["n"] // s["batch"]), "arm": arm,
                       "train_miou": float(mean_iou(predict_masks(model, x), y, train.num_classes)),
                       "test_miou": float(mean_iou(predict_masks(model, x_test), y_test, train.num_classes)),
                       "seconds": time.perf_counter() - start}
                rows.append(row)
                print(f"seed {seed} n {run['n']:>4} {arm:<28} train mIoU {row['train_miou']:.3f}  "
                      f"test mIoU {row['test_miou']:.3f}  ({row['seconds']:.0f} s)", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"seeds": args.seeds, "setting": s, "rows": rows}, indent=2) + "\n")
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
