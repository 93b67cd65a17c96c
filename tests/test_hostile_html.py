"""HTML and script injection: user text never becomes live markup, in quiz.show, Anki decks,
the portfolio site or its README (issue 23, area 3)."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from mlprep.portfolio import build
from mlprep.portfolio.html import inline
from mlprep.quiz.exchange import export_anki
from mlprep.quiz.question import Question
from mlprep.quiz.render import questions_html
from mlprep.sanitize import md_text, safe_url

HOSTILE = ('<script>alert(1)</script><img src="x.png" onerror="alert(2)"><iframe src="https://e.vil"></iframe>'
           '<a href="javascript:alert(3)">a</a> [b](javascript:alert(4)) [c](JaVa\tScRiPt:alert(5)) '
           '<svg onload="alert(6)"></svg><p style="x" onclick="alert(7)">p</p>')


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_inert(html_text: str) -> None:
    """No script, frame or SVG element, no event handler, no unsafe URL in ``html_text``'s
    actual tags (escaped text may say anything)."""
    parser = _Tags()
    parser.feed(html_text)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "iframe", "svg", "object", "embed"}, html_text
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in {"href", "src"}:
                assert safe_url(value or ""), (tag, name, value)


def test_quiz_show_html_sanitises_answers_and_links():
    q = Question("q1", "technical", ("cnn",), "E", "Why <b>pool</b>?", HOSTILE + " **kept**",
                 hints=("<script>h()</script>",), links=("javascript:alert(8)", "https://arxiv.org/abs/1"))
    page = questions_html([q], title="<script>t()</script>")
    assert_inert(page)
    assert "<strong>kept</strong>" in page and '<a href="https://arxiv.org/abs/1">' in page
    assert "javascript:alert(8)" in page  # shown as text, not as a link
    assert "Why &lt;b&gt;pool&lt;/b&gt;?" in page


def test_anki_fields_are_sanitised(tmp_path):
    q = Question("q1", "technical", ("cnn",), "E", HOSTILE, HOSTILE, links=("javascript:alert(9)",))
    apkg = export_anki([q], tmp_path / "deck.apkg")
    with zipfile.ZipFile(apkg) as z:
        (tmp_path / "c.anki2").write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as db:
        (fields,) = db.execute("select flds from notes").fetchone()
    for field in fields.split("\x1f"):
        assert_inert(field)


def test_inline_markdown_allows_safe_links_only():
    assert inline("[paper](https://arxiv.org/abs/1) [nb](04.ipynb)") == (
        '<a href="https://arxiv.org/abs/1">paper</a> <a href="04.ipynb">nb</a>')
    for text in (HOSTILE, "`[x](javascript:alert(1))`", "[x](java&#115;cript:alert(1))", md_text(HOSTILE)):
        out = inline(text)
        assert_inert(out)
        ET.fromstring(f"<p>{out}</p>")  # still well-formed XML for the XHTML pages
    assert inline(md_text("a < b & [c](d)")) == "a &lt; b &amp; [c](d)"


@pytest.fixture()
def hostile_site(tmp_path: Path) -> Path:
    results_root = tmp_path / "results"
    evil = "<img src=x onerror=alert(1)>[click](javascript:alert(2))`"
    for stem in ("01_image_classification", "12_<script>x()</script>"):
        folder = results_root / stem
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps({
            "notebook": stem, "device": f"cpu{evil}", "seed": evil, "created": evil,
            "metrics": {"alexnet_test_accuracy": 0.99, "[m](javascript:alert(3))": 1.0, "<script>m()</script>": evil},
            "targets": {"alexnet_test_accuracy": ">= 0.5", "<b onclick=x()>t</b>": "<script>c()</script>"},
            "versions": {"torch": evil, evil: "1"}, "runtime_s": 12.0,
        }))
        (folder / "run.json").write_text(json.dumps({
            "status": "failed", "started": "9999", "error": f"boom {evil}", "runtime_s": 3.0,
            "hardware": {"cpu": evil, "gpu": evil, "cores": evil},
        }))
    return build(tmp_path / "site", name=f"Ada {evil}", results_root=results_root).parent


def test_portfolio_pages_carry_no_injected_markup(hostile_site: Path):
    pages = sorted(hostile_site.glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert_inert(text)
        ET.fromstring(text.replace("<!DOCTYPE html>", "", 1))
    page = (hostile_site / "01_image_classification.html").read_text()
    assert "onerror=alert(1)" in page  # the text is shown, escaped, not dropped


def test_portfolio_readme_renders_inert(hostile_site: Path):
    readme = (hostile_site / "README.md").read_text(encoding="utf-8")
    # Python-Markdown passes raw HTML through and has no backslash escape for '<': the strict case.
    rendered = markdown.markdown(readme, extensions=["tables"])
    rendered = re.sub(r"<img src=\"[^\"]+\" alt=\"[^\"]*\" width=\"48%\" />", "", rendered)
    assert_inert(rendered)
    assert "<script" not in readme and "<img src=x" not in readme
    assert "\\[click\\](javascript:alert(2))" in readme  # escaped: text, not a link
    assert "`&lt;script>m()&lt;/script>`" in readme  # a metric name, as code
