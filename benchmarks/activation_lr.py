"""Notebook 01's ReLU-vs-tanh race with a learning rate tuned for each activation, as in the
AlexNet paper's Figure 1 ("the learning rates for each network were chosen independently to make
training as fast as possible").

    python benchmarks/activation_lr.py               # seeds 0 1 2, about 5 CPU minutes
    python benchmarks/activation_lr.py --seeds 0

For each activation and each rate of a small grid, the race's CNN is trained exactly as
``classification.relu_vs_tanh`` trains it (SGD with momentum, the notebook's
data, batch size, width and step cap) and the steps to the training-error target are counted; a run that
never gets there counts as the cap. The fastest rate by the median over seeds is each
activation's choice (a tie goes to the lower mean). Only training images are used (the criterion is training speed, the paper's);
validation and test are never touched. Writes ``benchmarks/results/activation_lr.json``, which
notebook 01 prints and whose choices its parameters cell holds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

OUT = Path(__file__).with_name("results") / "activation_lr.json"
GRID = (0.01, 0.02, 0.05, 0.1, 0.2)
# the notebook's settings (its parameters cell; tests/test_benchmark_records.py keeps them equal)
SETTING = {"size": 32, "difficulty": 0.3, "n_train": 5000, "target": 0.6, "max_steps": 2400, "width": 16, "batch": 32}


def choose(steps_by_rate: dict[str, list[int]]) -> float:
    """The rate with the fewest median steps to the target; a tie goes to the lower mean, then the lower rate."""
    return float(min(steps_by_rate, key=lambda r: (statistics.median(steps_by_rate[r]),
                                                   statistics.mean(steps_by_rate[r]), float(r))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--grid", type=float, nargs="+", default=list(GRID))
    args = parser.parse_args(argv)

    from mlprep.runtime import atomic_write_text, seed_everything
    from mlprep.vision import classification
    from mlprep.vision.experiments import shapes_splits, steps_to_target

    target, max_steps = SETTING["target"], SETTING["max_steps"]
    steps: dict[str, dict[str, list[int]]] = {"relu": {}, "tanh": {}}
    train, _, _ = shapes_splits(size=SETTING["size"], difficulty=SETTING["difficulty"],
                                n_train=SETTING["n_train"])  # seed-free data
    for seed in args.seeds:
        seed_everything(seed)
        for lr in args.grid:
            curves = classification.relu_vs_tanh(train, target=target, max_steps=max_steps, width=SETTING["width"],
                                                 lr=lr, batch_size=SETTING["batch"], seed=seed)
            for act, history in curves.items():
                n = steps_to_target(history, target) or max_steps
                steps[act].setdefault(str(lr), []).append(n)
                print(f"seed {seed} lr {lr:<5} {act}: {n} steps" + (" (cap)" if n == max_steps else ""), flush=True)
    chosen = {act: choose(rows) for act, rows in steps.items()}
    doc = {"seeds": args.seeds, "grid": args.grid, "target": target, "max_steps": max_steps,
           "steps": steps, "chosen_lr": chosen,
           "median_steps_at_chosen": {a: statistics.median(steps[a][str(chosen[a])]) for a in chosen}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(doc, indent=2) + "\n")
    print(f"chosen: {chosen}; written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
