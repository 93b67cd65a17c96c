"""Notebook 02's exercises 1-3: option A's shortcut, what the projections cost, and BatchNorm
left in training mode at test time.

>>> from mlprep.drills.exercises import check_exercise
>>> check_exercise("resnet_option_a_shortcut", OptionAShortcut, quiet=True).status
'pass'
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlprep.drills.base import Case, CheckFailure
from mlprep.drills.compare import compare
from mlprep.drills.exercises import Exercise, number_case
from mlprep.vision.models import ResNetMini

__all__ = ["OptionAShortcut", "bn_train_mode_accuracy", "projection_parameters"]


class OptionAShortcut(nn.Module):
    """The paper's CIFAR shortcut (option A): subsample by taking every ``stride``-th pixel,
    then zero-pad the extra channels. No parameters."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.extra, self.stride = c_out - c_in, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (N, c_in, ceil(H / stride), ceil(W / stride))
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))  # (N, c_out, ...): zeros after the input's channels


def _shortcut_case(name: str, c_in: int, c_out: int, stride: int, x: torch.Tensor) -> Case:
    def check(module: Any) -> None:
        n_params = sum(p.numel() for p in module.parameters()) if isinstance(module, nn.Module) else 0
        if n_params:
            raise CheckFailure(f"option A adds no parameters; this shortcut has {n_params}")
        with torch.no_grad():
            out = module(x.clone())
        sub = x[:, :, ::stride, ::stride]  # what every kept channel must equal
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (x.shape[0], c_out, *sub.shape[2:]):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise CheckFailure(f"expected output shape {(x.shape[0], c_out, *sub.shape[2:])} "
                               f"(the block's F(x) shape), got {shape}")
        # Where the zero channels go (after, or split around, the input's) is a convention; any order
        # of the input's channels, each subsampled exactly once, with zeros elsewhere, is option A.
        found, j = [], 0
        for i in range(c_in):
            while j < c_out and not torch.allclose(out[:, j], sub[:, i]):
                j += 1
            if j == c_out:
                raise CheckFailure(f"input channel {i}, subsampled as x[:, {i}, ::{stride}, ::{stride}], is not an "
                                   "output channel (after the earlier input channels): option A keeps every input "
                                   "value at the stride-th pixels, no pooling or interpolation")
            found.append(j)
            j += 1
        for k in sorted(set(range(c_out)) - set(found)):
            if out[:, k].abs().max() > 0:
                raise CheckFailure(f"output channel {k} should be zero padding, got max |value| "
                                   f"{float(out[:, k].abs().max()):.3g}")

    return Case(name, (c_in, c_out, stride), check=check)


def shortcut_cases(rng: np.random.Generator) -> list[Case]:
    def t(*shape: int) -> torch.Tensor:
        return torch.tensor(rng.normal(size=shape), dtype=torch.float32)

    return [
        _shortcut_case("same shape: the identity", 8, 8, 1, t(2, 8, 6, 6)),
        _shortcut_case("stage change: 16 -> 32 channels, stride 2", 16, 32, 2, t(2, 16, 8, 8)),
        _shortcut_case("odd side: 7 x 7 -> 4 x 4, as the stride-2 conv gives", 4, 8, 2, t(1, 4, 7, 7)),
        _shortcut_case("channels x4, stride 2", 4, 16, 2, t(3, 4, 6, 10)),
    ]


def projection_parameters(depth: int = 20, width: int = 16) -> int:
    """Parameters of the projection shortcuts (1x1 conv + BatchNorm) in ``ResNetMini(depth)``."""
    return sum(p.numel() for name, p in ResNetMini(depth, width=width).named_parameters() if ".shortcut." in name)


def projection_cases(rng: np.random.Generator) -> list[Case]:
    def hints() -> dict[int, str]:
        convs_only = sum(p.numel() for name, p in ResNetMini(20).named_parameters()
                         if ".shortcut." in name and p.ndim == 4)
        return {convs_only: "that is the 1x1 convolutions alone; each is followed by a BatchNorm with a "
                            "weight and a bias per channel"}

    return [number_case("parameters the projection shortcuts add to ResNetMini(20)", projection_parameters, hints)]


def bn_train_mode_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    """Accuracy with every BatchNorm layer in training mode (normalising with the statistics of each
    batch of ``batch_size`` images, in order), without gradients; the model is left as it was found:
    same mode, same running statistics."""
    state, modes = copy.deepcopy(model.state_dict()), {m: m.training for m in model.modules()}
    for m in model.modules():
        m.train(isinstance(m, nn.modules.batchnorm._BatchNorm))  # dropout, if any, stays off
    with torch.no_grad():
        correct = sum(int((model(xb).argmax(1) == yb).sum()) for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True))
    model.load_state_dict(state)  # training mode updated the running statistics
    for m, training in modes.items():
        m.train(training)
    return correct / len(y)


def _observe(fn: Any) -> Any:
    """Call the candidate's function and also report whether it left the model as it found it."""

    def observed(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> dict[str, Any]:
        before = {k: v.clone() for k, v in model.state_dict().items()}
        accuracy = fn(model, x, y, batch_size)
        after = model.state_dict()
        return {"accuracy": accuracy,
                "running statistics unchanged": all(torch.equal(before[k], after[k]) for k in before),
                "model still in eval mode": not any(m.training for m in model.modules())}

    return observed


class _SmallResNet(ResNetMini):
    def __repr__(self) -> str:  # what a failure report shows as the input
        return "ResNetMini(8, width=4), in eval mode, running statistics from 3 batches"


def _same_as_reference(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> Any:
    def check(got: Any) -> None:  # the reference runs only once there is an answer to judge
        compare(_observe(bn_train_mode_accuracy)(copy.deepcopy(model), x, y, batch_size), got, atol=1e-9, rtol=0)

    return check


def bn_cases(rng: np.random.Generator) -> list[Case]:
    torch.manual_seed(int(rng.integers(2**31)))
    model = _SmallResNet(8, width=4).train()
    with torch.no_grad():  # a few training-mode batches: running statistics not the initial ones
        for _ in range(3):
            model(torch.tensor(rng.normal(1.0, 2.0, size=(32, 3, 12, 12)), dtype=torch.float32))
    model.eval()
    x = torch.tensor(rng.normal(size=(300, 3, 12, 12)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 6, size=300))
    return [Case(name, (model, x, y, batch_size), check=_same_as_reference(model, x, y, batch_size))
            for batch_size, name in [(512, "one batch of all 300 images"), (2, "batches of 2"),
                                     (7, "batches of 7, the last of 6")]]


EXERCISES = (
    Exercise(
        name="resnet_option_a_shortcut", notebook="02_resnet", number=1,
        question="Option A's shortcut as a module class (c_in, c_out, stride): stride-th pixels, zero-padded channels",
        kind="class", solution=lambda: OptionAShortcut, make_cases=shortcut_cases),
    Exercise(
        name="resnet20_projection_parameters", notebook="02_resnet", number=2,
        question="How many parameters the projection shortcuts add to ResNetMini(20)",
        kind="number", solution=projection_parameters, make_cases=projection_cases),
    Exercise(
        name="bn_train_mode_accuracy", notebook="02_resnet", number=3,
        question="Accuracy with BatchNorm in training mode at test time, leaving the model as it was found",
        kind="function", solution=lambda: bn_train_mode_accuracy, make_cases=bn_cases, probe=_observe),
)
