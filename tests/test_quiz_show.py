"""`mlprep.quiz.show` in notebooks (HTML with <details>) and elsewhere (plain text)."""

from __future__ import annotations

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


def test_html_escapes_and_renders_markdown():
    q = quiz.Question("x", "technical", ("cnn",), "E", "Is <b> safe?", "Use `code` and **bold**.")
    html = render.questions_html([q])
    assert "Is &lt;b&gt; safe?" in html and "<code>code</code>" in html and "<strong>bold</strong>" in html


def test_unknown_topic_says_what_exists():
    with pytest.raises(UsageError, match="did you mean: resnet"):
        quiz.show(topic="resnets")
