"""Overhead of ``mlprep.fit`` against a hand-written PyTorch loop, measured in one run.

Same model (a small CNN), same data (shapes-classify, 32x32, batch 64), same optimizer and
number of steps; steps take a few milliseconds, where a heavy loop would show. Runs alternate
(raw, fit, raw, fit, ...) so background noise hits both, and the medians are compared.
The last line is the ratio fit/raw; the target is <= 1.05.

    python benchmarks/train_overhead.py [--repeats 5] [--steps 150]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mlprep import datasets, fit, seed_everything
from mlprep.train import Budget, Compute


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(32, 6),
    )


def raw_loop(model: nn.Module, loader: DataLoader, steps: int) -> float:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, foreach=True)  # the optimizer fit builds
    model.train()
    start = time.perf_counter()
    done, total = 0, 0.0
    while done < steps:
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()  # a hand-written loop logs its loss too
            done += 1
            if done == steps:
                break
    return time.perf_counter() - start


def fit_loop(model: nn.Module, loader: DataLoader, steps: int) -> float:
    start = time.perf_counter()
    fit(model, loader, epochs=10**6, lr=1e-3, budget=Budget(max_steps=steps), compute=Compute(device="cpu"),
        progress=True, desc="fit")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    ds = datasets.load("shapes-classify", "train", n=2048, size=32, progress=False)
    # Tensors in memory so data loading is not what gets measured.
    data = TensorDataset(ds.images.float() / 255, ds.labels)
    loader = DataLoader(data, batch_size=64, shuffle=True)
    seed_everything(0)
    raw_loop(make_model(), loader, 20)  # warm up kernels and the allocator,
    fit_loop(make_model(), loader, 20)  # and Accelerate's first-time imports
    raw, wrapped = [], []
    for _ in range(args.repeats):
        seed_everything(0)
        raw.append(raw_loop(make_model(), loader, args.steps))
        seed_everything(0)
        wrapped.append(fit_loop(make_model(), loader, args.steps))
    r, f = statistics.median(raw), statistics.median(wrapped)
    print(f"torch threads {torch.get_num_threads()}, {args.steps} steps x {args.repeats} repeats, batch 64")
    print(f"raw loop : median {r:.3f} s ({1000 * r / args.steps:.2f} ms/step)  all {[round(t, 3) for t in raw]}")
    print(f"mlprep.fit: median {f:.3f} s ({1000 * f / args.steps:.2f} ms/step)  all {[round(t, 3) for t in wrapped]}")
    print(f"ratio fit/raw: {f / r:.3f}")


if __name__ == "__main__":
    main()
