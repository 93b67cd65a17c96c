"""Notebook 01's augmentation ablation: each arm's learning rate chosen on the VALIDATION split.

    python benchmarks/augmentation_lr.py            # seeds 0 1 2, about 3 CPU minutes
    python benchmarks/augmentation_lr.py --seeds 0

AlexNet's section 4.1: without data augmentation the network "suffers from substantial
overfitting". The notebook tests that where it should matter, on a small training set: the same
``AlexNetMini`` trained on the first ``n_small`` training images with random flips and without,
the same budget (``epochs`` of batches of ``batch``, AdamW one-cycle). Each arm gets its own rate:
at every rate of one grid, mean final validation accuracy over the seeds; the best wins (a tie
goes to the lower rate). The test split is never touched. Writes
``benchmarks/results/augmentation_lr.json``, which notebook 01 prints and whose choices its
parameters cell holds (``tests/test_benchmark_records.py`` keeps them equal).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from classifier_lr import choose  # noqa: E402  (the same rule: best mean validation accuracy, ties to the lower rate)

OUT = Path(__file__).with_name("results") / "augmentation_lr.json"
GRID = (3e-3, 1e-2, 3e-2, 1e-1)
# the notebook's settings (its parameters cell)
SETTING = {"size": 32, "difficulty": 0.3, "n_train": 5000, "n_small": 500, "epochs": 40, "batch": 64, "width": 16}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    from torch.utils.data import TensorDataset

    from mlprep.vision.experiments import accuracy_on, flips, shapes_splits, train_classifier
    from mlprep.vision.models import AlexNetMini

    torch.set_num_threads(2)
    train, val, _test = shapes_splits(size=SETTING["size"], difficulty=SETTING["difficulty"],
                                      n_train=SETTING["n_train"])  # test unused
    small = TensorDataset(*(t[:SETTING["n_small"]] for t in train.tensors))
    arms = {"plain": None, "flips": flips}
    scores: dict[str, dict[str, list[float]]] = {arm: {str(lr): [] for lr in GRID} for arm in arms}
    for seed in args.seeds:
        for arm, augment in arms.items():
            for lr in GRID:
                torch.manual_seed(seed)
                model = AlexNetMini(width=SETTING["width"])
                train_classifier(model, small, epochs=SETTING["epochs"], lr=lr, batch_size=SETTING["batch"],
                                 augment=augment() if augment else None, seed=seed, progress=False, desc=arm)
                scores[arm][str(lr)].append(accuracy_on(model, val))
                print(f"seed {seed} {arm:<6} lr {lr:<6g} validation accuracy {scores[arm][str(lr)][-1]:.3f}", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"seeds": args.seeds, "grid": list(GRID), "val_accuracy": scores,
                               "chosen_lr": {arm: choose(rows) for arm, rows in scores.items()},
                               "setting": {**SETTING, "split": "validation"}}, indent=2) + "\n")
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
