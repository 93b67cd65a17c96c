"""Training scripts for the longer, real-data versions of the portfolio projects.

    python -m mlprep.recipes.classify --dataset shapes-classify --max-steps 2000 --out runs/classify
    python -m mlprep.recipes.detect --dataset shapes-detect --epochs 10 --out runs/detect
    python -m mlprep.recipes.gpt --max-steps 2000 --out runs/gpt
    torchrun --standalone --nproc_per_node 4 -m mlprep.recipes.gpt --max-steps 2000 --out runs/gpt

Each recipe is one file: a settings dataclass, how to build its data and model, its loss
and its evaluation. :mod:`mlprep.recipes.engine` runs them all the same way (Accelerate,
checkpoints, exact resume, results); :mod:`mlprep.recipes.sharding` splits the data.
"""

from __future__ import annotations

__all__ = ["main"]


def main(recipe, config_cls, argv: list[str] | None = None, prog: str = "") -> int:
    """Command-line entry point shared by the recipes: parse, train, print errors in one line."""
    import sys

    from mlprep.errors import run_command
    from mlprep.recipes.config import parse_config
    from mlprep.recipes.engine import train

    description = (sys.modules[config_cls.__module__].__doc__ or "").split("\n")[0]

    def run() -> None:
        train(parse_config(config_cls, argv, prog=prog, description=description), recipe)

    return run_command(run)
