"""Drill: beam search over a bigram language model, against the reference solution."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Beam search

Write `beam_search(log_probs, beam_width, max_len, bos, eos)` returning `(tokens, score)`.
The "model" is a bigram table: `log_probs` is a `(V, V)` tensor whose row `prev` holds the
log-probabilities of the next token given the previous token `prev`.

    beams = [([bos], 0.0)]; finished = []
    repeat max_len times:
        expand every beam by every token: (seq + [t], score + log_probs[seq[-1], t])
        keep the beam_width best expansions over all beams (sort by score, highest first)
        of those, the ones ending in eos go to finished; the rest are the new beams
        stop early if no beams are left
    return the best (tokens, score) among finished + beams

`tokens` is a list of ints starting with `bos`; `score` is the float sum of log-probabilities
(no length normalisation). Greedy decoding is beam search with `beam_width = 1`; the checker
includes cases where a wider beam finds a better sequence than greedy.
"""


def beam_search(log_probs: torch.Tensor, beam_width: int, max_len: int, bos: int = 0,
                eos: int = 1) -> tuple[list[int], float]:
    """(V, V) bigram log-prob table, beam width, max new tokens -> (best token list, its log-prob)."""
    beams: list[tuple[list[int], float]] = [([bos], 0.0)]
    finished: list[tuple[list[int], float]] = []
    for _ in range(max_len):
        candidates = [(seq + [t], score + float(log_probs[seq[-1], t]))
                      for seq, score in beams for t in range(log_probs.shape[1])]
        candidates.sort(key=lambda c: -c[1])  # stable: ties keep expansion order
        beams = []
        for seq, score in candidates[:beam_width]:
            (finished if seq[-1] == eos else beams).append((seq, score))
        if not beams:
            break
    return max(finished + beams, key=lambda c: c[1])


def _table(rows: list[list[float]]) -> torch.Tensor:
    return torch.log(torch.tensor(rows, dtype=torch.float64))


def make_cases(rng: np.random.Generator) -> list[Case]:
    # Tokens: 0 = bos, 1 = eos, 2 and 3 words. Greedy takes 2 (0.58), then 2 again (0.35):
    # 0.20; a beam of 2 also keeps 3 (0.40) and finds 3 then eos (0.95): 0.38.
    greedy_trap = _table([[0.01, 0.01, 0.58, 0.40],
                          [0.25, 0.25, 0.25, 0.25],
                          [0.01, 0.30, 0.35, 0.34],
                          [0.01, 0.95, 0.02, 0.02]])
    fixed = [
        ("beam width 1 is greedy", greedy_trap, 1, 2),
        ("beam width 2 beats greedy", greedy_trap, 2, 2),
        ("max_len 1: no finished sequence, return the best beam", greedy_trap, 2, 1),
        ("longer search, width 3", greedy_trap, 3, 4),
    ]
    settings = list(fixed)
    for i in range(4):
        v = int(rng.integers(4, 8))
        logits = torch.tensor(rng.normal(0, 2, size=(v, v)))
        settings.append((f"random table #{i + 1}: V={v}", torch.log_softmax(logits, dim=1),
                         int(rng.integers(2, 5)), int(rng.integers(2, 6))))
    cases = []
    for name, table, width, max_len in settings:
        tokens, score = beam_search(table, width, max_len)
        cases.append(Case(f"{name} (width={width}, max_len={max_len})", (table, width, max_len, 0, 1),
                          expected=(tokens, score), atol=1e-9, rtol=1e-9))
    return cases


DRILL = Drill(
    name="beam_search",
    title="Beam search decoding",
    topic="gpt",
    difficulty="medium",
    time_limit_min=25,
    statement=STATEMENT,
    reference=beam_search,
    make_cases=make_cases,
    output_names=("tokens", "score"),
    imports="import torch",
)
