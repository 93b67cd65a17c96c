"""``mlprep datasets list | info NAME | prepare NAME``."""

from __future__ import annotations

import argparse
import json

from mlprep import datasets
from mlprep.cli import add_group


def _list(args: argparse.Namespace) -> int:
    entries = [datasets.info(name) for name in datasets.available()]
    if args.json:
        print(json.dumps([{"name": e.name, "description": e.description, "splits": list(e.splits),
                           "card": e.card} for e in entries], indent=2))
        return 0
    for entry in entries:
        print(f"{entry.name:<22} {entry.description}")
    return 0


def _info(args: argparse.Namespace) -> int:
    entry = datasets.info(args.name)
    print(f"name:        {entry.name}\ndescription: {entry.description}\nsplits:      {', '.join(entry.splits)}")
    card = datasets.card_path(entry.name)
    print(f"card:        {card if card else 'datasets/' + entry.card}")
    if card:
        print()
        print(card.read_text(encoding="utf-8"))
    return 0


def _prepare(args: argparse.Namespace) -> int:
    entry = datasets.info(args.name)
    options = {"n": args.n} if args.n else {}
    if args.size and entry.generated:
        options["size"] = args.size
    for split in entry.splits:
        ds = datasets.load(entry.name, split, **options)
        print(f"{entry.name}/{split}: {len(ds)} items ready")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_group(subparsers, "datasets", help="list, describe and prepare the offline datasets")
    sub = p.add_subparsers(dest="datasets_command", metavar="ACTION")
    listing = sub.add_parser("list", help="registered datasets")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(func=_list)
    info = sub.add_parser("info", help="a dataset's splits and card")
    info.add_argument("name")
    info.set_defaults(func=_info)
    prep = sub.add_parser("prepare", help="generate and cache a dataset (with a progress bar)")
    prep.add_argument("name")
    prep.add_argument("--n", type=int, default=None, help="items per split (generated datasets)")
    prep.add_argument("--size", type=int, default=None, help="image side (generated datasets)")
    prep.set_defaults(func=_prepare)
