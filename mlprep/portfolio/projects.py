"""What each curriculum notebook builds, the paper behind it, and how to present it.

The prose lives in ``projects.yaml`` next to this file, written once, by hand; every number
shown next to it comes from ``results/<stem>/metrics.json``. Resume bullets are templates whose
``{...}`` fields are metric names or arithmetic on them, so a bullet is only shown when its
numbers were measured.

>>> project_for("04_detection_yolo").headline
'yolo_test_map50'
>>> project_for("99_my_own").title
'99 my own'
>>> len(PROJECTS) == len(load_projects()) > 10
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("projects.yaml")


@dataclass(frozen=True)
class Project:
    """One curriculum project (a notebook stem) and the words that present it."""

    stem: str
    title: str
    topic: str
    papers: tuple[tuple[str, str], ...] = ()  # (citation, URL)
    datasets: tuple[str, ...] = ()  # dataset card names under datasets/
    headline: str | None = None  # the metric a reader should see first
    what: str = ""
    why: str = ""
    model: str = ""
    training_data: str = ""
    evaluation_data: str = ""
    limitations: str = ""
    resume: str = ""
    showcase: bool = True  # False: runs with `mlprep run` but is not a portfolio project


def _project(entry: dict[str, Any]) -> Project:
    unknown = set(entry) - {f.name for f in fields(Project)}
    if unknown:
        raise ValueError(f"{DATA.name}: project {entry.get('stem')!r} has unknown fields: {', '.join(sorted(unknown))}")
    values = dict(entry)
    values["papers"] = tuple((p["citation"], p["url"]) for p in entry.get("papers", ()))
    values["datasets"] = tuple(entry.get("datasets", ()))
    return Project(**values)


@functools.lru_cache(maxsize=1)
def _document(path: Path = DATA) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_projects(path: Path = DATA) -> tuple[Project, ...]:
    """The curriculum's projects, in notebook order, from ``projects.yaml``."""
    return tuple(_project(entry) for entry in _document(path)["projects"])


PROJECTS: tuple[Project, ...] = load_projects()
GENERIC_LIMITATIONS: str = _document()["generic_limitations"]
_BY_STEM = {p.stem: p for p in PROJECTS}


def project_for(stem: str) -> Project:
    """The metadata for ``stem``; a notebook outside the curriculum gets a plain title."""
    if stem in _BY_STEM:
        return _BY_STEM[stem]
    return Project(stem=stem, title=stem.replace("_", " "), topic="own project")


def short_citation(project: Project) -> str:
    """Authors and year of the first paper.

    >>> short_citation(project_for("09_attention_gpt"))
    'Vaswani et al. (2017)'
    """
    citation = project.papers[0][0] if project.papers else ""
    match = re.match(r"^(.*?\(\d{4}\))", citation)
    return match.group(1) if match else citation
