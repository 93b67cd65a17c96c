"""Notebook 01, exercise 2: the receptive field of ``AlexNetMini``'s last convolution.

The reference is measured, not derived: back-propagate from one output unit of the last
conv layer and count the input rows that receive a non-zero gradient. Max-pools route the
gradient to one pixel per window and ReLUs can block it, so for the measurement they become
average pools of the same geometry and identities (the receptive field is a property of the
geometry alone), and every weight is positive.

>>> receptive_field_side(AlexNetMini().features)
26
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from mlprep.drills.base import Case
from mlprep.drills.exercises import Exercise, number_case
from mlprep.vision.models import AlexNetMini


def receptive_field_side(features: nn.Sequential, size: int = 96) -> int:
    """Side in input pixels of the receptive field of one unit of the last ``Conv2d`` in ``features``."""
    last = max(i for i, m in enumerate(features) if isinstance(m, nn.Conv2d))
    layers = []
    for module in copy.deepcopy(features[: last + 1]):
        if isinstance(module, nn.MaxPool2d):
            module = nn.AvgPool2d(module.kernel_size, module.stride, module.padding)
        elif isinstance(module, nn.Conv2d):
            nn.init.constant_(module.weight, 1.0)
        elif not isinstance(module, nn.AvgPool2d):
            module = nn.Identity()  # BatchNorm, ReLU: no effect on which pixels are seen
        layers.append(module)
    probe = nn.Sequential(*layers)
    x = torch.ones(1, features[0].in_channels, size, size, requires_grad=True)
    out = probe(x)  # (1, C, h, w)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()  # one unit, far from the borders
    seen_rows = (x.grad[0].abs().sum(0) > 0).any(1)  # (size,)
    return int(seen_rows.sum())


def _pooling_ignored() -> int:
    # The classic slip: add (k - 1) per conv layer and forget that each pool doubles the step.
    convs = [m for m in AlexNetMini().features if isinstance(m, nn.Conv2d)]
    return 1 + sum(m.kernel_size[0] - 1 for m in convs)


def make_cases(rng: np.random.Generator) -> list[Case]:
    def hints() -> dict[int, str]:
        return {_pooling_ignored(): "each 2x2 max-pool doubles the step between the input pixels "
                                    "that neighbouring units of the next layers see"}

    return [number_case("receptive field side of the last conv layer, in input pixels",
                        lambda: receptive_field_side(AlexNetMini().features), hints)]


EXERCISES = (
    Exercise(
        name="alexnet_receptive_field", notebook="01_image_classification", number=2,
        question="The side, in input pixels, of the receptive field of one unit of AlexNetMini's last conv layer",
        kind="number", solution=lambda: receptive_field_side(AlexNetMini().features), make_cases=make_cases),
)
