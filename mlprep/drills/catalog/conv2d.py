"""Drill: a 2-D convolution forward pass, checked against ``torch.nn.functional.conv2d``."""

from __future__ import annotations

import numpy as np
import torch

from mlprep.drills.base import Case, Drill

STATEMENT = """\
# 2-D convolution, forward

Write `conv2d(x, weight, bias, stride, padding)` without `torch.nn.functional.conv2d`,
`unfold` or `nn.Conv2d`:

- `x`: `(N, C_in, H, W)` float tensor; `weight`: `(C_out, C_in, kH, kW)`; `bias`: `(C_out,)`
  or `None`; `stride` and `padding`: ints, the same for height and width (zero padding).
- Return `(N, C_out, H_out, W_out)` with `H_out = (H + 2 * padding - kH) // stride + 1`
  (and the same for width).

As in every deep-learning library this is cross-correlation: the kernel is **not** flipped.
Loops over output positions are fine; loops over single multiply-adds will be slow.

Example: a `(1, 1, 3, 3)` input of ones with a `(1, 1, 2, 2)` kernel of ones, no bias,
stride 1, padding 0 gives `[[[[4., 4.], [4., 4.]]]]`.
"""


def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int = 1, padding: int = 0) -> torch.Tensor:
    """(N, C_in, H, W) input, (C_out, C_in, kH, kW) weight, (C_out,) bias -> (N, C_out, H_out, W_out)."""
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    x = torch.nn.functional.pad(x, (padding, padding, padding, padding))  # zero padding
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (w + 2 * padding - kw) // stride + 1
    out = x.new_zeros(n, c_out, h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (N, C_in, kH, kW)
            out[:, :, i, j] = torch.einsum("nchw,ochw->no", patch, weight)
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def make_cases(rng: np.random.Generator) -> list[Case]:
    from torch.nn.functional import conv2d as reference

    def t(*shape: int) -> torch.Tensor:
        return torch.tensor(rng.normal(size=shape), dtype=torch.float32)

    asymmetric = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    ramp = torch.arange(16.0).reshape(1, 1, 4, 4)
    settings = [  # name, x, weight, bias, stride, padding
        ("asymmetric kernel (no flipping)", ramp, asymmetric, None, 1, 0),
        ("1x1 kernel mixes channels", t(1, 3, 4, 4), t(2, 3, 1, 1), t(2), 1, 0),
        ("padding 1 keeps the size", t(2, 2, 5, 5), t(3, 2, 3, 3), t(3), 1, 1),
        ("stride 2", t(1, 2, 7, 7), t(2, 2, 3, 3), t(2), 2, 0),
        ("stride 2 with padding, odd size", t(2, 3, 6, 5), t(4, 3, 3, 3), None, 2, 1),
        ("non-square kernel", t(1, 2, 6, 6), t(2, 2, 2, 3), t(2), 1, 0),
    ]
    for i in range(3):
        stride, padding, k = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(1, 4))
        settings.append((f"random #{i + 1}: k={k}, stride={stride}, padding={padding}",
                         t(2, 3, 6, 7), t(4, 3, k, k), t(4), stride, padding))
    return [Case(name, (x, w, b, s, p), expected=reference(x, w, b, stride=s, padding=p))
            for name, x, w, b, s, p in settings]


DRILL = Drill(
    name="conv2d",
    title="2-D convolution forward",
    topic="cnn",
    difficulty="medium",
    time_limit_min=25,
    statement=STATEMENT,
    reference=conv2d,
    make_cases=make_cases,
    imports="import torch",
)
