"""Logs read tolerantly: a bad byte, a torn line or a wrong type in ``drills/attempts.jsonl``
(or a broken clock file) is skipped and reported; no attempt is lost (issue 23, area 6)."""

from __future__ import annotations

import json
import re

from mlprep.cli import main
from mlprep.drills import get_drill, run_checks
from mlprep.drills.store import DrillStore


def _result(elapsed: float = 42.0):
    drill = get_drill("iou")
    result = run_checks(drill, drill.reference)
    result.elapsed_s = elapsed
    return result


def test_bad_lines_are_skipped_reported_and_kept(home, capsys):
    store = DrillStore()
    store.record_attempt(_result(300.0))
    with open(store.attempts_path, "ab") as f:
        f.write(b'{"drill": "iou", "passed": true, "elapsed_s": 1.0, "note": "caf\xe9"}\n')  # latin-1
        f.write(b'{"drill": "iou", "passed": "yes", "elapsed_s": "fast"}\n')  # wrong types
        f.write(b"[1, 2]\n")
        f.write(b'{"drill": "iou", "passed": tr')  # torn, no newline
    store.record_attempt(_result(200.0))  # appends after the torn line, loses nothing
    raw = store.attempts_path.read_bytes()
    assert b"caf\xe9" in raw and raw.count(b"\n") == 6
    attempts = store.attempts("iou")
    assert [a["elapsed_s"] for a in attempts] == [300.0, 200.0]
    lines = [re.match(r".*attempts\.jsonl:(\d+): skipped unreadable attempt", p) for p in store.problems]
    assert [int(m.group(1)) for m in lines] == [2, 3, 4, 5]
    assert store.best_time("iou") == 200.0

    assert main(["drills", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    row = {r["name"]: r for r in json.loads(out)}["iou"]
    assert row["attempts"] == 2 and row["best_time_s"] == 200.0
    assert err.count("warning:") == 4 and "attempts.jsonl:2: skipped unreadable attempt" in err
    assert main(["drills", "solution", "iou"]) == 0


def test_check_records_its_attempt_despite_a_broken_log_and_clock(home, capsys, tmp_path):
    store = DrillStore()
    store.attempts_path.write_bytes(b"\xff\xfe not json\n")
    store.sessions_path.write_bytes(b"\xff{")
    solution = tmp_path / "iou.py"
    solution.write_text(get_drill("iou").solution())
    assert main(["drills", "check", "iou", str(solution), "--timeout", "30"]) == 0
    out, err = capsys.readouterr()
    assert "PASS: " in out and "sessions.json is not valid JSON" in err
    assert store.attempts_path.read_bytes().startswith(b"\xff\xfe not json\n")
    assert [a["passed"] for a in DrillStore().attempts("iou")] == [True]
