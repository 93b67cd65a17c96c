"""``mlprep portfolio build [--out DIR] [--name NAME]`` and ``mlprep portfolio open``."""

from __future__ import annotations

import argparse
import json
import webbrowser
from pathlib import Path

from mlprep.cli import add_group
from mlprep.errors import MlprepError, UsageError
from mlprep.portfolio.site import build, default_out


def build_and_report(out: str | None = None, name: str = "") -> Path:
    """What ``mlprep portfolio build`` does (``mlprep run --portfolio`` too): build the site
    from ``results/`` and print where it is; returns the path of ``index.html``."""
    index = build(out, name=name)
    print(f"portfolio written to {index.parent}")
    print(f"  site:   {index.as_uri()}")
    print(f"  GitHub: {index.parent / 'README.md'}")
    print("open it with: mlprep portfolio open" + (f" --out {out}" if out else ""))
    return index


def _build(args: argparse.Namespace) -> int:
    if args.json:
        index = build(args.out, name=args.name or "")
        print(json.dumps({"site": str(index.parent), "index": index.as_uri(),
                          "readme": str(index.parent / "README.md")}, indent=2))
        return 0
    build_and_report(args.out, args.name or "")
    return 0


def _open(args: argparse.Namespace) -> int:
    index = (Path(args.out) if args.out else default_out()).resolve() / "index.html"
    if not index.is_file():
        raise UsageError(f"no portfolio at {index.parent}: run `mlprep portfolio build` first")
    print(index.as_uri())
    if not webbrowser.open(index.as_uri()):
        raise MlprepError(f"could not start a web browser; open {index.as_uri()} yourself")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep portfolio`` with its ``build`` and ``open`` subcommands."""
    parser = add_group(
        subparsers, "portfolio", help="build a portfolio site and README from notebook results",
        description="Turn results/ into a static portfolio site (portfolio/index.html) and a "
        "README for GitHub. Projects that have not run are listed as 'not yet run'.",
    )
    actions = parser.add_subparsers(dest="portfolio_command", metavar="ACTION")
    build_parser = actions.add_parser("build", help="write the site and README")
    build_parser.add_argument("--out", metavar="DIR", help=f"output folder (default: {default_out()})")
    build_parser.add_argument("--name", metavar="NAME", help="your name, shown in titles and model cards")
    build_parser.add_argument("--json", action="store_true", help="print where the site is as JSON")
    build_parser.set_defaults(func=_build)
    open_parser = actions.add_parser("open", help="open the built site in a web browser")
    open_parser.add_argument("--out", metavar="DIR", help="the folder given to build --out")
    open_parser.set_defaults(func=_open)
