"""Import and export questions: YAML, CSV, Markdown, and Anki decks (``.apkg``).

Anki notes get a GUID derived from the question id, so importing a newer export into Anki
updates the existing notes instead of duplicating them.

CSV is written for spreadsheets: a cell that would start a formula (``= + - @``, a tab or a
carriage return) gets a leading ``'``, which import removes again, so the round trip is
exact. Import accepts a UTF-8 BOM (as spreadsheets save), fields up to the file size limit
(:data:`MAX_IMPORT_BYTES`), and refuses a file that gives one id twice.

>>> from mlprep.quiz.question import Question
>>> q = Question("q", "technical", ("cnn", "resnet"), "M", "Why?", "Because.", hints=("a", "b"))
>>> parse_csv_text(export_text([q], "csv"), "x.csv") == [q]
True
>>> parse_yaml_text(export_text([q], "yaml"), "x.yaml") == [q]
True
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from mlprep.errors import UsageError
from mlprep.quiz.catalog import question_to_markdown
from mlprep.quiz.question import (
    CatalogFileError,
    Question,
    parse_file,
    parse_markdown_text,
    parse_yaml_text,
    question_from_dict,
)
from mlprep.quiz.render import link_html, markdown_to_html

FORMATS = ("yaml", "csv", "md", "anki")
MAX_IMPORT_BYTES = 16 * 2**20  # a file to import (the catalog's own files: see catalog.MAX_FILE_BYTES)
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")  # what a spreadsheet would evaluate, behind any quotes we added
CSV_COLUMNS = ("id", "kind", "topics", "difficulty", "prompt", "answer", "hints", "links", "source")
# Fixed ids: Anki recognises the model and deck across exports.
ANKI_MODEL_ID = 1607392319
ANKI_DECK_ID = 2059400110

__all__ = ["FORMATS", "MAX_IMPORT_BYTES", "export_text", "export_anki", "import_questions", "parse_csv_text",
           "parse_yaml_text", "parse_markdown_text", "csv_cell", "csv_value"]


def export_text(questions: Sequence[Question], fmt: str) -> str:
    """Questions as YAML, CSV or Markdown text (the formats :func:`import_questions` reads)."""
    if fmt == "yaml":
        return yaml.safe_dump([q.to_dict() for q in questions], sort_keys=False,
                              allow_unicode=True, width=100)
    if fmt == "md":
        return "\n".join(question_to_markdown(q) for q in questions)
    if fmt == "csv":
        buffer = io.StringIO()
        # CRLF, as RFC 4180 and spreadsheets have it; it also makes the writer quote a lone "\r".
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for q in questions:
            row = [q.id, q.kind, ";".join(q.topics), q.difficulty, q.prompt, q.answer,
                   "\n".join(q.hints), "\n".join(q.links), q.source]
            writer.writerow([csv_cell(value) for value in row])
        return buffer.getvalue()
    raise UsageError(f"unknown export format {fmt!r} (use one of: {', '.join(FORMATS)})")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` before formula characters.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell("'=x"), csv_cell("plain"), csv_value(csv_cell("-1"))
    ("'=HYPERLINK(1)", "''=x", 'plain', '-1')
    """
    return "'" + text if _FORMULA.match(text) else text


def csv_value(cell: str) -> str:
    """The text :func:`csv_cell` wrote: one protecting ``'`` removed."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


@contextlib.contextmanager
def _csv_field_limit(limit: int):
    old = csv.field_size_limit(limit)  # 128 KiB by default: less than one long answer
    try:
        yield
    finally:
        csv.field_size_limit(old)


def parse_csv_text(text: str, path: str | Path) -> list[Question]:
    """Questions from CSV with the :data:`CSV_COLUMNS` header (topics ``;``-separated,
    hints and links one per line); a BOM is ignored, an id given twice is an error."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    questions, seen = [], {}
    try:
        with _csv_field_limit(max(MAX_IMPORT_BYTES, len(text))):
            fieldnames = reader.fieldnames or []
            missing = [c for c in ("id", "kind", "topics", "difficulty", "prompt") if c not in fieldnames]
            if missing:
                raise CatalogFileError(path, 1, f"CSV header lacks column(s): {', '.join(missing)}")
            for row in reader:
                data = {k: csv_value(v) for k, v in row.items() if k is not None and v not in (None, "")}
                extra = row.get(None)  # type: ignore[call-overload]
                if extra:
                    raise CatalogFileError(path, reader.line_num, "more values than header columns")
                for name, sep in (("topics", ";"), ("hints", "\n"), ("links", "\n")):
                    if name in data:
                        data[name] = [part.strip() for part in data[name].split(sep) if part.strip()]
                question = question_from_dict(data, path=path, line=reader.line_num)
                if question.id in seen:
                    raise CatalogFileError(path, reader.line_num,
                                           f"duplicate id {question.id!r} (first at line {seen[question.id]})")
                seen[question.id] = reader.line_num
                questions.append(question)
    except csv.Error as e:
        raise CatalogFileError(path, reader.line_num or 1, f"malformed CSV ({e})") from None
    return questions


def import_questions(path: str | Path) -> list[Question]:
    """Questions from a ``.yaml``/``.yml``/``.md``/``.csv`` file; a malformed file raises
    :class:`UsageError` naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise UsageError(f"{path}:1: {size / 2**20:.1f} MB is over the {MAX_IMPORT_BYTES // 2**20} MB "
                         "import limit; split the file")
    try:
        if path.suffix.lower() == ".csv":
            return parse_csv_text(path.read_bytes().decode("utf-8"), path)
        return parse_file(path, max_bytes=MAX_IMPORT_BYTES)
    except CatalogFileError as e:
        raise UsageError(str(e)) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}:1: not UTF-8 text") from None


def anki_guid(question_id: str) -> str:
    """A stable Anki GUID for a question id (same id, same note)."""
    import genanki

    return genanki.guid_for("mlprep", question_id)


def export_anki(questions: Sequence[Question], path: str | Path, deck_name: str = "mlprep interview questions") -> Path:
    """Write an Anki package: one Basic-style note per question, tagged with its topics."""
    import genanki

    from mlprep.runtime import atomic_write_bytes

    model = genanki.Model(
        ANKI_MODEL_ID, "mlprep question",
        fields=[{"name": "Prompt"}, {"name": "Answer"}, {"name": "Id"}, {"name": "Links"}],
        templates=[{
            "name": "Card 1",
            "qfmt": "{{Prompt}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<p><small>{{Links}} ({{Id}})</small></p>",
        }],
    )
    deck = genanki.Deck(ANKI_DECK_ID, deck_name)
    for q in questions:
        deck.add_note(genanki.Note(
            model=model,
            # Anki shows fields as HTML: every one is sanitised or escaped.
            fields=[markdown_to_html(q.prompt), markdown_to_html(q.answer), html.escape(q.id),
                    " ".join(link_html(link) for link in q.links)],
            tags=[t.replace(" ", "_") for t in q.topics] + [q.kind],
            guid=anki_guid(q.id),
        ))
    # genanki writes to a path; build in memory first so the real file is replaced atomically.
    tmp = Path(path).with_name(f".{Path(path).name}.{hashlib.sha1(str(path).encode()).hexdigest()[:8]}.build")
    try:
        genanki.Package(deck).write_to_file(str(tmp))
        atomic_write_bytes(path, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)
    return Path(path)
