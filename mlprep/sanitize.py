"""User text made safe for HTML and Markdown: one place for every page mlprep writes.

Question answers, metric names, error messages, ``--name``, device and version strings
come from files a person (or a tool) wrote; none of them may inject markup. HTML from
Markdown is cleaned to a safe subset with ``nh3`` (the Ammonia sanitiser): no scripts,
no event attributes, links only to ``http``, ``https``, ``mailto`` or relative targets.
Text that goes into Markdown (the portfolio README) is escaped so it cannot open a tag, an
entity, a link or a code span, in CommonMark/GitHub and in Python-Markdown alike (``<`` and
``&`` as entities, which both decode; link, code and emphasis marks with a backslash).

>>> clean_html('<p onclick="x()">hi <a href="javascript:alert(1)">me</a></p><script>x()</script>')
'<p>hi <a rel="noopener noreferrer">me</a></p>'
>>> safe_url("java\\tscript:alert(1)"), safe_url("https://arxiv.org/abs/1512.03385"), safe_url("04.ipynb")
(False, True, True)
>>> md_text("Ada <script>[x](javascript:y) & co")
'Ada &lt;script>\\\\[x\\\\](javascript:y) &amp; co'
>>> md_code("a`b")
'`` a`b ``'
"""

from __future__ import annotations

import re

import nh3

__all__ = ["URL_SCHEMES", "MARKDOWN_TAGS", "clean_html", "safe_url", "md_text", "md_code"]

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# What Python-Markdown produces (with fenced_code and tables), nothing more.
MARKDOWN_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub", "dl", "dt", "dd",
})
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
               "ol": {"start"}}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")  # a link, code or emphasis


def clean_html(fragment: str, *, tags: frozenset[str] | set[str] = MARKDOWN_TAGS,
               link_rel: str | None = "noopener noreferrer", xml: bool = False) -> str:
    """``fragment`` with only ``tags`` (and their harmless attributes) kept; script and style
    contents removed; URLs limited to :data:`URL_SCHEMES` or relative. ``xml=True`` keeps
    the result well-formed XML (``&#160;`` for the ``&nbsp;`` HTML5 serialisers write)."""
    attributes = {tag: names for tag, names in _ATTRIBUTES.items() if tag in tags}
    cleaned = nh3.clean(fragment, tags=set(tags), attributes=attributes, url_schemes=set(URL_SCHEMES),
                        link_rel=link_rel, attribute_filter=_filter_urls)
    return cleaned.replace("&nbsp;", "&#160;") if xml else cleaned


def _filter_urls(tag: str, attribute: str, value: str) -> str | None:
    # nh3 parses URLs as a browser would; this also drops what only looks like a scheme once
    # blanks are removed ("java  script:"), the rule safe_url applies everywhere else.
    return value if attribute not in ("href", "src") or safe_url(value) else None


def safe_url(url: str) -> bool:
    """True for a relative URL or one whose scheme is in :data:`URL_SCHEMES`. Browsers drop
    tabs, newlines and control characters inside a URL, so they are dropped before looking."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    match = _SCHEME.match(compact)
    return match is None or match.group(1).lower() in URL_SCHEMES


def md_text(text: object) -> str:
    """``text`` as literal Markdown: punctuation that could start markup is backslash-escaped,
    line breaks become spaces (no heading, list or quote can start)."""
    flat = re.sub(r"[\r\n\x00]+", " ", str(text))
    flat = flat.replace("&", "&amp;").replace("<", "&lt;")  # no tag, no entity of theirs
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_code(text: object) -> str:
    """``text`` as a Markdown code span, fenced with more backticks than it holds. ``<`` and
    ``&`` become entities even here: a renderer that leaves Markdown inside an HTML block
    (``<details>``) alone would pass them on as markup."""
    flat = re.sub(r"[\r\n\x00]+", " ", str(text)).replace("&", "&amp;").replace("<", "&lt;")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or flat.startswith(" ") or flat.endswith(" ") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
