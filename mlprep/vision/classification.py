"""The training runs of notebooks 01 (image classification) and 02 (ResNet), one function
each, with the notebooks' defaults (``benchmarks/notebook_seeds.py 01 02`` reruns the notebooks
with other seeds).

Dataset options: ``shapes-classify`` at 32x32 pixels and difficulty 0.3 (the default 0.5 plateaus
near chance for longer than a 3-minute CPU budget allows), 5000/1000/1000 images.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.utils.data import TensorDataset

from mlprep.train import History
from mlprep.vision.experiments import (
    flips,
    shapes_tensors,
    train_classifier,
    training_error_curve,
)
from mlprep.vision.models import MLP, AlexNetMini, ResNetMini, SmallCNN

__all__ = ["shapes_splits", "fit_mlp", "fit_small_cnn", "fit_alexnet", "relu_vs_tanh", "fit_digits",
           "degradation"]

def shapes_splits(size: int = 32, difficulty: float = 0.3, n_train: int = 5000) -> tuple[TensorDataset, ...]:
    """(train, val, test) standardised tensors of ``shapes-classify``."""
    return (shapes_tensors("train", n=n_train, size=size, difficulty=difficulty),
            shapes_tensors("val", size=size, difficulty=difficulty),
            shapes_tensors("test", size=size, difficulty=difficulty))


def fit_mlp(train: TensorDataset, val: TensorDataset, *, epochs: int = 8, seed: int = 0,
            progress: bool = True, device: str | None = None) -> tuple[nn.Module, History]:
    """The no-convolution baseline: a 2-hidden-layer MLP on raw pixels, AdamW."""
    torch.manual_seed(seed)
    model = MLP(train.tensors[0][0].numel())
    return model, train_classifier(model, train, val=val, epochs=epochs, lr=1e-3, seed=seed, progress=progress, device=device,
                                   desc="mlp")


def fit_small_cnn(train: TensorDataset, val: TensorDataset, *, epochs: int = 8, seed: int = 0,
                  progress: bool = True, device: str | None = None) -> tuple[nn.Module, History]:
    """A LeNet-sized CNN (3 conv layers, BatchNorm), AdamW."""
    torch.manual_seed(seed)
    model = SmallCNN(width=16, batchnorm=True)
    return model, train_classifier(model, train, val=val, epochs=epochs, lr=3e-3, seed=seed, progress=progress, device=device,
                                   desc="small cnn")


def fit_alexnet(train: TensorDataset, val: TensorDataset, *, epochs: int = 8, seed: int = 0,
                progress: bool = True, device: str | None = None) -> tuple[nn.Module, History]:
    """AlexNetMini (ReLU, dropout) with random flips as augmentation, AdamW one-cycle at 5e-3,
    batches of 64, 8 epochs (AlexNet used SGD with momentum; AdamW with one-cycle is these
    notebooks' default). Test accuracy 0.968-0.970 at seeds 0, 1 and 2 (2026-12-01)."""
    torch.manual_seed(seed)
    model = AlexNetMini(width=24)
    return model, train_classifier(model, train, val=val, epochs=epochs, lr=5e-3, batch_size=64, augment=flips(),
                                   seed=seed, progress=progress, device=device, desc="alexnet")


def relu_vs_tanh(train: TensorDataset, *, target: float = 0.6, max_steps: int = 2400, width: int = 16,
                 lr: float | Mapping[str, float] = 0.05, seed: int = 0, progress: bool = False,
                 device: str | None = None) -> dict[str, History]:
    """AlexNet's Figure 1 at toy scale: the same small CNN (no BatchNorm, as in 2012) with ReLU
    and with tanh, SGD with momentum, batches of 32; each run stops when its training error
    reaches ``target`` (or after ``max_steps``). ``lr``: one rate for both, or one per activation
    (``{"relu": ..., "tanh": ...}``, as the paper tuned each network's rate to train fastest)."""
    rates = lr if isinstance(lr, Mapping) else {"relu": lr, "tanh": lr}
    curves = {}
    for act in ("relu", "tanh"):
        torch.manual_seed(seed)
        model = SmallCNN(width=width, activation=act, batchnorm=False)
        curves[act] = training_error_curve(model, train, steps=max_steps, eval_every=50, lr=rates[act], batch_size=32,
                                           stop_below=target, seed=seed, progress=progress, device=device, desc=act)
    return curves


def fit_digits(*, epochs: int = 30, seed: int = 0, progress: bool = True, device: str | None = None) -> tuple[nn.Module, History, TensorDataset]:
    """The same pipeline on scikit-learn's handwritten digits (1x8x8, 10 classes); returns the test split too."""
    from mlprep import datasets

    train, val, test = (datasets.load("digits", s) for s in ("train", "val", "test"))
    torch.manual_seed(seed)
    model = SmallCNN(num_classes=10, in_channels=1, width=32, batchnorm=True)
    history = train_classifier(model, train, val=val, epochs=epochs, lr=3e-3, batch_size=64, seed=seed,
                               progress=progress, device=device, desc="digits")
    return model, history, test


def degradation(train: TensorDataset, *, shallow: int = 8, deep: int = 32, width: int = 8, steps: int = 800,
                batch_size: int = 32, lr: float = 0.05, seed: int = 0, progress: bool = False,
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
