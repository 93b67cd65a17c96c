"""``fit`` and ``evaluate``: one small training loop for every model in the curriculum.

Built on 🤗 Accelerate, so the same call runs on a CPU, one GPU (optionally in bf16/fp16)
or several processes under ``accelerate launch``. A *step function* turns a batch into a
loss, which is how one loop serves classifiers, segmentation nets, torchvision detection
models (a dict of losses, summed) and language models.

The common call is short: ``fit(model, loader, epochs=3, lr=1e-3)``. What else there is comes in
three small groups, frozen dataclasses in :mod:`mlprep.fit_options` (re-exported here):
:class:`Optim` (the optimizer, weight decay, gradient clipping, the LR schedule), :class:`Budget`
(stop at ``max_steps`` or after ``seconds``) and :class:`Compute` (device, mixed precision,
``torch.compile``).

>>> import torch
>>> from torch.utils.data import DataLoader, TensorDataset
>>> _ = torch.manual_seed(0)
>>> x = torch.randn(64, 2); y = (x[:, 0] > 0).long()
>>> loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
>>> model = torch.nn.Linear(2, 2)
>>> history = fit(model, loader, epochs=20, lr=0.1, val_loader=loader,
...               metrics={"accuracy": accuracy}, progress=False)
>>> history.epochs[-1]["accuracy"] > 0.9
True
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch import nn

from mlprep.fit_options import Budget, Compute, Optim
from mlprep.history import Callback, History, StopWhen
from mlprep.progress import progress_bar, write
from mlprep.runtime import device as pick_device

__all__ = ["fit", "evaluate", "Optim", "Budget", "Compute", "History", "Callback", "StopWhen", "accuracy",
           "default_step", "detection_step", "make_accelerator", "check_finite"]

Batch = Any
StepFn = Callable[[nn.Module, Batch], "torch.Tensor | Mapping[str, torch.Tensor]"]
Metric = Callable[[torch.Tensor, torch.Tensor], "float | torch.Tensor"]


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose arg-max equals the target (works per pixel too)."""
    return (outputs.argmax(1) == targets).float().mean()


def default_step(loss_fn: Callable[..., torch.Tensor]) -> StepFn:
    """``x, y = batch; loss_fn(model(x), y)``: classifiers and segmentation nets."""

    def step(model: nn.Module, batch: Batch) -> torch.Tensor:
        x, y = batch
        return loss_fn(model(x), y)

    return step


def detection_step(model: nn.Module, batch: Batch) -> Mapping[str, torch.Tensor]:
    """torchvision detection models take ``(images, targets)`` and return a dict of losses."""
    images, targets = batch
    return model(list(images), list(targets))


def _total_loss(out: torch.Tensor | Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float] | None]:
    if isinstance(out, Mapping):
        parts = {k: v for k, v in out.items()}
        return sum(parts.values()), parts  # type: ignore[return-value]
    return out, None


def make_accelerator(dev: torch.device, mixed_precision: str = "no") -> Any:
    """The ``accelerate.Accelerator`` for ``dev`` and ``mixed_precision`` (``"no"``, ``"bf16"``,
    ``"fp16"``): the one Accelerate setup, shared by :func:`fit` and ``mlprep.recipes.engine``."""
    from accelerate import Accelerator

    try:
        return Accelerator(cpu=dev.type == "cpu", mixed_precision=mixed_precision)
    except ValueError:
        # Accelerate keeps one state per process and refuses another mixed-precision or device
        # setting later (a notebook comparing fp32 with bf16, two recipe runs from one Python
        # session): start that state afresh.
        from accelerate.state import AcceleratorState

        AcceleratorState._reset_state()
        return Accelerator(cpu=dev.type == "cpu", mixed_precision=mixed_precision)


def check_finite(loss: float, where: str, fix: str) -> None:
    """Stop a run whose loss became NaN or infinite with one clear message (torchvision's
    engine does the same): ``loss became nan <where>; <fix>``.

    >>> check_finite(0.5, "at step 1", "lower the learning rate")
    >>> check_finite(float("nan"), "at step 3", "lower the learning rate")
    Traceback (most recent call last):
    ...
    FloatingPointError: loss became nan at step 3; lower the learning rate
    """
    if not math.isfinite(loss):
        raise FloatingPointError(f"loss became {loss} {where}; {fix}")


@torch.no_grad()
def _check_metrics_need_outputs(metrics: Mapping[str, Metric] | None, step_fn: StepFn | None) -> None:
    if metrics and step_fn is not None:
        raise ValueError("metrics need the model's outputs, which a custom step_fn does not return: "
                         "compute them in fit's eval_fn instead (or drop step_fn)")


def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    *,
    loss_fn: Callable[..., torch.Tensor] | None = None,
    step_fn: StepFn | None = None,
    metrics: Mapping[str, Metric] | None = None,
    device: str | torch.device | None = None,
) -> dict[str, float]:
    """Mean loss and metrics over ``loader`` in eval mode, weighted by batch size.

    Metrics take ``(outputs, targets)`` of one batch, so they need ``(x, y)`` batches and
    must be means over the batch (accuracy is; mIoU is not: compute that yourself). The model
    runs once per batch, under ``torch.no_grad()``.
    """
    from accelerate.utils import send_to_device

    dev = pick_device(device) if device is not None else next(model.parameters()).device
    loss_fn = loss_fn or nn.functional.cross_entropy
    step = step_fn or default_step(loss_fn)
    was_training = model.training
    model.eval()
    totals: dict[str, float] = {}
    count = 0
    _check_metrics_need_outputs(metrics, step_fn)
    for batch in loader:
        batch = send_to_device(batch, dev)
        n = len(batch[0]) if isinstance(batch, (list, tuple)) else 1
        with torch.no_grad():
            if metrics:  # one forward pass gives the loss and every metric
                x, y = batch
                outputs = model(x)
                values = {"loss": loss_fn(outputs, y)}
                values.update({name: fn(outputs, y) for name, fn in metrics.items()})
            else:
                out = step(model, batch)
                if not isinstance(out, (torch.Tensor, Mapping)):
                    raise TypeError(
                        f"the step returned {type(out).__name__}, not a loss: a torchvision detection model in "
                        "eval mode returns its predictions. Score detectors with mAP in fit's eval_fn "
                        "(mlprep.vision.metrics), not with evaluate()")
                values = {"loss": _total_loss(out)[0]}
        for k, v in values.items():
            totals[k] = totals.get(k, 0.0) + float(v) * n
        count += n
    model.train(was_training)
    return {k: v / max(count, 1) for k, v in totals.items()}


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    *,
    epochs: int = 1,
    lr: float | None = None,
    loss_fn: Callable[..., torch.Tensor] | None = None,
    step_fn: StepFn | None = None,
    val_loader: Iterable[Batch] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None = None,
    optim: Optim | None = None,
    budget: Budget | None = None,
    compute: Compute | None = None,
    callbacks: Iterable[Callback] = (),
    progress: bool = True,
    desc: str = "fit",
) -> History:
    """Train ``model`` for ``epochs`` and return a :class:`History`.

    - ``step_fn(model, batch)`` returns a loss or a dict of losses (summed; each part is kept per
      step in ``History.step_parts``); by default ``loss_fn(model(x), y)``, cross-entropy unless given.
    - ``lr``: AdamW's learning rate (default 1e-3); ``optim``: :class:`Optim` for the rest (your
      own optimizer, weight decay, gradient clipping, the LR schedule).
    - ``budget``: :class:`Budget`, to stop earlier at a step count or a time.
    - Each epoch: mean training loss, then ``val_loader`` loss and ``metrics``, then
      ``eval_fn(model)`` for anything else (mAP, say). Evaluation time is not training time.
    - ``callbacks``: :class:`Callback` objects (e.g. :class:`StopWhen`); one that returns a reason
      stops training, and ``History.stopped`` says why.
    - ``compute``: :class:`Compute` (device, mixed precision, ``torch.compile``).
    - A non-finite loss raises ``FloatingPointError`` naming the epoch and step.

    >>> from mlprep.schedules import scheduler, warmup_cosine
    >>> model = torch.nn.Linear(2, 2)
    >>> h = fit(model, [(torch.randn(8, 2), torch.zeros(8, dtype=torch.long))] * 4, epochs=3, lr=0.01,
    ...         optim=Optim(weight_decay=0.1, grad_clip=1.0,
    ...                     scheduler=lambda o: scheduler(o, lambda s: warmup_cosine(s, total_steps=12, warmup_steps=2))),
    ...         budget=Budget(max_steps=10), compute=Compute(device="cpu"), progress=False)
    >>> h.stopped, len(h.steps)
    ('max_steps', 10)
    """
    from accelerate.utils import send_to_device

    if val_loader is not None:  # say it now, not after an epoch of training
        _check_metrics_need_outputs(metrics, step_fn)
    optim, budget, compute = optim or Optim(), budget or Budget(), compute or Compute()
    optimizer, scheduler = optim.optimizer, optim.scheduler
    if optimizer is not None and (lr is not None or optim.weight_decay):
        raise ValueError("fit got an optimizer and lr or weight_decay: set them on the optimizer you pass")
    dev = pick_device(compute.device)
    accelerator = make_accelerator(dev, compute.mixed_precision)
    dev = accelerator.device
    model.to(dev)
    if optimizer is None:  # foreach: the same numbers as the loop over parameters, faster
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3 if lr is None else lr,
                                      weight_decay=optim.weight_decay, foreach=True)
    if callable(scheduler) and not hasattr(scheduler, "step"):
        scheduler = scheduler(optimizer)
    loss_fn = loss_fn or nn.functional.cross_entropy
    step = step_fn or default_step(loss_fn)
    if accelerator.num_processes > 1:
        # Shard the data across processes; in one process the plain loader is faster.
        model, optimizer, train_loader = accelerator.prepare(model, optimizer, train_loader)
    else:
        model, optimizer = accelerator.prepare(model, optimizer)
    if compute.compile:
        model = torch.compile(model)  # shares the parameters: the caller's model is what trains
    # autocast only when asked for: entering Accelerate's context each step costs time.
    autocast = accelerator.autocast if compute.mixed_precision != "no" else contextlib.nullcontext
    history = History()
    callbacks = list(callbacks)
    global_step = 0
    show = progress and accelerator.is_main_process
    for epoch in range(1, epochs + 1):
        model.train()
        t_epoch = time.perf_counter()
        total, seen, samples = 0.0, 0, 0
        bar = progress_bar(train_loader, desc=f"{desc} {epoch}/{epochs}", disable=not show, leave=True,
                   dynamic_ncols=True, mininterval=0.5)
        for batch in bar:
            batch = send_to_device(batch, dev)
            with autocast():
                loss, parts = _total_loss(step(model, batch))
            value = loss.item()
            if parts is not None:  # one transfer for all the parts, not one sync each
                history.step_parts.append(dict(zip(parts, torch.stack([v.detach().float() for v in parts.values()]).tolist(), strict=True)))
            check_finite(value, f"at epoch {epoch}, step {global_step + 1} (step {seen + 1} of this epoch)",
                         "lower the learning rate, clip gradients (optim=Optim(grad_clip=1.0)) or check the data for NaNs")
            optimizer.zero_grad(set_to_none=True)
            accelerator.backward(loss)
            if optim.grad_clip is not None:
                accelerator.clip_grad_norm_(model.parameters(), optim.grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            global_step += 1
            seen += 1
            total += value
            history.steps.append(value)
            samples += len(batch[0]) if isinstance(batch, (list, tuple)) and hasattr(batch[0], "__len__") else 1
            if show and seen % 10 == 0:
                rate = samples / max(time.perf_counter() - t_epoch, 1e-9)
                bar.set_postfix(loss=f"{total / seen:.4f}", samples_s=f"{rate:.0f}", refresh=False)
            for callback in callbacks:
                history.stopped = history.stopped or (callback.on_step_end(global_step, value, history) or "")
            if history.stopped:
                break
            if budget.max_steps is not None and global_step >= budget.max_steps:
                history.stopped = "max_steps"
            elif budget.seconds is not None and history.seconds + time.perf_counter() - t_epoch >= budget.seconds:
                history.stopped = "time_budget"
            if history.stopped:
                break
        bar.close()
        train_seconds = time.perf_counter() - t_epoch
        history.seconds += train_seconds
        row: dict[str, float] = {"epoch": epoch, "step": global_step, "train_loss": total / max(seen, 1),
                                 "seconds": train_seconds}
        if val_loader is not None:
            scores = evaluate(model, val_loader, loss_fn=loss_fn, step_fn=step_fn, metrics=metrics, device=dev)
            row["val_loss"] = scores.pop("loss")
            row.update(scores)
        if eval_fn is not None:
            row.update({k: float(v) for k, v in eval_fn(model).items()})
        history.epochs.append(row)
        for callback in callbacks:
            history.stopped = history.stopped or (callback.on_epoch_end(epoch, row, history) or "")
        if show and (val_loader is not None or eval_fn is not None):
            shown = ", ".join(f"{k} {v:.4f}" for k, v in row.items() if k not in {"epoch", "step", "seconds"})
            write(f"epoch {epoch}: {shown}")
        if history.stopped:
            break
    return history
