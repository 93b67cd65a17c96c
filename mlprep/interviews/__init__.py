"""Your interviews: ``mlprep interviews ...`` and the quiz commands that read them.

Modules: :mod:`~mlprep.interviews.tracker` (one YAML file per interview in
``$MLPREP_HOME/interviews/``), :mod:`~mlprep.interviews.cli` (``mlprep interviews add``, ``list``,
``show``, ``update``) and :mod:`~mlprep.interviews.quiz_commands` (``mlprep quiz prep`` and
``mlprep quiz add --asked-at``, which join interviews with the catalog).

The dependency runs one way: an interview refers to catalog questions by id, so this area
imports :mod:`mlprep.quiz`, and the quiz never imports it.
"""

from __future__ import annotations

from mlprep.interviews.tracker import Interview, add_interview, get_interview, load_interviews

__all__ = ["Interview", "add_interview", "get_interview", "load_interviews"]
