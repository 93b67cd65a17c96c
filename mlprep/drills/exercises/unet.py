"""Notebook 03, exercise 2: a U-Net decoder step without transposed convolutions.

``BilinearUp(c_in, c_out)`` replaces ``nn.ConvTranspose2d(c_in, c_out, 2, stride=2)``:
bilinear upsampling by 2, then a 3x3 convolution (padding 1). A stride-2 transposed
convolution with a 2x2 kernel paints each input pixel as one fixed 2x2 tile, so even a
constant input comes out as a periodic pattern (the checkerboard); bilinear upsampling
followed by a convolution gives a flat output away from the borders.

>>> from mlprep.drills.exercises import check_exercise
>>> check_exercise("unet_bilinear_up", BilinearUp, quiet=True).status
'pass'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlprep.drills.base import Case, CheckFailure
from mlprep.drills.compare import compare
from mlprep.drills.exercises import Exercise

__all__ = ["BilinearUp"]


class BilinearUp(nn.Module):
    """(N, c_in, H, W) -> (N, c_out, 2H, 2W): bilinear upsampling, then a 3x3 convolution."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")  # align_corners=False, PyTorch's default
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.up(x))


def _the_conv(module: Any) -> nn.Conv2d:
    if not isinstance(module, nn.Module):
        raise CheckFailure(f"expected an nn.Module built from (c_in, c_out), got {type(module).__name__}")
    if any(isinstance(m, nn.ConvTranspose2d) for m in module.modules()):
        raise CheckFailure("the module still holds an nn.ConvTranspose2d: the exercise replaces it")
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    if len(convs) != 1 or convs[0].kernel_size != (3, 3) or convs[0].padding != (1, 1) or convs[0].stride != (1, 1):
        found = ", ".join(f"Conv2d(kernel {m.kernel_size}, padding {m.padding}, stride {m.stride})" for m in convs)
        raise CheckFailure(f"expected exactly one 3x3 nn.Conv2d with padding 1 and stride 1, found [{found}]")
    return convs[0]


def _equals_bilinear_then_conv(x: torch.Tensor) -> Any:
    def check(module: Any) -> None:
        conv = _the_conv(module)
        with torch.no_grad():
            got = module(x)
            wanted = [F.conv2d(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=corners),
                               conv.weight, conv.bias, padding=1) for corners in (False, True)]
        if isinstance(got, torch.Tensor) and got.shape == wanted[0].shape and any(
                torch.allclose(got, w, atol=1e-5) for w in wanted):
            return  # either corner convention is bilinear upsampling
        compare(wanted[0], got, path="output (against bilinear x2, then your conv)")

    return check


def _flat_on_a_constant_input(c_in: int) -> Any:
    def check(module: Any) -> None:
        _the_conv(module)
        with torch.no_grad():
            out = module(torch.ones(1, c_in, 6, 6))  # (1, c_out, 12, 12)
        inside = out[..., 1:-1, 1:-1]  # the border sees the convolution's zero padding
        spread = (inside.amax((-1, -2)) - inside.amin((-1, -2))).max()
        if spread > 1e-5:
            raise CheckFailure(f"a constant input gives a patterned output (max - min {float(spread):.3g} "
                               "inside one channel): the checkerboard is still there")

    return check


def make_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int) -> torch.Tensor:
        return torch.tensor(rng.normal(size=shape), dtype=torch.float32)

    return [
        Case("no transposed conv, one 3x3 conv", (8, 4), check=lambda module: _the_conv(module) and None),
        Case("(2, 8, 4, 4) -> (2, 4, 8, 8): bilinear x2, then the conv", (8, 4), check=_equals_bilinear_then_conv(t(2, 8, 4, 4))),
        Case("non-square input (1, 16, 3, 5)", (16, 8), check=_equals_bilinear_then_conv(t(1, 16, 3, 5))),
        Case("constant input -> flat output (no checkerboard)", (4, 2), check=_flat_on_a_constant_input(4)),
    ]


EXERCISES = (
    Exercise(
        name="unet_bilinear_up", notebook="03_image_segmentation", number=2,
        question="A module (c_in, c_out) that upsamples x2 bilinearly, then applies a 3x3 conv, replacing the transposed conv",
        kind="class", solution=lambda: BilinearUp, make_cases=make_cases),
)
