"""Interview Q&A catalog with spaced repetition, usable from notebooks and the terminal.

In a notebook's interview section::

    from mlprep import quiz
    quiz.show(topic="resnet")

renders that topic's questions with answers that open on click (plain text outside Jupyter).

>>> from mlprep import quiz
>>> "nms-what" in [q.id for q in quiz.questions(topic="nms")]
True
"""

from __future__ import annotations

import sys

from mlprep.quiz.catalog import KINDS, CatalogFileError, Question
from mlprep.quiz.library import Catalog, load_catalog
from mlprep.quiz.store import ReviewStore

__all__ = ["show", "questions", "load_catalog", "Catalog", "Question", "ReviewStore",
           "CatalogFileError", "KINDS"]


def questions(topic: str | None = None, *, kind: str | None = None,
              difficulty: str | None = None, ids: list[str] | None = None,
              limit: int | None = None) -> list[Question]:
    """Catalog questions (starter plus your own) matching the filters, in catalog order."""
    catalog = load_catalog()
    for error in catalog.errors:
        print(f"warning: {error}", file=sys.stderr)
    selected = [catalog.get(i) for i in ids] if ids else catalog.filter(topic=topic, kind=kind, difficulty=difficulty)
    return selected[:limit] if limit is not None else selected


def show(topic: str | None = None, *, kind: str | None = None, difficulty: str | None = None,
         ids: list[str] | None = None, limit: int | None = None) -> None:
    """Display questions for a topic: collapsible answers in Jupyter, plain text elsewhere.

    >>> show(ids=["nms-what"])  # doctest: +ELLIPSIS
    == Interview questions ==
    [nms-what] (technical, E; nms, detection)
    Q: What is non-maximum suppression and why do detectors need it?
    ...
    """
    from mlprep.quiz import render

    selected = questions(topic, kind=kind, difficulty=difficulty, ids=ids, limit=limit)
    title = "Interview questions" + (f": {topic}" if topic else "")
    if render.in_ipython_kernel():
        from IPython.display import HTML, display

        display(HTML(render.questions_html(selected, title=title)))
    else:
        print(render.questions_text(selected, title=title), end="")
