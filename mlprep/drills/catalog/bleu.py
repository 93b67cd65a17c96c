"""Drill: corpus BLEU with clipped n-gram counts and the brevity penalty, against ``sacrebleu``."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Corpus BLEU

Write `bleu(hypotheses, references)` returning the corpus BLEU score (0-100) of a list of
hypothesis strings against one reference string each (Papineni et al., 2002). Tokens are the
whitespace-separated words (`s.split()`); n runs from 1 to 4.

    for n in 1..4, summed over the whole corpus (not averaged per sentence):
        matches[n] = sum over sentences of sum over the hypothesis's n-grams g of
                     min(count of g in the hypothesis, count of g in the reference)   # clipped
        totals[n]  = number of n-grams in the hypotheses
    if any matches[n] == 0: return 0.0                      # no smoothing
    c = total hypothesis tokens, r = total reference tokens
    brevity penalty BP = 1 if c >= r else exp(1 - r / c)
    BLEU = 100 * BP * exp(mean over n of log(matches[n] / totals[n]))

Clipping stops "the the the the" from scoring a perfect unigram precision against "the cat";
the brevity penalty stops a short, safe hypothesis from scoring high precision.
The checker compares with `sacrebleu.corpus_bleu(hypotheses, [references],
tokenize="none", smooth_method="none")`; do not import sacrebleu or nltk.

Example: `bleu(["the cat sat on the mat"], ["the cat sat on the mat"])` -> `100.0`.
"""


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (0-100) of whitespace-tokenised hypotheses against one reference each."""
    matches, totals = [0] * 4, [0] * 4
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        h, r = hyp.split(), ref.split()
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, 5):
            h_grams = Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
            r_grams = Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1))
            matches[n - 1] += sum(min(c, r_grams[g]) for g, c in h_grams.items())  # clipped counts
            totals[n - 1] += max(len(h) - n + 1, 0)
    if min(matches) == 0:
        return 0.0
    bp = 1.0 if hyp_len >= ref_len else math.exp(1 - ref_len / hyp_len)
    return 100 * bp * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals, strict=True)) / 4)


def _sacrebleu(hypotheses: list[str], references: list[str]) -> float:
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references], tokenize="none", smooth_method="none").score)


def make_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ("identical: 100", ["the cat sat on the mat"], ["the cat sat on the mat"]),
        ("clipping: repeated words count once per reference use",
         ["the the the the the the", "a cat is on the mat"], ["the cat is on the mat", "a cat is on the mat"]),
        ("brevity penalty: a short hypothesis", ["the cat sat on the"], ["the cat sat on the mat today"]),
        ("longer than the reference: no penalty", ["there is a cat on the red mat"], ["there is a cat on the mat"]),
        ("corpus level: counts summed before dividing",
         ["am Montag , dem ersten Mai", "der dritte Mai", "um halb acht Uhr abends"],
         ["am Montag , dem ersten Mai", "der dritte Juni", "um halb acht Uhr"]),
        ("no 4-gram match: 0", ["one two three four five"], ["five four three two one"]),
    ]
    words = "der die das am um dem Mai Juni halb acht Viertel nach vor , zwei drei".split()
    for i in range(4):
        refs, hyps = [], []
        for _ in range(int(rng.integers(3, 8))):
            ref = list(rng.choice(words, size=int(rng.integers(5, 12))))
            hyp = [w if rng.random() < 0.8 else str(rng.choice(words)) for w in ref]
            cut = int(rng.integers(0, 3))
            refs.append(" ".join(ref))
            hyps.append(" ".join(hyp[:len(hyp) - cut] if rng.random() < 0.5 else hyp + hyp[:cut]))
        fixed.append((f"random corpus #{i + 1} ({len(refs)} sentences)", hyps, refs))
    return [Case(name, (hyps, refs), expected=_sacrebleu(hyps, refs), atol=1e-6, rtol=1e-9)
            for name, hyps, refs in fixed]


DRILL = Drill(
    name="bleu",
    title="Corpus BLEU with the brevity penalty",
    topic="seq2seq",
    difficulty="medium",
    time_limit_min=20,
    statement=STATEMENT,
    reference=bleu,
    make_cases=make_cases,
    imports="import math\nfrom collections import Counter",
)
