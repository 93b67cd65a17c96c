"""Drill: the best answer span from start/end logits, as extractive QA decodes it."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# Best answer span from start and end logits

An extractive QA model scores every token as the answer's start (`start_logits`) and as
its end (`end_logits`); a span `(i, j)` scores `start_logits[i] + end_logits[j]`. Write
`best_span(start_logits, end_logits, max_answer_len)`: two `(T,)` float tensors and an int.
Return `(i, j)`, two ints, for the best **legal** span:

- `i <= j` (the end is not before the start),
- the span has at most `max_answer_len` tokens: `j - i + 1 <= max_answer_len`.

On ties, return the smallest `i`, then the smallest `j`. Taking the argmax of each list on
its own is the classic bug: it can end before it starts, or run too long. Vectorise it if
you like (an upper-triangular band of the `(T, T)` score matrix); a double loop over
`i` and `j < i + max_answer_len` is fine too.

Example:

    >>> best_span(torch.tensor([0., 5., 1., 0.]), torch.tensor([4., 0., 2., 0.]), 3)
    (1, 2)

(the argmaxes are start 1 and end 0, which is no span).
"""


def best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, max_answer_len: int) -> tuple[int, int]:
    """(T,) start and end logits, max tokens per span -> (start, end) of the best legal span."""
    T = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]  # (T, T): [i, j] = start i, end j
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    legal = (j >= i) & (j - i < max_answer_len)
    flat = int(scores.masked_fill(~legal, float("-inf")).flatten().argmax())  # first maximum
    return flat // T, flat % T


def _slow(start: torch.Tensor, end: torch.Tensor, max_len: int) -> tuple[int, int]:
    best, where = float("-inf"), (0, 0)
    for i in range(len(start)):
        for j in range(i, min(len(end), i + max_len)):
            if float(start[i] + end[j]) > best:
                best, where = float(start[i] + end[j]), (i, j)
    return where


def make_cases(rng: np.random.Generator) -> list[Case]:
    t = torch.tensor
    fixed = [
        ("statement example: the argmaxes end before they start", t([0.0, 5.0, 1.0, 0.0]), t([4.0, 0.0, 2.0, 0.0]), 3),
        ("max_answer_len is a length: 2 tokens allowed", t([3.0, 0.0, 0.0, 0.0]), t([0.0, 1.0, 2.5, 0.0]), 2),
        ("one-token span wins", t([0.0, 2.0, 0.0]), t([0.0, 2.0, 0.0]), 5),
        ("max_answer_len 1: start and end must coincide", t([1.0, 3.0, 0.0]), t([0.0, 0.0, 3.0]), 1),
        ("ties: smallest start, then smallest end", t([1.0, 1.0, 1.0]), t([1.0, 1.0, 1.0]), 2),
    ]
    cases = [Case(name, (s, e, m), expected=_slow(s, e, m)) for name, s, e, m in fixed]
    for k in range(5):
        T = int(rng.integers(5, 30))
        s, e = (t(rng.normal(0, 2, size=T), dtype=torch.float32) for _ in range(2))
        m = int(rng.integers(1, 8))
        cases.append(Case(f"random logits #{k + 1}: T={T}, max_answer_len={m}", (s, e, m), expected=_slow(s, e, m)))
    return cases


DRILL = Drill(
    name="best_span",
    title="Best answer span from start/end logits",
    topic="qa",
    difficulty="medium",
    time_limit_min=20,
    statement=STATEMENT,
    reference=best_span,
    make_cases=make_cases,
    output_names=("start", "end"),
    imports="import torch",
)
