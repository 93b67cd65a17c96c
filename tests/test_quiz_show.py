"""`mlprep.quiz.show` in notebooks (HTML with <details>) and elsewhere (plain text)."""

from __future__ import annotations

import re

import pytest

from mlprep import quiz
from mlprep.errors import UsageError
from mlprep.quiz import render


@pytest.fixture(autouse=True)
def home(home):
    """Every test here gets the shared private home (tests/conftest.py)."""
    return home


def test_show_plain_text_outside_ipython(capsys):
    quiz.show(topic="resnet")
    out = capsys.readouterr().out
    assert out.startswith("== Interview questions: resnet ==")
    assert "Q: What problem do residual connections solve, and how?" in out
    assert out.count("Q: ") == len(quiz.questions(topic="resnet")) >= 3


def test_show_html_in_a_kernel(monkeypatch):
    shown = []
    monkeypatch.setattr(render, "in_ipython_kernel", lambda: True)
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", shown.append)
    quiz.show(topic="nms", limit=2)
    html = shown[0].data
    assert html.count("<details") == 2 and "<summary>" in html
    assert "notebooks/04_detection_yolo.ipynb" in html


def test_see_links_resolve_from_the_notebooks_folder(monkeypatch):
    """A kernel runs in the notebook's folder: JupyterLab resolves a link from there, so a link
    to ``notebooks/04_...`` would ask for ``notebooks/notebooks/04_...`` (a 404)."""
    from mlprep.runtime import repo_root

    monkeypatch.chdir(repo_root() / "notebooks")
    html = render.questions_html(quiz.questions(ids=["nms-what"]))
    assert 'href="04_detection_yolo.ipynb">notebooks/04_detection_yolo.ipynb</a>' in html
    monkeypatch.chdir(repo_root())
    assert 'href="notebooks/04_detection_yolo.ipynb"' in render.questions_html(quiz.questions(ids=["nms-what"]))


def test_one_cell_shows_each_question_once(monkeypatch):
    """Looping over topics in one cell showed a question under each of its topics."""
    shown = []
    monkeypatch.setattr(render, "in_ipython_kernel", lambda: True)
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", shown.append)
    cell = ["cell-1"]
    monkeypatch.setattr(quiz, "_cell_running", lambda: cell[0])
    both = {q.id for q in quiz.questions(topic="yolo")} & {q.id for q in quiz.questions(topic="faster-rcnn")}
    assert "detection-one-vs-two-stage" in both
    for topic in ("yolo", "faster-rcnn", "detection"):
        quiz.show(topic=topic)
    ids = [i for html in (s.data for s in shown) for i in re.findall(r"\[([a-z0-9-]+) &middot;", html)]
    assert ids and len(ids) == len(set(ids)), ids
    assert ids.count("detection-one-vs-two-stage") == 1
    quiz.show(topic="yolo", limit=2)  # same cell: only what is not above yet
    assert "All shown above." in shown[-1].data and "<details" not in shown[-1].data
    cell[0] = "cell-2"  # the next cell (or the same one run again) starts afresh
    quiz.show(topic="yolo", limit=2)
    assert shown[-1].data.count("<details") == 2


def test_ids_given_twice_show_once(capsys):
    quiz.show(ids=["nms-what", "nms-what"])
    assert capsys.readouterr().out.count("Q: ") == 1


def test_html_escapes_and_renders_markdown():
    q = quiz.Question("x", "technical", ("cnn",), "E", "Is <b> safe?", "Use `code` and **bold**.")
    html = render.questions_html([q])
    assert "Is &lt;b&gt; safe?" in html and "<code>code</code>" in html and "<strong>bold</strong>" in html


def test_unknown_topic_says_what_exists():
    with pytest.raises(UsageError, match="did you mean: resnet"):
        quiz.show(topic="resnets")
