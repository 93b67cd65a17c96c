"""Prototype for issue 18, BERT half: does masked-LM pre-training beat left-to-right pre-training on
the token-level task (notebook 12's person-mention tagging), at the same size and budget?

Devlin et al. (2019), section 5.1 and Table 5: "LTR & No NSP" loses most on SQuAD, a token-level
task, "since the token-level hidden states have no right-side context". Here both models are
mlprep.text.gpt.MiniGPT's blocks (the model of notebook 09) over one word vocabulary of the training
plays (unknown words become [UNK-Cap] or [UNK-low]: the word's shape survives, not its identity),
pre-trained for the same steps on the training plays' speeches: one with the causal mask and the
next-word loss, one without a mask and with the masked-LM loss (mlprep.text.mlm.mask_tokens: 15%,
80/10/10). Each is then fine-tuned with a linear tagging head on every word (the causal model's
state at a word sees only the words up to it) for the same steps at the learning rate validation
picks from a grid, on notebook 12's pool, validation and test chunks, scored with its entity F1.

Run:  python drafts/issue-18/bert_prototype.py 0 1 2     (seeds; about 2 minutes each on 2 cores)
"""

from __future__ import annotations

import collections
import json
import sys
import time

import torch
from torch.nn import functional as F

from mlprep import schedules
from mlprep.datasets import mentions
from mlprep.datasets import shakespeare as sh
from mlprep.text.gpt import GPTConfig, MiniGPT
from mlprep.text.mlm import IGNORE_INDEX, mask_tokens

PAD, UNK_CAP, UNK_LOW, MASK = 0, 1, 2, 3
SPECIALS = 4
VOCAB = 8000
BLOCK = 32
PRE_STEPS, PRE_BATCH, PRE_LR = 800, 64, 1e-3
FT_STEPS, FT_BATCH, FT_LRS = 300, 16, (3e-4, 1e-3, 3e-3)
TRAIN_SIZES = (100, 3000)


def notebook12(seed: int) -> dict:
    """Notebook 12's data cells (pool, val_set, test_set, entity_prf) run in a namespace."""
    nb = json.load(open("notebooks/12_token_classification.ipynb"))
    code = {i: "".join(c["source"]) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"}
    ns: dict = {}
    exec(code[1], ns)
    exec(code[2], ns)
    ns["SEED"] = seed
    ns["plt"].show = lambda *a, **k: None
    for i in (4, 7, 9):
        exec(code[i], ns)
    return ns


class Words:
    def __init__(self, texts: list[list[str]]) -> None:
        counts = collections.Counter(w for t in texts for w in t)
        kept = sorted(counts, key=lambda w: (-counts[w], w))[: VOCAB - SPECIALS]
        self.index = {w: i + SPECIALS for i, w in enumerate(kept)}

    def encode(self, words) -> list[int]:
        return [self.index.get(w, UNK_CAP if w[:1].isupper() else UNK_LOW) for w in words]


def hidden(model: MiniGPT, idx: torch.Tensor, causal: bool, key_mask: torch.Tensor | None = None) -> torch.Tensor:
    """MiniGPT's forward up to the final LayerNorm, causal or bidirectional, padding keys masked."""
    b, t = idx.shape
    x = model.drop(model.tok_emb(idx) + model.pos_emb(torch.arange(t)))
    mask = None
    if key_mask is not None:
        mask = key_mask[:, None, None, :].expand(b, 1, t, t)
        if causal:
            mask = mask & torch.ones(t, t, dtype=torch.bool).tril()
    for block in model.blocks:
        a = block.attn
        h = block.ln1(x)
        q, k, v = a.qkv(h).split(h.shape[-1], dim=2)
        q, k, v = (z.view(b, t, a.n_head, -1).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal and mask is None)
        x = x + a.proj(y.transpose(1, 2).reshape(b, t, -1))
        x = x + block.mlp(block.ln2(x))
    return model.ln_f(x)


def pretrain(stream: torch.Tensor, kind: str, seed: int) -> tuple[MiniGPT, dict]:
    torch.manual_seed(seed)
    model = MiniGPT(GPTConfig(vocab_size=VOCAB, block_size=BLOCK + 1, n_layer=4, n_head=4, n_embd=128))
    opt = torch.optim.AdamW(model.parameters(), lr=PRE_LR, weight_decay=0.01, fused=True)
    sched = schedules.scheduler(opt, lambda s: schedules.warmup_cosine(s, total_steps=PRE_STEPS, warmup_steps=50))
    g = torch.Generator().manual_seed(seed)
    specials = torch.zeros(VOCAB, dtype=torch.bool)
    start, losses = time.perf_counter(), []
    for step in range(PRE_STEPS):
        at = torch.randint(len(stream) - BLOCK - 1, (PRE_BATCH,), generator=g)
        win = torch.stack([stream[i:i + BLOCK + 1] for i in at.tolist()])
        if kind == "ltr":
            logits = model.head(hidden(model, win[:, :-1], causal=True))
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), win[:, 1:].reshape(-1))
        else:
            inputs, labels = mask_tokens(win[:, :-1], mask_token_id=MASK, vocab_size=VOCAB,
                                         special_mask=specials[win[:, :-1]], generator=g)
            logits = model.head(hidden(model, inputs, causal=False))
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), labels.reshape(-1), ignore_index=IGNORE_INDEX)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    return model, {"kind": kind, "steps": PRE_STEPS, "seconds": round(seconds, 1),
                   "first_loss": round(sum(losses[:20]) / 20, 3), "last_loss": round(sum(losses[-50:]) / 50, 3)}


def tag_tensors(items, words: Words):
    ids = torch.zeros(len(items), BLOCK, dtype=torch.long)
    labels = torch.full((len(items), BLOCK), IGNORE_INDEX)
    label_id = {"O": 0, "B-PER": 1, "I-PER": 2}
    for r, c in enumerate(items):
        e = words.encode(c.words)[:BLOCK]
        ids[r, :len(e)] = torch.tensor(e)
        labels[r, :len(e)] = torch.tensor([label_id[t] for t in c.tags[:BLOCK]])
    return ids, labels


def finetune(base: MiniGPT, causal: bool, ids, labels, lr: float, seed: int):
    import copy

    torch.manual_seed(seed)
    model = copy.deepcopy(base)
    head = torch.nn.Linear(128, 3)
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, fused=True)
    sched = schedules.scheduler(opt, lambda s: schedules.warmup_cosine(s, total_steps=FT_STEPS, warmup_steps=30))
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(FT_STEPS):
        rows = torch.randint(len(ids), (FT_BATCH,), generator=g)
        x, y = ids[rows], labels[rows]
        n = int((x != PAD).sum(1).max())
        x, y = x[:, :n], y[:, :n]
        logits = head(hidden(model, x, causal=causal, key_mask=x != PAD))
        loss = F.cross_entropy(logits.reshape(-1, 3), y.reshape(-1), ignore_index=IGNORE_INDEX)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
    model.eval()
    return model, head


@torch.no_grad()
def predict_tags(model, head, causal, ids, items):
    names = ("O", "B-PER", "I-PER")
    out = []
    for i in range(0, len(ids), 256):
        x = ids[i:i + 256]
        pred = head(hidden(model, x, causal=causal, key_mask=x != PAD)).argmax(-1)
        for r, c in enumerate(items[i:i + 256]):
            k = min(len(c.words), BLOCK)
            out.append([names[int(t)] for t in pred[r, :k]] + ["O"] * (len(c.words) - k))
    return out


def main(seeds: list[int]) -> None:
    torch.set_num_threads(2)
    train_words = [mentions.word_tokens(s.text) for s in sh.speeches("train")]
    words = Words(train_words)
    stream = torch.tensor([i for t in train_words for i in words.encode(t)], dtype=torch.long)
    unk = float(((stream == UNK_CAP) | (stream == UNK_LOW)).float().mean())
    print(f"pre-training stream {len(stream):,} words, vocabulary {VOCAB}, unknown {unk:.1%}", flush=True)
    for seed in seeds:
        ns = notebook12(seed)
        pool, val_set, test_set, entity_prf = ns["pool"], ns["val_set"], ns["test_set"], ns["entity_prf"]
        gold_val = [list(c.tags) for c in val_set]
        gold_test = [list(c.tags) for c in test_set]
        pool_ids, pool_labels = tag_tensors(pool, words)
        val_ids, _ = tag_tensors(val_set, words)
        test_ids, _ = tag_tensors(test_set, words)
        for kind, causal in (("ltr", True), ("mlm", False)):
            base, info = pretrain(stream, kind, seed)
            print(json.dumps({"seed": seed, "pretrain": info}), flush=True)
            for n in TRAIN_SIZES:
                best = None
                for lr in FT_LRS:
                    start = time.perf_counter()
                    model, head = finetune(base, causal, pool_ids[:n], pool_labels[:n], lr, seed)
                    f1v = entity_prf(gold_val, predict_tags(model, head, causal, val_ids, val_set))[2]
                    if best is None or f1v > best[0]:
                        best = (f1v, lr, model, head, time.perf_counter() - start)
                f1t = entity_prf(gold_test, predict_tags(best[2], best[3], causal, test_ids, test_set))[2]
                print(json.dumps({"seed": seed, "model": kind, "n": n, "lr": best[1], "val_f1": round(best[0], 3),
                                  "test_f1": round(f1t, 3), "ft_seconds": round(best[4], 1)}), flush=True)


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0])
