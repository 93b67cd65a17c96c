"""HTML for the portfolio site: one index page and one page per project.

The markup is XHTML-compatible HTML5 (every tag closed, attributes quoted, no named
entities beyond XML's own), so it is well-formed XML and a plain XML parser checks it.
Styles are inline; the site needs no server, no network and no JavaScript.

>>> inline("use `fit` and **see** [docs](https://x.org/?a=1&b=2)")
'use <code>fit</code> and <strong>see</strong> <a href="https://x.org/?a=1&amp;b=2">docs</a>'
"""

from __future__ import annotations

import html
import re

from mlprep.portfolio.modelcard import Section, model_card, runtime_summary
from mlprep.portfolio.projects import short_citation
from mlprep.portfolio.report import (
    MISSED,
    NOT_YET_RUN,
    PASSED,
    Report,
    format_value,
    headline_row,
)
from mlprep.sanitize import clean_html, safe_url

CSS = """
:root { --fg: #1d2430; --muted: #5b6576; --line: #dde2ea; --bg: #f6f8fb; --card: #fff;
        --ok: #1a7f37; --bad: #b35900; --none: #6e7781; --accent: #2457c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); }
header.site { background: #17233b; color: #fff; padding: 2rem max(1.5rem, calc((100% - 1120px) / 2 + 1.5rem)); }
header.site code { background: rgba(255, 255, 255, .16); color: #fff; }
header.site h1 { margin: 0 0 .3rem; font-size: 1.9rem; }
header.site p { margin: 0; color: #c9d3e6; }
header.site a { color: #c9d3e6; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(310px, 1fr)); gap: 1.2rem; }
.project-card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
                overflow: hidden; display: flex; flex-direction: column; }
.project-card.not-run { opacity: .75; }
.thumb { height: 190px; background: #eef1f6; display: flex; align-items: center; justify-content: center; }
.thumb img { max-width: 100%; max-height: 190px; object-fit: contain; }
.thumb span { color: var(--none); font-size: .9rem; }
.card-body { padding: .9rem 1.1rem 1.1rem; flex: 1; }
.card-body h2 { font-size: 1.1rem; margin: .1rem 0 .3rem; }
.topic { color: var(--muted); font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; }
.headline { font-size: .95rem; margin: .5rem 0; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .8rem;
         font-weight: 600; color: #fff; background: var(--none); }
.badge.passed { background: var(--ok); } .badge.missed { background: var(--bad); }
a { color: var(--accent); }
code { background: #eef1f6; padding: .05rem .3rem; border-radius: 4px; font-size: .9em; }
section.block { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
                padding: 1rem 1.4rem; margin: 0 0 1.2rem; }
section.block h2 { margin-top: .2rem; }
.resume { border-left: 4px solid var(--accent); padding: .6rem 1rem; background: #f0f4fd; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
td.ok { color: var(--ok); font-weight: 600; } td.bad { color: var(--bad); font-weight: 600; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1rem; }
figure { margin: 0; } figure img { max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: .9rem; }
.note { background: #fff4e5; border: 1px solid #f0c27a; padding: .6rem 1rem; border-radius: 6px; }
footer { color: var(--muted); font-size: .85rem; text-align: center; padding: 2rem; }
"""

_BADGE = {PASSED: "passed", MISSED: "missed", NOT_YET_RUN: "none"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def inline(text: str) -> str:
    """Escape ``text`` and render the inline Markdown used in metadata and cards: code spans,
    backslash escapes and entities (what :func:`mlprep.sanitize.md_text` writes), ``**bold**``
    and links to safe URLs only; then ``nh3`` keeps nothing but ``a``, ``strong`` and ``code``.

    >>> inline("`[x](javascript:alert(1))` and [y](javascript:void) and \\<b\\>")
    '<code>[x](javascript:alert(1))</code> and y and &lt;b&gt;'
    """
    kept: list[str] = []

    def keep(markup: str) -> str:
        kept.append(markup)
        return f"\0{len(kept) - 1}\0"

    out = str(text).replace("\0", "")
    out = re.sub(r"(`+)(.+?)\1", lambda m: keep(f"<code>{esc(html.unescape(m.group(2).strip() or m.group(2)))}</code>"), out)
    out = re.sub(r"\\([!-/:-@\[-`{-~])", lambda m: keep(esc(m.group(1))), out)
    out = esc(html.unescape(out))  # entities mean their characters, as in Markdown

    def link(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2))
        return f'<a href="{esc(url)}">{match.group(1)}</a>' if safe_url(url) else match.group(1)

    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub("\0(\\d+)\0", lambda m: kept[int(m.group(1))], out)
    return clean_html(out, tags={"a", "strong", "code"}, link_rel=None, xml=True)


def page(title: str, header: str, body: str, generated: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="site">{header}</header>\n<main>\n{body}\n</main>\n'
        f"<footer>Built by <code>mlprep portfolio build</code> on {esc(generated)} "
        "from measured results only.</footer>\n</body>\n</html>\n"
    )


def badge(status: str) -> str:
    return f'<span class="badge {_BADGE.get(status, "none")}">{esc(status)}</span>'


def headline_html(report: Report) -> str:
    if report.results is None:
        return f"Run it: <code>mlprep run {esc(report.stem)}</code>"
    row = headline_row(report.project, report.results)
    if row is None:
        return "No metrics recorded."
    target = f" (target {esc(row['condition'])})" if row["condition"] else ""
    return f"<code>{esc(row['metric'])}</code> = <strong>{esc(format_value(row['value']))}</strong>{target}"


def project_card(report: Report, href: str, thumb: str | None) -> str:
    p = report.project
    image = (f'<img src="{esc(thumb)}" alt="{esc(p.title)}: first figure" />' if thumb
             else f"<span>{'no figures recorded' if report.results else 'not yet run'}</span>")
    paper = f'<div class="topic">{esc(short_citation(p))}</div>' if p.papers else ""
    css = "project-card" + (" not-run" if report.results is None else "")
    return (
        f'<article class="{css}" id="{esc(p.stem)}">\n<div class="thumb">{image}</div>\n'
        f'<div class="card-body"><div class="topic">{esc(p.topic)}</div>\n'
        f'<h2><a href="{esc(href)}">{esc(p.title)}</a></h2>\n{paper}\n'
        f'<p class="headline">{badge(report.status)} {headline_html(report)}</p>\n'
        f"<p>{inline(p.what)}</p></div>\n</article>"
    )


def index_page(reports: list[Report], cards: list[str], name: str, generated: str) -> str:
    ran = [r for r in reports if r.results is not None]
    passed = [r for r in ran if r.status == PASSED]
    title = f"{name}: ML engineering portfolio" if name else "ML engineering portfolio"
    header = (
        f"<h1>{esc(title)}</h1>\n<p>{len(ran)} of {len(reports)} projects run; "
        f"{len(passed)} met every target. Each project reproduces a claim from a foundational "
        "paper at laptop scale, with numbers measured on held-out data.</p>"
    )
    body = f'<div class="grid">\n{chr(10).join(cards)}\n</div>'
    return page(title, header, body, generated)


def _section_html(section: Section) -> str:
    tag = f"h{section.level + 1}"  # the card sits under the page's h2
    parts = [f"<{tag}>{esc(section.heading)}</{tag}>"]
    parts += [f"<p>{inline(text)}</p>" for text in section.paragraphs]
    if section.bullets:
        parts.append("<ul>" + "".join(f"<li>{inline(b)}</li>" for b in section.bullets) + "</ul>")
    return "\n".join(parts)


def metrics_table(report: Report) -> str:
    if report.results is None:
        return "<p>Not yet run: no metrics recorded.</p>"
    rows = []
    for r in report.rows:
        ok = "ok" if r["ok"] else "bad"
        rows.append(
            f"<tr><td><code>{esc(r['target'])}</code></td><td>{esc(format_value(r['value']))}</td>"
            f"<td>{esc(r['condition'])}</td><td class=\"{ok}\">{'met' if r['ok'] else 'missed'}"
            f"{'' if r['ok'] else ': ' + esc(r['reason'])}</td></tr>"
        )
    targeted = {r["target"] for r in report.rows}
    for key, value in report.metrics.items():
        if key not in targeted:
            rows.append(f"<tr><td><code>{esc(key)}</code></td><td>{esc(format_value(value))}</td>"
                        "<td></td><td>measured</td></tr>")
    head = "<tr><th>metric</th><th>value</th><th>target</th><th>result</th></tr>"
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def project_page(report: Report, figures: list[str], executed: str | None, name: str,
                 generated: str) -> str:
    p = report.project
    papers = "".join(f'<li><a href="{esc(url)}">{esc(title)}</a></li>' for title, url in p.papers)
    header = (
        f'<p><a href="index.html">&#8592; all projects</a></p>\n<h1>{esc(p.title)}</h1>\n'
        f"<p>{esc(p.topic)} &#183; {badge(report.status)} &#183; {headline_html(report)}</p>"
    )
    blocks = []
    if report.note:
        blocks.append(f'<p class="note">{inline(report.note)}</p>')
    blocks.append(
        '<section class="block"><h2>What I built and why it matters</h2>'
        f"<p>{inline(p.what)}</p><p><strong>In interviews:</strong> {inline(p.why)}</p>"
        + (f"<h3>Paper</h3><ul>{papers}</ul>" if papers else "") + "</section>"
    )
    if report.resume:
        blocks.append('<section class="block"><h2>Resume bullet</h2>'
                      f'<p class="resume">{inline(report.resume)}</p></section>')
    blocks.append(f'<section class="block" id="metrics"><h2>Metrics against targets</h2>{metrics_table(report)}</section>')
    if figures:
        figs = "".join(
            f'<figure><img src="{esc(src)}" alt="{esc(src.rsplit("/", 1)[-1])}" />'
            f"<figcaption>{esc(src.rsplit('/', 1)[-1].rsplit('.', 1)[0].replace('_', ' '))}</figcaption></figure>"
            for src in figures
        )
        blocks.append(f'<section class="block"><h2>Figures</h2><div class="figures">{figs}</div></section>')
    if report.datasets:
        items = "".join(
            f"<li><strong>{esc(c.title)}</strong> (<code>{esc(c.name)}</code>): {inline(c.summary)}"
            + (f" License: {inline(c.license)}" if c.license else "") + "</li>"
            for c in report.datasets
        )
        blocks.append(f'<section class="block"><h2>Dataset</h2><ul>{items}</ul></section>')
    card = "\n".join(_section_html(s) for s in model_card(report, name))
    blocks.append(f'<section class="block model-card"><h2>Model card</h2>\n{card}</section>')
    notebook = (f'<p>Executed notebook: <a href="{esc(executed)}">{esc(executed)}</a> '
                "(open it in Jupyter, or on GitHub where it renders).</p>" if executed
                else "<p>No executed notebook saved yet: run <code>mlprep run "
                f"{esc(p.stem)}</code>.</p>")
    blocks.insert(-1, '<section class="block" id="hardware"><h2>Hardware and runtime</h2>'
                  f"<p>{inline(runtime_summary(report))}</p>{notebook}</section>")
    return page(f"{p.title} | portfolio", header, "\n".join(blocks), generated)
