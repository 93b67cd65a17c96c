"""Prototype for issue 18, GPT half: generative pre-training, then discriminative fine-tuning.

Radford et al. (2018). A MiniGPT (mlprep.text.gpt, the model of notebook 09) is pre-trained as a
language model on the training plays' speeches (section 3.1), then fine-tuned with a linear head on
the hidden state of an extract token appended to each speech (sections 3.2-3.3), for genre. It is
compared with the same architecture trained from scratch on the labelled speeches only (learning
rate chosen on validation from a grid), at several labelled-set sizes, and with the auxiliary LM
objective L = L_cls + 0.5 L_lm as an ablation.

Run:  nice -n 19 python drafts/issue-18/gpt_prototype.py --seed 0
Budgets are in steps. Validation (a class-balanced subsample of the validation plays) chooses the
learning rate and the step (checkpoint) of every run; test (the whole test split) is scored once per
final model. Prints every number; writes a JSON line with all of them when --json is given.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import math
import time

import numpy as np
import torch
from sklearn.metrics import f1_score
from torch import nn
from torch.nn import functional as F

from mlprep import datasets, schedules
from mlprep.datasets import shakespeare
from mlprep.text.finetuning import stratified_subsample
from mlprep.text.gpt import GPTConfig, MiniGPT
from mlprep.text.lm import RandomWindows, train_lm, val_windows

PAD, UNK, SEP, EXTRACT = 0, 1, 2, 3  # special ids of the compact vocabulary (EXTRACT may be set to SEP)
SPECIALS = 4


# ---------------------------------------------------------------- tokenisation
class CompactWordPiece:
    """MiniLM's (bert-base-uncased) WordPiece tokenizer, its vocabulary cut to the ``size`` pieces
    most frequent in the training plays (ties by id: deterministic), re-numbered after 4 specials.
    A 30,522-row embedding and softmax would cost more than the whole model; 4,096 pieces cover
    about 96% of the training plays' tokens, the rest become [UNK]."""

    def __init__(self, train_texts: list[str], size: int) -> None:
        from transformers import AutoTokenizer

        from mlprep.text import pretrained

        self.tok = AutoTokenizer.from_pretrained(str(pretrained.minilm_dir()), local_files_only=True)
        counts = collections.Counter(i for ids in self._raw(train_texts) for i in ids)
        kept = sorted(counts, key=lambda i: (-counts[i], i))[: size - SPECIALS]
        self.old_to_new = np.full(self.tok.vocab_size, UNK, dtype=np.int64)
        self.old_to_new[kept] = np.arange(SPECIALS, SPECIALS + len(kept))
        self.pieces = ["[PAD]", "[UNK]", "[SEP]", "[EXTRACT]"] + self.tok.convert_ids_to_tokens(kept)
        self.vocab_size = len(self.pieces)

    def _raw(self, texts: list[str]) -> list[list[int]]:
        return self.tok(list(texts), add_special_tokens=False, verbose=False)["input_ids"]

    def encode(self, texts: list[str]) -> list[np.ndarray]:
        return [self.old_to_new[np.asarray(ids, dtype=np.int64)] for ids in self._raw(texts)]


class Chars:
    """The character vocabulary of notebook 09 (every character of the plays), after 4 specials."""

    def __init__(self, train_texts: list[str], size: int = 0) -> None:
        self.vocab = shakespeare.vocabulary()
        self.index = {c: i + SPECIALS for i, c in enumerate(self.vocab)}
        self.vocab_size = SPECIALS + len(self.vocab)

    def encode(self, texts: list[str]) -> list[np.ndarray]:
        return [np.array([self.index.get(c, UNK) for c in t], dtype=np.int64) for t in texts]


def lm_stream(tokenizer, texts: list[str]) -> torch.Tensor:
    """Every speech's tokens followed by [SEP], one long stream (N,) for random LM windows."""
    parts = [np.append(ids, SEP) for ids in tokenizer.encode(texts)]
    return torch.from_numpy(np.concatenate(parts))


def classifier_inputs(tokenizer, texts: list[str], block: int) -> tuple[torch.Tensor, torch.Tensor]:
    """GPT-1's input transformation for classification (section 3.3): the speech's first
    ``block - 1`` tokens, then the extract token; right-padded. Returns ids (N, block) and lengths (N,)."""
    ids = torch.full((len(texts), block), PAD, dtype=torch.long)
    lengths = torch.empty(len(texts), dtype=torch.long)
    for row, toks in enumerate(tokenizer.encode(texts)):
        toks = np.append(toks[: block - 1], EXTRACT)
        ids[row, : len(toks)] = torch.from_numpy(toks)
        lengths[row] = len(toks)
    return ids, lengths


# ---------------------------------------------------------------- the model
class GPTClassifier(nn.Module):
    """A MiniGPT body plus a linear head on the extract token's final hidden state (eq. 3 of the
    paper: P(y | x) = softmax(h_l^m W_y)). The LM head stays, for the auxiliary objective."""

    def __init__(self, gpt: MiniGPT, num_classes: int, pool: str = "last") -> None:
        super().__init__()
        self.gpt, self.pool = gpt, pool
        self.cls_head = nn.Linear(gpt.cfg.n_embd, num_classes)
        nn.init.normal_(self.cls_head.weight, std=0.02)
        nn.init.zeros_(self.cls_head.bias)

    def forward(self, idx: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g = self.gpt
        x = g.tok_emb(idx) + g.pos_emb(torch.arange(idx.size(1), device=idx.device))  # (B, T, C)
        for block in g.blocks:
            x = block(x)
        h = g.ln_f(x)  # (B, T, C)
        # causal attention: padding to the right of the extract token cannot change its state
        if self.pool == "last":
            last = h[torch.arange(len(idx), device=idx.device), lengths - 1]  # (B, C)
        else:  # diagnostic only: mean over the real tokens (what BERT-style encoders often use)
            real = (torch.arange(idx.size(1), device=idx.device)[None] < lengths[:, None]).float()[..., None]
            last = (h * real).sum(1) / real.sum(1)  # (B, C)
        return self.cls_head(last), h  # (B, classes), (B, T, C): the LM head runs only when needed


def lm_targets(idx: torch.Tensor) -> torch.Tensor:
    """Next-token targets of the speech itself: no loss on padding or on predicting [EXTRACT]."""
    y = idx[:, 1:].clone()
    y[(y == PAD) | (y == EXTRACT)] = -100
    return y  # (B, T-1)


# ---------------------------------------------------------------- fine-tuning
@torch.no_grad()
def predict(model: GPTClassifier, ids: torch.Tensor, lengths: torch.Tensor, batch: int = 128) -> torch.Tensor:
    model.eval()
    out = []
    for rows in torch.arange(len(ids)).split(batch):
        width = int(lengths[rows].max())
        out.append(model(ids[rows, :width], lengths[rows])[0].argmax(1))
    model.train()
    return torch.cat(out)


def macro_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    return float(f1_score(y_true.numpy(), y_pred.numpy(), average="macro"))


def finetune(model: GPTClassifier, train: tuple, val: tuple, *, steps: int, lr: float, batch: int,
             eval_every: int, aux_weight: float, seed: int, head_lr_mult: float = 1.0) -> dict:
    """AdamW (weight decay 0.01, clip 1.0), linear warm-up over 10% then cosine to 10%; validation
    macro-F1 every ``eval_every`` steps, the best checkpoint kept (validation chooses the step)."""
    ids, lengths, labels = train
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    head = list(model.cls_head.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("cls_head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": lr * head_lr_mult}],
                            lr=lr, weight_decay=0.01)
    sched = schedules.scheduler(opt, lambda s: schedules.warmup_cosine(s, total_steps=steps,
                                                                       warmup_steps=max(1, steps // 10)))
    order = torch.empty(0, dtype=torch.long)
    best = {"val_f1": -1.0, "step": 0}
    curve = []
    losses = {"cls": 0.0, "lm": 0.0}
    start, cpu_start = time.perf_counter(), time.process_time()
    eval_s = eval_cpu = 0.0
    for step in range(1, steps + 1):
        if len(order) < batch:
            order = torch.cat([order, torch.randperm(len(ids), generator=gen)])
        rows, order = order[:batch], order[batch:]
        width = int(lengths[rows].max())
        x = ids[rows, :width]
        cls_logits, h = model(x, lengths[rows])
        loss_cls = F.cross_entropy(cls_logits, labels[rows])
        loss = loss_cls
        if aux_weight:
            lm_logits = model.gpt.head(h[:, :-1])  # (B, T-1, vocab)
            loss_lm = F.cross_entropy(lm_logits.flatten(0, 1), lm_targets(x).flatten(), ignore_index=-100)
            loss = loss + aux_weight * loss_lm
            losses["lm"] += loss_lm.item()
        losses["cls"] += loss_cls.item()
        if not math.isfinite(loss.item()):
            raise FloatingPointError(f"non-finite loss at step {step}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % eval_every == 0 or step == steps:
            t0, c0 = time.perf_counter(), time.process_time()
            f1 = macro_f1(val[2], predict(model, val[0], val[1]))
            eval_s += time.perf_counter() - t0
            eval_cpu += time.process_time() - c0
            curve.append((step, round(f1, 4), round(losses["cls"] / eval_every, 4)))
            losses = {"cls": 0.0, "lm": 0.0}
            if f1 > best["val_f1"]:
                best = {"val_f1": f1, "step": step, "state": copy.deepcopy(model.state_dict())}
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    model.load_state_dict(best.pop("state"))
    # process (CPU) time is a steadier estimate than wall time on a loaded machine
    best.update(curve=curve, train_ms_per_step=1000 * (total - eval_s) / steps,
                cpu_ms_per_step=1000 * (cpu - eval_cpu) / steps, eval_cpu_s=eval_cpu)
    return best


# ---------------------------------------------------------------- the experiment
def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tok", choices=["wordpiece", "char"], default="wordpiece")
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--pre-steps", type=int, default=800)
    p.add_argument("--pre-lr", type=float, default=3e-3)
    p.add_argument("--pre-batch", type=int, default=32)
    p.add_argument("--ft-steps", type=int, default=150)
    p.add_argument("--ft-batch", type=int, default=32)
    p.add_argument("--eval-every", type=int, default=25)
    p.add_argument("--ft-lr", type=float, nargs="+", default=[3e-4])
    p.add_argument("--scratch-lr", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3])
    p.add_argument("--sizes", type=int, nargs="*", default=[200, 1000, 0], help="0 = all")
    p.add_argument("--aux", type=float, default=0.5)
    p.add_argument("--aux-sizes", type=int, nargs="*", default=None, help="sizes for the aux ablation (default all)")
    p.add_argument("--val-per-class", type=int, default=100)
    p.add_argument("--skip-scratch", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", default=None)
    p.add_argument("--cache", action="store_true", help="reuse a pre-trained body from /tmp/gpt18_cache (dev only)")
    p.add_argument("--extract", choices=["new", "sep"], default="new",
                   help="extract token: a fresh embedding (GPT-1) or the pre-trained end-of-speech [SEP]")
    p.add_argument("--pool", choices=["last", "mean"], default="last")
    p.add_argument("--head-lr-mult", type=float, default=1.0, help="classification head lr / body lr (pre-trained arm)")
    args = p.parse_args()
    if args.extract == "sep":
        global EXTRACT
        EXTRACT = SEP
    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    out: dict = {"args": vars(args)}

    # data: pre-training text = every training-play speech (no labels used); labelled = min_words 20
    train_texts = [s.text for s in shakespeare.speeches("train")]
    tokenizer = (CompactWordPiece if args.tok == "wordpiece" else Chars)(train_texts, args.vocab)
    stream = lm_stream(tokenizer, train_texts)
    val_stream = lm_stream(tokenizer, [s.text for s in shakespeare.speeches("val")])
    if args.tok == "wordpiece":
        out["unk_rate_val"] = float((val_stream == UNK).float().mean())
    tr = datasets.load("shakespeare-speeches", "train", min_words=20)
    va = datasets.load("shakespeare-speeches", "val", min_words=20)
    te = datasets.load("shakespeare-speeches", "test", min_words=20)
    train_ids, train_len = classifier_inputs(tokenizer, tr.texts, args.block)
    vrows = stratified_subsample(va.labels, args.val_per_class, seed=0)  # fixed, not seed-dependent
    val = (*classifier_inputs(tokenizer, [va.texts[i] for i in vrows], args.block), va.labels[vrows])
    test = (*classifier_inputs(tokenizer, te.texts, args.block), te.labels)
    out["data"] = {"vocab": tokenizer.vocab_size, "lm_tokens": len(stream), "labelled_train": len(tr),
                   "val_subsample": len(vrows), "test": len(te),
                   "truncated_share": float((train_len == args.block).float().mean()),
                   "median_len": float(train_len.float().median())}
    print("data", out["data"], "unk_rate_val", out.get("unk_rate_val"))

    # stratified-random baseline: guesses drawn from the training genre shares, expected test macro-F1
    prior = torch.bincount(tr.labels, minlength=3).float() / len(tr)
    g = torch.Generator().manual_seed(args.seed)
    draws = [macro_f1(te.labels, torch.multinomial(prior, len(te), replacement=True, generator=g)) for _ in range(200)]
    out["stratified_random_f1"] = float(np.mean(draws))
    print(f"stratified random: test macro-F1 {np.mean(draws):.3f} (sd {np.std(draws):.3f} over 200 draws)")

    cfg = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=args.block, n_layer=args.layers,
                    n_head=args.heads, n_embd=args.embd)

    # 1. generative pre-training (section 3.1)
    torch.manual_seed(args.seed)
    gpt = MiniGPT(cfg)
    out["params"] = gpt.num_parameters()
    batches = RandomWindows(stream, block_size=args.block, batch_size=args.pre_batch, seed=args.seed)
    vb = val_windows(val_stream, block_size=args.block)
    init_loss = None
    key = f"{args.tok}-{args.vocab}-{args.block}-{args.layers}-{args.heads}-{args.embd}-{args.pre_steps}-{args.pre_lr}-{args.pre_batch}-{args.seed}"
    cache = f"/tmp/gpt18_cache/{key}.pt" if args.cache else None
    import os
    if cache and os.path.exists(cache):
        saved = torch.load(cache)
        gpt.load_state_dict(saved["state"])
        out["pretrain"] = saved["info"]
        print("pre-training (cached):", saved["info"])
    elif args.pre_steps:
        from mlprep.text.lm import evaluate_lm
        init_loss = evaluate_lm(gpt, vb)
        c0 = time.process_time()
        run = train_lm(gpt, batches, vb, steps=args.pre_steps, lr=args.pre_lr, warmup_steps=50, seed=args.seed,
                       device="cpu", progress=False, desc="pretrain")
        out["pretrain"] = {"steps": run.steps, "val_loss": run.val_loss, "init_val_loss": init_loss,
                           "ms_per_step": run.ms_per_step, "train_s": run.train_s,
                           "cpu_ms_per_step": 1000 * (time.process_time() - c0) / run.steps}
        print(f"pre-training: {cfg}, {out['params']:,} params; {run.steps} steps x {args.pre_batch} x {args.block} "
              f"tokens, val loss {init_loss:.3f} -> {run.val_loss:.3f} nats/token, {run.ms_per_step:.1f} ms/step wall, "
              f"{out['pretrain']['cpu_ms_per_step']:.1f} ms/step CPU")
        if cache:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            torch.save({"state": gpt.state_dict(), "info": out["pretrain"]}, cache)
    pretrained_state = copy.deepcopy(gpt.state_dict())

    def labelled(size: int):
        if size == 0 or size >= len(tr):
            return train_ids, train_len, tr.labels
        rows = stratified_subsample(tr.labels, size // 3, seed=args.seed)
        return train_ids[rows], train_len[rows], tr.labels[rows]

    def run_arm(name: str, size: int, lrs: list[float], init: dict | None, aux: float) -> dict:
        train = labelled(size)
        tried = []
        for lr in lrs:
            torch.manual_seed(args.seed)
            body = MiniGPT(cfg)
            if init is not None:
                body.load_state_dict(init)
            model = GPTClassifier(body, 3, pool=args.pool)
            res = finetune(model, train, val, steps=args.ft_steps, lr=lr, batch=args.ft_batch,
                           eval_every=args.eval_every, aux_weight=aux, seed=args.seed,
                           head_lr_mult=args.head_lr_mult if init is not None else 1.0)
            res["lr"] = lr
            tried.append((res, model))
            print(f"  {name:10} n={len(train[0]):5} lr={lr:.0e}: best val F1 {res['val_f1']:.3f} at step "
                  f"{res['step']}, {res['cpu_ms_per_step']:.0f} ms/step CPU, curve {res['curve']}")
        res, model = max(tried, key=lambda t: t[0]["val_f1"])
        c0 = time.process_time()
        res["test_f1"] = macro_f1(test[2], predict(model, test[0], test[1]))  # test: once per final model
        res["test_eval_cpu_s"] = time.process_time() - c0
        res["val_by_lr"] = {str(r["lr"]): round(r["val_f1"], 4) for r, _ in tried}
        print(f"  {name:10} n={len(train[0]):5} -> lr {res['lr']:.0e}, step {res['step']}: TEST macro-F1 {res['test_f1']:.3f}")
        return res

    out["runs"] = {}
    for size in args.sizes:
        key = str(size or "all")
        out["runs"][key] = r = {}
        r["pretrained"] = run_arm("pretrained", size, args.ft_lr, pretrained_state, 0.0)
        if args.aux and (args.aux_sizes is None or size in args.aux_sizes):
            r["pretrained_aux"] = run_arm(f"pre+aux{args.aux}", size, [r["pretrained"]["lr"]], pretrained_state, args.aux)
        if not args.skip_scratch:
            r["scratch"] = run_arm("scratch", size, args.scratch_lr, None, 0.0)
    out["total_s"] = time.perf_counter() - t_all
    out["total_cpu_s"] = time.process_time()

    print("\nsummary (test macro-F1; stratified random %.3f)" % out["stratified_random_f1"])
    for key, r in out["runs"].items():
        line = f"  n={key:>5}: " + ", ".join(f"{arm} {v['test_f1']:.3f} (val {v['val_f1']:.3f}, lr {v['lr']:.0e}, step {v['step']})"
                                            for arm, v in r.items())
        if "scratch" in r:
            line += f"; gap {r['pretrained']['test_f1'] - r['scratch']['test_f1']:+.3f}"
        print(line)
    print(f"total {out['total_s']:.0f} s wall, {out['total_cpu_s']:.0f} s CPU (process, incl. imports)")
    if args.json:
        for r in out["runs"].values():
            for v in r.values():
                v.pop("curve", None)
        with open(args.json, "a") as f:
            f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
