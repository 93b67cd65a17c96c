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


def _check_choices(record: dict, benchmark) -> None:
    """Each recorded choice is what the benchmark's rule picks from its rows, every row at every seed."""
    for name, rows in record["val_accuracy"].items():
        assert benchmark.choose(rows) == record["chosen_lr"][name], name
        assert all(len(v) == len(record["seeds"]) for v in rows.values())


def _check_01_data(params: dict, setting: dict) -> None:
    assert (params["SIZE"], params["DIFFICULTY"], params["N_TRAIN"]) == (setting["size"], setting["difficulty"],
                                                                         setting["n_train"])


def test_activation_rates_in_01_are_the_recorded_grid_choice():
    record = json.loads((ROOT / "benchmarks" / "results" / "activation_lr.json").read_text())
    choose = _benchmark("activation_lr").choose
    for act, rows in record["steps"].items():
        assert choose(rows) == record["chosen_lr"][act], act
        assert all(len(v) == len(record["seeds"]) for v in rows.values())
    params = _parameters("01_image_classification.ipynb")
    assert (params["RELU_LR"], params["TANH_LR"]) == (record["chosen_lr"]["relu"], record["chosen_lr"]["tanh"])
    assert params["RELU_TANH_TARGET"] == record["target"] and params["RELU_TANH_MAX_STEPS"] == record["max_steps"]
    setting = _benchmark("activation_lr").SETTING
    assert (params["RELU_TANH_WIDTH"], params["RELU_TANH_BATCH"]) == (setting["width"], setting["batch"])
    _check_01_data(params, setting)


def test_classifier_rates_in_01_are_the_recorded_validation_choice():
    """Each of the three nets runs at the rate its validation grid chose, with the budget the grid used."""
    record = json.loads((ROOT / "benchmarks" / "results" / "classifier_lr.json").read_text())
    benchmark = _benchmark("classifier_lr")
    _check_choices(record, benchmark)
    assert record["setting"] == benchmark.SETTING
    params = _parameters("01_image_classification.ipynb")
    assert (params["LR_MLP"], params["LR_CNN"], params["LR_ALEXNET"]) == tuple(
        record["chosen_lr"][name] for name in ("mlp", "cnn", "alexnet"))
    setting = record["setting"]
    assert (params["EPOCHS"], params["BATCH"], params["WIDTH_CNN"], params["WIDTH_ALEXNET"]) == (
        setting["epochs"], setting["batch"], setting["width_cnn"], setting["width_alexnet"])
    _check_01_data(params, setting)


def test_the_choice_rules_pick_what_they_say():
    assert _benchmark("classifier_lr").choose({"0.001": [0.5, 0.7], "0.003": [0.6, 0.6], "0.01": [0.4, 0.5]}) == 0.001
    assert _benchmark("activation_lr").choose({"0.05": [300, 500], "0.1": [300, 400], "0.2": [900, 200]}) == 0.1


def test_alexnet_choices_were_measured_at_the_notebooks_rate_and_budget():
    choices = json.loads((ROOT / "benchmarks" / "results" / "alexnet_choices.json").read_text())
    rates = json.loads((ROOT / "benchmarks" / "results" / "classifier_lr.json").read_text())
    assert choices["lr"] == rates["chosen_lr"]["alexnet"]
    assert {k: v for k, v in choices["setting"].items() if k != "split"} == _benchmark("classifier_lr").SETTING


def test_augmentation_rates_in_01_are_the_recorded_validation_choice():
    """Both arms of 01's augmentation ablation run at the rate their validation grid chose, with its budget."""
    record = json.loads((ROOT / "benchmarks" / "results" / "augmentation_lr.json").read_text())
    benchmark = _benchmark("augmentation_lr")
    _check_choices(record, benchmark)
    assert {k: v for k, v in record["setting"].items() if k != "split"} == benchmark.SETTING
    params = _parameters("01_image_classification.ipynb")
    assert (params["LR_SMALL_PLAIN"], params["LR_SMALL_FLIPS"]) == (record["chosen_lr"]["plain"],
                                                                    record["chosen_lr"]["flips"])
    setting = record["setting"]
    assert (params["N_SMALL"], params["EPOCHS_SMALL"], params["WIDTH_SMALL"], params["BATCH"]) == (
        setting["n_small"], setting["epochs"], setting["width"], setting["batch"])
    _check_01_data(params, setting)


def test_elastic_comparison_was_measured_with_03s_data_and_recipe():
    """benchmarks/unet_elastic.py, which notebook 03 prints, trains 03's U-Net on 03's scenes."""
    record = json.loads((ROOT / "benchmarks" / "results" / "unet_elastic.json").read_text())
    setting = _benchmark("unet_elastic").SETTING
    assert record["setting"] == setting and record["seeds"] == [0, 1, 2]
    params = _parameters("03_image_segmentation.ipynb")
    assert (params["SIZE"], params["DIFFICULTY"], params["MAX_OBJECTS"], [params["MIN_SCALE"], params["MAX_SCALE"]],
            params["WIDTH"], params["DEPTH"], params["BATCH"], params["LR"], params["N_TEST"]) == (
        setting["size"], setting["difficulty"], setting["max_objects"], setting["scale"], setting["width"],
        setting["depth"], setting["batch"], setting["lr"], setting["n_test"])
    runs = {(r["n"], r["arm"]) for r in record["rows"]}
    assert len(record["rows"]) == len(runs) * len(record["seeds"])
