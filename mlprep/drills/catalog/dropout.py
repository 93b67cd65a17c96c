"""Drill: inverted dropout, train vs eval, checked statistically (the mask is random)."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, CheckFailure, Drill
from mlprep.drills.compare import to_numpy

STATEMENT = """\
# Dropout (inverted), train vs eval

Write `dropout(x, p, training)`: `x` is a float tensor of any shape, `p` the probability
of **dropping** each element (0 <= p <= 1), `training` a bool.

- Training: zero each element independently with probability `p` and scale the survivors
  by `1 / (1 - p)`, so the expected value of every element is unchanged ("inverted"
  dropout, as `torch.nn.functional.dropout`). With `p = 1` return all zeros.
- Evaluation (`training=False`): return `x` unchanged.
- Do not modify `x` in place.

Because the output is random the checker tests its statistics: survivors equal
`x / (1 - p)`, the dropped fraction is close to `p`, and eval mode is the identity.
"""


def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Tensor of any shape -> same shape; drop with probability p and rescale when training."""
    if not training or p == 0.0:
        return x
    if p >= 1.0:
        return torch.zeros_like(x)
    keep = torch.rand_like(x) >= p  # each element survives with probability 1 - p
    return x * keep / (1.0 - p)


def _check_training(x: torch.Tensor, p: float):
    def check(got: object) -> None:
        out = to_numpy(got)
        want = to_numpy(x)
        if out.shape != want.shape:
            raise CheckFailure(f"expected shape {want.shape}, got shape {out.shape}")
        dropped = out == 0
        survivors_ok = np.allclose(out[~dropped], want[~dropped] / (1 - p), rtol=1e-5, atol=1e-6)
        if not survivors_ok:
            i = np.argwhere(~dropped & ~np.isclose(out, want / (1 - p), rtol=1e-5, atol=1e-6))[0]
            raise CheckFailure(
                f"a kept element should be x / (1 - p) = {want[tuple(i)] / (1 - p):.5g}, got "
                f"{out[tuple(i)]:.5g} at {tuple(int(j) for j in i)} (did you forget to rescale?)"
            )
        fraction = float(dropped.mean())
        if abs(fraction - p) > 0.03:
            raise CheckFailure(f"dropped {fraction:.3f} of the elements, expected about p = {p} "
                               "(is p the probability of dropping, not of keeping?)")
        if want.ndim == 2 and (dropped.all(axis=1) | (~dropped).all(axis=1)).all():
            raise CheckFailure("whole rows are dropped or kept together; drop each element independently")
    return check


def make_cases(rng: np.random.Generator) -> list[Case]:
    x_small = torch.tensor(rng.normal(size=(3, 4)), dtype=torch.float32)
    x_big = torch.tensor(rng.normal(size=(100, 200)), dtype=torch.float32) + 3.0  # no exact zeros
    ones = torch.ones(20_000)
    cases = [
        Case("eval mode returns x unchanged", (x_small, 0.5, False), expected=x_small),
        Case("p = 0 in training returns x", (x_small, 0.0, True), expected=x_small),
        Case("p = 1 in training returns zeros", (x_small, 1.0, True), expected=torch.zeros_like(x_small)),
        Case("training, p = 0.5 on ones: entries are 0 or 2", (ones, 0.5, True), check=_check_training(ones, 0.5)),
        Case("training, p = 0.2 on a (100, 200) tensor", (x_big, 0.2, True), check=_check_training(x_big, 0.2)),
        Case("training, p = 0.8", (x_big, 0.8, True), check=_check_training(x_big, 0.8)),
    ]
    return cases


DRILL = Drill(
    name="dropout",
    title="Dropout, train vs eval",
    topic="regularisation",
    difficulty="easy",
    time_limit_min=10,
    statement=STATEMENT,
    reference=dropout,
    make_cases=make_cases,
    imports="import torch",
)
