"""The smaller holes (issue 23, area 9): interview ids that are paths, huge question files,
a BOM, the line of a NUL, the kernel's traceback after a cell timeout, a torn review line."""

from __future__ import annotations

import nbformat
import pytest

from mlprep.cli import main
from mlprep.quiz.catalog import load_catalog
from mlprep.quiz.question import MAX_FILE_BYTES
from mlprep.quiz.store import ReviewStore

QUESTION = "---\nid: {id}\nkind: technical\ntopics: [cnn]\ndifficulty: E\nprompt: Why?\n---\n{answer}\n"


@pytest.fixture()
def home(home):
    """The shared private home (tests/conftest.py), with a questions folder."""
    (home / "questions").mkdir(parents=True)
    return home


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_interview_ids_cannot_name_files_outside_the_folder(home, capsys, tmp_path):
    (tmp_path / "x.yaml").write_text("company: Secret Corp\nnotes: the password\n")
    (home / "y.yaml").write_text("company: Secret Corp\n")
    for interview_id in ("../../x", "../y", str(tmp_path / "x"), ".hidden", "a\\..\\b"):
        for command in (["interviews", "show", interview_id], ["interviews", "update", interview_id, "--notes", "n"]):
            code, out, err = run(capsys, *command)
            assert code == 2 and "unknown interview id" in err and "Secret" not in out, (command, out, err)
    assert (tmp_path / "x.yaml").read_text().endswith("the password\n")


def test_a_question_file_over_the_limit_is_refused_unread(home, capsys):
    (home / "questions" / "big.md").write_text(QUESTION.format(id="big", answer="x" * (MAX_FILE_BYTES + 1)))
    (home / "questions" / "small.md").write_text(QUESTION.format(id="small", answer="ok"))
    code, out, err = run(capsys, "quiz", "list", "--topic", "cnn", "--json")
    assert code == 2 and "big.md:1:" in err and "over the 1 MB limit" in err and err.count("\n") == 1
    assert "small" in out


def test_a_markdown_question_with_a_bom_loads(home):
    (home / "questions" / "bom.md").write_bytes(b"\xef\xbb\xbf" + QUESTION.format(id="bom", answer="A.").encode())
    catalog = load_catalog()
    assert not catalog.errors and catalog.get("bom").answer == "A."


@pytest.mark.parametrize("name,text,line", [
    ("nul.md", QUESTION.format(id="n", answer="line 8\nline 9 \x00 here"), 9),
    ("nul.yaml", "- id: n\n  kind: technical\n  prompt: \"a\x00b\"\n", 3),
    ("latin.md", QUESTION.format(id="l", answer="ok\ncaf\xe9"), 9),
])
def test_a_bad_character_is_reported_at_its_own_line(home, name, text, line):
    (home / "questions" / name).write_bytes(text.encode("latin-1"))
    (error,) = load_catalog().errors
    assert error.line == line and name in str(error), str(error)


def test_a_cell_timeout_leaves_no_kernel_traceback_on_the_terminal(tmp_path, monkeypatch, capfd):
    from mlprep import notebook_runner

    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    path = tmp_path / "01_hang.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(60)")]), path)
    outcome = notebook_runner.run_notebook(path, {}, cell_timeout=2)
    assert outcome.status == notebook_runner.FAILED and "timed out" in outcome.error
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ZMQError" not in err, err
    assert (tmp_path / "results" / "01_hang" / "kernel.log").is_file()


def test_a_torn_review_line_is_repaired_by_the_next_append(tmp_path):
    store = ReviewStore(tmp_path)
    store.record("a", 3)
    with open(store.log_path, "ab") as f:
        f.write(b'{"v": 1, "event": "review", "id": "b", "ra')
    store.events()
    assert len(store.problems) == 1
    store.record("c", 4)
    assert [e.question_id for e in store.events()] == ["a", "c"] and store.problems == []
    assert store.log_path.read_bytes().count(b"\n") == 2
    assert b'"id": "b", "ra' in (tmp_path / "reviews.torn").read_bytes()
    store.record("d", 1)
    assert [e.question_id for e in store.events()] == ["a", "c", "d"] and store.problems == []
