"""The character-level mini-GPT on Shakespeare, longer and bigger than the notebook's.

    python -m mlprep.recipes.gpt --max-steps 2000 --out runs/gpt
    python -m mlprep.recipes.gpt --n-layer 6 --n-embd 384 --n-head 6 --block-size 256 \\
        --batch-size 64 --max-steps 5000 --mixed-precision bf16 --compile --out runs/gpt-big
    accelerate launch --num_processes 4 -m mlprep.recipes.gpt --max-steps 5000 --out runs/gpt

Reports the validation loss (nats per character) and perplexity on held-out plays, and
prints a generated sample at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import Dataset

from mlprep.recipes import main
from mlprep.recipes.config import RecipeConfig
from mlprep.recipes.engine import Recipe, reduce_sums
from mlprep.text.lm import lm_loss, lm_step

__all__ = ["GPTRecipeConfig", "RECIPE", "build_data", "build_model"]


@dataclass
class GPTRecipeConfig(RecipeConfig):
    dataset: str = "shakespeare-chars"
    out: str = "runs/gpt"
    max_steps: int | None = 2000
    batch_size: int = 64
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float | None = 1.0
    eval_every: int = 500
    eval_samples: int | None = 512  # validation windows (of --block-size characters) per evaluation
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    sample_chars: int = 300  # generated at the end (main process); 0 to skip


def build_data(cfg: GPTRecipeConfig) -> tuple[Dataset, Dataset]:
    """Non-overlapping windows of training plays, and of held-out validation plays."""
    from mlprep import datasets
    from mlprep.errors import UsageError

    if cfg.dataset != "shakespeare-chars":
        raise UsageError(f"gpt trains on shakespeare-chars, not {cfg.dataset!r}")
    return (datasets.load(cfg.dataset, "train", block_size=cfg.block_size),
            datasets.load(cfg.dataset, "val", block_size=cfg.block_size))


def build_model(cfg: GPTRecipeConfig, train_set: Dataset) -> nn.Module:
    from mlprep.text.gpt import GPTConfig, MiniGPT

    return MiniGPT(GPTConfig(vocab_size=train_set.vocab_size, block_size=cfg.block_size, n_layer=cfg.n_layer,
                             n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=cfg.dropout))


def loss(model: nn.Module, batch, cfg: GPTRecipeConfig) -> torch.Tensor:
    return lm_step(model, batch)  # batch: (B, T) ids and (B, T) targets


@torch.no_grad()
def evaluate(model: nn.Module, loader, accelerator, cfg: GPTRecipeConfig) -> dict[str, float]:
    """Mean loss per character over the validation windows, summed across processes (the
    per-process sums of :func:`mlprep.text.lm.lm_loss`, then one reduction)."""
    was_training = model.training
    model.eval()
    sums = {"loss": 0.0, "tokens": 0.0}
    for x, y in loader:
        with accelerator.autocast():
            logits = model(x)  # (B, T, V)
        sums["loss"] += float(lm_loss(logits, y, reduction="sum"))
        sums["tokens"] += y.numel()
    model.train(was_training)
    total = reduce_sums(accelerator, sums)
    mean = total["loss"] / total["tokens"]
    scores = {"val_loss": mean, "val_perplexity": float(torch.tensor(mean).exp())}
    if cfg.sample_chars and accelerator.is_main_process:
        _print_sample(model, loader.dataset, cfg, accelerator.device)
    return scores


def _print_sample(model: nn.Module, dataset, cfg: GPTRecipeConfig, device: torch.device) -> None:
    chars = getattr(dataset, "dataset", dataset)  # through Subset (--eval-samples)
    prompt = chars.encode("ROMEO:\n").to(device)[None]  # (1, T)
    generator = torch.Generator(device=device).manual_seed(cfg.seed)  # leave the training RNG alone
    ids = model.generate(prompt, cfg.sample_chars, temperature=0.8, top_k=20, generator=generator)
    print("---- sample ----\n" + chars.decode(ids[0].tolist()) + "\n----------------", flush=True)


RECIPE = Recipe(name="recipe_gpt", build_data=build_data, build_model=build_model, loss=loss, evaluate=evaluate)

if __name__ == "__main__":
    raise SystemExit(main(RECIPE, GPTRecipeConfig, prog="python -m mlprep.recipes.gpt"))
