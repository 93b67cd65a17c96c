"""The whole catalog: the starter questions shipped with mlprep plus the user's own.

Starter questions live in the package (``mlprep/quiz/seeds/*.yaml``) so they are there in
any install; the user's questions are Markdown files in ``$MLPREP_HOME/questions/``, one per
question, and a user question with a starter id overrides it (that is how ``quiz edit``
changes a starter answer without touching the package).

>>> catalog = load_catalog(include_user=False)
>>> len(catalog) >= 200 and not catalog.errors
True
>>> catalog.get("resnet-why-residual").kind
'technical'
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from mlprep.errors import UsageError
from mlprep.quiz.question import (
    RESERVED_IDS,
    CatalogFileError,
    Question,
    parse_file,
    question_files,
)
from mlprep.quiz.store import lock_for
from mlprep.runtime import atomic_write_text, home_dir

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"


def user_questions_dir(home: Path | None = None, *, create: bool = True) -> Path:
    """``$MLPREP_HOME/questions`` (created on first write; reading never creates it)."""
    path = (Path(home) if home is not None else home_dir()) / "questions"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Catalog:
    """Questions by id (file order) and the problems found while loading."""

    questions: dict[str, Question] = field(default_factory=dict)
    errors: list[CatalogFileError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions.values())

    def get(self, question_id: str) -> Question:
        """The question with this id; an unknown id is a one-line :class:`UsageError`."""
        if question_id in self.questions:
            return self.questions[question_id]
        close = difflib.get_close_matches(question_id, list(self.questions), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else " (see `mlprep quiz list`)"
        raise UsageError(f"unknown question id {question_id!r}{hint}")

    def topics(self) -> list[str]:
        return sorted({t for q in self for t in q.topics})

    def filter(self, *, topic: str | None = None, kind: str | None = None,
               difficulty: str | None = None) -> list[Question]:
        """Questions matching every filter given. An unknown topic or kind is an error that
        lists the known ones, so a typo in a notebook fails loudly instead of showing nothing."""
        from mlprep.quiz.question import DIFFICULTIES, KINDS

        if difficulty is not None and difficulty.upper() not in DIFFICULTIES:
            raise UsageError(f"unknown difficulty {difficulty!r} (use E, M or H)")
        if kind is not None and kind not in KINDS:
            raise UsageError(f"unknown kind {kind!r} (use one of: {', '.join(KINDS)})")
        if topic is not None and topic not in self.topics():
            close = difflib.get_close_matches(topic, self.topics(), n=3)
            hint = f"did you mean: {', '.join(close)}?" if close else f"known: {', '.join(self.topics())}"
            raise UsageError(f"unknown topic {topic!r} ({hint})")
        return [
            q for q in self
            if (topic is None or topic in q.topics)
            and (kind is None or q.kind == kind)
            and (difficulty is None or q.difficulty == difficulty.upper())
        ]


def _load_dir(directory: Path, catalog: Catalog, *, overrides: bool) -> None:
    origin: dict[str, Question] = {}
    for path in question_files(directory):
        try:
            questions = parse_file(path)
        except CatalogFileError as e:
            catalog.errors.append(e)
            continue
        except FileNotFoundError:  # deleted while we were listing: nothing to load
            continue
        clash = next((q for q in questions if q.id in origin), None)
        if clash is not None:
            first = origin[clash.id]
            catalog.errors.append(CatalogFileError(
                path, clash.line, f"duplicate id {clash.id!r} (already in {first.path}:{first.line})"))
            continue
        for q in questions:
            origin[q.id] = q
            if overrides or q.id not in catalog.questions:
                catalog.questions[q.id] = q


def load_catalog(*, home: Path | None = None, include_seeds: bool = True,
                 include_user: bool = True, seeds_dir: Path | None = None) -> Catalog:
    """Load starter and user questions; malformed files are collected in ``errors``."""
    catalog = Catalog()
    if include_seeds:
        _load_dir(Path(seeds_dir) if seeds_dir else SEEDS_DIR, catalog, overrides=False)
    if include_user:
        _load_dir(user_questions_dir(home, create=False), catalog, overrides=True)
    return catalog


def question_to_markdown(question: Question) -> str:
    """One question as Markdown with YAML front matter (the user-file format).

    >>> q = Question("q", "technical", ("cnn",), "E", "Why pool?", "To shrink the map.")
    >>> print(question_to_markdown(q))
    ---
    id: q
    kind: technical
    topics: [cnn]
    difficulty: E
    prompt: Why pool?
    ---
    To shrink the map.
    <BLANKLINE>
    """
    front = question.to_dict()
    answer = front.pop("answer")
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100,
                            default_flow_style=None)
    return f"---\n{dumped}---\n{answer}\n"


def check_savable_id(question_id: str) -> None:
    """Refuse an id whose file the catalog would skip (``readme`` -> ``README.md``)."""
    if question_id.lower() in RESERVED_IDS:
        raise UsageError(f"id {question_id!r} is reserved ({question_id}.md is read as a folder's "
                         "README, not as a question); pick another id")


def save_user_question(question: Question, home: Path | None = None, *, path: Path | None = None) -> Path:
    """Write (or replace) ``$MLPREP_HOME/questions/<id>.md`` (or ``path``, a file of the
    user's folder holding only this question) atomically under the lock."""
    check_savable_id(question.id)
    directory = user_questions_dir(home)
    path = path if path is not None else directory / f"{question.id}.md"
    with lock_for(directory.parent):
        atomic_write_text(path, question_to_markdown(question))
    return path


def new_question_id(prompt: str, taken: Iterable[str]) -> str:
    """A readable id from the prompt's first words plus a short hash, unique among ``taken``.

    >>> new_question_id("What is the point of BatchNorm?", []).startswith("what-is-the-point-of-")
    True
    """
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:5] or ["question"]
    base = "-".join(words)[:48].strip("-") + "-" + hashlib.sha1(prompt.encode()).hexdigest()[:6]
    taken = set(taken)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def add_user_question(question: Question, home: Path | None = None) -> Question:
    """Save a new user question, renaming its id if another process took it meanwhile."""
    directory = user_questions_dir(home)
    check_savable_id(question.id)
    with lock_for(directory.parent):
        taken = {p.stem for p in directory.glob("*.md")}
        taken |= set(load_catalog(home=home, include_user=False).questions)
        if question.id in taken:
            question = replace(question, id=new_question_id(question.prompt, taken))
        path = save_user_question(question, home)
    return replace(question, path=path)
