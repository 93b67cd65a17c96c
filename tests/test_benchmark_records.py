"""Recorded benchmark choices and the notebooks that use them stay in step."""
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _parameters(notebook: str) -> dict:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


def test_activation_rates_in_01_are_the_recorded_grid_choice():
    record = json.loads((ROOT / "benchmarks" / "results" / "activation_lr.json").read_text())
    for act, rows in record["steps"].items():
        best = min(rows, key=lambda r: (statistics.median(rows[r]), statistics.mean(rows[r]), float(r)))
        assert float(best) == record["chosen_lr"][act], act
        assert all(len(v) == len(record["seeds"]) for v in rows.values())
    params = _parameters("01_image_classification.ipynb")
    assert (params["RELU_LR"], params["TANH_LR"]) == (record["chosen_lr"]["relu"], record["chosen_lr"]["tanh"])
    assert params["RELU_TANH_TARGET"] == record["target"] and params["RELU_TANH_MAX_STEPS"] == record["max_steps"]
