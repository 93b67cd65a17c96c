"""Run notebooks 01 and 02's training functions with other seeds and print whether each claim holds.

    python benchmarks/classification_seeds.py               # seeds 1 and 2, both notebooks
    python benchmarks/classification_seeds.py --seeds 3 --only 02

Slow (about the two notebooks' training time per seed, ~4-5 CPU minutes); not part of CI.
It calls the same functions as the notebooks (``mlprep.vision.classification``) with their defaults.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from mlprep.results import evaluate_targets
from mlprep.vision import classification
from mlprep.vision.experiments import accuracy_on, steps_to_target

TARGETS_01 = {
    "alexnet_test_accuracy": ">= 0.95",
    "alexnet_test_accuracy - mlp_test_accuracy": ">= 0.10",
    "relu_steps_to_target": "< tanh_steps_to_target",
    "digits_test_accuracy": ">= 0.97",
}
TARGETS_02 = {
    "plain_deep_train_error": "> plain_shallow_train_error",
    "resnet_deep_train_error": "< plain_deep_train_error",
    "resnet_deep_test_accuracy": ">= 0.95",
}


def notebook_01(seed: int, data: tuple) -> dict[str, float]:
    train, val, test = data
    mlp, _ = classification.fit_mlp(train, val, seed=seed, progress=False)
    cnn, _ = classification.fit_small_cnn(train, val, seed=seed, progress=False)
    alexnet, _ = classification.fit_alexnet(train, val, seed=seed, progress=False)
    target, cap = 0.6, 2400  # the notebook's RELU_TANH_TARGET and RELU_TANH_MAX_STEPS
    curves = classification.relu_vs_tanh(train, target=target, max_steps=cap, seed=seed)
    digits, _, digits_test = classification.fit_digits(seed=seed, progress=False)
    return {
        "mlp_test_accuracy": accuracy_on(mlp, test),
        "cnn_test_accuracy": accuracy_on(cnn, test),
        "alexnet_test_accuracy": accuracy_on(alexnet, test),
        "relu_steps_to_target": steps_to_target(curves["relu"], target) or cap,
        "tanh_steps_to_target": steps_to_target(curves["tanh"], target) or cap,
        "digits_test_accuracy": accuracy_on(digits, digits_test),
    }


def notebook_02(seed: int, data: tuple) -> dict[str, float]:
    train, _, test = data
    runs = classification.degradation(train, seed=seed)
    metrics = {f"{name}_train_error": h.epochs[-1]["train_error"] for name, (_, h) in runs.items()}
    metrics["resnet_deep_test_accuracy"] = accuracy_on(runs["resnet_deep"][0], test)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", choices=["01", "02"], help="run one notebook's training only")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, min(torch.get_num_threads(), 4)))
    data = classification.shapes_splits()
    failed = 0
    for seed in args.seeds:
        for name, run, targets in (("01_image_classification", notebook_01, TARGETS_01),
                                   ("02_resnet", notebook_02, TARGETS_02)):
            if args.only and not name.startswith(args.only):
                continue
            start = time.perf_counter()
            metrics = run(seed, data)
            rows = evaluate_targets(metrics, targets)
            print(json.dumps({"notebook": name, "seed": seed, "seconds": round(time.perf_counter() - start, 1),
                              "metrics": {k: round(float(v), 4) for k, v in metrics.items()}}), flush=True)
            for row in rows:
                verdict = "holds " if row["ok"] else "MISSED"
                print(f"  {verdict} {row['target']} {row['condition']} (value {row['value']}) {row['reason']}")
            failed += sum(1 for row in rows if not row["ok"])
    print("all claims hold" if not failed else f"{failed} claim(s) missed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
