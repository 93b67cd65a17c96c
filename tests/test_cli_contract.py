"""The CLI contract, part one: every group command without a subcommand prints its help and
exits 2 (a usage error), the same way in every area (``mlprep.cli.add_group``)."""

from __future__ import annotations

import argparse

import pytest

from mlprep import cli


def _groups() -> list[str]:
    """Top-level commands that have subcommands of their own, read from the real parser."""
    top = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name, parser in top.choices.items()
                  if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions))


def test_every_area_with_subcommands_is_seen() -> None:
    assert {"datasets", "drills", "interviews", "portfolio", "quiz"} <= set(_groups())


@pytest.mark.parametrize("group", _groups())
def test_group_without_subcommand_prints_its_help_and_exits_2(group: str, home, capsys) -> None:
    assert cli.main([group]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: mlprep {group} ") and "\n\noptions:\n" in out  # the full help, not one usage line
    assert err == ""


def test_mlprep_alone_prints_its_help_and_exits_2(capsys) -> None:
    assert cli.main([]) == 2
    assert capsys.readouterr().out.startswith("usage: mlprep ")
