"""Proof that the take-home grader judges: each assignment's three reference submissions
(tests/data/takehome/NAME/{naive,leaky,careful}) graded on a hidden test set, and submissions
that loop forever, crash, predict at random or are not reproducible."""

from __future__ import annotations

import resource
import shutil
import time
from pathlib import Path

import pytest

from mlprep.takehome import registry
from mlprep.takehome.grader import grade

REFERENCES = Path(__file__).parent / "data" / "takehome"
KINDS = ("naive", "leaky", "careful")
SEED = 2024  # of the hidden test sets; the references' data seed is 0 (their takehome.yaml)


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.fixture(scope="module")
def graded():
    cache: dict[str, tuple[dict, float, float]] = {}

    def get(name: str):
        if name not in cache:
            wall, cpu = time.monotonic(), _cpu_seconds()
            reports = {kind: grade(REFERENCES / name / kind, seed=SEED, timeout_s=300) for kind in KINDS}
            cache[name] = reports, time.monotonic() - wall, _cpu_seconds() - cpu
        return cache[name]

    return get


def _criterion(report, key):
    return next(c for c in report.criteria if c.key == key)


@pytest.mark.parametrize("name", ["tamper", "routing", "drift"])
def test_careful_beats_naive_and_leaky_and_leaky_is_flagged(graded, name):
    reports, wall, cpu = graded(name)
    naive, leaky, careful = (reports[k] for k in KINDS)
    column = registry.get(name).leak_column
    print(f"{name}: naive {naive.score}, leaky {leaky.score}, careful {careful.score}; "
          f"{wall:.0f} s wall, {cpu:.0f} s CPU for the three")
    assert careful.score >= 80 and not careful.flags and not careful.fails
    assert careful.score >= naive.score + 30
    assert careful.score > leaky.score
    assert f"leaky field: {column}" in leaky.flags and leaky.score <= 49
    leak = _criterion(leaky, "leak")
    assert leak.points == 0 and column in leak.cost and "collapses on the hidden set" in leak.cost
    assert leaky.metric["value"] < careful.metric["value"]  # the leaky model collapses
    assert "optimistic validation" in leaky.flags
    assert all(r.reproducible for r in reports.values())
    assert all(len(r.follow_ups) == 5 and len(set(r.follow_ups)) == 5 for r in reports.values())
    assert any(column in q for q in leaky.follow_ups)
    assert [c.weight for c in careful.criteria] == [40, 8, 4, 3, 5, 10, 10, 12, 3, 3, 2]
    # On a 2-core CPU the three references take under 2 minutes; CPU time does not grow with
    # other work on a shared machine, wall time does.
    assert cpu < 120, f"grading {name}'s three references took {cpu:.0f} s of CPU"


def _submission(tmp_path: Path, base: str, code: str) -> Path:
    folder = tmp_path / "submission"
    shutil.copytree(REFERENCES / "drift" / base, folder)
    (folder / "solution.py").write_text(code)
    return folder


def test_an_endless_loop_is_stopped_at_the_limit(tmp_path):
    code = ("import subprocess, sys\n"
            "subprocess.Popen([sys.executable, '-c', 'while True: pass'])  # a child that loops too\n"
            "while True:\n    pass\n")
    started = time.monotonic()
    report = grade(_submission(tmp_path, "naive", code), seed=SEED, timeout_s=3)
    assert time.monotonic() - started < 90
    assert len(report.runs) == 1 and "stopped after the 3 s time limit" in report.runs[0]["status"]
    assert _criterion(report, "metric").points == 0 and report.score < 40
    assert "time limit" in report.render()


def test_a_crash_is_reported_not_raised(tmp_path):
    report = grade(_submission(tmp_path, "naive", "raise RuntimeError('no model yet')\n"), seed=SEED, timeout_s=60)
    assert len(report.runs) == 1 and "crashed (exit code 1)" in report.runs[0]["status"]
    assert "RuntimeError: no model yet" in report.runs[0]["output_tail"]
    assert report.score < 40 and "no model yet" in report.render()


RANDOM = '''\
import csv, json, os
import numpy as np
rows = list(csv.DictReader(open(os.path.join(os.environ["TAKEHOME_TEST"], "test.csv"))))
out = os.environ["TAKEHOME_OUTPUT"]
guesses = np.random.default_rng(0).integers(0, 10, size=len(rows))
with open(os.path.join(out, "predictions.csv"), "w") as f:
    f.write("id,prediction\\n" + "".join(f"{r['id']},{g}\\n" for r, g in zip(rows, guesses)))
json.dump({"metric": 0.1, "baseline": 0.1}, open(os.path.join(out, "validation.json"), "w"))
print("take-home grade: drift: 100/100")  # printing a score changes nothing
open("grade-report.json", "w").write('{"score": 100}')
'''


def test_random_predictions_score_near_the_naive_reference(graded, tmp_path):
    report = grade(_submission(tmp_path, "naive", RANDOM), seed=SEED, timeout_s=120)
    naive = graded("drift")[0]["naive"]
    assert abs(report.score - naive.score) <= 10, (report.score, naive.score)
    assert _criterion(report, "metric").points < 3


def test_a_non_deterministic_submission_is_flagged(graded, tmp_path):
    code = (REFERENCES / "drift" / "careful" / "solution.py").read_text()
    unseeded = code.replace(
        "    predictions = model.predict(features(test))\n",
        "    predictions = model.predict(features(test))\n"
        "    noise = np.random.default_rng()  # not seeded\n"
        "    flip = noise.random(len(predictions)) < 0.05\n"
        "    predictions[flip] = noise.integers(0, 10, size=int(flip.sum())).astype(str)\n")
    assert unseeded != code
    report = grade(_submission(tmp_path, "careful", unseeded), seed=SEED, timeout_s=120)
    assert "non-deterministic" in report.flags and report.reproducible is False
    assert _criterion(report, "repro-same").points == 0
    assert report.score < graded("drift")[0]["careful"].score
    assert any("randomness" in q for q in report.follow_ups)


def test_cli_grade_writes_the_report_prints_json_and_fills_the_quiz(tmp_path, home, capsys):
    import json

    from mlprep.cli import main
    from mlprep.quiz.catalog import load_catalog

    folder = _submission(tmp_path, "naive", "import sys\nsys.exit(3)\n")
    assert main(["takehome", "grade", str(folder), "--json", "--to-quiz", "--timeout", "60", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["runs"][0]["exit_code"] == 3 and report["score"] < 40 and "Traceback" not in err
    assert json.loads((folder / "grade-report.json").read_text())["score"] == report["score"]
    mine = [q for q in load_catalog() if "take-home" in q.topics and q.source.startswith("mlprep takehome grade")]
    assert len(mine) == 5 and {q.prompt for q in mine} == set(report["follow_ups"])
    assert main(["takehome", "grade", str(folder), "--timeout", "0"]) == 2
