"""How notebook 09's equal-budget settings were chosen: a few GPT and LSTM configurations, each
trained for the same wall-clock budget on ``shakespeare-chars``, with their validation loss.

    python benchmarks/lm_sweep.py                 # 85 s per configuration (the notebook's budget)
    python benchmarks/lm_sweep.py --budget 75

Prints one JSON line per configuration. (Other seeds for the notebooks themselves:
``benchmarks/notebook_seeds.py 07 09 10``.)
"""

from __future__ import annotations

import argparse
import json

import torch

from mlprep import datasets
from mlprep.runtime import seed_everything
from mlprep.text.charrnn import CharRNN
from mlprep.text.gpt import GPTConfig, MiniGPT
from mlprep.text.lm_training import train_lm

BLOCK = 64  # notebook 09's context length
CONFIGS = [("gpt", dict(n_layer=4, n_embd=128), 3e-3), ("gpt", dict(n_layer=4, n_embd=128), 1e-3),
           ("gpt", dict(n_layer=3, n_embd=96), 3e-3), ("gpt", dict(n_layer=6, n_embd=128), 2e-3),
           ("lstm", dict(layers=2, hidden=256), 3e-3), ("lstm", dict(layers=2, hidden=512), 2e-3),
           ("lstm", dict(layers=1, hidden=512), 3e-3), ("lstm", dict(layers=2, hidden=256), 1e-2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=85.0, help="training seconds per configuration")
    args = parser.parse_args()
    torch.set_num_threads(2)
    train, val = datasets.load("shakespeare-chars", "train"), datasets.load("shakespeare-chars", "val")
    for kind, cfg, lr in CONFIGS:
        seed_everything(0)
        model = (MiniGPT(GPTConfig(vocab_size=train.vocab_size, block_size=BLOCK, n_head=4, **cfg)) if kind == "gpt"
                 else CharRNN(train.vocab_size, "lstm", **cfg))
        run = train_lm(model, train.data, val.data, budget_s=args.budget, block_size=BLOCK,
                       batch_size=32 if kind == "gpt" else 64, lr=lr, device="cpu", progress=False)
        print(json.dumps({"model": kind, **cfg, "lr": lr, "val_loss": round(run.val_loss, 4), "steps": run.steps}),
              flush=True)


if __name__ == "__main__":
    main()
