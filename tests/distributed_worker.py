"""Run by tests/test_distributed.py under ``torchrun`` (and in-process for one process).

Trains the classify recipe on ``digits`` with a recipe whose dataset records which sample
indices this process loaded, then writes ``<out>/rank<r>.json`` (seen indices, final loss,
metrics) and ``<out>/rank<r>.safetensors`` (this process's parameters and buffers).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch.utils.data import Dataset

from mlprep.recipes import classify
from mlprep.recipes.config import parse_config
from mlprep.recipes.engine import train


class RecordingDataset(Dataset):
    """Wraps a dataset and remembers every index loaded through it."""

    def __init__(self, inner: Dataset) -> None:
        self.inner, self.seen = inner, []

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int):
        self.seen.append(int(index))
        return self.inner[index]


def run(argv: list[str]) -> dict:
    torch.set_num_threads(1)  # as each torchrun process: the same float summation order
    cfg = parse_config(classify.ClassifyConfig, argv)
    recorded: list[RecordingDataset] = []

    def build_data(cfg):
        train_set, val_set = classify.build_data(cfg)
        recorded.append(RecordingDataset(train_set))
        return recorded[0], val_set

    def build_model(cfg, train_set):
        return classify.build_model(cfg, train_set.inner)

    recipe = dataclasses.replace(classify.RECIPE, build_data=build_data, build_model=build_model)
    summary = train(cfg, recipe)
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone().contiguous() for k, v in summary.model.state_dict().items()}
    save_file(state, out / f"rank{rank}.safetensors")
    report = {"rank": rank, "seen": recorded[0].seen, "final_loss": summary.final_loss, "metrics": summary.metrics,
              "step": summary.step}
    (out / f"rank{rank}.json").write_text(json.dumps(report))
    return report


if __name__ == "__main__":
    run(sys.argv[1:])
