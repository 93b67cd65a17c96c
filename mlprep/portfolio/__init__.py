"""Turn notebook results into a portfolio: a static site and a README for GitHub.

``mlprep portfolio build`` reads ``results/<stem>/metrics.json`` (written by each
notebook's ``mlprep.results.record``), the figures and the executed notebooks saved by
``mlprep run``, and the dataset cards under ``datasets/``. Projects that have not run
are listed as "not yet run"; no number is ever filled in by hand.

>>> from mlprep.portfolio import PROJECTS
>>> [p.stem for p in PROJECTS][:2]
['00_start_here', '01_image_classification']
"""

from __future__ import annotations

from mlprep.portfolio.projects import PROJECTS, Project, project_for
from mlprep.portfolio.site import build, default_out

__all__ = ["PROJECTS", "Project", "project_for", "build", "default_out"]
