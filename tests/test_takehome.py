"""`mlprep takehome`: the assignments' data and traps, the workspace, reading a submission's
output, the report, the CLI's exit codes, and linking a report to an interview. The grading
of whole reference submissions is in test_takehome_grading.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlprep.cli import main
from mlprep.takehome import grader, registry, starter, workspace
from mlprep.takehome.report import Report, add_to_quiz

REFERENCES = Path(__file__).parent / "data" / "takehome"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", ["tamper", "routing", "drift"])
def test_data_is_deterministic_and_hidden_inputs_hold_no_labels(name):
    a = registry.get(name)
    first, again = a.train(3), a.train(3)
    assert first.rows == again.rows and a.label_column in first.columns
    hidden = a.hidden(11)
    assert a.label_column not in hidden.inputs.columns
    assert all(a.label_column not in row for row in hidden.inputs.rows)
    assert len(hidden.labels) == len(hidden.inputs.rows) == len(set(hidden.ids))
    assert hidden.ids == a.hidden(11).ids and a.hidden(12).inputs.rows != hidden.inputs.rows


@pytest.mark.parametrize("name", ["tamper", "routing", "drift"])
def test_the_leaky_field_carries_the_label_in_training_and_not_on_the_hidden_set(name):
    a = registry.get(name)
    train, hidden = a.train(0), a.hidden(0)
    labels = [row[a.label_column] for row in train.rows]
    field = [row[a.leak_column] for row in train.rows]
    if a.scored:  # tamper: FD-1 marks altered scans in the history only
        flagged = np.array([f == "FD-1" for f in field])
        altered = np.array([y == "1" for y in labels])
        assert flagged[altered].mean() > 0.7 and flagged[~altered].mean() < 0.1
        assert abs(hidden.leak[hidden.labels == 1].mean() - hidden.leak[hidden.labels == 0].mean()) < 0.1
    else:
        match = np.mean([f.removeprefix("RT-") == y for f, y in zip(field, labels, strict=True)])
        assert match > 0.8
        assert np.mean(hidden.leak == hidden.labels) < 0.5


def test_routing_hidden_plays_are_not_in_training_and_drift_is_after_the_camera_change():
    routing = registry.get("routing")
    from mlprep.takehome.pools import speech_pool

    train_plays = {r["play"] for r in routing.train(0).rows}
    assert train_plays and not train_plays & {s.play for s in speech_pool("hidden")}
    assert "play" not in routing.hidden(0).inputs.columns
    drift = registry.get("drift")
    assert min(r["scanned_at"] for r in drift.hidden(0).inputs.rows) > "2025-12-31"


def test_start_writes_brief_data_starter_and_spec(tmp_path):
    folder = workspace.start("tamper", tmp_path / "t", data_seed=4)
    names = {p.name for p in folder.iterdir()}
    assert names == {"BRIEF.md", "README.md", "data", "requirements.txt", "solution.py", "takehome.yaml"}
    brief = (folder / "BRIEF.md").read_text()
    assert "TAKEHOME_TEST" in brief and "average_precision" in brief
    assert "Grader's card" not in brief and "FD-1" not in brief  # the traps stay on the card
    spec = workspace.read_spec(folder)
    assert (spec.assignment, spec.data_seed, spec.command) == ("tamper", 4, "python solution.py")
    assert workspace.elapsed_hours(spec) < 1
    readme = (folder / "README.md").read_text()
    assert all(f"## {s}" in readme for s in workspace.README_SECTIONS)
    assert set((folder / "data").iterdir()) >= {folder / "data" / "train.csv", folder / "data" / "train_images.npy"}
    assert (folder / "data" / "sample_test" / "test_images.npy").is_file()


def test_the_naive_references_are_the_starter():
    for name in registry.names():
        assert (REFERENCES / name / "naive" / "solution.py").read_text() == starter.solution(registry.get(name))


def _hidden_ids(n: int) -> list[str]:
    return [f"x{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "no predictions"),
        ("id,score\nx0,1\n", "needs the header `id,prediction`"),
        ("id,prediction\nx0,comedy\n", "no prediction for 1 of 2 test ids"),
        ("id,prediction\nx0,comedy\nx0,comedy\nx1,comedy\n", "appears twice"),
        ("id,prediction\nx0,comedy\nx1,farce\n", "'farce' for id 'x1' is not comedy, history, tragedy"),
        (b"id,prediction\nx0,\xff\n", "malformed predictions.csv"),
    ],
)
def test_bad_predictions_get_a_clear_reason(tmp_path, text, fragment):
    path = tmp_path / "predictions.csv"
    if text is not None:
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    values, problem = grader.read_predictions(path, _hidden_ids(2), registry.get("routing"))
    assert values is None and fragment in problem, problem


def test_predictions_are_read_in_hidden_order_and_digits_may_be_floats(tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text("id,prediction\nx1,7.0\nx0,3\n")
    values, problem = grader.read_predictions(path, _hidden_ids(2), registry.get("drift"))
    assert problem == "" and list(values) == ["3", "7"]
    path.write_text("id,prediction\nx0,nan\nx1,0.2\n")
    assert grader.read_predictions(path, _hidden_ids(2), registry.get("tamper"))[0] is None


def test_claims_keep_only_finite_numbers(tmp_path):
    path = tmp_path / "validation.json"
    path.write_text('{"metric": 0.8, "baseline": "0.1"}')
    assert grader.read_claims(path) == {"metric": 0.8}
    path.write_text("[1, 2]")
    assert grader.read_claims(path) == {}
    assert grader.read_claims(tmp_path / "missing.json") == {}


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    for argv, fragment in [
        (["takehome", "grade", str(tmp_path / "nope")], "no folder"),
        (["takehome", "grade", str(tmp_path)], "takehome.yaml not found"),
        (["takehome", "status", str(tmp_path)], "takehome.yaml not found"),
        (["takehome", "start", "chess"], "no take-home assignment 'chess'"),
        (["takehome", "card", "chess"], "available: tamper, routing, drift"),
    ]:
        code, out, err = run(capsys, *argv)
        assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err
    (tmp_path / "takehome.yaml").write_text("assignment: drift\ncommand: ''\ndata_seed: 1\n")
    code, _, err = run(capsys, "takehome", "grade", str(tmp_path))
    assert code == 2 and "'command' must be the one command" in err
    (tmp_path / "takehome.yaml").write_text("assignment: drift\ncommand: [oops\n")
    code, _, err = run(capsys, "takehome", "grade", str(tmp_path))
    assert code == 2 and "cannot be read as YAML" in err


def test_cli_list_start_status_card(tmp_path, capsys):
    code, out, _ = run(capsys, "takehome", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [a["name"] for a in listed] == ["tamper", "routing", "drift"]
    assert {a["kind"] for a in listed} == {"vision", "nlp", "time-ordered"}
    code, out, _ = run(capsys, "takehome", "start", "drift", "--dir", str(tmp_path / "d"))
    assert code == 0 and "BRIEF.md" in out
    code, _, err = run(capsys, "takehome", "start", "drift", "--dir", str(tmp_path / "d"))
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "takehome", "status", str(tmp_path / "d"), "--json")
    status = json.loads(out)
    assert code == 0 and status["budget_hours"] == 5 and 0 <= status["elapsed_hours"] < 1
    code, out, _ = run(capsys, "takehome", "card", "drift")
    assert code == 0 and "2025-10-01" in out and "route" in out


def _report(**kwargs) -> Report:
    report = Report("drift", "Read postcode digits", seed=1, folder="x", score=70, **kwargs)
    report.follow_ups = [f"Question {i} about your split?" for i in range(5)]
    return report


def test_follow_ups_go_to_the_quiz(home):
    saved = add_to_quiz(_report())
    from mlprep.quiz.catalog import load_catalog

    catalog = load_catalog()
    assert len(saved) == 5 and not catalog.errors
    assert all("take-home" in catalog.get(q.id).topics for q in saved)
    assert catalog.get(saved[0].id).prompt == "Question 0 about your split?"


def test_an_interview_links_a_take_home_report(home, tmp_path, capsys):
    report = tmp_path / "grade-report.json"
    report.write_text(json.dumps(_report().to_dict()))
    assert run(capsys, "interviews", "add", "--company", "PostFast", "--date", "2026-03-02")[0] == 0
    code, _, _ = run(capsys, "interviews", "update", "2026-03-02-postfast", "--take-home-report", str(report))
    assert code == 0
    code, out, _ = run(capsys, "interviews", "show", "2026-03-02-postfast", "--json")
    record = json.loads(out)
    assert record["rounds"] == ["take-home"]
    assert record["take_home"] == [{"report": str(report.resolve()), "assignment": "drift", "score": "70"}]
    code, out, _ = run(capsys, "interviews", "show", "2026-03-02-postfast")
    assert "take-home: drift 70/100" in out
    (tmp_path / "bad.json").write_text("{}")
    code, _, err = run(capsys, "interviews", "update", "2026-03-02-postfast", "--take-home-report",
                       str(tmp_path / "bad.json"))
    assert code == 2 and "not a take-home grade report" in err
