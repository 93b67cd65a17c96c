"""What :func:`mlprep.fit` records (:class:`History`) and the hooks into it (:class:`Callback`,
:class:`StopWhen`), like minGPT's ``register_callback`` / ``trigger_callbacks``: a run is extended
by callbacks, not by exceptions raised through the loop. ``mlprep.train`` re-exports all three.

>>> h = History(epochs=[{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.7}], steps=[1.2, 0.8])
>>> h["val_loss"], h.last["epoch"]
([0.9, 0.7], 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["History", "Callback", "StopWhen"]


@dataclass
class History:
    """What happened during :func:`fit`: one dict per epoch, one loss per step."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    seconds: float = 0.0  # training wall time, evaluation excluded
    # Why training ended before its last epoch: "" (it did not), "max_steps", "time_budget", or
    # the reason a callback gave (StopWhen's default: "<key> <op> <value>", e.g. "train_error <= 0.6").
    stopped: str = ""
    # When the step function returns a dict of losses: each part per step (torchvision's engine logs these).
    step_parts: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        """Per-epoch values of ``key``, e.g. ``history["val_loss"]``."""
        return [e[key] for e in self.epochs if key in e]

    @property
    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}

    def plot(self, ax=None, smooth: int = 20):
        """Training loss per step (smoothed) and per-epoch validation loss and metrics."""
        from mlprep.plots import plot_history

        return plot_history(self, ax=ax, smooth=smooth)


class Callback:
    """Hooks into :func:`fit`, like minGPT's trainer callbacks. Override what you need; return
    a non-empty string (the reason, kept in ``History.stopped``) to stop training there.

    ``on_step_end(step, loss, history)``: after each optimizer step (``step`` counts from 1).
    ``on_epoch_end(epoch, row, history)``: after each epoch's evaluation; ``row`` is the epoch's
    dict (``train_loss``, ``val_loss``, metrics, ``eval_fn``'s values).
    """

    def on_step_end(self, step: int, loss: float, history: History) -> str | None:
        return None

    def on_epoch_end(self, epoch: int, row: Mapping[str, float], history: History) -> str | None:
        return None


class StopWhen(Callback):
    """Stop at the end of the first epoch whose ``key`` is ``<=`` (or ``>=``) ``value``.

    >>> StopWhen("train_error", "<=", 0.6).on_epoch_end(3, {"train_error": 0.5}, History())
    'train_error <= 0.6'
    >>> StopWhen("accuracy", ">=", 0.9).on_epoch_end(3, {"accuracy": 0.5}, History()) is None
    True
    """

    def __init__(self, key: str, op: str, value: float, reason: str | None = None) -> None:
        if op not in ("<=", ">="):
            raise ValueError(f"op must be '<=' or '>=', got {op!r}")
        self.key, self.op, self.value = key, op, value
        self.reason = reason or f"{key} {op} {value:g}"

    def on_epoch_end(self, epoch: int, row: Mapping[str, float], history: History) -> str | None:
        if self.key not in row:
            return None
        hit = row[self.key] <= self.value if self.op == "<=" else row[self.key] >= self.value
        return self.reason if hit else None
