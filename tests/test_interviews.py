"""`mlprep interviews ...`: records, linked questions, bad input."""

from __future__ import annotations

import json

import pytest

from mlprep.cli import main
from mlprep.interviews.tracker import load_interviews
from mlprep.quiz.catalog import load_catalog


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_update_show_list(home, capsys):
    code, out, _ = run(capsys, "interviews", "add", "--company", "Acme AI", "--role", "MLE",
                       "--date", "2026-03-02", "--round", "HR screen")
    assert code == 0 and "2026-03-02-acme-ai" in out
    code, out, _ = run(capsys, "interviews", "update", "2026-03-02-acme-ai", "--asked",
                       "How would you find label noise?", "--topic", "evaluation", "--in-round",
                       "technical", "--asked-id", "resnet-why-residual", "--i-asked", "ask-team-size",
                       "--i-asked", "Do you publish?", "--outcome", "passed", "--notes", "friendly")
    assert code == 0
    new_id = out.split("added question ")[1].split()[0]
    question = load_catalog().get(new_id)
    assert question.source == "asked at Acme AI" and question.topics == ("evaluation",)
    assert question.answer == ""  # to be prepared later

    code, out, _ = run(capsys, "interviews", "show", "2026-03-02-acme-ai", "--json")
    record = json.loads(out)
    assert record["outcome"] == "passed" and record["rounds"] == ["hr-screen", "technical"]
    assert {"question": new_id, "round": "technical"} in record["asked"]
    assert {"question": "resnet-why-residual", "round": "technical"} in record["asked"]
    assert [e["text"] for e in record["i_asked"]][1] == "Do you publish?"
    assert record["i_asked"][0]["question"] == "ask-team-size"

    code, out, _ = run(capsys, "interviews", "show", "2026-03-02-acme-ai")
    assert "What problem do residual connections solve" in out and "friendly" in out
    run(capsys, "interviews", "add", "--company", "Acme AI", "--date", "2026-03-02")
    code, out, _ = run(capsys, "interviews", "list", "--json")
    assert [i["id"] for i in json.loads(out)] == ["2026-03-02-acme-ai", "2026-03-02-acme-ai-2"]


def test_quiz_add_asked_at_links_latest_interview(home, capsys):
    run(capsys, "interviews", "add", "--company", "Beta", "--date", "2026-01-01")
    run(capsys, "interviews", "add", "--company", "Beta", "--date", "2026-02-01")
    code, out, _ = run(capsys, "quiz", "add", "--prompt", "Why ReLU?", "--answer", "No saturation.",
                       "--topic", "fundamentals", "--asked-at", "beta", "--round", "onsite")
    assert code == 0 and "linked to interview 2026-02-01-beta" in out
    latest = load_interviews(home)[-1]
    assert latest.asked[0]["round"] == "onsite" and "onsite" in latest.rounds


@pytest.mark.parametrize("argv,fragment", [
    (["interviews", "add", "--company", "X", "--date", "2026-02-30"], "bad date '2026-02-30'"),
    (["interviews", "add", "--company", "X", "--round", "lunch"], "unknown round 'lunch'"),
    (["interviews", "show", "nope"], "unknown interview id 'nope'"),
    (["interviews", "update", "nope", "--outcome", "offer"], "unknown interview id 'nope'"),
])
def test_bad_input_is_a_one_line_error(home, capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_bad_update_creates_nothing(home, capsys):
    run(capsys, "interviews", "add", "--company", "Gamma", "--date", "2026-01-05")
    code, _, err = run(capsys, "interviews", "update", "2026-01-05-gamma", "--asked", "New q?",
                       "--outcome", "maybe")
    assert code == 2 and "unknown outcome" in err
    assert len(load_catalog(include_seeds=False)) == 0
    assert load_interviews(home)[0].outcome == "pending"


def test_malformed_interview_file_is_reported(home, capsys):
    run(capsys, "interviews", "add", "--company", "Delta", "--date", "2026-01-05")
    (home / "interviews" / "broken.yaml").write_text("company: [oops\n")
    code, out, err = run(capsys, "interviews", "list")
    assert code == 2 and "broken.yaml" in err and "Delta" in out
