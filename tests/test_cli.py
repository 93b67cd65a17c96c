from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlprep import runtime
from mlprep.cli import main
from mlprep.timings import load_timings

FAKE_FACTORS = {"cnn": 2.0, "lstm": 3.0, "transformer": 2.0}  # tests/conftest.py's FAKE_SECONDS


def _checkout_minutes() -> tuple[dict, float, float]:
    """The checkout's notebooks/timings.json, its reference minutes and the minutes here at the fake factors."""
    timings = load_timings(runtime.repo_root() / "notebooks")
    reference = sum(e["reference_minutes"] for e in timings.values())
    here = sum(e["reference_minutes"] / FAKE_FACTORS[e["workload"]] for e in timings.values())
    return timings, reference, here


def test_doctor_exits_zero(tmp_home, fake_speed, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "dataset shapes-classify" in out and "all good" in out
    assert fake_speed == [False]  # measured fresh and full...
    assert json.loads((tmp_home / "home" / "speed_index.json").read_text())["quick"] is False  # ...and cached
    assert "lstm" in out and "factor 3.00" in out and "overall      factor 2.29" in out
    assert "reference machine: 2-core x86-64, AVX2, no AVX-512" in out
    # the checkout's notebooks/timings.json, each notebook's reference minutes / its workload's factor
    _, reference, here = _checkout_minutes()
    assert f"projected curriculum time: about {here:.1f} minutes here, {reference:.1f} on the reference machine (budget 40" in out


def test_doctor_json(tmp_home, fake_speed, capsys):
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)  # one JSON object, nothing else
    assert report["ok"] is True and report["device"] in {"cpu", "cuda", "mps"}
    assert {"what": "torch", "ok": True, "detail": report["checks"][0]["detail"]} == report["checks"][0]
    assert report["speed_index"]["factors"] == {"cnn": 2.0, "lstm": 3.0, "transformer": 2.0}
    assert report["reference_machine"] == "2-core x86-64, AVX2, no AVX-512"
    timings, reference, here = _checkout_minutes()
    entry = timings["07_rnn_language_model"]
    assert report["notebooks"]["07_rnn_language_model"] == {**entry, "minutes_here": round(entry["reference_minutes"] / 3.0, 2)}
    assert report["curriculum_minutes"] == {"here": pytest.approx(here, abs=0.01), "reference": pytest.approx(reference, abs=0.01),
                                            "budget": 40.0}


def test_doctor_without_or_with_a_broken_timings_file(tmp_home, fake_speed, monkeypatch, capsys):
    monkeypatch.setattr(runtime, "repo_root", lambda: None)  # installed, not a checkout
    assert main(["doctor"]) == 0
    assert "no readable notebooks/timings.json here, nothing to project" in capsys.readouterr().out
    (tmp_home / "notebooks").mkdir()
    (tmp_home / "notebooks" / "timings.json").write_text('{"01_a": {"workload": "gpu"}}')
    monkeypatch.setattr(runtime, "repo_root", lambda: tmp_home)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "BAD timings  " in out and "workload must be one of cnn, lstm, transformer" in out
    assert "overall      factor 2.29" in out  # the speed index is still shown


def test_doctor_reports_unwritable_directory(tmp_home, fake_speed, monkeypatch, capsys):
    blocker = tmp_home / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLPREP_RESULTS", str(blocker / "results"))
    assert main(["doctor"]) == 1
    assert "BAD results dir" in capsys.readouterr().out


def test_datasets_commands(tmp_home, capsys):
    assert main(["datasets", "list"]) == 0
    assert "shakespeare-chars" in capsys.readouterr().out
    assert main(["datasets", "info", "shapes-detect"]) == 0
    assert main(["datasets", "prepare", "shapes-classify", "--n", "5", "--size", "32"]) == 0
    assert "shapes-classify/test: 5 items ready" in capsys.readouterr().out


def test_user_errors_exit_2_without_traceback(tmp_home):
    out = subprocess.run([sys.executable, "-m", "mlprep.cli", "datasets", "info", "imagenet"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("error: unknown dataset 'imagenet'") and "Traceback" not in out.stderr


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: mlprep" in capsys.readouterr().out
