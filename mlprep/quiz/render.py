"""Showing questions: collapsible HTML in Jupyter, plain text elsewhere.

>>> from mlprep.quiz.question import Question
>>> q = Question("q", "technical", ("cnn",), "E", "Why pool?", "To **shrink** the map.")
>>> "<details" in questions_html([q]) and "<strong>shrink</strong>" in questions_html([q])
True
>>> print(questions_text([q]))
[q] (technical, E; cnn)
Q: Why pool?
A: To **shrink** the map.
<BLANKLINE>
"""

from __future__ import annotations

import html
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from mlprep.progress import in_jupyter_kernel as in_ipython_kernel  # noqa: F401 (quiz.show asks here)
from mlprep.quiz.question import Question
from mlprep.sanitize import clean_html, safe_url

NO_ANSWER = "(no answer yet: add one with `mlprep quiz edit {id}`)"


def markdown_to_html(text: str) -> str:
    """Markdown -> HTML with the ``markdown`` package, cleaned to a safe subset
    (:func:`mlprep.sanitize.clean_html`: no scripts, no event attributes, no
    ``javascript:`` links); escaped text if ``markdown`` is missing.

    >>> markdown_to_html('**ok** <img src=x onerror="alert(1)"> [x](javascript:alert(1))')
    '<p><strong>ok</strong> <img src="x"> <a rel="noopener noreferrer">x</a></p>'
    """
    try:
        import markdown
    except ImportError:  # pragma: no cover - markdown ships with mlprep's dependencies
        return f"<pre>{html.escape(text)}</pre>"
    return clean_html(markdown.markdown(text, extensions=["fenced_code", "tables"]))


def resolve_link(link: str, here: Path | None = None) -> str:
    """A catalog link as it works from ``here`` (default: the current folder, where a Jupyter
    kernel runs: the notebook's own folder). Catalog paths are relative to the repository
    (``notebooks/04_detection_yolo.ipynb``): a notebook next to the one running (your copy of
    the notebooks folder) is linked there, else the checkout's file; from ``notebooks/`` both
    are ``04_detection_yolo.ipynb``. URLs, and paths found in neither place, stay as they are.

    >>> from mlprep.runtime import repo_root
    >>> resolve_link("notebooks/04_detection_yolo.ipynb", here=repo_root() / "notebooks")
    '04_detection_yolo.ipynb'
    >>> resolve_link("notebooks/04_detection_yolo.ipynb", here=repo_root())
    'notebooks/04_detection_yolo.ipynb'
    >>> resolve_link("https://arxiv.org/abs/1506.02640")
    'https://arxiv.org/abs/1506.02640'
    """
    from mlprep.runtime import repo_root

    here = here or Path.cwd()
    path, hash_, anchor = link.partition("#")
    if not path or "://" in path or ":" in path.split("/")[0] or path.startswith("/"):
        return link
    root = repo_root()
    parts = Path(path).parts
    candidates = [here / Path(*parts[1:])] if parts[0] == "notebooks" and len(parts) > 1 else []
    candidates += [root / path] if root is not None else []
    target = next((c for c in candidates if c.exists()), None)
    if target is None:
        return link
    return Path(os.path.relpath(target, here)).as_posix() + hash_ + anchor


def link_html(link: str) -> str:
    """A question's link as an ``<a>`` when its URL is safe, else as plain escaped text; a
    repository path links to where it is from the notebook that shows it (:func:`resolve_link`)."""
    if not safe_url(link):
        return html.escape(link)
    return f'<a href="{html.escape(resolve_link(link), quote=True)}">{html.escape(link)}</a>'


def questions_html(questions: Sequence[Question], title: str | None = None, *,
                   empty: str = "No questions match.") -> str:
    """One ``<details>`` block per question: the prompt is the summary, the answer,
    hints and links open on click."""
    parts = [f"<h4>{html.escape(title)}</h4>"] if title else []
    for q in questions:
        answer = markdown_to_html(q.answer) if q.answer else f"<p><em>{html.escape(NO_ANSWER.format(id=q.id))}</em></p>"
        hints = "".join(f"<li>{html.escape(h)}</li>" for h in q.hints)
        links = ", ".join(link_html(link) for link in q.links)
        parts.append(
            "<details style='margin:0.4em 0'>"
            f"<summary><b>{html.escape(q.prompt)}</b> "
            f"<small style='color:#777'>[{html.escape(q.id)} &middot; {html.escape(q.difficulty)}]</small></summary>"
            "<div style='margin-left:1.5em'>"
            + (f"<p><i>Hints</i></p><ul>{hints}</ul>" if hints else "")
            + answer
            + (f"<p><small>See: {links}</small></p>" if links else "")
            + "</div></details>"
        )
    if not questions:
        parts.append(f"<p><em>{html.escape(empty)}</em></p>")
    return "\n".join(parts)


def question_text(q: Question, *, with_answer: bool = True) -> str:
    """Plain text for one question (terminal and non-IPython fallback)."""
    lines = [f"[{q.id}] ({q.kind}, {q.difficulty}; {', '.join(q.topics)})", f"Q: {q.prompt}"]
    if with_answer:
        lines.append("A: " + (q.answer or NO_ANSWER.format(id=q.id)))
        lines += [f"Hint: {h}" for h in q.hints]
        lines += [f"See: {link}" for link in q.links]
    return "\n".join(lines) + "\n"


def questions_text(questions: Sequence[Question], title: str | None = None, *,
                   empty: str = "No questions match.") -> str:
    head = f"== {title} ==\n" if title else ""
    return head + ("\n".join(question_text(q) for q in questions) or f"{empty}\n")


def print_markdown(text: str, *, file=None) -> None:
    """Print Markdown to a terminal: rendered with ``rich`` when it is installed and the
    output is a terminal, else as the Markdown source wrapped to 100 columns."""
    file = sys.stdout if file is None else file
    if getattr(file, "isatty", lambda: False)():
        try:
            from rich.console import Console
            from rich.markdown import Markdown

            Console(file=file).print(Markdown(text))
            return
        except ImportError:
            pass
    for paragraph in text.split("\n"):
        print(textwrap.fill(paragraph, 100) if len(paragraph) > 100 and not paragraph.startswith(" ") else paragraph, file=file)
