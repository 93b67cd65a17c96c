"""The rubric: criteria, weights, and how each is measured from what a submission left behind.

Modelled on published take-home rubrics, which weigh methodology, error analysis, write-up and
reproducibility as much as the model's score, and list instant fails (leakage, evaluating on
training data, no README, no baseline). An instant fail caps the score at
:data:`FAIL_CAP` ("would not pass the round"), whatever else is good.

| area | weight | measured |
|---|---|---|
| hidden-test metric | 40 | the company metric, scaled from the naive level (0) to the strong reference (40) |
| reproducibility | 15 | same predictions twice (8), the one command exits 0 in time (4), pinned requirements (3) |
| methodology | 25 | a baseline reported (5), validation estimate within tolerance of the hidden result (10), predictions do not follow the leaky field (10) |
| write-up | 15 | six README sections present and non-trivial (12), a figure that exists (3) |
| code health | 5 | ruff findings (3), a test file (2) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlprep.takehome.assignments import Assignment, Hidden
from mlprep.takehome.report import Criterion, Report, follow_up_questions
from mlprep.takehome.workspace import README_SECTIONS, Spec

if TYPE_CHECKING:
    from mlprep.takehome.grader import Attempt

FAIL_CAP = 49
LEAK_AUC_MARGIN = 0.15  # |AUC - 0.5| of scores against the leaky field beyond which they follow it
LEAK_EXCESS = 0.3  # share of wrong-field rows that follow the field, beyond what chance gives
MIN_SECTION_WORDS = 30
_SECTION_KEYS = {"Problem framing": ("problem",), "Baseline": ("baseline",), "Approach": ("approach", "method"),
                 "Results": ("result",), "Error analysis": ("error",),
                 "Limitations and next steps": ("limitation", "next step")}
_NEEDS_NUMBER = ("Baseline", "Results", "Error analysis")


@dataclass
class Files:
    """What the grader reads from the submission's folder after its first run."""

    readme: str | None
    sections: dict[str, str] = field(default_factory=dict)  # required section -> its text
    figures: list[str] = field(default_factory=list)  # images the README shows that exist
    requirements: str | None = None
    has_tests: bool = False
    ruff: int | None = None

    @classmethod
    def read(cls, folder: Path, ruff: int | None) -> Files:
        readme_path = next((p for p in (folder / "README.md", folder / "readme.md") if p.is_file()), None)
        readme = readme_path.read_text(encoding="utf-8", errors="replace")[:200_000] if readme_path else None
        files = cls(readme, ruff=ruff)
        if readme is not None:
            files.sections = _sections(readme)
            for target in re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)", readme):
                path = (folder / target).resolve()
                if path.is_relative_to(folder.resolve()) and path.is_file():
                    files.figures.append(target)
        requirements = folder / "requirements.txt"
        files.requirements = requirements.read_text(encoding="utf-8", errors="replace") if requirements.is_file() else None
        files.has_tests = any(p.name.startswith("test_") or p.name.endswith("_test.py")
                              for p in folder.rglob("*.py"))
        return files


def _sections(readme: str) -> dict[str, str]:
    """The text under each required heading (matched by keyword, case-insensitive)."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in readme.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)", line)
        if heading:
            title = heading.group(1).lower()
            current = next((name for name, keys in _SECTION_KEYS.items() if any(k in title for k in keys)), None)
            if current is not None:
                found.setdefault(current, "")
            continue
        if current is not None:
            found[current] += line + "\n"
    return found


def _substantial(name: str, text: str) -> bool:
    body = re.sub(r"^_.*_$", "", text.strip(), flags=re.M)  # the starter's prompt line
    if len(re.findall(r"\w+", body)) < MIN_SECTION_WORDS:
        return False
    return not (name in _NEEDS_NUMBER and not re.search(r"\d", body))


def leak_reliance(assignment: Assignment, hidden: Hidden, predictions: np.ndarray) -> tuple[float, bool, str]:
    """How much predictions follow the leaky field on the hidden set, where it carries no label."""
    if assignment.scored:
        from sklearn.metrics import roc_auc_score

        if len(set(hidden.leak.tolist())) < 2:
            return 0.5, False, ""
        auc = float(roc_auc_score(hidden.leak, predictions))
        return auc, abs(auc - 0.5) > LEAK_AUC_MARGIN, (
            f"scores separate {assignment.leak_column} values with ROC AUC {auc:.2f} (0.50 when the field is ignored)")
    wrong = hidden.leak != hidden.labels
    if not wrong.any():
        return 0.0, False, ""
    predicted, leak = predictions[wrong], hidden.leak[wrong]
    rate = float(np.mean(predicted == leak))
    # What the rate would be if predictions ignored the field: P(pred = k) P(field = k), summed.
    chance = float(sum(np.mean(predicted == k) * np.mean(leak == k) for k in assignment.classes))
    return rate - chance, rate - chance > LEAK_EXCESS, (
        f"where {assignment.leak_column} is wrong, {rate:.0%} of predictions still follow it "
        f"({chance:.0%} if they ignored it)")


def score(assignment: Assignment, spec: Spec, seed: int, hidden: Hidden, train_labels: np.ndarray,
          attempts: list[Attempt], files: Files, timeout_s: float) -> Report:
    report = Report(assignment=assignment.name, title=assignment.title, seed=seed, folder=str(spec.folder))
    report.runs = [{"status": a.run.describe(timeout_s), "seconds": round(a.run.seconds, 2), "exit_code": a.run.returncode,
                    "problem": a.problem, "offline": a.run.offline, "output_tail": a.run.output[-1500:]}
                   for a in attempts]
    first = attempts[0]
    add = report.criteria.append
    name = assignment.metric_name
    naive = assignment.naive_metric(hidden.labels, train_labels)
    strong = assignment.strong_metric
    value = None
    if first.predictions is not None:
        value = assignment.metric(hidden.labels, first.predictions)
        share = float(np.clip((value - naive) / max(strong - naive, 1e-9), 0, 1))
        add(Criterion("metric", f"hidden-test {name}", 40, 40 * share,
                      f"{name} {value:.3f} on {len(hidden.labels)} hidden items (naive {naive:.3f}, strong {strong:.3f})",
                      "" if share >= 1 else "the hidden score is short of the strong reference",
                      "" if share >= 1 else "validate the way production works, then improve the model on that split"))
    else:
        why = first.problem if first.run.ok else f"the command {first.run.describe(timeout_s)}"
        add(Criterion("metric", f"hidden-test {name}", 40, 0, why, "no hidden-test score",
                      "run the command yourself with TAKEHOME_TEST=data/sample_test and check predictions.csv"))
    report.metric = {"name": name, "value": value, "naive": naive, "strong": strong}

    # Reproducibility
    same = None
    if len(attempts) == 2 and all(a.predictions is not None for a in attempts):
        a, b = attempts[0].predictions, attempts[1].predictions
        same = bool(np.allclose(a, b, rtol=0, atol=1e-6)) if assignment.scored else bool(np.array_equal(a, b))
        report.reproducible = same
    if same is False:
        report.flags.append("non-deterministic")
    add(Criterion("repro-same", "two runs, same predictions", 8, 8 if same else 0,
                  {True: "both runs gave the same predictions", False: "the two runs gave different predictions",
                   None: "not checked: the first run gave no usable predictions"}[same],
                  "" if same else "a reviewer cannot reproduce your numbers",
                  "" if same else "seed every random source (NumPy, scikit-learn random_state, torch)"))
    add(Criterion("repro-command", "the one command runs", 4, 4 if first.run.ok else 0,
                  f"`{spec.command}` {first.run.describe(timeout_s)}", "" if first.run.ok else "it must run on a clean copy",
                  "" if first.run.ok else "run it from a fresh clone, offline, within the time limit"))
    pinned = _pinned(files.requirements)
    add(Criterion("repro-pins", "pinned requirements", 3, pinned[0], pinned[1], "" if pinned[0] == 3 else "versions drift",
                  "" if pinned[0] == 3 else "pin every package: numpy==2.1.0"))

    # Methodology
    claimed = first.claimed
    baseline_text = files.sections.get("Baseline", "")
    has_baseline = ("baseline" in claimed, bool(re.search(r"\d", baseline_text)))
    points = 5 if all(has_baseline) else 3 if any(has_baseline) else 0
    if points == 0:
        report.fails.append("no baseline")
    add(Criterion("baseline", "a baseline reported", 5, points,
                  f"validation.json baseline: {'yes' if has_baseline[0] else 'no'}; README baseline with a number: "
                  f"{'yes' if has_baseline[1] else 'no'}", "" if points == 5 else "no yardstick for the model",
                  "" if points == 5 else "report the simplest model's validation score in both places"))
    add(_honesty(assignment, claimed.get("metric"), value, report))
    add(_leak(assignment, hidden, first.predictions, report))

    # Write-up
    if files.readme is None:
        report.fails.append("no README")
    present = [s for s in README_SECTIONS if _substantial(s, files.sections.get(s, ""))]
    thin = [s for s in README_SECTIONS if s not in present]
    add(Criterion("readme", "README sections", 12, 2 * len(present),
                  "no README.md" if files.readme is None else f"{len(present)} of {len(README_SECTIONS)} sections substantial",
                  f"missing or thin: {', '.join(thin)}" if thin else "",
                  f"write each section with at least {MIN_SECTION_WORDS} words (numbers in baseline, results, errors)" if thin else ""))
    add(Criterion("figure", "a figure in the write-up", 3, 3 if files.figures else 0,
                  f"shows {', '.join(files.figures[:3])}" if files.figures else "the README shows no figure that exists",
                  "" if files.figures else "reviewers look for a picture of the errors",
                  "" if files.figures else "save a plot (e.g. errors.png) and show it with ![errors](errors.png)"))

    # Code health
    if files.ruff is None:
        add(Criterion("ruff", "ruff findings", 3, 3, "ruff is not installed here: not checked", "", ""))
    else:
        points = 3 if files.ruff == 0 else 2 if files.ruff <= 5 else 1 if files.ruff <= 20 else 0
        add(Criterion("ruff", "ruff findings", 3, points, f"{files.ruff} finding(s) (`ruff check --isolated`)",
                      "" if points == 3 else "reviewers read the code", "" if points == 3 else "run `ruff check --fix`"))
    add(Criterion("tests", "a test or two", 2, 2 if files.has_tests else 0,
                  "has test files" if files.has_tests else "no test_*.py file", "" if files.has_tests else "untested code",
                  "" if files.has_tests else "test the feature code and the output format"))

    total = round(sum(c.points for c in report.criteria))
    report.score = min(total, FAIL_CAP) if report.fails else total
    report.follow_ups = follow_up_questions(assignment, report, files.sections)
    return report


def _pinned(requirements: str | None) -> tuple[float, str]:
    if requirements is None:
        return 0, "no requirements.txt"
    lines = [ln.split("#")[0].strip() for ln in requirements.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("-")]
    if not lines:
        return 0, "requirements.txt lists nothing"
    exact = sum("==" in ln or "===" in ln for ln in lines)
    if exact == len(lines):
        return 3, f"all {len(lines)} pinned with =="
    bounded = sum(bool(re.search(r"[<>~=]=|[<>]", ln)) for ln in lines)
    return (1.5 if bounded == len(lines) else 0), f"{exact} of {len(lines)} pinned exactly"


def _honesty(assignment: Assignment, claimed: float | None, value: float | None, report: Report) -> Criterion:
    title, tol = "validation estimate holds up", assignment.honesty_tolerance
    if claimed is None:
        return Criterion("validation", title, 10, 0, "validation.json has no metric", "no estimate to trust",
                         "write your validation estimate of the company metric to validation.json")
    if value is None:
        return Criterion("validation", title, 10, 0, f"claimed {claimed:.3f}; no hidden score to compare",
                         "cannot be checked", "make the command produce predictions")
    gap = claimed - value
    found = f"claimed {claimed:.3f}, hidden {value:.3f} (gap {gap:+.3f}, tolerance {tol:.2f})"
    if abs(gap) <= tol:
        return Criterion("validation", title, 10, 10, found, "", "")
    if gap < 0:
        return Criterion("validation", title, 10, 7, found, "pessimistic estimate", "check that validation mimics production")
    if gap <= 2 * tol:
        report.flags.append("optimistic validation")
        return Criterion("validation", title, 10, 4, found, "validation overstates the hidden result",
                         "split as production works (by group or by time), never at random across copies")
    report.flags.append("optimistic validation")
    report.fails.append("validation far above the hidden result (evaluated on training data, or a leaky split)")
    return Criterion("validation", title, 10, 0, found, "the estimate is not credible",
                     "hold out data the model never sees, split by group or time as production is")


def _leak(assignment: Assignment, hidden: Hidden, predictions: np.ndarray | None, report: Report) -> Criterion:
    title, column = f"no trap: `{assignment.leak_column}` not used", assignment.leak_column
    if predictions is None:
        return Criterion("leak", title, 10, 0, "no predictions to check", "cannot be checked", "")
    measure, follows, found = leak_reliance(assignment, hidden, predictions)
    report.leak = {"column": column, "measure": round(measure, 4), "follows": follows}
    if not follows:
        return Criterion("leak", title, 10, 10, found, "", "")
    report.flags.append(f"leaky field: {column}")
    report.fails.append(f"leakage: predictions follow `{column}`")
    return Criterion("leak", title, 10, 0, found,
                     f"`{column}` carries the label in the training data but not in production, so the model "
                     "collapses on the hidden set: that is why its hidden score is low",
                     f"drop `{column}`: check each field is known, with the same meaning, at prediction time")
