"""The two paper experiments of notebooks 01 and 02 that train several nets in a loop: AlexNet's
ReLU-vs-tanh race and ResNet's degradation runs. Every setting that decides their result is an
argument, which the notebooks pass from their parameters cell (``benchmarks/activation_lr.py``
calls the race the same way). The notebooks build and train their single models in their own cells.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.utils.data import TensorDataset

from mlprep.train import History
from mlprep.vision.experiments import flips, training_error_curve
from mlprep.vision.models import ResNetMini, SmallCNN

__all__ = ["relu_vs_tanh", "degradation"]


def relu_vs_tanh(train: TensorDataset, *, target: float, max_steps: int, width: int,
                 lr: float | Mapping[str, float], batch_size: int, seed: int = 0, progress: bool = False,
                 device: str | None = None) -> dict[str, History]:
    """AlexNet's Figure 1 at toy scale: the same small CNN (no BatchNorm, as in 2012) with ReLU
    and with tanh, SGD with momentum, batches of ``batch_size``; each run stops when its training
    error reaches ``target`` (or after ``max_steps``). ``lr``: one rate for both, or one per activation
    (``{"relu": ..., "tanh": ...}``, as the paper tuned each network's rate to train fastest)."""
    rates = lr if isinstance(lr, Mapping) else {"relu": lr, "tanh": lr}
    curves = {}
    for act in ("relu", "tanh"):
        torch.manual_seed(seed)
        model = SmallCNN(width=width, activation=act, batchnorm=False)
        curves[act] = training_error_curve(model, train, steps=max_steps, eval_every=50, lr=rates[act], batch_size=batch_size,
                                           stop_below=target, seed=seed, progress=progress, device=device, desc=act)
    return curves


def degradation(train: TensorDataset, *, shallow: int, deep: int, width: int, steps: int,
                batch_size: int, lr: float, seed: int = 0, progress: bool = False,
                device: str | None = None) -> dict[str, tuple[nn.Module, History]]:
    """ResNet's Figure 1/6 at toy scale: plain-``shallow``, plain-``deep`` and residual-``deep``
    nets of the same width, the same SGD budget (``steps`` of ``batch_size`` images, cosine LR
    from ``lr``, flips), and their training error every 50 steps."""
    runs = {}
    for name, depth, residual in (("plain_shallow", shallow, False), ("plain_deep", deep, False),
                                  ("resnet_deep", deep, True)):
        torch.manual_seed(seed)
        # channels_last: the same numbers about 1.3x faster on CPU (oneDNN's preferred layout)
        model = ResNetMini(depth, residual=residual, width=width).to(memory_format=torch.channels_last)
        runs[name] = model, training_error_curve(model, train, steps=steps, eval_every=50, lr=lr,
                                                 schedule="cosine", batch_size=batch_size, augment=flips(), seed=seed,
                                                 progress=progress, device=device, desc=name)
    return runs
