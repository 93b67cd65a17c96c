"""Training helpers for the classification notebooks (through :mod:`mlprep.vision.classification`):

- :func:`shapes_tensors` loads a ``shapes-classify`` split as in-memory tensors (fast on CPU);
- :func:`train_classifier` trains with ``mlprep.fit``, AdamW and a one-cycle LR schedule;
- :func:`training_error_curve` trains for a fixed number of steps and measures the *training*
  error every ``eval_every`` steps (the y-axis of AlexNet's Figure 1 and ResNet's Figure 1);
- :func:`steps_to_target` reads off the first step at which a curve reaches an error target.

>>> import torch
>>> from torch.utils.data import TensorDataset
>>> from mlprep.vision.models import SmallCNN
>>> data = TensorDataset(torch.rand(64, 3, 16, 16), torch.randint(0, 6, (64,)))
>>> hist = training_error_curve(SmallCNN(width=4), data, steps=4, eval_every=2, batch_size=16, progress=False)
>>> [e["step"] for e in hist.epochs], 0.0 <= hist.epochs[-1]["train_error"] <= 1.0
([2, 4], True)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, RandomSampler, TensorDataset

from mlprep import schedules
from mlprep.runtime import seed_everything
from mlprep.train import Budget, Compute, History, Optim, StopWhen, fit

__all__ = ["standardize", "shapes_tensors", "shapes_splits", "Augmented", "flips", "loader",
           "make_optimizer", "train_classifier", "predict",
           "accuracy_on", "training_error_curve", "steps_to_target"]


def standardize(images: torch.Tensor) -> torch.Tensor:
    """Per-image, per-channel standardisation: ``(x - mean) / std`` over each image's pixels.

    Shapes have random colours on random backgrounds, so the absolute colour carries no label;
    removing each image's colour cast lets the first layer spend its filters on edges.

    >>> x = standardize(torch.rand(2, 3, 8, 8))
    >>> bool(x.mean((2, 3)).abs().max() < 1e-5)
    True
    """
    mean = images.mean((2, 3), keepdim=True)  # (N, C, 1, 1)
    std = images.std((2, 3), keepdim=True)
    return (images - mean) / (std + 1e-3)


def shapes_tensors(split: str, *, n: int | None = None, size: int = 32, difficulty: float = 0.5,
                   standardized: bool = True, progress: bool = False) -> TensorDataset:
    """A ``shapes-classify`` split as ``TensorDataset(images (N, 3, H, W) float, labels (N,))``,
    images :func:`standardize`-d (or in [0, 1] with ``standardized=False``).

    Holding the whole split in memory and batching by indexing is several times faster on a
    CPU than collating one item at a time.
    """
    from mlprep import datasets

    ds = datasets.load("shapes-classify", split, n=n, size=size, difficulty=difficulty, progress=progress)
    images = ds.images.float().div_(255)  # (N, 3, H, W) in [0, 1]
    return TensorDataset(standardize(images) if standardized else images, ds.labels.clone())


def shapes_splits(*, size: int, difficulty: float, n_train: int) -> tuple[TensorDataset, ...]:
    """(train, val, test) standardised tensors of ``shapes-classify`` (val and test: 1000 each)."""
    return (shapes_tensors("train", n=n_train, size=size, difficulty=difficulty),
            shapes_tensors("val", size=size, difficulty=difficulty),
            shapes_tensors("test", size=size, difficulty=difficulty))


class Augmented(Dataset):
    """Apply ``transform`` to the image of each ``(image, label)`` item (a fresh draw per item)."""

    def __init__(self, base: Dataset, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.base, self.transform = base, transform

    def __len__(self) -> int:
        return len(self.base)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, label = self.base[index]
        return self.transform(image), label


def flips() -> Callable[[torch.Tensor], torch.Tensor]:
    """Random horizontal and vertical flips (``torchvision.transforms.v2``). Label-preserving for
    shapes, which appear at any rotation: a mirrored star is still a star. (Adding random shifts
    changed notebook 01's validation accuracy by less than a point: ``benchmarks/alexnet_choices.py``.)

    >>> flips()(torch.rand(3, 8, 8)).shape
    torch.Size([3, 8, 8])
    """
    from torchvision.transforms import v2

    return v2.Compose([v2.RandomHorizontalFlip(), v2.RandomVerticalFlip()])


def loader(data: Dataset, batch_size: int = 128, *, shuffle: bool = True, seed: int = 0,
           num_samples: int | None = None) -> DataLoader:
    """A DataLoader with its own seeded generator (same batches for the same seed). With
    ``num_samples``, one pass over the loader draws that many items (an "epoch" of any length)."""
    generator = torch.Generator().manual_seed(seed)
    if num_samples is not None:
        sampler = RandomSampler(data, num_samples=num_samples, generator=generator)
        return DataLoader(data, batch_size=batch_size, sampler=sampler)
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator if shuffle else None)


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """``"sgd"`` (momentum 0.9, the optimizer of both AlexNet and ResNet) or ``"adamw"``.

    ``foreach=True``: one multi-tensor update instead of a Python loop over the parameters; the
    same numbers (bitwise, ``tests/test_optimizers.py``), and faster on CPU, where it is not the default."""
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay, foreach=True)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, foreach=True)
    raise ValueError(f"unknown optimizer {name!r}; use 'sgd' or 'adamw'")


def train_classifier(model: nn.Module, train: Dataset, *, val: Dataset | None = None, epochs: int = 5,
                     lr: float = 3e-3, optimizer: str = "adamw", weight_decay: float = 5e-4,
                     batch_size: int = 128, augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
                     seed: int = 0, eval_fn: Callable[[nn.Module], dict[str, float]] | None = None,
                     device: str | None = None, progress: bool = True, desc: str = "fit") -> History:
    """Train with ``mlprep.fit`` and a one-cycle LR schedule peaking at ``lr`` (warm up for 15%
    of the steps, then anneal: short CPU runs reach a good minimum without tuning a decay).
    ``augment`` is applied per item; validation loss and accuracy are reported each epoch."""
    from mlprep.train import accuracy

    seed_everything(seed)
    model.to(memory_format=torch.channels_last)  # NHWC: oneDNN's CPU convolutions are faster with it
    data = Augmented(train, augment) if augment is not None else train
    train_loader = loader(data, batch_size, seed=seed)
    val_loader = loader(val, 512, shuffle=False) if val is not None else None
    opt = make_optimizer(model, optimizer, lr, weight_decay)
    schedule = schedules.one_cycle(lr, epochs * len(train_loader), pct_start=0.15)(opt)
    return fit(model, train_loader, epochs=epochs, val_loader=val_loader, metrics={"accuracy": accuracy},
               eval_fn=eval_fn, optim=Optim(optimizer=opt, scheduler=schedule), compute=Compute(device=device),
               progress=progress, desc=desc)


@torch.inference_mode()  # no_grad, and no version counters or views tracked: the same predictions, a little faster
def _predictions(model: nn.Module, data: Dataset, batch_size: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted classes, labels) of every item in order, from one pass over ``data``. Batches of
    128: on a 2-core CPU, 500 32x32 images took about half the time of one batch of 512 (whose
    activations outgrow the cache); in eval mode each image's prediction does not depend on its batch."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    preds, labels = [], []
    for x, y in loader(data, batch_size, shuffle=False):
        preds.append(model(x.to(dev)).argmax(1).cpu())
        labels.append(y)
    model.train(was_training)
    return torch.cat(preds), torch.cat(labels)


def predict(model: nn.Module, data: Dataset, batch_size: int = 128) -> torch.Tensor:
    """Predicted class of every item, in order: ``(N,)`` int64."""
    return _predictions(model, data, batch_size)[0]


def accuracy_on(model: nn.Module, data: Dataset) -> float:
    """Fraction of ``data`` classified correctly (eval mode, no augmentation)."""
    preds, labels = _predictions(model, data)
    return float((preds == labels).float().mean())


def training_error_curve(model: nn.Module, train: Dataset, *, steps: int = 600, eval_every: int = 50,
                         lr: float = 0.05, optimizer: str = "sgd", schedule: str = "constant",
                         batch_size: int = 64, eval_items: int = 500, stop_below: float | None = None,
                         seed: int = 0, augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
                         device: str | None = None, progress: bool = True, desc: str = "fit") -> History:
    """Train for ``steps`` optimizer steps; every ``eval_every`` steps record ``train_error``,
    the error on the first ``eval_items`` training images (eval mode, not augmented).

    ``optimizer``: ``"sgd"`` or ``"adamw"`` (weight decay 1e-4); ``schedule``: ``"constant"`` or
    ``"cosine"`` (annealed over ``steps``). With ``stop_below``, training stops as soon as the
    training error is at or below it (saves time when only "steps to reach a target" matters).
    Each "epoch" of the returned History is one chunk of ``eval_every`` steps.
    """
    seed_everything(seed)
    subset = torch.utils.data.Subset(train, range(min(eval_items, len(train))))  # type: ignore[arg-type]
    rows: list[dict[str, float]] = []

    def train_error(m: nn.Module) -> dict[str, float]:
        error = 1.0 - accuracy_on(m, subset)
        rows.append({"epoch": len(rows) + 1, "step": min((len(rows) + 1) * eval_every, steps), "train_error": error})
        return {"train_error": error}

    opt = make_optimizer(model, optimizer, lr, 1e-4)
    scheduler = None
    if schedule == "cosine":
        scheduler = schedules.cosine_annealing(steps)(opt)
    elif schedule != "constant":
        raise ValueError(f"unknown schedule {schedule!r}; use 'constant' or 'cosine'")
    data = Augmented(train, augment) if augment is not None else train
    chunk = loader(data, batch_size, seed=seed, num_samples=eval_every * batch_size)
    stop = [StopWhen("train_error", "<=", stop_below, reason="target")] if stop_below is not None else []
    history = fit(model, chunk, epochs=-(-steps // eval_every), eval_fn=train_error,
                  optim=Optim(optimizer=opt, scheduler=scheduler), budget=Budget(max_steps=steps),
                  compute=Compute(device=device), callbacks=stop, progress=progress, desc=desc)
    history.epochs = rows  # step and train_error per chunk
    return history


def steps_to_target(history: History, target: float, key: str = "train_error") -> int | None:
    """First step at which ``history``'s ``key`` is at or below ``target``; None if never.

    >>> steps_to_target(History(epochs=[{"step": 50, "train_error": 0.4}, {"step": 100, "train_error": 0.2}]), 0.25)
    100
    """
    for row in history.epochs:
        if row.get(key, float("inf")) <= target:
            return int(row["step"])
    return None
