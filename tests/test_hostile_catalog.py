"""Saved but ignored: ids the catalog would skip are refused, and ``quiz edit`` saves a
question where it lives instead of writing a duplicate id (issue 23, area 5)."""

from __future__ import annotations

import sys

import pytest

from mlprep.cli import main
from mlprep.errors import UsageError
from mlprep.quiz.catalog import add_user_question, load_catalog, save_user_question
from mlprep.quiz.question import Question


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_reserved_id_is_refused_not_silently_skipped(home, capsys):
    code, out, err = run(capsys, "quiz", "add", "--id", "readme", "--prompt", "Why?", "--topic", "cnn")
    assert code == 2 and "added" not in out and "reserved" in err
    assert not (home / "questions" / "readme.md").exists()
    q = Question("readme", "technical", ("cnn",), "E", "Why?")
    for save in (save_user_question, add_user_question):
        with pytest.raises(UsageError, match="reserved"):
            save(q)


def _editor(tmp_path, monkeypatch, old: str, new: str) -> None:
    script = tmp_path / "ed.py"
    script.write_text(f"import sys, pathlib\np = pathlib.Path(sys.argv[1])\np.write_text(p.read_text().replace({old!r}, {new!r}))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


def test_edit_saves_a_question_in_a_subfolder_in_place(home, tmp_path, capsys, monkeypatch):
    sub = home / "questions" / "acme"
    sub.mkdir(parents=True)
    (sub / "mine.md").write_text("---\nid: mine\nkind: technical\ntopics: [cnn]\ndifficulty: E\n"
                                 "prompt: Why pool?\n---\nTo shrink.\n")
    _editor(tmp_path, monkeypatch, "To shrink.", "To shrink the map.")
    code, out, err = run(capsys, "quiz", "edit", "mine")
    assert code == 0, err
    assert "To shrink the map." in (sub / "mine.md").read_text()
    assert not (home / "questions" / "mine.md").exists()
    catalog = load_catalog()
    assert not catalog.errors and catalog.get("mine").answer == "To shrink the map."
    code, _, _ = run(capsys, "quiz", "list", "--topic", "cnn")
    assert code == 0  # no duplicate id: the catalog commands still work


def test_edit_refuses_a_question_sharing_its_file(home, tmp_path, capsys, monkeypatch):
    folder = home / "questions"
    folder.mkdir(parents=True)
    both = folder / "both.yaml"
    both.write_text("- {id: one, kind: technical, topics: [cnn], difficulty: E, prompt: A?}\n"
                    "- {id: two, kind: technical, topics: [cnn], difficulty: E, prompt: B?}\n")
    _editor(tmp_path, monkeypatch, "A?", "A changed?")
    before = both.read_text()
    code, _, err = run(capsys, "quiz", "edit", "one")
    assert code == 2 and "shares this file with 1 other question" in err and str(both) in err
    assert both.read_text() == before and not (folder / "one.md").exists()
