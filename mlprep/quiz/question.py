"""A question on disk: human-editable files -> validated :class:`Question` objects (the whole
catalog, starter and user questions together, is :mod:`mlprep.quiz.catalog`).

Two file formats, both easy to edit by hand:

* YAML: a list of question mappings (or ``{questions: [...]}``).
* Markdown: one or more blocks of YAML front matter between ``---`` lines, each followed by
  the answer in Markdown. Use ``***`` for a horizontal rule inside an answer, since a line
  holding only ``---`` starts the next question.

A file with any problem is rejected whole, with an error naming the file and line, and the
other files still load: one typo never hides the rest of the catalog. A file over
:data:`MAX_FILE_BYTES` (1 MB; a question is a few KB) is refused unread, a UTF-8 BOM is
ignored, and a NUL or other control character is reported at its own line.

>>> qs = parse_markdown_text('''---
... id: demo-q
... kind: technical
... topics: [cnn]
... difficulty: E
... prompt: What does a 3x3 convolution see?
... ---
... A 3x3 neighbourhood of every input position.
... ''', "demo.md")
>>> qs[0].id, qs[0].topics, qs[0].answer
('demo-q', ('cnn',), 'A 3x3 neighbourhood of every input position.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("technical", "ml_design", "coding", "behavioral", "ask_company")
DIFFICULTIES = ("E", "M", "H")
FIELDS = ("id", "kind", "topics", "difficulty", "prompt", "answer", "hints", "links", "source")
REQUIRED = ("id", "kind", "topics", "difficulty", "prompt")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
TOPIC_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUESTION_SUFFIXES = (".yaml", ".yml", ".md")
MAX_FILE_BYTES = 2**20  # every command reads every question file: a 50 MB one cost 780 MB
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Ids whose file (``<id>.md``) the catalog skips on purpose: README.md explains a folder.
RESERVED_IDS = frozenset({"readme"})


@dataclass(frozen=True)
class Question:
    """One catalog item. ``answer`` is Markdown; it may be empty for a question you were
    asked and have not prepared yet."""

    id: str
    kind: str
    topics: tuple[str, ...]
    difficulty: str
    prompt: str
    answer: str = ""
    hints: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    source: str = ""
    path: Path | None = field(default=None, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain data in file order, leaving out empty optional fields."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "topics": list(self.topics),
            "difficulty": self.difficulty,
            "prompt": self.prompt,
            "answer": self.answer,
        }
        for name in ("hints", "links"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        if self.source:
            data["source"] = self.source
        return data


class CatalogFileError(ValueError):
    """A malformed question file; ``str()`` is ``path:line: message``."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


def _text_list(value: Any, name: str, *, split_commas: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = value.split(",") if split_commas else [value]
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise ValueError(f"'{name}' must be a list of text items")


def question_from_dict(data: Any, *, path: str | Path = "<data>", line: int = 0) -> Question:
    """Validate one mapping and build a :class:`Question`; raises :class:`CatalogFileError`.

    >>> question_from_dict({"id": "x", "kind": "quiz", "topics": "a", "difficulty": "E",
    ...                     "prompt": "?"}, path="f.yaml", line=3)
    Traceback (most recent call last):
    ...
    mlprep.quiz.question.CatalogFileError: f.yaml:3: unknown kind 'quiz' (use one of: technical, ml_design, coding, behavioral, ask_company)
    """
    if not isinstance(data, dict):
        raise CatalogFileError(path, line, "expected a mapping of question fields (id, kind, ...)")
    data = dict(data)
    line = int(data.pop("__line__", line))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CatalogFileError(path, line, f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(FIELDS)})")
    missing = [name for name in REQUIRED if data.get(name) in (None, "", [])]
    if missing:
        raise CatalogFileError(path, line, f"missing field(s): {', '.join(missing)}")
    for name in ("id", "kind", "difficulty", "prompt", "answer", "source"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise CatalogFileError(path, line, f"'{name}' must be text, got {data[name]!r}")
    for name in ("prompt", "answer", "source", "hints", "links", "topics"):
        values = data.get(name) if isinstance(data.get(name), list) else [data.get(name)]
        if any(isinstance(v, str) and _CONTROL.search(v) for v in values):
            # A NUL or other control character could not be saved and read back as Markdown.
            raise CatalogFileError(path, line, f"'{name}' contains a control character (e.g. NUL); remove it")
    qid = data["id"].strip()
    if not ID_PATTERN.match(qid):
        raise CatalogFileError(path, line, f"bad id {qid!r}: use lower-case letters, digits, '-', '_' or '.'")
    if data["kind"] not in KINDS:
        raise CatalogFileError(path, line, f"unknown kind {data['kind']!r} (use one of: {', '.join(KINDS)})")
    difficulty = data["difficulty"].strip().upper()
    if difficulty not in DIFFICULTIES:
        raise CatalogFileError(path, line, f"bad difficulty {data['difficulty']!r} (use E, M or H)")
    try:
        topics = _text_list(data["topics"], "topics", split_commas=True)
        hints = _text_list(data.get("hints"), "hints")
        links = _text_list(data.get("links"), "links")
    except ValueError as e:
        raise CatalogFileError(path, line, str(e)) from None
    for topic in topics:
        if not TOPIC_PATTERN.match(topic):
            raise CatalogFileError(path, line, f"bad topic {topic!r}: use lower-case words joined by '-'")
    return Question(
        id=qid, kind=data["kind"], topics=topics, difficulty=difficulty,
        prompt=data["prompt"].strip(), answer=(data.get("answer") or "").strip(),
        hints=hints, links=links, source=(data.get("source") or "").strip(),
        path=Path(path), line=line,
    )


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: ~10x faster
    """A safe loader that remembers the line each mapping starts on, for error messages."""


def _construct_mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_with_line)


def _load_yaml(text: str, path: str | Path, line_offset: int = 0) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        problem_mark = getattr(e, "problem_mark", None)
        context_mark = getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        line = problem_mark.line + 1 if problem_mark else 1
        if context_mark is not None and context_mark.line + 1 != line:
            if line > len(text.splitlines()):  # "end of file" helps less than where it began
                line = context_mark.line + 1
            else:
                problem += f" ({getattr(e, 'context', '') or 'context'} from line {context_mark.line + 1 + line_offset})"
        raise CatalogFileError(path, line + line_offset, f"invalid YAML: {problem}") from None


def parse_yaml_text(text: str, path: str | Path) -> list[Question]:
    """Questions from YAML text: a list of mappings, or ``{questions: [...]}``."""
    data = _load_yaml(text, path)
    if data is None:
        return []
    if isinstance(data, dict) and set(data) <= {"questions", "__line__"}:
        data = data.get("questions") or []
    if not isinstance(data, list):
        raise CatalogFileError(path, 1, "expected a list of questions (or 'questions:' holding one)")
    return [question_from_dict(item, path=path, line=1) for item in data]


def parse_markdown_text(text: str, path: str | Path) -> list[Question]:
    """Questions from Markdown: ``---`` front matter ``---`` then the answer, repeated."""
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if line.rstrip() == "---"]
    first_content = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_content is None:
        return []
    if not fences or fences[0] != first_content:
        raise CatalogFileError(path, first_content + 1, "a question file must start with '---' front matter")
    if len(fences) % 2:
        raise CatalogFileError(path, fences[-1] + 1, "front matter opened with '---' is never closed")
    questions = []
    for k in range(0, len(fences), 2):
        start, end = fences[k], fences[k + 1]
        body_end = fences[k + 2] if k + 2 < len(fences) else len(lines)
        front = _load_yaml("\n".join(lines[start + 1 : end]), path, line_offset=start + 1)
        if not isinstance(front, dict):
            raise CatalogFileError(path, start + 1, "front matter must be a mapping of question fields")
        front["__line__"] = start + 1
        body = "\n".join(lines[end + 1 : body_end]).strip()
        if body and front.get("answer"):
            raise CatalogFileError(path, start + 1, "answer given twice: in front matter and below it")
        if body:
            front["answer"] = body
        questions.append(question_from_dict(front, path=path, line=start + 1))
    return questions


_PARSED: dict[tuple[str, int, int], list[Question]] = {}


def parse_file(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> list[Question]:
    """Questions in one ``.yaml``/``.yml``/``.md`` file; duplicate ids inside it are an error,
    and so is a file over ``max_bytes``.

    Results are cached by (path, mtime, size): files are replaced atomically, so a changed
    file always gets a new key.
    """
    path = Path(path)
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise CatalogFileError(path, 1, f"{stat.st_size / 2**20:.1f} MB is over the {max_bytes / 2**20:g} MB "
                               "limit for a question file; split it")
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED[key] = _parse_file_uncached(path)
    return list(_PARSED[key])


def _parse_file_uncached(path: Path) -> list[Question]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CatalogFileError(path, line, f"not UTF-8 text ({e.reason})") from None
    text = text.removeprefix("\ufeff")  # a BOM, as some editors save
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise CatalogFileError(path, line, f"control character U+{ord(bad.group()):04X} "
                               f"{'(NUL) ' if bad.group() == chr(0) else ''}in the text; remove it")
    if path.suffix.lower() == ".md":
        questions = parse_markdown_text(text, path)
    elif path.suffix.lower() in (".yaml", ".yml"):
        questions = parse_yaml_text(text, path)
    else:
        raise CatalogFileError(path, 1, "unknown question file type (use .yaml, .yml or .md)")
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            raise CatalogFileError(path, q.line, f"duplicate id {q.id!r} (first at line {seen[q.id]})")
        seen[q.id] = q.line
    return questions


def question_files(directory: Path) -> list[Path]:
    """The question files in ``directory`` (recursively), in a stable order; hidden files
    (editor and temporary files) are skipped."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.rglob("*")
        if p.is_file() and p.suffix.lower() in QUESTION_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
        and p.name.lower() != "readme.md"
    )
