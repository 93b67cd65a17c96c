from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest

from mlprep import results


def test_record_load_check_round_trip(tmp_home):
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    path = results.record("01_demo", {"acc": 0.97, "mlp": 0.5}, targets={"acc": ">= 0.95", "acc - mlp": ">= 0.1"},
                          figures={"curve": fig}, seed=0, runtime_s=12.3)
    data = json.loads(path.read_text())
    assert path == tmp_home / "results" / "01_demo" / "metrics.json"
    assert set(data) >= {"notebook", "metrics", "targets", "runtime_s", "device", "seed", "versions", "created"}
    assert data["runtime_s"] == 12.3 and data["notebook"] == "01_demo"
    assert (path.parent / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert results.load("01_demo")["metrics"]["acc"] == 0.97
    assert results.check("01_demo")["metrics"]["mlp"] == 0.5


def test_check_shows_one_line_and_is_still_the_results_dict(tmp_home):
    """A notebook's last line ``results.check(...)`` showed a 20-line dict; now one line."""
    from IPython.core.formatters import PlainTextFormatter

    results.record("03_demo", {"acc": 0.97, "base": 0.5}, targets={"acc": ">= 0.95", "acc - base": ">= 0.1"})
    checked = results.check("03_demo")
    shown = PlainTextFormatter()(checked)  # what Jupyter puts in the cell's output
    assert shown == "03_demo: 2/2 targets met: acc = 0.97 (>= 0.95), acc - base = 0.47 (>= 0.1)"
    assert repr(checked) == shown and "\n" not in shown
    assert isinstance(checked, dict) and checked["metrics"]["acc"] == 0.97 and checked["notebook"] == "03_demo"
    assert json.loads(json.dumps(checked)) == results.load("03_demo")
    assert repr(results.check({"notebook": "x", "metrics": {}})) == "x: no targets recorded"


def test_check_names_each_missed_target(tmp_home):
    results.record("02_demo", {"relu": 300, "tanh": 200, "acc": 0.5},
                   targets={"relu": "< tanh", "acc": ">= 0.95", "missing": "> 0"})
    with pytest.raises(results.TargetMissed) as err:
        results.check("02_demo")
    message = str(err.value)
    assert "missed 3 of 3" in message
    assert "relu < tanh" in message and "acc >= 0.95" in message and "'missing' was not recorded" in message


def test_nan_never_passes():
    rows = results.evaluate_targets({"a": float("nan")}, {"a": ">= 0"})
    assert rows[0]["ok"] is False


def test_expressions_are_restricted():
    rows = results.evaluate_targets({"a": 1.0}, {"__import__('os')": ">= 0"})
    assert rows[0]["ok"] is False and "unsupported" in rows[0]["reason"]


def test_load_before_run_is_clear(tmp_home):
    with pytest.raises(results.MlprepError, match="run that notebook first"):
        results.load("99_nothing")
