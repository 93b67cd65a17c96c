"""Drill: one step of an LSTM cell, checked against ``torch.nn.LSTMCell``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# LSTM cell

Write `lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)` returning `(h_new, c_new)`, one time step
of an LSTM with PyTorch's parameter layout (`torch.nn.LSTMCell`):

- `x`: `(B, D)` input; `h`, `c`: `(B, H)` previous hidden and cell state;
- `W_ih`: `(4H, D)`, `W_hh`: `(4H, H)`, `b_ih`, `b_hh`: `(4H,)`. The four row blocks of
  the weights are, in order, the **input gate i, forget gate f, cell candidate g, output gate o**.

    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh          # (B, 4H)
    i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the four chunks
    c_new = f * c + i * g
    h_new = o * tanh(c_new)

Do not call `nn.LSTMCell`, `nn.LSTM` or `torch.lstm_cell`.
"""


def lstm_cell(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, W_ih: torch.Tensor, W_hh: torch.Tensor,
              b_ih: torch.Tensor, b_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, D) x, (B, H) h and c, PyTorch-layout weights (gates i, f, g, o) -> (h_new, c_new)."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new


def _expected(x, h, c, W_ih, W_hh, b_ih, b_hh):
    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1])
    with torch.no_grad():
        for name, value in [("weight_ih", W_ih), ("weight_hh", W_hh), ("bias_ih", b_ih), ("bias_hh", b_hh)]:
            getattr(cell, name).copy_(value)
        h_new, c_new = cell(x, (h, c))
    return h_new, c_new


def make_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int) -> torch.Tensor:
        return torch.tensor(rng.normal(size=shape), dtype=torch.float32)

    cases = []
    for name, b, d, hid in [("B=1, D=1, H=1", 1, 1, 1), ("B=2, D=3, H=4", 2, 3, 4),
                            ("B=5, D=8, H=6", 5, 8, 6), ("D != H, B=3", 3, 10, 2)]:
        args = (t(b, d), t(b, hid), t(b, hid), t(4 * hid, d), t(4 * hid, hid), t(4 * hid), t(4 * hid))
        cases.append(Case(name, args, expected=_expected(*args)))
    # A saturated forget gate must carry the cell state through unchanged.
    hid = 3
    b_ih = torch.zeros(4 * hid)
    b_ih[hid:2 * hid] = 50.0  # forget gate open
    b_ih[:hid] = -50.0  # input gate shut
    args = (t(2, 4), t(2, hid), t(2, hid), t(4 * hid, 4) * 0.01, t(4 * hid, hid) * 0.01, b_ih, torch.zeros(4 * hid))
    cases.append(Case("forget gate open, input gate shut: c is carried over", args, expected=_expected(*args)))
    return cases


DRILL = Drill(
    name="lstm_cell",
    title="LSTM cell, one time step",
    topic="lstm",
    difficulty="medium",
    time_limit_min=15,
    statement=STATEMENT,
    reference=lstm_cell,
    make_cases=make_cases,
    output_names=("h_new", "c_new"),
    imports="import torch",
)
