"""Notebook 01's AlexNet-style design choices, measured on the VALIDATION split (never test).

    python benchmarks/alexnet_choices.py            # seeds 0 1 2, about 10 CPU minutes
    python benchmarks/alexnet_choices.py --seeds 0

Three variants of ``AlexNetMini``, each trained exactly as notebook 01 trains its model: the
budget of ``classifier_lr.SETTING`` (8 epochs of batches of 64, AdamW one-cycle, the same data) at
the AlexNet rate that ``benchmarks/results/classifier_lr.json`` chose on validation:

- ``ours``: a global max-pool head with dropout 0.2, random flips (the notebook's model);
- ``head_2012``: the 2012 head instead, a flattened 4x4 feature map and two hidden fully
  connected layers with dropout 0.5;
- ``flips_and_shifts``: ours with random shifts (padded random crops) added to the flips.

Prints validation accuracy per seed and writes ``benchmarks/results/alexnet_choices.json``,
which notebook 01 reads to say why its model looks the way it does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).with_name("results") / "alexnet_choices.json"


class Head2012(nn.Module):
    """AlexNetMini's features without the global pool, then the 2012-style classifier."""

    def __init__(self, width: int = 24, num_classes: int = 6, hidden: int = 128) -> None:
        super().__init__()
        from mlprep.vision.models import AlexNetMini

        base = AlexNetMini(width=width, num_classes=num_classes)
        self.features = nn.Sequential(*list(base.features)[:-1], nn.AdaptiveMaxPool2d(4))  # (N, 4w, 4, 4)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * width * 16, hidden), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    from torchvision.transforms import v2

    from mlprep.vision.experiments import accuracy_on, flips, shapes_splits, train_classifier
    from mlprep.vision.models import AlexNetMini

    torch.set_num_threads(2)
    sys.path.insert(0, str(Path(__file__).parent))
    from classifier_lr import OUT as RATES
    from classifier_lr import SETTING

    lr = json.loads(RATES.read_text())["chosen_lr"]["alexnet"]
    train, val, _test = shapes_splits(size=SETTING["size"], difficulty=SETTING["difficulty"],
                                      n_train=SETTING["n_train"])  # test unused
    shifts = v2.Compose([v2.RandomHorizontalFlip(), v2.RandomVerticalFlip(), v2.RandomCrop(32, padding=4)])
    width = SETTING["width_alexnet"]
    variants = {"ours": (lambda: AlexNetMini(width=width), flips()),
                "head_2012": (lambda: Head2012(width=width), flips()),
                "flips_and_shifts": (lambda: AlexNetMini(width=width), shifts)}
    scores: dict[str, list[float]] = {name: [] for name in variants}
    for seed in args.seeds:
        for name, (make, augment) in variants.items():
            torch.manual_seed(seed)
            model = make()
            train_classifier(model, train, val=val, epochs=SETTING["epochs"], lr=lr, batch_size=SETTING["batch"],
                             augment=augment, seed=seed, progress=False, desc=name)
            scores[name].append(accuracy_on(model, val))
            print(f"seed {seed} {name:<17} validation accuracy {scores[name][-1]:.3f}", flush=True)
    summary = {name: {"val_accuracy": s, "mean": statistics.mean(s)} for name, s in scores.items()}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"seeds": args.seeds, "variants": summary, "lr": lr,
                               "setting": {**SETTING, "split": "validation"}}, indent=2) + "\n")
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
