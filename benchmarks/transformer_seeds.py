"""Seeds check for the transformer notebooks (09 and 10), outside CI because it is slow.

Re-runs the *trained* parts of ``09_attention_gpt`` and ``10_bert_finetuning`` with other seeds,
through the same library functions and default settings as the notebooks, and prints each
metric with its target. ``--sweep`` instead tries a few GPT and LSTM configurations at the
equal-budget setting (how the notebook's settings were chosen).

    python benchmarks/transformer_seeds.py                 # seeds 1 and 2, both notebooks
    python benchmarks/transformer_seeds.py --seeds 0 1 2 --only gpt
    python benchmarks/transformer_seeds.py --sweep --budget 75
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from mlprep import datasets
from mlprep.runtime import seed_everything
from mlprep.text import classify, pretrained, recall
from mlprep.text.charrnn import CharRNN
from mlprep.text.gpt import GPTConfig, MiniGPT
from mlprep.text.lm_training import train_lm

# The notebooks' defaults (parameters cells).
BLOCK = 64
GPT = dict(n_layer=4, n_head=4, n_embd=128, lr=3e-3, batch=32)
LSTM = dict(layers=2, hidden=256, lr=3e-3, batch=64)
RECALL_PAIRS, RECALL_TASK = [4, 8, 16, 32, 64], dict(num_keys=128, num_values=16)


def gpt_part(seed: int, budget: float, recall_budget: float) -> dict[str, float]:
    train, val = datasets.load("shakespeare-chars", "train"), datasets.load("shakespeare-chars", "val")
    seed_everything(seed)
    gpt = MiniGPT(GPTConfig(vocab_size=train.vocab_size, block_size=BLOCK, n_layer=GPT["n_layer"],
                            n_head=GPT["n_head"], n_embd=GPT["n_embd"]))
    g = train_lm(gpt, train.data, val.data, budget_s=budget, block_size=BLOCK, batch_size=GPT["batch"],
                 lr=GPT["lr"], seed=seed, device="cpu", progress=False)
    seed_everything(seed)
    lstm = CharRNN(train.vocab_size, "lstm", hidden=LSTM["hidden"], layers=LSTM["layers"])
    s = train_lm(lstm, train.data, val.data, budget_s=budget, block_size=BLOCK, batch_size=LSTM["batch"],
                 lr=LSTM["lr"], seed=seed, device="cpu", progress=False)
    seed_everything(seed)
    models = {"attention": recall.RecallTransformer(**RECALL_TASK, dim=64, n_layer=2, n_head=1),
              "lstm": recall.RecallLSTM(**RECALL_TASK, dim=64, hidden=128)}
    acc = {}
    for name, model in models.items():
        recall.train_recall(model, budget_s=recall_budget, pair_counts=RECALL_PAIRS, seed=seed, progress=False,
                            **RECALL_TASK)
        acc[name] = recall.accuracy_by_pairs(model, [max(RECALL_PAIRS)], **RECALL_TASK)[0]
    return {"gpt_val_loss": g.val_loss, "gpt_train_s": g.train_s, "gpt_steps": g.steps,
            "lstm_val_loss_same_budget": s.val_loss, "lstm_steps": s.steps,
            "recall_attention_acc": acc["attention"], "recall_lstm_acc": acc["lstm"]}


def bert_part(seed: int, budget: float) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from mlprep.text.genre import train_genre_classifier

    seed_everything(seed)
    train = datasets.load("shakespeare-speeches", "train", min_words=20)
    test = datasets.load("shakespeare-speeches", "test", min_words=20)
    tr = classify.stratified_subsample(train.labels, 200, seed=seed)
    te = classify.stratified_subsample(test.labels, 120, seed=seed)
    tr_texts, te_texts = [train.texts[i] for i in tr], [test.texts[i] for i in te]
    y_tr, y_te = train.labels[tr], test.labels[te]
    genre = train_genre_classifier(min_words=20, seed=seed)
    out = {"tfidf_test_macro_f1": f1_score(y_te, genre.model.predict(genre.vectorizer.transform(te_texts)),
                                           average="macro")}
    tokenizer, encoder = pretrained.load_minilm()
    e_tr = pretrained.encode(tr_texts, tokenizer, encoder, max_length=48)
    e_te = pretrained.encode(te_texts, tokenizer, encoder, max_length=48)
    frozen = LogisticRegression(max_iter=3000, C=10.0).fit(e_tr.numpy(), y_tr.numpy())
    out["bert_frozen_test_macro_f1"] = f1_score(y_te, frozen.predict(e_te.numpy()), average="macro")
    tr_enc, te_enc = classify.tokenize(tokenizer, tr_texts, y_tr, 48), classify.tokenize(tokenizer, te_texts, y_te, 48)
    for name, model, lr_ in [("finetune", classify.pretrained_classifier(len(train.classes)), 1e-4),
                             ("scratch", classify.scratch_classifier(len(train.classes), seed=seed), 3e-4)]:
        seed_everything(seed)
        classify.finetune(model, tr_enc, budget_s=budget, lr=lr_, batch_size=16, seed=seed, progress=False)
        out[f"bert_{name}_test_macro_f1"] = f1_score(y_te, classify.predict(model, te_enc), average="macro")
    return out


def sweep(budget: float) -> None:
    train, val = datasets.load("shakespeare-chars", "train"), datasets.load("shakespeare-chars", "val")
    configs = [("gpt", dict(n_layer=4, n_embd=128), 3e-3), ("gpt", dict(n_layer=4, n_embd=128), 1e-3),
               ("gpt", dict(n_layer=3, n_embd=96), 3e-3), ("gpt", dict(n_layer=6, n_embd=128), 2e-3),
               ("lstm", dict(layers=2, hidden=256), 3e-3), ("lstm", dict(layers=2, hidden=512), 2e-3),
               ("lstm", dict(layers=1, hidden=512), 3e-3), ("lstm", dict(layers=2, hidden=256), 1e-2)]
    for kind, cfg, lr in configs:
        seed_everything(0)
        model = (MiniGPT(GPTConfig(vocab_size=train.vocab_size, block_size=BLOCK, n_head=4, **cfg)) if kind == "gpt"
                 else CharRNN(train.vocab_size, "lstm", **cfg))
        run = train_lm(model, train.data, val.data, budget_s=budget, block_size=BLOCK, batch_size=32 if kind == "gpt" else 64, lr=lr,
                       device="cpu", progress=False)
        print(json.dumps({"model": kind, **cfg, "lr": lr, "val_loss": round(run.val_loss, 4), "steps": run.steps}),
              flush=True)


TARGETS = {"gpt_val_loss": lambda m: m["gpt_val_loss"] <= 1.85,
           "recall": lambda m: m["recall_attention_acc"] >= m["recall_lstm_acc"] + 0.2,
           "bert": lambda m: m["bert_finetune_test_macro_f1"] >= m["bert_scratch_test_macro_f1"] + 0.05}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", choices=["gpt", "bert"], default=None)
    parser.add_argument("--budget", type=float, default=85.0, help="seconds per language model (notebook default)")
    parser.add_argument("--recall-budget", type=float, default=12.0)
    parser.add_argument("--bert-budget", type=float, default=40.0)
    parser.add_argument("--sweep", action="store_true", help="compare GPT and LSTM settings instead")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.sweep:
        sweep(args.budget)
        return
    for seed in args.seeds:
        start, metrics = time.perf_counter(), {}
        if args.only in (None, "gpt"):
            metrics.update(gpt_part(seed, args.budget, args.recall_budget))
        if args.only in (None, "bert"):
            metrics.update(bert_part(seed, args.bert_budget))
        met = {name: ok(metrics) for name, ok in TARGETS.items() if all(
            k in metrics for k in {"gpt_val_loss": ["gpt_val_loss"], "recall": ["recall_lstm_acc"],
                                   "bert": ["bert_scratch_test_macro_f1"]}[name])}
        print(json.dumps({"seed": seed, "seconds": round(time.perf_counter() - start),
                          **{k: round(float(v), 4) for k, v in metrics.items()}, "targets_met": met}), flush=True)


if __name__ == "__main__":
    main()
