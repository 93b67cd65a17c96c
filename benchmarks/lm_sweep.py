"""How notebook 09's equal-budget settings were chosen: a few GPT and LSTM configurations on
``shakespeare-chars``, each trained for a number of steps that costs about the same time on the
reference CPU (85 s there), with their validation loss and the step cost measured here.

    python benchmarks/lm_sweep.py                 # the step budgets below
    python benchmarks/lm_sweep.py --scale 0.5     # half of each budget

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
from mlprep.text.lm import RandomWindows, train_lm, val_windows

BLOCK = 64  # notebook 09's context length
# (kind, shape, peak LR, steps): steps sized for about 85 s each on the reference CPU (step costs
# measured on a faster machine, times its speed-index factor: 2.2 for transformers, 3.4 for LSTMs).
CONFIGS = [("gpt", dict(n_layer=3, n_embd=64), 1e-2, 1200), ("gpt", dict(n_layer=3, n_embd=64), 3e-3, 1200),
           ("gpt", dict(n_layer=2, n_embd=64), 1e-2, 1500), ("gpt", dict(n_layer=3, n_embd=96), 1e-2, 800),
           ("gpt", dict(n_layer=4, n_embd=128), 3e-3, 450),
           ("lstm", dict(layers=1, hidden=256), 1e-2, 1100), ("lstm", dict(layers=1, hidden=256), 3e-3, 1100),
           ("lstm", dict(layers=2, hidden=256), 3e-3, 550), ("lstm", dict(layers=1, hidden=128), 1e-2, 2400)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every step budget by this")
    args = parser.parse_args()
    torch.set_num_threads(2)
    train, val = datasets.load("shakespeare-chars", "train"), datasets.load("shakespeare-chars", "val")
    for kind, cfg, lr, steps in CONFIGS:
        seed_everything(0)
        model = (MiniGPT(GPTConfig(vocab_size=train.vocab_size, block_size=BLOCK, n_head=4, **cfg)) if kind == "gpt"
                 else CharRNN(train.vocab_size, "lstm", emb_dim=32, **cfg))
        batches = RandomWindows(train.data, block_size=BLOCK, batch_size=32, seed=0)
        run = train_lm(model, batches, val_windows(val.data, block_size=BLOCK), steps=max(1, round(steps * args.scale)),
                       lr=lr, seed=0, device="cpu", progress=False)
        print(json.dumps({"model": kind, **cfg, "lr": lr, "steps": run.steps, "val_loss": round(run.val_loss, 4),
                          "seconds": round(run.train_s, 1), "ms_per_step": round(run.ms_per_step, 1)}), flush=True)


if __name__ == "__main__":
    main()
