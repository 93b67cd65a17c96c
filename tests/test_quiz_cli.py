"""`mlprep quiz ...` end to end in a temporary MLPREP_HOME."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import zipfile

import pytest

from mlprep.cli import main
from mlprep.quiz.catalog import load_catalog
from mlprep.quiz.exchange import anki_guid
from mlprep.quiz.question import parse_file
from mlprep.quiz.store import ReviewStore


def run(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add_mine(capsys, monkeypatch, prompt: str, topic: str = "mytopic", *extra: str) -> str:
    code, out, _ = run(capsys, monkeypatch, "quiz", "add", "--prompt", prompt, "--answer",
                       f"Answer to {prompt}", "--topic", topic, *extra)
    assert code == 0, out
    return out.split()[1]  # "added ID -> PATH"


def test_add_review_schedule_advances_and_stats(home, capsys, monkeypatch):
    first = add_mine(capsys, monkeypatch, "What is a residual block?")
    second = add_mine(capsys, monkeypatch, "Why clip gradients?", "mytopic", "--difficulty", "h")
    assert (home / "questions" / f"{first}.md").is_file()

    code, out, _ = run(capsys, monkeypatch, "quiz", "review", "--topic", "mytopic",
                       stdin="\n3\n\n1\n")
    assert code == 0
    assert "Answer to What is a residual block?" in out  # Enter revealed the answer
    assert "Reviewed 2 of 2 (1 Good, 1 Again)" in out
    events = ReviewStore(home).events()
    assert [(e.question_id, e.rating) for e in events] == [(first, 3), (second, 1)]

    code, out, _ = run(capsys, monkeypatch, "quiz", "show", first, "--json")
    shown = json.loads(out)
    assert shown["schedule"]["reviews"] == 1 and shown["schedule"]["state"] == "Learning"
    assert shown["difficulty"] == "M" and shown["topics"] == ["mytopic"]

    # Nothing of the topic is due right after rating (the schedule moved both cards on).
    code, out, _ = run(capsys, monkeypatch, "quiz", "review", "--topic", "mytopic", stdin="")
    assert "Nothing due" in out

    code, out, _ = run(capsys, monkeypatch, "quiz", "stats", "--topic", "mytopic", "--json")
    stats = json.loads(out)
    assert stats["questions"] == 2 and stats["reviews_total"] == 2 and stats["new"] == 0
    assert sum(stats["reviews_per_day"].values()) == 2 and len(stats["reviews_per_day"]) == 7


def test_review_q_stops_and_keeps_earlier_ratings(home, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "quiz", "review", "--topic", "nms", "--limit", "3",
                       stdin="4\n\nq\n")
    assert code == 0 and "Reviewed 1 of 3" in out
    assert len(ReviewStore(home).events()) == 1


def test_interactive_add_from_piped_stdin(home, capsys, monkeypatch):
    stdin = "What is dropout?\nZero random units.\nScale the rest.\n.\nregularisation\n\nE\n"
    code, out, _ = run(capsys, monkeypatch, "quiz", "add", stdin=stdin)
    assert code == 0
    qid = out.split("added ")[1].split()[0]
    q = load_catalog().get(qid)
    assert (q.kind, q.difficulty, q.topics) == ("technical", "E", ("regularisation",))
    assert q.answer == "Zero random units.\nScale the rest."


def test_bad_input_is_one_line_exit_2(home, capsys, monkeypatch):
    for argv in (["quiz", "show", "no-such-id"], ["quiz", "list", "--kind", "trivia"],
                 ["quiz", "add", "--prompt", "p", "--topic", "t", "--difficulty", "Z"],
                 ["quiz", "add", "--prompt", "p", "--topic", "t", "--round", "lunch"],
                 ["quiz", "list", "--topic", "resnett"]):
        code, out, err = run(capsys, monkeypatch, *argv)
        assert code == 2, argv
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "did you mean: resnet" in err


def test_list_search_json(home, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "quiz", "list", "--topic", "yolo", "--json")
    items = json.loads(out)
    assert code == 0 and items and all("yolo" in q["topics"] for q in items)
    code, out, _ = run(capsys, monkeypatch, "quiz", "search", "suppress overlapping boxes", "--json")
    hits = json.loads(out)
    assert hits[0]["id"].startswith("nms") and hits[0]["score"] >= hits[-1]["score"]


def test_edit_uses_editor_and_keeps_a_bad_draft(home, capsys, monkeypatch, tmp_path):
    script = tmp_path / "ed.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.read_text().replace('Detectors fire', 'EDITED: detectors fire'))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    code, out, _ = run(capsys, monkeypatch, "quiz", "edit", "nms-what")
    assert code == 0 and load_catalog().get("nms-what").answer.startswith("EDITED")
    assert load_catalog(include_user=False).get("nms-what").answer.startswith("Detectors")

    script.write_text("import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('---\\nid: [\\n---\\n')\n")
    code, _, err = run(capsys, monkeypatch, "quiz", "edit", "nms-what")
    assert code == 2 and "draft kept" in err
    assert load_catalog().get("nms-what").answer.startswith("EDITED")  # old version untouched


@pytest.mark.parametrize("fmt,suffix", [("yaml", "yaml"), ("csv", "csv"), ("md", "md")])
def test_export_import_round_trip(home, capsys, monkeypatch, tmp_path, fmt, suffix):
    add_mine(capsys, monkeypatch, "Tricky, \"quoted\": question?", "nms", "--hint", "one",
             "--hint", "two, with comma", "--link", "notebooks/02_resnet.ipynb")
    out_file = tmp_path / f"export.{suffix}"
    code, _, _ = run(capsys, monkeypatch, "quiz", "export", "--format", fmt, "--topic", "nms",
                     "-o", str(out_file))
    assert code == 0
    exported = {q.id: q for q in load_catalog().filter(topic="nms")}
    assert len(exported) >= 6 and any(q.hints for q in exported.values())
    monkeypatch.setenv("MLPREP_HOME", str(tmp_path / "fresh"))
    code, out, _ = run(capsys, monkeypatch, "quiz", "import", str(out_file))
    assert code == 0 and f"{len(exported)} new, 0 updated" in out
    mine = load_catalog(include_seeds=False)
    assert {q.id: q for q in mine} == exported
    code, out, _ = run(capsys, monkeypatch, "quiz", "import", str(out_file))
    assert f"0 new, {len(exported)} updated" in out and len(load_catalog(include_seeds=False)) == len(exported)


def test_import_rejects_malformed_file(home, capsys, monkeypatch, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,kind,topics,difficulty,prompt\nok,technical,a,E,p\nbad,quiz,a,E,p\n")
    code, _, err = run(capsys, monkeypatch, "quiz", "import", str(bad))
    assert code == 2 and f"{bad}:3: unknown kind 'quiz'" in err
    assert len(load_catalog(include_seeds=False)) == 0  # all or nothing


def test_anki_export_opens_with_sqlite(home, capsys, monkeypatch, tmp_path):
    apkg = tmp_path / "deck.apkg"
    code, _, _ = run(capsys, monkeypatch, "quiz", "export", "--format", "anki", "--topic", "nms", "-o", str(apkg))
    assert code == 0
    expected = {q.id for q in load_catalog().filter(topic="nms")}
    with zipfile.ZipFile(apkg) as z:
        (tmp_path / "c.anki2").write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as db:
        rows = db.execute("select guid, flds, tags from notes").fetchall()
    assert len(rows) == len(expected)
    ids = {flds.split("\x1f")[2] for _, flds, _ in rows}
    assert ids == expected
    assert {guid for guid, _, _ in rows} == {anki_guid(i) for i in expected}
    assert all(" nms " in f" {tags.strip()} " for _, _, tags in rows)


def test_prep_lists_unasked_questions_and_past_topics(home, capsys, monkeypatch):
    qid = add_mine(capsys, monkeypatch, "Explain NMS to me", "nms", "--asked-at", "Acme", "--round", "technical")
    interview_id = json.loads(run(capsys, monkeypatch, "interviews", "list", "--json")[1])[0]["id"]
    code, _, _ = run(capsys, monkeypatch, "interviews", "update", interview_id, "--i-asked", "ask-team-size")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "quiz", "prep", "--company", "acme")
    assert code == 0
    assert "ask-team-size" not in out and "ask-prod-models" in out
    assert "nms (1)" in out and qid in out


def test_seed_files_are_what_validate_checks(capsys, monkeypatch, home):
    code, out, _ = run(capsys, monkeypatch, "quiz", "validate")
    assert code == 0 and f"{len(load_catalog())} question(s) valid, 0 file(s) rejected" in out
    from mlprep.quiz.catalog import SEEDS_DIR

    assert sum(len(parse_file(p)) for p in SEEDS_DIR.glob("*.yaml")) == len(load_catalog())
