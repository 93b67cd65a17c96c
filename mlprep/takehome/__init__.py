"""The take-home round: company-style assignments with planted traps, and an offline grader.

``mlprep takehome start NAME`` writes a folder with the brief, the data and a starter;
``mlprep takehome grade DIR`` runs the folder's one command twice on a hidden test set made at
grading time and scores it out of 100 (:mod:`mlprep.takehome.scoring`), then asks five follow-up
questions. Modules: :mod:`~mlprep.takehome.assignments` (what an assignment is), :mod:`~mlprep.takehome.registry`,
one module per assignment (:mod:`~mlprep.takehome.tamper`, :mod:`~mlprep.takehome.routing`,
:mod:`~mlprep.takehome.drift`), :mod:`~mlprep.takehome.workspace` (the learner's folder),
:mod:`~mlprep.takehome.sandbox` (running the command), :mod:`~mlprep.takehome.grader`,
:mod:`~mlprep.takehome.scoring` and :mod:`~mlprep.takehome.report`.
"""

from __future__ import annotations

from mlprep.takehome.grader import grade
from mlprep.takehome.registry import get, names
from mlprep.takehome.workspace import start

__all__ = ["get", "names", "grade", "start"]
