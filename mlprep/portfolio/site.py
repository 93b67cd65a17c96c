"""Build the portfolio folder: ``index.html``, a page per project, figures and executed
notebooks copied alongside, and ``README.md`` for GitHub.

The folder is self-contained: copy it anywhere (or push it to a repository) and open
``index.html`` from disk. A marker file lists what the last build wrote, so a rebuild
removes stale pages and never touches files it did not create.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import sys
from pathlib import Path

from mlprep.errors import UsageError
from mlprep.portfolio.html import index_page, project_card, project_page
from mlprep.portfolio.readme import readme
from mlprep.portfolio.report import Report, collect, discover
from mlprep.runtime import atomic_write_text, home_dir, repo_root, results_dir

MARKER = ".mlprep-portfolio.json"


def default_out() -> Path:
    """``portfolio/`` in a checkout, else ``$MLPREP_HOME/portfolio``."""
    root = repo_root()
    return root / "portfolio" if root is not None else home_dir() / "portfolio"


def default_cards_dir() -> Path | None:
    """The dataset cards (``datasets/*.md``) of the checkout, when running from one."""
    root = repo_root()
    return root / "datasets" if root is not None and (root / "datasets").is_dir() else None


def _clear_previous_build(out: Path) -> None:
    """Remove what the last build wrote; refuse to write into a folder that is not ours."""
    marker = out / MARKER
    if not out.exists():
        return
    if not marker.is_file():
        if any(out.iterdir()):
            raise UsageError(
                f"{out} is not empty and was not made by `mlprep portfolio build`; "
                "choose another folder with --out"
            )
        return
    try:
        written = json.loads(marker.read_text(encoding="utf-8")).get("written", [])
    except (OSError, json.JSONDecodeError):
        written = []
    for name in written:
        path = out / name
        # Only plain names directly inside `out` are ever recorded, so nothing outside it goes.
        if "/" in name or name in {"", ".", ".."}:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _copy_assets(report: Report, out: Path) -> tuple[list[str], str | None]:
    """Copy figures and the executed notebook into ``out/<stem>/``; return relative paths."""
    folder = out / report.stem
    figures = []
    for source in report.figures:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / source.name)
        figures.append(f"{report.stem}/{source.name}")
    executed = None
    if report.executed is not None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report.executed, folder / "executed.ipynb")
        executed = f"{report.stem}/executed.ipynb"
    return figures, executed


def build(
    out: str | Path | None = None,
    *,
    name: str = "",
    results_root: str | Path | None = None,
    cards_dir: str | Path | None = None,
) -> Path:
    """Build the site from ``results_root`` (default: ``mlprep.results_dir()``) into ``out``,
    with dataset summaries from ``cards_dir`` (default: the checkout's ``datasets/``).

    Returns the path of ``index.html``.

    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> build(tmp / "site", results_root=tmp / "results").name
    'index.html'
    """
    out = Path(out) if out is not None else default_out()
    results_root = Path(results_root) if results_root is not None else results_dir()
    cards = Path(cards_dir) if cards_dir is not None else default_cards_dir()
    _clear_previous_build(out)
    out.mkdir(parents=True, exist_ok=True)
    generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    reports = [collect(stem, results_root, cards) for stem in discover(results_root)]
    for report in reports:
        for problem in report.skipped:
            print(f"warning: {results_root / report.stem}: {problem}", file=sys.stderr)
    written, cards_html, assets = ["index.html", "README.md", MARKER], [], {}
    for report in reports:
        figures, executed = _copy_assets(report, out)
        assets[report.stem] = (figures, executed)
        if (out / report.stem).is_dir():
            written.append(report.stem)
        page_name = f"{report.stem}.html"
        atomic_write_text(out / page_name, project_page(report, figures, executed, name, generated))
        written.append(page_name)
        cards_html.append(project_card(report, page_name, figures[0] if figures else None))
    atomic_write_text(out / "index.html", index_page(reports, cards_html, name, generated))
    atomic_write_text(out / "README.md", readme(reports, assets, name, generated))
    atomic_write_text(out / MARKER, json.dumps({"written": written}, indent=1) + "\n")
    return out / "index.html"
