"""Recorded benchmark choices and the notebooks that use them stay in step."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parameters(notebook: str) -> dict:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


def test_activation_rates_in_01_are_the_recorded_grid_choice():
    record = json.loads((ROOT / "benchmarks" / "results" / "activation_lr.json").read_text())
    choose = _benchmark("activation_lr").choose
    for act, rows in record["steps"].items():
        assert choose(rows) == record["chosen_lr"][act], act
        assert all(len(v) == len(record["seeds"]) for v in rows.values())
    params = _parameters("01_image_classification.ipynb")
    assert (params["RELU_LR"], params["TANH_LR"]) == (record["chosen_lr"]["relu"], record["chosen_lr"]["tanh"])
    assert params["RELU_TANH_TARGET"] == record["target"] and params["RELU_TANH_MAX_STEPS"] == record["max_steps"]
