"""Run: python drafts/issue-18/ltr_probe.py 0 1 2 (seeds, about a minute each on 2 cores).

Does right context matter for shakespeare-mentions? The 12 BiLSTM-CNN tagger, both directions vs the
forward (left-to-right) LSTM only vs the backward only, same budget, each LR by validation, seeds from argv."""
import json, sys, torch
d = json.load(open("notebooks/12_token_classification.ipynb"))  # from the checkout root
code = {i: "".join(c["source"]) for i, c in enumerate(d["cells"]) if c["cell_type"] == "code"}
for seed in [int(s) for s in sys.argv[1:]]:
    ns = {}
    exec(code[1], ns); exec(code[2], ns); ns["SEED"] = seed
    ns["plt"].show = lambda *a, **k: None
    for i in (4, 5, 7, 9, 11, 13):
        exec(code[i], ns)
    bidir = ns["bidirectional"]
    variants = {
        "both": bidir,
        "left-to-right": lambda fwd, bwd, x, mask: torch.cat([fwd(x)[0], torch.zeros_like(fwd(x)[0])], -1),
        "right-to-left": lambda fwd, bwd, x, mask: torch.cat([torch.zeros_like(bidir(fwd, bwd, x, mask)[..., :fwd.hidden_size]),
                                                              bidir(fwd, bwd, x, mask)[..., fwd.hidden_size:]], -1),
    }
    gold_val = [list(c.tags) for c in ns["val_set"]]
    for name, fn in variants.items():
        ns["bidirectional"] = fn
        best = None
        for lr in ns["BILSTM_LRS"]:
            model, vocab, seconds = ns["train_bilstm"](ns["pool"], lr)
            f1v = ns["entity_prf"](gold_val, ns["bilstm_tags"](model, ns["val_set"], vocab))[2]
            if best is None or f1v > best[0]:
                best = (f1v, lr, model, vocab)
        f1t = ns["entity_prf"](ns["gold_test"], ns["bilstm_tags"](best[2], ns["test_set"], best[3]))[2]
        print(json.dumps({"seed": seed, "variant": name, "lr": best[1], "val_f1": round(best[0], 3), "test_f1": round(f1t, 3)}), flush=True)
