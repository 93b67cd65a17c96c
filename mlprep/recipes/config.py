"""Recipe settings: one dataclass per recipe, filled from defaults, a YAML file, then flags.

Every field of the dataclass becomes a flag (``max_steps`` -> ``--max-steps``), so the
dataclass is the single place where a recipe's settings and their defaults live.

>>> from dataclasses import dataclass
>>> @dataclass
... class Demo(RecipeConfig):
...     width: int = 32
>>> cfg = parse_config(Demo, ["--dataset", "digits", "--max-steps", "5", "--width", "8"])
>>> cfg.dataset, cfg.max_steps, cfg.width, cfg.batch_size
('digits', 5, 8, 64)
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mlprep.errors import UsageError

__all__ = ["RecipeConfig", "parse_config", "load_yaml"]

C = TypeVar("C", bound="RecipeConfig")


@dataclass
class RecipeConfig:
    """Settings every recipe shares. Recipes subclass it and add their model's sizes."""

    dataset: str = ""  # dataset name (``mlprep.datasets`` or one the recipe adds, e.g. cifar10)
    data_dir: str | None = None  # folder for on-disk datasets (CIFAR-10, Penn-Fudan)
    download: bool = False  # allow torchvision to download into --data-dir (needs network)
    out: str = "runs/recipe"  # checkpoints/, <recipe>/metrics.json and the run's config go here
    resume: str | None = None  # a checkpoint file, or an --out folder to resume its latest checkpoint
    max_steps: int | None = None  # stop after this many optimizer steps (default: --epochs)
    epochs: int = 1
    batch_size: int = 64  # GLOBAL batch size: split across processes, so results do not depend on their number
    lr: float = 1e-3
    min_lr: float = 0.0  # cosine decay from --lr to this over the run, after --warmup-steps
    warmup_steps: int = 0
    weight_decay: float = 0.0
    grad_clip: float | None = None
    seed: int = 0
    mixed_precision: str = "no"  # no, bf16 (Ampere+ GPUs, recent CPUs) or fp16 (older GPUs)
    compile: bool = False  # torch.compile the model (first steps are slower while it compiles)
    device: str = "auto"  # auto picks CUDA, then MPS, then CPU; "cpu" forces the CPU
    num_workers: int = 0  # DataLoader worker processes per training process
    eval_every: int = 0  # evaluate every N steps (0: at the end of each epoch and of the run)
    eval_samples: int | None = None  # evaluate on the first N validation samples only (None: all)
    save_every: int = 0  # checkpoint every N steps (0: only at the end)
    log_every: int = 10  # print a progress line every N steps (main process only)


def _field_type(hint: Any) -> tuple[type, bool]:
    """The scalar type behind ``int | None`` and friends, and whether None is allowed."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        scalars = [a for a in args if a is not type(None)]
        return scalars[0], len(scalars) < len(args)
    return hint, False


def _none_or(kind: type):
    def convert(text: str):
        return None if text.lower() in {"none", "null", ""} else kind(text)

    convert.__name__ = kind.__name__  # argparse names the type in its error messages
    return convert


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Settings from a YAML mapping (keys are field names, ``-`` or ``_``)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no config file at {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a mapping of settings, e.g. 'max_steps: 100'")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def parse_config(cls: type[C], argv: list[str] | None = None, *, prog: str | None = None,
                 description: str | None = None) -> C:
    """Build ``cls`` from its defaults, then ``--config FILE.yaml``, then the other flags."""
    hints = typing.get_type_hints(cls)
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", help="YAML file of settings; flags given here override it")
    for f in dataclasses.fields(cls):
        kind, optional = _field_type(hints[f.name])
        flag = "--" + f.name.replace("_", "-")
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=f"(default {f.default})")
        elif f.name == "mixed_precision":
            parser.add_argument(flag, choices=["no", "bf16", "fp16"], default=None, help=f"(default {f.default})")
        else:
            parser.add_argument(flag, type=_none_or(kind) if optional else kind, default=None,
                                help=f"(default {f.default})")
    args = parser.parse_args(argv)
    values = load_yaml(args.config) if args.config else {}
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise UsageError(f"{args.config}: unknown setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}")
    values.update({k: v for k, v in vars(args).items() if k in names and v is not None})
    cfg = cls(**values)
    if not cfg.dataset:
        raise UsageError("say which data to train on: --dataset NAME (see --help)")
    if cfg.mixed_precision not in {"no", "bf16", "fp16"}:
        raise UsageError(f"--mixed-precision must be no, bf16 or fp16, not {cfg.mixed_precision!r}")
    return cfg
