"""The training loop every recipe shares: Accelerate, exact resume, main-process logging.

A :class:`Recipe` says what is specific to a task (data, model, loss, evaluation); the
loop here does the rest, the same way for one CPU, one GPU or many processes:

- data: :class:`~mlprep.recipes.sharding.GlobalBatchSampler` then ``accelerator.prepare``,
  so each sample is used once per epoch in total and ``--batch-size`` is the global batch;
- randomness inside a step (dropout, augmentation, detection's proposal sampling) is
  reseeded from ``(seed, step, process)``, and the data order depends on ``(seed, epoch)``:
  so a checkpoint needs only the model, the optimizer and the step to resume exactly;
- progress lines, checkpoints and results come from the main process only; losses and
  metrics are reduced across processes first.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from mlprep import checkpoint
from mlprep.errors import UsageError
from mlprep.recipes.config import RecipeConfig
from mlprep.recipes.sharding import GlobalBatchSampler, piece_weight
from mlprep.runtime import device as pick_device
from mlprep.schedules import warmup_cosine_lr
from mlprep.train import check_finite, make_accelerator

__all__ = ["Recipe", "RunSummary", "train", "reduce_sums", "latest_checkpoint", "lr_at"]

Batch = Any


@dataclass
class Recipe:
    """What a task adds to the shared loop.

    ``loss(model, batch, cfg)`` returns the mean loss over the batch; ``evaluate(model,
    loader, accelerator, cfg)`` returns metrics already reduced across processes (see
    :func:`reduce_sums`); ``batch_len(batch)`` counts the samples in a batch.
    """

    name: str  # results go to <out>/<name>/metrics.json
    build_data: Callable[[Any], tuple[Dataset, Dataset]]
    build_model: Callable[[Any, Dataset], nn.Module]
    loss: Callable[[nn.Module, Batch, Any], torch.Tensor]
    evaluate: Callable[[nn.Module, Iterable[Batch], Any, Any], dict[str, float]]
    collate: Callable[[list], Batch] | None = None
    batch_len: Callable[[Batch], int] = lambda batch: len(batch[0])
    targets: Mapping[str, str] = field(default_factory=dict)


@dataclass
class RunSummary:
    """What :func:`train` returns (on every process)."""

    step: int
    final_loss: float  # training loss of the last step, over the whole global batch
    metrics: dict[str, float]
    model: nn.Module  # unwrapped: plain module, parameters identical on every process
    checkpoint: Path | None
    log: list[dict[str, float]]


def lr_at(step: int, cfg: RecipeConfig, total_steps: int) -> float:
    """Linear warm-up, then cosine decay from ``cfg.lr`` to ``cfg.min_lr`` (a pure function
    of the step, so there is no scheduler state to checkpoint).

    >>> cfg = RecipeConfig(lr=1.0, warmup_steps=10)
    >>> lr_at(4, cfg, 100), lr_at(10, cfg, 100), round(lr_at(99, cfg, 100), 4)
    (0.5, 1.0, 0.0003)
    """
    return warmup_cosine_lr(step, peak=cfg.lr, floor=cfg.min_lr, total_steps=total_steps,
                            warmup_steps=cfg.warmup_steps)


def reduce_sums(accelerator: Any, sums: Mapping[str, float]) -> dict[str, float]:
    """Add per-process totals (loss sums, correct counts, sample counts) across processes."""
    if accelerator.num_processes == 1:
        return {k: float(v) for k, v in sums.items()}
    names = sorted(sums)
    local = torch.tensor([float(sums[k]) for k in names], dtype=torch.float64, device=accelerator.device)
    return dict(zip(names, accelerator.reduce(local, reduction="sum").tolist(), strict=True))


def latest_checkpoint(path: str | Path) -> Path:
    """``path`` itself if it is a file, else the newest ``step_*.safetensors`` under it."""
    path = Path(path)
    if path.is_file():
        return path
    found = sorted(path.glob("step_*.safetensors")) or sorted(path.glob("checkpoints/step_*.safetensors"))
    if not found:
        raise UsageError(f"no checkpoint at {path}; pass a .safetensors file or an --out folder holding checkpoints/")
    return found[-1]


@contextmanager
def _results_under(folder: Path) -> Iterator[None]:
    # mlprep.results writes under results_dir(), i.e. MLPREP_RESULTS: point it at --out.
    old = os.environ.get("MLPREP_RESULTS")
    os.environ["MLPREP_RESULTS"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MLPREP_RESULTS", None)
        else:
            os.environ["MLPREP_RESULTS"] = old


def _accelerator(cfg: RecipeConfig):
    dev = pick_device(cfg.device)
    if cfg.mixed_precision == "fp16" and dev.type == "cpu":
        raise UsageError("--mixed-precision fp16 needs a GPU; use bf16 on a CPU (or no)")
    return make_accelerator(dev, cfg.mixed_precision)


def _step_seed(seed: int, step: int, rank: int) -> int:
    return (seed * 1_000_003 + step * 1_009 + rank) % (2**63)


def _loader(dataset: Dataset, sampler: GlobalBatchSampler, recipe: Recipe, cfg: RecipeConfig) -> DataLoader:
    return DataLoader(dataset, batch_sampler=sampler, collate_fn=recipe.collate, num_workers=cfg.num_workers)


@torch.no_grad()
def _average_buffers(model: nn.Module, accelerator: Any) -> None:
    """Make BatchNorm running statistics the same on every process (their mean, as timm's
    ``distribute_bn``): each process updated them from its own pieces, so without this the
    processes would evaluate, and the checkpoint would hold, slightly different models."""
    if accelerator.num_processes == 1:
        return
    for buffer in model.buffers():
        if buffer.is_floating_point():
            buffer.copy_(accelerator.reduce(buffer.clone(), reduction="mean"))


def _save(path: Path, model: nn.Module, optimizer: Any, meta: dict[str, Any], keep: int = 3) -> Path:
    checkpoint.save(path, model, optimizer, metadata=meta)
    for old in sorted(path.parent.glob("step_*.safetensors"))[:-keep]:
        old.unlink()  # keep the newest few: enough to fall back on, not a full disk
    return path


def train(cfg: RecipeConfig, recipe: Recipe) -> RunSummary:
    """Run ``recipe`` with ``cfg`` on every process; see the module docstring."""
    from mlprep import results

    t_start = time.perf_counter()
    accelerator = _accelerator(cfg)
    rank, world = accelerator.process_index, accelerator.num_processes

    def say(text: str) -> None:  # the first process of all, not one per machine
        if accelerator.is_main_process:
            print(text, flush=True)

    torch.manual_seed(cfg.seed)  # the same initial weights on every process
    with accelerator.local_main_process_first():  # one process per machine generates or downloads
        train_set, val_set = recipe.build_data(cfg)
    if cfg.eval_samples is not None:
        val_set = Subset(val_set, range(min(cfg.eval_samples, len(val_set))))
    model = recipe.build_model(cfg, train_set)
    if world > 1 and accelerator.device.type == "cuda":
        # Batch statistics over the global batch, as in one process (SyncBatchNorm is GPU-only).
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    model = model.to(accelerator.device)
    decay = [p for p in model.parameters() if p.ndim >= 2]  # no weight decay on biases and norms
    other = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": other, "weight_decay": 0.0}], lr=cfg.lr)
    start_step, meta = 0, {}
    if cfg.resume:
        source = latest_checkpoint(cfg.resume)
        meta = checkpoint.load(source, model, optimizer)
        if meta.get("recipe") != recipe.name:
            raise UsageError(f"{source} was written by recipe {meta.get('recipe')!r}, not {recipe.name!r}")
        start_step = int(meta["step"])
        changed = {k: v for k, v in meta.get("config", {}).items()
                   if k not in {"resume", "max_steps", "epochs", "out", "log_every", "save_every", "eval_every"}
                   and getattr(cfg, k, v) != v}
        say(f"resuming from {source} at step {start_step}"
            + (f" (changed settings, the run will differ from an uninterrupted one: {changed})" if changed else ""))

    sampler = GlobalBatchSampler(len(train_set), batch_size=cfg.batch_size, num_processes=world, seed=cfg.seed)
    val_sampler = GlobalBatchSampler(len(val_set), batch_size=cfg.batch_size, num_processes=world, shuffle=False)
    model, optimizer, train_loader, val_loader = accelerator.prepare(
        model, optimizer, _loader(train_set, sampler, recipe, cfg), _loader(val_set, val_sampler, recipe, cfg))
    if meta.get("scaler") and accelerator.scaler is not None:
        accelerator.scaler.load_state_dict(meta["scaler"])
    if cfg.compile:
        model = torch.compile(model)
    bare = accelerator.unwrap_model(model, keep_torch_compile=False)

    per_epoch = sampler.batches_per_epoch
    total = cfg.max_steps if cfg.max_steps is not None else cfg.epochs * per_epoch
    out = Path(cfg.out)
    say(f"{recipe.name}: {len(train_set)} training samples, {per_epoch} steps/epoch, {total} steps, "
        f"global batch {cfg.batch_size} over {world} process(es) on {accelerator.device}, "
        f"mixed precision {cfg.mixed_precision}")

    def run_eval(step: int) -> dict[str, float]:
        _average_buffers(bare, accelerator)
        scores = recipe.evaluate(bare, val_loader, accelerator, cfg)
        say(f"step {step:>6}  eval  " + "  ".join(f"{k} {v:.4f}" for k, v in scores.items()))
        return scores

    step, window, log, scores = start_step, [], [], {}
    final_loss, ckpt = float("nan"), None
    t_window, samples_window = time.perf_counter(), 0
    while step < total:
        epoch, skip = divmod(step, per_epoch)
        sampler.position(epoch, skip)
        for batch in train_loader:
            index_in_epoch = step - epoch * per_epoch
            torch.manual_seed(_step_seed(cfg.seed, step, rank))
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, cfg, total)
            model.train()
            with accelerator.autocast():
                loss = recipe.loss(model, batch, cfg)
            value = loss.item()
            check_finite(value, f"at step {step + 1} on process {rank}", "lower --lr, set --grad-clip 1.0 or check the data")
            weight = piece_weight(recipe.batch_len(batch), sampler.global_size(index_in_epoch), world)
            accelerator.backward(loss * weight)
            if cfg.grad_clip is not None:
                accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            window.append(value * weight)
            samples_window += sampler.global_size(index_in_epoch)
            last = step >= total
            if step % cfg.log_every == 0 or last:
                # Mean over processes of the weighted piece losses = the global batch's loss.
                losses = torch.tensor([sum(window) / len(window), window[-1]], device=accelerator.device)
                losses = accelerator.reduce(losses, reduction="mean") if world > 1 else losses
                final_loss = float(losses[1])
                rate = samples_window / max(time.perf_counter() - t_window, 1e-9)
                eta = (total - step) * (time.perf_counter() - t_window) / len(window)
                say(f"step {step:>6}/{total}  epoch {epoch + 1}  loss {float(losses[0]):.4f}  "
                    f"lr {optimizer.param_groups[0]['lr']:.2e}  {rate:,.{0 if rate >= 10 else 2}f} samples/s  eta {eta:,.0f}s")
                log.append({"step": step, "train_loss": float(losses[0])})
                window, t_window, samples_window = [], time.perf_counter(), 0
            end_of_epoch = index_in_epoch + 1 == per_epoch
            if (cfg.eval_every and step % cfg.eval_every == 0) or (not cfg.eval_every and end_of_epoch) or last:
                scores = run_eval(step)
                log.append({"step": step, **scores})
            if (cfg.save_every and step % cfg.save_every == 0) or last:
                ckpt = out / "checkpoints" / f"step_{step:07d}.safetensors"
                _average_buffers(bare, accelerator)
                if accelerator.is_main_process:
                    meta = {"recipe": recipe.name, "step": step, "epoch": epoch, "num_processes": world,
                            "config": dataclasses.asdict(cfg),
                            "scaler": accelerator.scaler.state_dict() if accelerator.scaler else None}
                    _save(ckpt, bare, optimizer, meta)
                accelerator.wait_for_everyone()  # nobody moves on (or exits) before the file is in place
            if last:
                break
    if not scores:  # resumed at or past the end: still report metrics
        scores = run_eval(step)
    if accelerator.is_main_process:
        metrics = {**scores, "final_train_loss": final_loss, "steps": step}
        with _results_under(out):
            results.record(recipe.name, metrics, targets=dict(recipe.targets) or None,
                           runtime_s=time.perf_counter() - t_start, device=str(accelerator.device), seed=cfg.seed,
                           extra={"config": dataclasses.asdict(cfg), "num_processes": world, "log": log,
                                  "checkpoint": str(ckpt) if ckpt else None})
        say(f"results: {out / recipe.name / 'metrics.json'}" + (f"; checkpoint: {ckpt}" if ckpt else ""))
    return RunSummary(step=step, final_loss=final_loss, metrics=scores, model=bare, checkpoint=ckpt, log=log)

