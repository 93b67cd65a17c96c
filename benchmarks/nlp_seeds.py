"""Do the classic-NLP notebooks' results hold for other seeds? (06, 07, 08; not run in CI)

Runs the same library functions the notebooks call, with the notebooks' default settings,
for each seed, and prints every target with pass/fail:

    python benchmarks/nlp_seeds.py --seeds 1 2            # everything (~4 min per seed on 2 cores)
    python benchmarks/nlp_seeds.py --seeds 1 --only sgns  # one part: tfidf, rnn, sgns

Exit code 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch


def run_tfidf(seed: int) -> tuple[dict, dict]:
    from mlprep.text.genre import train_genre_classifier

    metrics = train_genre_classifier(seed=seed).metrics
    return metrics, {"tfidf_test_macro_f1 - majority_test_macro_f1": ">= 0.2", "tfidf_test_macro_f1": ">= 0.30"}


def run_rnn(seed: int) -> tuple[dict, dict]:
    from mlprep.text.charrnn import train_char_lm

    torch.set_num_threads(1)  # as in the notebook
    rnn = train_char_lm("rnn", seed=seed, progress=False)
    lstm = train_char_lm("lstm", seed=seed, progress=False)
    metrics = {"rnn_val_loss": rnn.val_loss, "lstm_val_loss": lstm.val_loss, "lstm_train_s": lstm.train_s,
               "rnn_train_s": rnn.train_s}
    return metrics, {"lstm_val_loss": "<= 1.75", "lstm_val_loss - rnn_val_loss": "< 0"}


def run_sgns(seed: int) -> tuple[dict, dict]:
    from gensim.models import Word2Vec

    from mlprep.text.sgns import train_sgns
    from mlprep.text.wiki import WikiExcerpt, wordsim_spearman

    sentences = WikiExcerpt().sentences
    settings = {"window": 5, "negative": 5, "epochs": 10, "min_count": 5, "sample": 1e-3}
    ours = train_sgns(sentences, dim=100, window=5, negatives=5, epochs=10, min_count=5, sample=1e-3,
                      seed=seed, progress=False)
    start = time.perf_counter()
    w2v = Word2Vec(sentences, vector_size=100, sg=1, workers=2, seed=seed, **settings)
    gensim_s = time.perf_counter() - start
    metrics = {"sgns_wordsim_spearman": wordsim_spearman(ours.vector)[0],
               "gensim_wordsim_spearman": wordsim_spearman(lambda w: w2v.wv[w] if w in w2v.wv else None)[0],
               "sgns_train_s": ours.seconds, "gensim_train_s": gensim_s}
    return metrics, {"sgns_wordsim_spearman - gensim_wordsim_spearman": ">= 0",
                     "sgns_train_s - 8 * gensim_train_s": "<= 0"}


PARTS = {"tfidf": run_tfidf, "rnn": run_rnn, "sgns": run_sgns}


def main(argv: list[str] | None = None) -> int:
    from mlprep.results import evaluate_targets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", choices=sorted(PARTS), nargs="+", default=sorted(PARTS))
    parser.add_argument("--json", help="also write all rows to this file")
    args = parser.parse_args(argv)
    rows, failed = [], False
    for seed in args.seeds:
        for part in args.only:
            metrics, targets = PARTS[part](seed)
            checks = evaluate_targets(metrics, targets)
            rows.append({"seed": seed, "part": part, "metrics": metrics, "checks": checks})
            shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
            print(f"seed {seed} {part:<6} {shown}", flush=True)
            for check in checks:
                status = "ok  " if check["ok"] else "MISS"
                print(f"    {status} {check['target']} {check['condition']}  {check['reason']}")
            failed |= not all(check["ok"] for check in checks)
    if args.json:
        from mlprep.runtime import atomic_write_text

        atomic_write_text(args.json, json.dumps(rows, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
