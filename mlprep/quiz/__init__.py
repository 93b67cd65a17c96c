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

from mlprep.quiz.catalog import Catalog, load_catalog
from mlprep.quiz.question import KINDS, CatalogFileError, Question
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


# The ids shown by show() in the cell now running, so a loop over topics shows each once.
_shown_in_cell: dict[str, object] = {"cell": None, "ids": set()}


def _cell_running() -> object:
    """Something that names the notebook cell running now (its request's id), or None outside a kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        return kernel.get_parent()["header"]["msg_id"]
    except (AttributeError, KeyError, TypeError):
        return getattr(shell, "execution_count", None)


def show(topic: str | None = None, *, kind: str | None = None, difficulty: str | None = None,
         ids: list[str] | None = None, limit: int | None = None) -> None:
    """Display questions for a topic: collapsible answers in Jupyter, plain text elsewhere.

    Each question shows once per call (by id), and in Jupyter once per cell: a loop over
    topics, or a second ``show`` in the same cell, skips what is already above (``limit``
    counts the new ones).

    >>> show(ids=["nms-what"])  # doctest: +ELLIPSIS
    == Interview questions ==
    [nms-what] (technical, E; nms, detection)
    Q: What is non-maximum suppression and why do detectors need it?
    ...
    """
    from mlprep.quiz import render

    selected = questions(topic, kind=kind, difficulty=difficulty, ids=ids)
    selected = list({q.id: q for q in selected}.values())  # each id once, in catalog order
    cell, empty = _cell_running(), "No questions match."
    if cell is not None:
        if _shown_in_cell["cell"] != cell:
            _shown_in_cell.update(cell=cell, ids=set())
        seen: set[str] = _shown_in_cell["ids"]  # type: ignore[assignment]
        fresh = [q for q in selected if q.id not in seen]
        empty = "All shown above." if selected and not fresh else empty
        selected = fresh
    selected = selected[:limit] if limit is not None else selected
    if cell is not None:
        seen.update(q.id for q in selected)
    title = "Interview questions" + (f": {topic}" if topic else "")
    if render.in_ipython_kernel():
        from IPython.display import HTML, display

        display(HTML(render.questions_html(selected, title=title, empty=empty)))
    else:
        print(render.questions_text(selected, title=title, empty=empty), end="")
