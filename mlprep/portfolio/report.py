"""Gather what the portfolio shows about one project from ``results/<stem>/``.

Only measured numbers are shown: a project without ``metrics.json`` is "not yet run",
and a resume bullet whose template names a metric that was not recorded is left out.

>>> fill_template("accuracy {acc:.1%}, {(acc - base) * 100:.0f} points up", {"acc": 0.962, "base": 0.5})
'accuracy 96.2%, 46 points up'
>>> fill_template("{missing:.2f}", {"acc": 1.0}) is None
True
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlprep.portfolio.projects import PROJECTS, Project, project_for
from mlprep.results import evaluate_expression, evaluate_targets
from mlprep.sanitize import md_text

NOT_YET_RUN = "not yet run"
PASSED = "passed"
MISSED = "missed target"
NO_TARGETS = "ran (no targets)"

_FIELD = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")


def format_value(value: Any) -> str:
    """A metric for people: ints as ints, floats to 4 significant digits.

    >>> format_value(0.912345), format_value(3), format_value(None), format_value(1e-7)
    ('0.9123', '3', 'n/a', '1e-07')
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fill_template(template: str, metrics: dict[str, Any]) -> str | None:
    """Fill ``{expression:format}`` fields from ``metrics``; None if any is missing."""
    numeric = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}

    def replace(match: re.Match[str]) -> str:
        value = evaluate_expression(match.group(1), numeric)
        return format(value, match.group(2) or "")

    try:
        return _FIELD.sub(replace, template)
    except (KeyError, ValueError, SyntaxError, ZeroDivisionError):
        return None


@dataclass
class DatasetSummary:
    """The title and first paragraph of a dataset card (``datasets/<name>.md``)."""

    name: str
    title: str
    summary: str
    license: str = ""
    found: bool = True


def read_dataset_card(name: str, cards_dir: Path | None) -> DatasetSummary:
    """Summarise ``cards_dir/<name>.md``; a missing card says so instead of failing."""
    path = cards_dir / f"{name}.md" if cards_dir is not None else None
    if path is None or not path.is_file():
        return DatasetSummary(name, name, "No dataset card found for this dataset.", found=False)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # card templates carry comments
    title, summary, license_text, section = name, "", "", ""
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            heading = lines[0].lstrip("#").strip()
            if lines[0].startswith("# ") and title == name:
                title = heading
            section = heading.lower()
            lines = lines[1:]
            if not lines:
                continue
        plain = " ".join(lines)
        if not license_text and re.match(r"[*_]*licen[cs]e", plain, re.I):
            license_text = re.sub(r"^[*_]*licen[cs]e[*_:]*\s*[*_:]*\s*", "", plain, flags=re.I)
        elif not license_text and "licen" in section and not lines[0].startswith("|"):
            license_text = plain
        if not summary and not lines[0].startswith(("|", "-", "*", "```", ">")) and "licen" not in section:
            summary = plain
    return DatasetSummary(name, title, summary or "See the dataset card.", license_text[:300])


@dataclass
class Report:
    """Everything the site and README show for one project."""

    project: Project
    status: str
    results: dict[str, Any] | None = None
    run: dict[str, Any] | None = None  # results/<stem>/run.json written by `mlprep run`
    rows: list[dict[str, Any]] = field(default_factory=list)  # targets, evaluated
    figures: list[Path] = field(default_factory=list)
    executed: Path | None = None
    datasets: list[DatasetSummary] = field(default_factory=list)
    resume: str | None = None
    note: str = ""
    skipped: list[str] = field(default_factory=list)  # files named but not published, and why

    @property
    def stem(self) -> str:
        return self.project.stem

    @property
    def metrics(self) -> dict[str, Any]:
        return dict((self.results or {}).get("metrics", {}))

    @property
    def runtime_s(self) -> float | None:
        value = (self.results or {}).get("runtime_s")
        return float(value) if isinstance(value, (int, float)) else None


def headline_row(project: Project, results: dict[str, Any]) -> dict[str, Any] | None:
    """The headline metric with its target: the project's chosen metric, else the first
    target. Keys: ``metric``, ``value``, ``condition`` (may be ""), ``ok`` (may be None).

    >>> headline_row(project_for("x"), {"metrics": {"a": 1.0}, "targets": {"a": ">= 0.5"}})["ok"]
    True
    """
    metrics = {k: (float("nan") if v is None else v) for k, v in results.get("metrics", {}).items()}
    targets = dict(results.get("targets", {}))
    rows = evaluate_targets(metrics, targets)
    name = project.headline if project.headline in metrics or project.headline in targets else None
    if name is None and rows:
        name = rows[0]["target"]
    if name is None and metrics:
        name = next(iter(metrics))  # no targets: the first metric recorded
    if name is None:
        return None
    row = next((r for r in rows if r["target"] == name), None)
    if row is not None:
        return {"metric": name, "value": row["value"], "condition": row["condition"], "ok": row["ok"]}
    return {"metric": name, "value": results["metrics"].get(name), "condition": "", "ok": None}


def publishable_file(folder: Path, name: object) -> tuple[Path | None, str]:
    """``(folder / name, "")`` when ``name`` is a regular file inside ``folder`` reached
    without symbolic links, else ``(None, why)``: the portfolio copies only such files, so a
    ``metrics.json`` cannot publish ``/etc/passwd``, ``../../secret.txt`` or a link to either.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.png").write_bytes(b"png")
    >>> publishable_file(folder, "a.png")[0].name, publishable_file(folder, "../a.png")[1]
    ('a.png', "outside the notebook's results folder")
    """
    if not isinstance(name, str) or not name.strip() or "\0" in name:
        return None, "not a file name"
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        return None, "outside the notebook's results folder"
    current = folder
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return None, "a symbolic link"
    try:
        mode = current.lstat().st_mode
    except OSError:
        return None, "missing"
    if not stat.S_ISREG(mode):
        return None, "not a regular file"
    if not current.resolve().is_relative_to(folder.resolve()):
        return None, "outside the notebook's results folder"
    return current, ""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, json.JSONDecodeError):
        return None


def collect(stem: str, results_root: Path, cards_dir: Path | None) -> Report:
    """Read ``results_root/<stem>/`` into a :class:`Report`."""
    project = project_for(stem)
    folder = results_root / stem
    report = Report(project=project, status=NOT_YET_RUN, run=_read_json(folder / "run.json"))
    report.datasets = [read_dataset_card(name, cards_dir) for name in project.datasets]
    results = _read_json(folder / "metrics.json")
    if results is None:
        if report.run and report.run.get("status") not in (None, PASSED):
            report.note = f"The last `mlprep run` of this notebook failed: {md_text(report.run.get('error', ''))}"
        return report
    report.results = results
    metrics = {k: (float("nan") if v is None else v) for k, v in report.metrics.items()}
    report.rows = evaluate_targets(metrics, dict(results.get("targets", {})))
    if not report.rows:
        report.status = NO_TARGETS
    else:
        report.status = PASSED if all(r["ok"] for r in report.rows) else MISSED
    names = results.get("figures", [])
    for name in names if isinstance(names, list) else [names]:
        path, why = publishable_file(folder, name)
        if path is None:
            report.skipped.append(f"figure {name!r} not published: {why}")
        else:
            report.figures.append(path)
    if (folder / "executed.ipynb").exists() or (folder / "executed.ipynb").is_symlink():
        report.executed, why = publishable_file(folder, "executed.ipynb")
        if report.executed is None:
            report.skipped.append(f"executed.ipynb not published: {why}")
    if project.resume:
        report.resume = fill_template(project.resume, report.metrics)
    run = report.run or {}
    if run.get("status") == "failed" and run.get("started", "") > str(results.get("created", "")):
        report.note = (
            "The latest `mlprep run` of this notebook failed "
            f"({md_text(run.get('error', 'see the executed notebook'))}); the numbers shown are from "
            f"the earlier run of {md_text(results.get('created', 'an unknown date'))}."
        )
    return report


def discover(results_root: Path) -> list[str]:
    """Curriculum projects (in order, run or not) followed by any other notebook that
    recorded results under ``results_root``."""
    stems = [p.stem for p in PROJECTS if p.showcase]
    known = {p.stem for p in PROJECTS}
    if results_root.is_dir():
        stems += sorted(
            d.name for d in results_root.iterdir()
            if d.is_dir() and d.name not in known and (d / "metrics.json").is_file()
        )
    return stems
