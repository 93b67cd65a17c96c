"""``portfolio/README.md``: the same portfolio as GitHub-flavoured Markdown.

GitHub renders relative image links and ``.ipynb`` files, so figures and executed
notebooks are linked from the folders the site build copies next to this README.

>>> cell("a | b")
'a \\\\| b'
"""

from __future__ import annotations

import html
import urllib.parse

from mlprep.portfolio.modelcard import model_card
from mlprep.portfolio.projects import short_citation
from mlprep.portfolio.report import PASSED, Report, format_value, headline_row
from mlprep.sanitize import md_code, md_text


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _headline(report: Report) -> str:
    if report.results is None:
        return "not yet run"
    row = headline_row(report.project, report.results)
    if row is None:
        return "no metrics recorded"
    target = f" (target {md_text(row['condition'])})" if row["condition"] else ""
    return f"{md_code(row['metric'])} = **{md_text(format_value(row['value']))}**{target}"


def _url(path: str) -> str:
    """A relative path as a URL: nothing in a file name can end the attribute or the link."""
    return html.escape(urllib.parse.quote(path), quote=True)


def _anchor(title: str) -> str:
    # GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def _project(report: Report, figures: list[str], executed: str | None, name: str) -> list[str]:
    p = report.project
    lines = [f"## {md_text(p.title)}", ""]
    paper = "; ".join(f"[{title}]({url})" for title, url in p.papers)
    lines += [f"*{p.topic}* · **{report.status}**" + (f" · Paper: {paper}" if paper else ""), ""]
    if report.note:
        lines += [f"> {report.note}", ""]
    lines += [f"**What I built:** {p.what}", "", f"**Why it matters in interviews:** {p.why}", ""]
    if report.resume:
        lines += [f"> **Resume bullet:** {report.resume}", ""]
    if report.results is None:
        lines += [f"Not yet run: {md_code('mlprep run ' + p.stem)} records its results.", ""]
        return lines
    lines += ["| metric | value | target | result |", "|---|---|---|---|"]
    for r in report.rows:
        lines.append(f"| {cell(md_code(r['target']))} | {cell(md_text(format_value(r['value'])))} | {cell(md_text(r['condition']))} | "
                     f"{'met' if r['ok'] else 'missed'} |")
    targeted = {r["target"] for r in report.rows}
    lines += [f"| {cell(md_code(k))} | {cell(md_text(format_value(v)))} |  | measured |"
              for k, v in report.metrics.items() if k not in targeted]
    lines.append("")
    if figures:
        lines += [" ".join(f'<img src="{_url(src)}" alt="{html.escape(src)}" width="48%" />' for src in figures), ""]
    if executed:
        lines += [f"Executed notebook: [{md_text(executed)}]({_url(executed)})", ""]
    lines += ["<details><summary>Model card</summary>", ""]
    for section in model_card(report, name):
        lines += [f"{'#' * (section.level + 2)} {section.heading}", ""]
        lines += [text for para in section.paragraphs for text in (para, "")]
        lines += [f"- {b}" for b in section.bullets] + ([""] if section.bullets else [])
    lines += ["</details>", ""]
    return lines


def readme(reports: list[Report], assets: dict[str, tuple[list[str], str | None]], name: str,
           generated: str) -> str:
    """The whole README; ``assets`` maps a stem to (figure paths, executed notebook path)."""
    ran = [r for r in reports if r.results is not None]
    title = f"{md_text(name)}: ML engineering portfolio" if name else "ML engineering portfolio"
    lines = [
        f"# {title}", "",
        f"{len(ran)} of {len(reports)} projects run; "
        f"{sum(r.status == PASSED for r in ran)} met every target. Each project reproduces a claim "
        "from a foundational paper at laptop scale, with numbers measured on held-out data. "
        "Open `index.html` for the full site.", "",
        "| project | paper | headline result | status | minutes |", "|---|---|---|---|---|",
    ]
    for r in reports:
        minutes = f"{r.runtime_s / 60:.1f}" if r.runtime_s is not None else ""
        paper = short_citation(r.project)
        lines.append(f"| [{cell(md_text(r.project.title))}](#{_anchor(r.project.title)}) | {cell(paper)} | "
                     f"{cell(_headline(r))} | {r.status} | {minutes} |")
    lines.append("")
    for r in reports:
        figures, executed = assets.get(r.stem, ([], None))
        lines += _project(r, figures, executed, name)
    lines += [f"*Built by `mlprep portfolio build` on {generated} from measured results only.*", ""]
    return "\n".join(lines)
