"""Interview files with wrong types or bad encoding: one line naming the file, exit 2, the
other interviews still load, and nothing is half written (issue 23, area 4)."""

from __future__ import annotations

import json

import pytest

from mlprep.cli import main
from mlprep.interviews.tracker import load_interviews

BROKEN = {
    "rounds-int.yaml": "company: Acme\nrounds: 5\n",
    "asked-str.yaml": "company: Acme\ndate: 2026-01-02\nasked: just a string\n",
    "asked-no-question.yaml": "company: Acme\nasked:\n  - round: technical\n",
    "company-list.yaml": "company: [a, b]\n",
    "i-asked-int.yaml": "company: Acme\ni_asked: [3]\n",
    "date-bad.yaml": "company: Acme\ndate: last tuesday\n",
    "notes-map.yaml": "company: Acme\nnotes: {a: 1}\n",
    "latin1.yaml": "company: Caf\xe9 GmbH\n",
}


@pytest.fixture()
def home(home):
    """The shared private home (tests/conftest.py), with broken and good interview files."""
    folder = home / "interviews"
    folder.mkdir(parents=True)
    for name, text in BROKEN.items():
        (folder / name).write_bytes(text.encode("latin-1"))
    (folder / "2026-03-02-good.yaml").write_text(
        "company: Good Co\ndate: 2026-03-02\nrole: 2\nrounds: [technical]\n"
        "asked:\n  - question: nms-what\n    round: technical\n")
    return home


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_per_file(err: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == len(BROKEN), err
    for name in BROKEN:
        assert sum(name in line for line in lines) == 1, (name, err)
    assert "Traceback" not in err


def test_list_reports_each_bad_file_and_keeps_the_good_one(home, capsys):
    code, out, err = run(capsys, "interviews", "list", "--json")
    assert code == 2
    assert [i["company"] for i in json.loads(out)] == ["Good Co"]
    assert json.loads(out)[0]["role"] == "2"  # a number where text is expected means its text
    _one_line_per_file(err)
    assert "rounds-int.yaml:2: 'rounds' must be a list" in err
    assert "latin1.yaml:1: not UTF-8 text" in err
    assert "date-bad.yaml:2: bad date 'last tuesday'" in err


def test_show_of_a_bad_file_is_one_line_and_the_good_one_shows(home, capsys):
    for stem in ("rounds-int", "asked-no-question", "latin1", "asked-str"):
        code, _, err = run(capsys, "interviews", "show", stem)
        assert code == 2 and err.count("\n") == 1 and f"{stem}.yaml" in err, err
    code, out, _ = run(capsys, "interviews", "show", "2026-03-02-good")
    assert code == 0 and "nms-what" in out


def test_prep_reports_bad_files_and_uses_the_rest(home, capsys):
    code, out, err = run(capsys, "quiz", "prep", "--company", "good co")
    assert code == 2 and "1 interview(s) on record" in out and "nms (1)" in out
    _one_line_per_file(err)


def test_add_asked_at_writes_nothing_while_an_interview_file_is_broken(home, capsys):
    code, _, err = run(capsys, "quiz", "add", "--prompt", "Why NMS?", "--topic", "nms", "--asked-at", "Good Co")
    assert code == 2 and "nothing was written" in err and err.count("\n") == 1
    assert not (home / "questions").exists() or not list((home / "questions").glob("*.md"))
    for name in BROKEN:
        (home / "interviews" / name).unlink()
    code, out, _ = run(capsys, "quiz", "add", "--prompt", "Why NMS?", "--topic", "nms", "--asked-at", "Good Co")
    assert code == 0 and "linked to interview 2026-03-02-good" in out
    assert len(load_interviews(home)[0].asked) == 2
