"""The interview tracker: one human-editable YAML file per interview in
``$MLPREP_HOME/interviews/``, written atomically under the shared lock.

An interview records the company, role, date, rounds, outcome and notes, the questions
you were asked (catalog ids, created on the fly for new ones) and the questions you asked.

>>> import tempfile
>>> from pathlib import Path
>>> home = Path(tempfile.mkdtemp())
>>> iv = add_interview(home, company="Acme AI", role="ML engineer", date="2026-03-02",
...                    rounds=["HR screen"])
>>> iv.id, iv.rounds
('2026-03-02-acme-ai', ['hr-screen'])
>>> [i.company for i in load_interviews(home)]
['Acme AI']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlprep.errors import UsageError
from mlprep.quiz.store import lock_for
from mlprep.runtime import atomic_write_text

ROUNDS = ("hr-screen", "technical", "take-home", "coding", "onsite", "final")
OUTCOMES = ("pending", "passed", "offer", "rejected", "withdrawn")


@dataclass
class Interview:
    id: str
    company: str
    role: str = ""
    date: str = ""
    rounds: list[str] = field(default_factory=list)
    outcome: str = "pending"
    notes: str = ""
    asked: list[dict[str, str]] = field(default_factory=list)  # [{question, round}]
    i_asked: list[dict[str, str]] = field(default_factory=list)  # [{question?, text}]
    take_home: list[dict[str, str]] = field(default_factory=list)  # [{report, assignment?, score?}]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def interviews_dir(home: Path) -> Path:
    path = Path(home) / "interviews"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_date(text: str) -> str:
    """A ``YYYY-MM-DD`` date or a one-line error.

    >>> check_date("2026-02-30")
    Traceback (most recent call last):
    ...
    mlprep.errors.UsageError: bad date '2026-02-30': use YYYY-MM-DD, e.g. 2026-03-02
    """
    try:
        return dt.date.fromisoformat(str(text)).isoformat()
    except ValueError:
        raise UsageError(f"bad date {text!r}: use YYYY-MM-DD, e.g. 2026-03-02") from None


def check_round(text: str) -> str:
    """Normalise a round name ("HR screen" -> "hr-screen"); unknown rounds are errors."""
    name = re.sub(r"[\s_]+", "-", str(text).strip().lower())
    if name not in ROUNDS:
        raise UsageError(f"unknown round {text!r} (use one of: {', '.join(ROUNDS)})")
    return name


def check_outcome(text: str) -> str:
    name = str(text).strip().lower()
    if name not in OUTCOMES:
        raise UsageError(f"unknown outcome {text!r} (use one of: {', '.join(OUTCOMES)})")
    return name


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "company"


def _key_lines(text: str) -> dict[str, int]:
    """Line of each top-level key, for error messages (1 when it cannot be told)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _text(value: Any, name: str, *, required: bool = False) -> str:
    # YAML reads `role: 2` as a number and `date: 2026-03-02` as a date: both mean their text.
    if value is None or value == "":
        if required:
            raise ValueError(f"'{name}' is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, dt.date)):
        raise ValueError(f"'{name}' must be text, got {type(value).__name__}")
    return str(value).strip() if name != "notes" else str(value)


def _entries(value: Any, name: str, required: str, optional: str) -> list[dict[str, str]]:
    """A list of ``{required: text, optional?: text}`` mappings (``asked``, ``i_asked``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"'{name}' must be a list, got {type(value).__name__}")
    entries = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not isinstance(item.get(required), str) or not item[required].strip():
            raise ValueError(f"'{name}' item {i} needs '{required}' as text")
        entry = {required: item[required]}
        if item.get(optional) not in (None, ""):
            entry[optional] = _text(item[optional], f"{name}[{i}].{optional}")
        entries.append(entry)
    return entries


def _take_home(value: Any) -> list[dict[str, str]]:
    """``take_home``: grade reports linked to the interview, ``{report, assignment?, score?}``."""
    entries = _entries(value, "take_home", "report", "assignment")
    for entry, item in zip(entries, value or [], strict=False):
        if isinstance(item, dict) and item.get("score") not in (None, ""):
            entry["score"] = _text(item["score"], "take_home.score")
    return entries


def link_take_home(interview: Interview, report_path: str | Path) -> dict[str, str]:
    """Link a take-home grade report (``mlprep takehome grade`` writes ``grade-report.json``):
    adds the take-home round and records the report's path, assignment and score."""
    import json

    path = Path(report_path).expanduser().resolve()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = {"report": str(path), "assignment": str(data["assignment"]), "score": str(int(data["score"]))}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise UsageError(f"{path} is not a take-home grade report (run `mlprep takehome grade DIR`, "
                         "which writes DIR/grade-report.json)") from None
    if "take-home" not in interview.rounds:
        interview.rounds.append("take-home")
    interview.take_home = [e for e in interview.take_home if e.get("report") != entry["report"]] + [entry]
    return entry


def _from_file(path: Path) -> Interview:
    """Read and validate one interview file; any problem is a one-line :class:`UsageError`
    ``FILE:LINE: problem`` (wrong types, bad encoding, bad YAML), never a traceback."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}:1: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise UsageError(f"{path}:1: cannot be read ({e.strerror or e})") from None
    text = text.removeprefix("\ufeff")  # a BOM, as some editors save
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise UsageError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML") from None
    if not isinstance(data, dict) or not data.get("company"):
        raise UsageError(f"{path}:1: not an interview record (needs at least 'company')")
    lines, field = _key_lines(text), "company"
    try:
        company = _text(data.get("company"), "company", required=True)
        field = "date"
        date = _text(data.get("date"), "date")
        if date:
            date = check_date(date)
        values: dict[str, Any] = {"company": company, "date": date}
        for field in ("role", "outcome", "notes"):
            values[field] = _text(data.get(field), field)
        values["outcome"] = values["outcome"] or "pending"
        field = "rounds"
        rounds = data.get("rounds") or []
        if not isinstance(rounds, list) or not all(isinstance(r, str) for r in rounds):
            raise ValueError("'rounds' must be a list of round names")
        values["rounds"] = list(rounds)
        field = "asked"
        values["asked"] = _entries(data.get("asked"), "asked", "question", "round")
        field = "i_asked"
        values["i_asked"] = _entries(data.get("i_asked"), "i_asked", "text", "question")
        field = "take_home"
        values["take_home"] = _take_home(data.get("take_home"))
    except (ValueError, UsageError) as e:
        raise UsageError(f"{path}:{lines.get(field, 1)}: {e}") from None
    return Interview(id=path.stem, **values)


def load_interviews(home: Path, errors: list[str] | None = None) -> list[Interview]:
    """Every interview, oldest first; unreadable files go to ``errors`` (or raise)."""
    interviews = []
    for path in sorted(interviews_dir(home).glob("*.yaml")):
        try:
            interviews.append(_from_file(path))
        except UsageError as e:
            if errors is None:
                raise
            errors.append(str(e))
    return sorted(interviews, key=lambda i: (i.date, i.id))


def get_interview(home: Path, interview_id: str) -> Interview:
    """The interview ``interview_id`` (a file name in the interviews folder, nothing else:
    ``../../x`` is an unknown id, not a path)."""
    folder = interviews_dir(home)
    path = folder / f"{interview_id}.yaml"
    inside = not re.search(r"[/\\\x00]", interview_id) and not interview_id.startswith(".")
    if not inside or path.resolve().parent != folder.resolve() or not path.is_file():
        raise UsageError(f"unknown interview id {interview_id!r} (see `mlprep interviews list`)")
    return _from_file(path)


def save_interview(home: Path, interview: Interview) -> Path:
    path = interviews_dir(home) / f"{interview.id}.yaml"
    data = interview.to_dict()
    data.pop("id")
    if not data["take_home"]:
        data.pop("take_home")  # files without a take-home round stay as they were
    with lock_for(home):
        atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    return path


def add_interview(home: Path, *, company: str, role: str = "", date: str | None = None,
                  rounds: list[str] | None = None, outcome: str = "pending", notes: str = "") -> Interview:
    """Create and save an interview; its id is ``<date>-<company>`` (made unique)."""
    if not company.strip():
        raise UsageError("an interview needs a company: --company NAME")
    date = check_date(date) if date else dt.date.today().isoformat()
    interview = Interview("", company.strip(), role, date, [check_round(r) for r in rounds or []],
                          check_outcome(outcome), notes)
    with lock_for(home):
        base = f"{date}-{_slug(company)}"
        taken = {p.stem for p in interviews_dir(home).glob("*.yaml")}
        interview.id, n = base, 2
        while interview.id in taken:
            interview.id, n = f"{base}-{n}", n + 1
        save_interview(home, interview)
    return interview


def latest_for_company(home: Path, company: str, errors: list[str] | None = None) -> Interview | None:
    """The most recent interview with ``company`` (case-insensitive), or None; unreadable
    files are skipped and listed in ``errors`` when given."""
    matches = [i for i in load_interviews(home, errors=[] if errors is None else errors)
               if i.company.lower() == company.strip().lower()]
    return matches[-1] if matches else None


def update_interview(home: Path, interview_id: str, change: Callable[[Interview], None]) -> Interview:
    """Re-read, change and save an interview under the lock, so concurrent updates all land."""
    with lock_for(home):
        interview = get_interview(home, interview_id)
        change(interview)
        save_interview(home, interview)
    return interview


def link_question(interview: Interview, question_id: str, round_name: str | None) -> None:
    """Record that ``question_id`` was asked (in ``round_name``, added to the rounds if new)."""
    entry = {"question": question_id}
    if round_name:
        entry["round"] = check_round(round_name)
        if entry["round"] not in interview.rounds:
            interview.rounds.append(entry["round"])
    if entry not in interview.asked:
        interview.asked.append(entry)
