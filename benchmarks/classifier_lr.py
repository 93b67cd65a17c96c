"""Notebook 01's three classifiers, each at its own learning rate chosen on the VALIDATION split.

    python benchmarks/classifier_lr.py               # seeds 0 1 2, about 25 CPU minutes; reruns keep what the record already holds
    python benchmarks/classifier_lr.py --seeds 0

A baseline gets the care the model gets: the MLP, the small CNN and the AlexNet-style net are
trained with the same budget (the notebook's epochs and batch size, AdamW one-cycle) at each
rate of one grid, and each keeps the rate with the best mean final validation accuracy over the
seeds (a tie goes to the lower rate). The test split is never touched. Writes
``benchmarks/results/classifier_lr.json``, which notebook 01 prints and whose choices its
parameters cell holds (``tests/test_benchmark_records.py`` keeps them equal).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

OUT = Path(__file__).with_name("results") / "classifier_lr.json"
GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
# the notebook's settings (its parameters cell): the same for all three nets
SETTING = {"size": 32, "difficulty": 0.3, "n_train": 5000, "epochs": 8, "batch": 64,
           "width_cnn": 16, "width_alexnet": 24}


def choose(accuracy_by_rate: dict[str, list[float]]) -> float:
    """The rate with the best mean validation accuracy; a tie goes to the lower rate."""
    return float(max(accuracy_by_rate, key=lambda r: (statistics.mean(accuracy_by_rate[r]), -float(r))))


def build(name: str, in_features: int):
    """The notebook's three nets, as its cells build them."""
    from mlprep.vision.models import MLP, AlexNetMini, SmallCNN

    return {"mlp": lambda: MLP(in_features),
            "cnn": lambda: SmallCNN(width=SETTING["width_cnn"], batchnorm=True),
            "alexnet": lambda: AlexNetMini(width=SETTING["width_alexnet"])}[name]()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--grid", type=float, nargs="+", default=list(GRID))
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn", "alexnet"])
    args = parser.parse_args(argv)

    import torch

    from mlprep.vision.experiments import flips, shapes_splits, train_classifier

    torch.set_num_threads(2)
    train, val, _ = shapes_splits(size=SETTING["size"], difficulty=SETTING["difficulty"], n_train=SETTING["n_train"])
    # a run already in the record (same setting) is kept, so an interrupted sweep resumes
    old = json.loads(OUT.read_text()) if OUT.is_file() else {}
    done = old.get("runs", {}) if old.get("setting") == SETTING else {}
    runs: dict[str, float] = {}
    for seed in args.seeds:
        for name in args.models:
            for lr in args.grid:
                key = f"{name} {lr:g} {seed}"
                if key in done:
                    runs[key] = done[key]
                    continue
                torch.manual_seed(seed)
                model = build(name, train.tensors[0][0].numel())
                history = train_classifier(model, train, val=val, epochs=SETTING["epochs"], lr=lr,
                                           batch_size=SETTING["batch"], augment=flips() if name == "alexnet" else None,
                                           seed=seed, progress=False, desc=name)
                runs[key] = float(history.epochs[-1]["accuracy"])
                print(f"seed {seed} {name:<8} lr {lr:<7g} validation accuracy {runs[key]:.3f}", flush=True)
                _write(args, {**done, **runs})
    chosen = _write(args, runs)
    print(f"chosen: {chosen}; written to {OUT}")
    return 0


def _write(args: argparse.Namespace, runs: dict[str, float]) -> dict[str, float]:
    """The record: every run, validation accuracy by model and rate (seeds in order), the choices."""
    from mlprep.runtime import atomic_write_text

    accuracy = {name: {str(lr): [runs[f"{name} {lr:g} {s}"] for s in args.seeds if f"{name} {lr:g} {s}" in runs]
                       for lr in args.grid} for name in args.models}
    complete = {name: rows for name, rows in accuracy.items()
                if all(len(v) == len(args.seeds) for v in rows.values())}
    chosen = {name: choose(rows) for name, rows in complete.items()}
    doc = {"seeds": args.seeds, "grid": args.grid, "setting": SETTING, "val_accuracy": accuracy,
           "chosen_lr": chosen, "runs": runs}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(doc, indent=2) + "\n")
    return chosen


if __name__ == "__main__":
    sys.exit(main())
