"""`mlprep drills ...` and the subprocess runner: exit codes, timeouts, crashes, import errors."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from mlprep.drills import cli as drills_cli
from mlprep.drills import transport
from mlprep.drills.child import run_cases
from mlprep.drills.runner import _read_status
from mlprep.errors import MlprepError


def run_cli(argv: list[str]) -> int:
    """Parse and dispatch the way ``mlprep.cli.main`` does, with only the drills area."""
    parser = argparse.ArgumentParser(prog="mlprep")
    drills_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except MlprepError as e:
        return e.exit_code


def test_list_json_through_the_real_entry_point(home, capsys):
    from mlprep.cli import main

    assert main(["drills", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 20
    assert {"name", "topic", "difficulty", "time_limit_min", "best_time_s"} <= set(rows[0])


def test_list_show_and_usage_errors(home, capsys):
    assert run_cli(["drills", "list"]) == 0
    assert "softmax_cross_entropy" in capsys.readouterr().out
    assert run_cli(["drills", "show", "attention"]) == 0
    out = capsys.readouterr().out
    assert "sqrt(d_k)" in out and "def attention(" in out
    assert run_cli(["drills", "show", "no_such_drill"]) == 2
    assert run_cli(["drills", "solution", "attention"]) == 2  # no attempt yet
    assert run_cli(["drills", "check", "attention"]) == 2  # not started, no FILE
    assert run_cli(["drills", "check", "attention", str(home / "missing.py")]) == 2
    assert run_cli(["drills"]) == 2


CRASHING = textwrap.dedent("""\
    import os, signal

    def bpe_merges(word_counts, num_merges):
        print("about to crash")
        os.kill(os.getpid(), signal.SIGKILL)
""")


def test_start_crash_solution_flow(home, tmp_path, capsys):
    # Subprocesses import torch (seconds on a busy machine), so one flow covers several checks.
    assert run_cli(["drills", "start", "bpe_merges"]) == 0
    workspace_file = home / "drills" / "workspace" / "bpe_merges.py"
    assert "def bpe_merges(" in workspace_file.read_text()
    capsys.readouterr()

    workspace_file.write_text(CRASHING)
    assert run_cli(["drills", "check", "bpe_merges"]) == 1  # a crash is reported, not inherited
    out = capsys.readouterr().out
    assert "crashed (killed by signal 9)" in out and "about to crash" in out
    assert "FAIL: " in out and "time: 0 min" in out

    assert run_cli(["drills", "solution", "bpe_merges"]) == 0  # allowed after an attempt
    solution = tmp_path / "mine.py"
    solution.write_text(capsys.readouterr().out)
    assert run_cli(["drills", "check", "bpe_merges", str(solution)]) == 0
    assert "PASS: " in capsys.readouterr().out

    attempts = [json.loads(line) for line in (home / "drills" / "attempts.jsonl").read_text().splitlines()]
    assert [a["passed"] for a in attempts] == [False, True]
    assert "crashed" in attempts[0]["error"]
    assert run_cli(["drills", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["bpe_merges"]["best_time_s"] is not None and rows["bpe_merges"]["attempts"] == 2


def test_an_infinite_loop_is_killed_and_reported(home, tmp_path, capsys):
    loop = tmp_path / "loop.py"
    loop.write_text("def bpe_merges(word_counts, num_merges):\n    while True:\n        pass\n")
    assert run_cli(["drills", "check", "bpe_merges", str(loop), "--timeout", "5"]) == 1
    out = capsys.readouterr().out
    assert "timed out after 5 s" in out
    if "while running case" in out:  # the child got past its imports within the limit
        assert "'statement example'" in out
    attempt = json.loads((home / "drills" / "attempts.jsonl").read_text().splitlines()[-1])
    assert not attempt["passed"] and "timed out" in attempt["error"]


def _run_child(tmp_path, source: str, monkeypatch) -> dict:
    # The child's entry point, called in this process (no memory limit, no chdir): it only
    # runs the candidate; its import errors come back in status.json.
    monkeypatch.setattr(sys, "path", list(sys.path))
    candidate = tmp_path / "candidate.py"
    candidate.write_text(source)
    transport.save(tmp_path / "inputs.pt", transport.encode([]))
    assert run_cases("bpe_merges", str(candidate), str(tmp_path)) == 1
    return _read_status(tmp_path / "status.json")


def test_syntax_errors_and_missing_functions_are_reported(tmp_path, monkeypatch):
    status = _run_child(tmp_path, "def bpe_merges(word_counts, num_merges)\n    return []\n", monkeypatch)
    assert "could not import" in status["error"]
    assert "SyntaxError" in status["error"] and "(line 1)" in status["error"]

    status = _run_child(tmp_path, "def bpe(word_counts, num_merges):\n    return []\n", monkeypatch)
    assert "defines no function named 'bpe_merges' (it defines: bpe)" in status["error"]

    status = _run_child(tmp_path, "raise SystemExit(3)\n", monkeypatch)
    assert "SystemExit" in status["error"]
