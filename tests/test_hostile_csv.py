"""CSV from and for spreadsheets: no formulas on export, long fields, a BOM and duplicate ids
on import (issue 23, area 7)."""

from __future__ import annotations

import csv
import io

from mlprep.cli import main
from mlprep.quiz.catalog import load_catalog
from mlprep.quiz.exchange import export_text, parse_csv_text
from mlprep.quiz.question import Question

HEADER = "id,kind,topics,difficulty,prompt,answer\n"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_no_formula_and_round_trips():
    texts = ["=HYPERLINK(\"http://e.vil\",\"x\")", "+1", "-2 is negative", "@SUM(A1)", "\tx", "\rx",
             "'=already quoted", "''", "'plain", "- a Markdown list"]
    questions = [Question(f"q{i}", "technical", ("cnn",), "E", text, text, source=text)
                 for i, text in enumerate(texts)]
    exported = export_text(questions, "csv")
    for row in list(csv.reader(io.StringIO(exported)))[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row
    back = parse_csv_text(exported, "x.csv")
    assert [q.prompt for q in back] == [t.strip() for t in texts]
    assert [q.answer for q in back] == [t.strip() for t in texts]


def test_a_long_answer_round_trips_through_import(home, capsys, tmp_path):
    long_answer = "word " * 60_000  # 300 KB, over csv's default 128 KiB field limit
    q = Question("long-one", "technical", ("cnn",), "E", "Long?", long_answer.strip())
    path = tmp_path / "long.csv"
    path.write_text(export_text([q], "csv"))
    code, out, err = run(capsys, "quiz", "import", str(path))
    assert code == 0, err
    assert load_catalog(include_seeds=False).get("long-one").answer == long_answer.strip()


def test_duplicate_ids_are_refused_with_the_line_and_nothing_written(home, capsys, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(HEADER + "a,technical,cnn,E,First?,x\nb,technical,cnn,E,Other?,y\na,technical,cnn,E,Again?,z\n")
    code, out, err = run(capsys, "quiz", "import", str(path))
    assert code == 2 and f"{path}:4: duplicate id 'a' (first at line 2)" in err
    assert len(load_catalog(include_seeds=False)) == 0


def test_a_bom_is_accepted_and_new_and_updated_are_counted(home, capsys, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "a,technical,cnn,E,First?,x\r\n").encode())
    code, out, err = run(capsys, "quiz", "import", str(path))
    assert code == 0 and "1 new, 0 updated" in out, err
    code, out, _ = run(capsys, "quiz", "import", str(path))
    assert code == 0 and "0 new, 1 updated" in out


def test_import_updates_a_question_in_a_subfolder_in_place(home, capsys, tmp_path):
    sub = home / "questions" / "acme"
    sub.mkdir(parents=True)
    (sub / "a.md").write_text("---\nid: a\nkind: technical\ntopics: [cnn]\ndifficulty: E\nprompt: Old?\n---\nold\n")
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "a,technical,cnn,E,New?,new\nreadme,technical,cnn,E,R?,r\n")
    code, _, err = run(capsys, "quiz", "import", str(path))
    assert code == 2 and "reserved" in err and "Old?" in (sub / "a.md").read_text()  # all or nothing
    path.write_text(HEADER + "a,technical,cnn,E,New?,new\n")
    code, out, _ = run(capsys, "quiz", "import", str(path))
    assert code == 0 and "0 new, 1 updated" in out
    assert "New?" in (sub / "a.md").read_text() and not (home / "questions" / "a.md").exists()
    assert not load_catalog().errors


def test_malformed_csv_is_one_line(home, capsys, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + "a,technical,cnn,E,P\x00?,x\n").encode())
    code, _, err = run(capsys, "quiz", "import", str(path))
    assert code == 2 and err.count("\n") == 1 and str(path) in err
