"""Small image classifiers for the classification notebooks: MLP, a small CNN, an
AlexNet-style CNN and CIFAR-style ResNets (with a ``residual=False`` "plain" twin).

Every model takes ``(N, C, H, W)`` float images of any size >= 16 and returns ``(N, num_classes)`` logits.

>>> import torch
>>> x = torch.rand(2, 3, 32, 32)
>>> [tuple(m(x).shape) for m in (MLP(3 * 32 * 32), SmallCNN(), AlexNetMini(), ResNetMini(8))]
[(2, 6), (2, 6), (2, 6), (2, 6)]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP", "SmallCNN", "AlexNetMini", "BasicBlock", "ResNetMini", "make_activation", "count_parameters"]


def make_activation(name: str) -> nn.Module:
    """``"relu"`` or ``"tanh"`` as a module (the AlexNet comparison swaps only this)."""
    layers = {"relu": nn.ReLU, "tanh": nn.Tanh}
    if name not in layers:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(layers)}")
    return layers[name]()


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters.

    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MLP(nn.Module):
    """Flatten, then ``Linear -> ReLU -> Dropout`` per hidden layer: the no-convolution baseline."""

    def __init__(self, in_features: int, num_classes: int = 6, hidden: Sequence[int] = (256, 128),
                 dropout: float = 0.2) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (N, C, H, W) -> (N, num_classes)


def _conv(c_in: int, c_out: int, act: str, batchnorm: bool, kernel: int = 3) -> list[nn.Module]:
    # No conv bias when BatchNorm follows: BN's shift makes it redundant.
    conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=not batchnorm)
    return [conv, *([nn.BatchNorm2d(c_out)] if batchnorm else []), make_activation(act)]


class SmallCNN(nn.Module):
    """Two ``conv -> act -> maxpool`` stages, global average pooling and a linear head
    (a LeNet-sized CNN). ``activation`` and ``batchnorm`` are switchable for experiments."""

    def __init__(self, num_classes: int = 6, in_channels: int = 3, width: int = 16, activation: str = "relu",
                 batchnorm: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *_conv(in_channels, width, activation, batchnorm), nn.MaxPool2d(2),  # (N, w, H/2, W/2)
            *_conv(width, 2 * width, activation, batchnorm), nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
            *_conv(2 * width, 4 * width, activation, batchnorm),  # (N, 4w, H/4, W/4)
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class AlexNetMini(nn.Module):
    """AlexNet's recipe at toy scale: a stack of 3x3 conv layers with max-pools and ReLU, then
    fully connected layers with dropout. Sized for small images (AlexNet's 11x11 stride-4 stem
    is for 224x224): four conv layers (AlexNet has five), two max-pools, a global max-pool and two
    fully connected layers (AlexNet has three). BatchNorm (not in the 2012 paper, which used local
    response normalisation) is on by default because it makes short CPU runs stable.

    Why these choices: on ``shapes-classify`` a global *max* pool ("is this part anywhere in the
    image?") learns in a few epochs where a flattened 4x4 map with two 0.5-dropout FC layers (the
    2012 head) was at 0.40-0.48 validation accuracy after eight, against 0.96-0.97 (seeds 0-2,
    ``benchmarks/alexnet_choices.py``); dropout is kept, at 0.2, between the fully connected
    layers only.

    >>> AlexNetMini(width=8)(torch.rand(1, 3, 48, 48)).shape
    torch.Size([1, 6])
    """

    def __init__(self, num_classes: int = 6, in_channels: int = 3, width: int = 24, activation: str = "relu",
                 dropout: float = 0.2, batchnorm: bool = True, hidden: int = 128) -> None:
        super().__init__()
        w, act, bn = width, activation, batchnorm
        self.features = nn.Sequential(
            *_conv(in_channels, w, act, bn), nn.MaxPool2d(2),  # (N, w, H/2, W/2)
            *_conv(w, 2 * w, act, bn), nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
            *_conv(2 * w, 4 * w, act, bn),
            *_conv(4 * w, 4 * w, act, bn),  # (N, 4w, H/4, W/4)
            nn.AdaptiveMaxPool2d(1),  # (N, 4w, 1, 1): the strongest response anywhere; any input size works
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(4 * w, hidden), make_activation(act),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """Two 3x3 conv + BN layers. With ``residual=True`` the input is added back before the last
    ReLU (through a 1x1 conv + BN projection when the shape changes): ``relu(F(x) + x)``.
    With ``residual=False`` it is the "plain" block of the paper: ``relu(F(x))``.

    >>> BasicBlock(16, 32, stride=2)(torch.rand(1, 16, 8, 8)).shape
    torch.Size([1, 32, 4, 4])
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1, residual: bool = True) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.residual = residual
        self.shortcut: nn.Module = nn.Identity()
        if residual and (stride != 1 or c_in != c_out):
            # Projection shortcut (option B in the paper) so F(x) and x have the same shape.
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))  # (N, c_out, H/stride, W/stride)
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + self.shortcut(x)  # the gradient reaches x through "+ x" unchanged
        return torch.relu(out)


class ResNetMini(nn.Module):
    """The CIFAR ResNet of the paper (section 4.2): ``depth = 6n + 2`` weighted layers, a 3x3
    stem, three stages of ``n`` blocks at widths ``w, 2w, 4w`` (stride 2 between stages),
    global average pooling and a linear head. ``residual=False`` gives the plain twin with the
    same layers and (almost) the same parameters.

    >>> ResNetMini(20).depth, len(ResNetMini(20).stages[0])
    (20, 3)
    """

    def __init__(self, depth: int = 20, residual: bool = True, num_classes: int = 6, in_channels: int = 3,
                 width: int = 16) -> None:
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n + 2 with n >= 1 (8, 14, 20, 26, 32, ...), got {depth}")
        n = (depth - 2) // 6
        self.depth, self.residual = depth, residual
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU())
        stages, c_in = [], width
        for i, c_out in enumerate((width, 2 * width, 4 * width)):
            blocks = [BasicBlock(c_in if j == 0 else c_out, c_out, stride=2 if (i > 0 and j == 0) else 1,
                                 residual=residual) for j in range(n)]
            stages.append(nn.Sequential(*blocks))
            c_in = c_out
        self.stages = nn.Sequential(*stages)  # (N, 4w, H/4, W/4)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))
