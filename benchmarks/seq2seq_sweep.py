"""How notebook 11's learning rates were chosen: each model of the equal-budget comparison
(RNN without attention, RNN with additive attention, Transformer) trained with its notebook
budget and recipe at a few peak learning rates (the Transformer: a few factors of the paper's
schedule), scored by greedy BLEU on the *validation* split. Also prints each step's CPU time
with one thread (``cpu_ms``), which a busy machine inflates less than wall time.

    python benchmarks/seq2seq_sweep.py                     # every configuration, one at a time
    python benchmarks/seq2seq_sweep.py --only attn         # one model's rates
    python benchmarks/seq2seq_sweep.py --only tf --seed 1

Prints one JSON line per configuration. (Other seeds for the notebook itself:
``benchmarks/notebook_seeds.py 11 --seeds 1 2``.)
"""

from __future__ import annotations

import argparse
import json
import time

import sacrebleu
import torch

from mlprep import datasets
from mlprep.runtime import seed_everything
from mlprep.schedules import inverse_sqrt_warmup_lr, scheduler, warmup_cosine
from mlprep.text import seq2seq as s2s
from mlprep.train import Budget, Compute, Optim, fit

# notebook 11's shapes and budgets (its parameters cell)
STEPS = {"noattn": 900, "attn": 700, "tf": 900}
RATES = {"noattn": [1e-3, 3e-3, 1e-2], "attn": [1e-3, 3e-3, 1e-2], "tf": [0.5, 1.0, 2.0]}
BATCH, SMOOTHING, WARMUP, MAX_LEN = 64, 0.1, 100, 40


def build(kind: str, v_src: int, v_tgt: int) -> torch.nn.Module:
    if kind == "tf":
        return s2s.TransformerSeq2Seq(v_src, v_tgt, d_model=64, n_head=4, n_enc=2, n_dec=2, d_ff=128)
    return s2s.RNNSeq2Seq(v_src, v_tgt, emb=64, hidden=128, attention=kind == "attn")


def run(kind: str, rate: float, seed: int, scale: float) -> dict:
    train, val = datasets.load("translation-dates", "train"), datasets.load("translation-dates", "val")
    seed_everything(seed)
    model = build(kind, len(train.src_vocab), len(train.tgt_vocab))
    steps = max(1, round(STEPS[kind] * scale))
    if kind == "tf":
        opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)

        def multiplier(s: int) -> float:
            return inverse_sqrt_warmup_lr(s, d_model=64, warmup_steps=WARMUP, factor=rate)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=rate)

        def multiplier(s: int) -> float:
            return warmup_cosine(s, total_steps=steps, warmup_steps=50)
    torch.manual_seed(seed)
    cpu = time.process_time()
    history = fit(model, s2s.LengthBatches(train, batch_size=BATCH, seed=seed),
                  step_fn=lambda m, b: s2s.seq2seq_step(m, b, SMOOTHING),
                  optim=Optim(optimizer=opt, grad_clip=1.0, scheduler=scheduler(opt, multiplier)),
                  budget=Budget(max_steps=steps), compute=Compute(device="cpu"), progress=False)
    cpu = time.process_time() - cpu
    hyps = s2s.translate(model, val.sources, train.src_vocab, train.tgt_vocab, max_len=MAX_LEN)
    return {"model": kind, "rate": rate, "steps": steps, "seed": seed,
            "val_bleu": round(sacrebleu.corpus_bleu(hyps, [list(val.targets)]).score, 2),
            "val_exact_match": round(sum(h == r for h, r in zip(hyps, val.targets, strict=True)) / len(hyps), 3),
            "cpu_ms": round(1000 * cpu / steps, 1), "wall_ms": round(1000 * history.seconds / steps, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(STEPS), nargs="+", default=sorted(STEPS))
    parser.add_argument("--rates", type=float, nargs="+", default=None, help="instead of the defaults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every budget")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    for kind in args.only:
        for rate in args.rates or RATES[kind]:
            print(json.dumps(run(kind, rate, args.seed, args.scale)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
