"""What ``mlprep run`` prints: the expected minutes before a run, the summary table after it.

Both use the speed index (:mod:`mlprep.speed`) to translate between minutes here and minutes on
the reference machine, with each notebook's workload from ``notebooks/timings.json``.

>>> from mlprep.speed import SpeedIndex
>>> index = SpeedIndex({"cnn": 1.2, "lstm": 1.5, "transformer": 2.1})
>>> timings = {"01_x": {"workload": "cnn", "reference_minutes": 3.0, "source": "measured"}}
>>> print(preface(["01_x", "02_y"], timings, index))
speed index: cnn 2.00, lstm 3.00, transformer 2.00; overall 2.29 (above 1: faster than the reference machine)
expected minutes here (timings.json's reference minutes / the factor of the notebook's workload):
  01_x  1.5
  02_y  no budget recorded
  about 1.5 minutes for the 1 notebook with a budget
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlprep.speed import SpeedIndex, measured_ago, reference_minutes_from
from mlprep.timings import minutes_here

PASSED, FAILED, MISSED = "passed", "failed", "missed target"


@dataclass
class Outcome:
    """How one notebook's run went."""

    stem: str
    status: str
    seconds: float
    error: str = ""
    headline: str = ""
    peak_rss_mb: float | None = None  # the kernel's peak resident memory; None where unknown


def preface(stems: list[str], timings: Mapping[str, Mapping[str, Any]], index: SpeedIndex) -> str:
    """The speed index and each notebook's expected minutes here, printed before a run."""
    lines = [f"speed index: {index.describe()} (above 1: faster than the reference machine)"]
    ago = measured_ago(index)
    if ago:
        lines.append(f"  measured {ago}; a virtual machine's speed drifts within a day: `mlprep doctor` measures it again")
    if not timings:
        return "\n".join([*lines, "no timings.json next to the notebooks: no budgets recorded to project"])
    here = minutes_here({s: timings[s] for s in stems if s in timings}, index)
    lines.append("expected minutes here (timings.json's reference minutes / the factor of the notebook's workload):")
    width = max((len(s) for s in stems), default=0)
    lines += [f"  {s:<{width}}  {here[s]:.1f}" if s in here else f"  {s:<{width}}  no budget recorded" for s in stems]
    counted = "" if len(here) == len(stems) else f" for the {len(here)} notebook{'s' * (len(here) != 1)} with a budget"
    lines.append(f"  about {sum(here.values()):.1f} minutes{counted}")
    return "\n".join(lines)


def _reference_minutes(outcomes: list[Outcome], index: SpeedIndex | None,
                       workloads: Mapping[str, str]) -> dict[str, float]:
    """Each notebook's minutes projected onto the reference machine (the overall factor where
    no workload is recorded); empty without a speed index."""
    if index is None:
        return {}
    return {o.stem: reference_minutes_from(o.seconds / 60, workloads[o.stem], index)
            if o.stem in workloads else o.seconds / 60 * index.overall for o in outcomes}


def summary_data(outcomes: list[Outcome], index: SpeedIndex | None = None,
                 workloads: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The summary table as data (``mlprep run --json``): one row per notebook, the counts and
    the minutes, projected onto the reference machine when there is a speed index.

    >>> data = summary_data([Outcome("01_x", "passed", 90.0, headline="acc = 0.97")])
    >>> data["notebooks"][0]["minutes"], data["counts"], data["reference_minutes"]
    (1.5, {'passed': 1, 'failed': 0, 'missed': 0}, None)
    """
    workloads = workloads or {}
    reference = _reference_minutes(outcomes, index, workloads)
    rows = [{"notebook": o.stem, "status": o.status, "minutes": round(o.seconds / 60, 2),
             "reference_minutes": round(reference[o.stem], 2) if o.stem in reference else None,
             "workload": workloads.get(o.stem), "headline": o.headline, "error": o.error,
             "peak_rss_mb": o.peak_rss_mb} for o in outcomes]
    return {"notebooks": rows,
            "counts": {"passed": sum(o.status == PASSED for o in outcomes),
                       "failed": sum(o.status == FAILED for o in outcomes),
                       "missed": sum(o.status == MISSED for o in outcomes)},
            "minutes": round(sum(o.seconds for o in outcomes) / 60, 2),
            "reference_minutes": round(sum(reference.values()), 2) if index is not None else None,
            "speed_index": index.to_dict() if index is not None else None}


def summary_table(outcomes: list[Outcome], index: SpeedIndex | None = None,
                  workloads: Mapping[str, str] | None = None) -> str:
    """The per-notebook table printed at the end of a run. With a speed index it adds each
    notebook's projected minutes on the reference machine (minutes here x the factor of its
    workload; ``*``: no workload recorded, so the overall factor).

    >>> print(summary_table([Outcome("01_x", "passed", 90.0, headline="acc = 0.97")]))
    notebook  status  minutes  headline metric vs target
    01_x      passed      1.5  acc = 0.97
    <BLANKLINE>
    1 passed, 0 failed, 0 missed a target; 1.5 minutes in all
    >>> index = SpeedIndex({"cnn": 1.2, "lstm": 1.5, "transformer": 2.1})
    >>> print(summary_table([Outcome("01_x", "passed", 90.0, headline="acc = 0.97"),
    ...                      Outcome("02_y", "failed", 30.0, error="ValueError: boom")], index, {"01_x": "cnn"}))
    notebook  status  minutes  ref. min  headline metric vs target
    01_x      passed      1.5       3.0  acc = 0.97
    02_y      failed      0.5      1.1*  -
      02_y: ValueError: boom
    <BLANKLINE>
    1 passed, 1 failed, 0 missed a target; 2.0 minutes here, about 4.1 on the reference machine
    (speed index: cnn 2.00, lstm 3.00, transformer 2.00; overall 2.29)
    * no workload in timings.json: projected with the overall factor
    """
    workloads = workloads or {}
    reference = _reference_minutes(outcomes, index, workloads)
    header = ("notebook", "status", "minutes", *(("ref. min",) if index else ()), "headline metric vs target")
    rows = [(o.stem, o.status, f"{o.seconds / 60:.1f}",
             *((f"{reference[o.stem]:.1f}" + ("" if o.stem in workloads else "*"),) if index else ()),
             o.headline or "-") for o in outcomes]
    numbers = len(header) - 1
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(numbers)]
    lines = ["  ".join([f"{r[0]:<{widths[0]}}", f"{r[1]:<{widths[1]}}",
                        *(f"{r[i]:>{widths[i]}}" for i in range(2, numbers)), r[-1]]) for r in [header, *rows]]
    for o in outcomes:
        if o.error:
            first, *rest = o.error.splitlines()
            lines.append(f"  {o.stem}: {first}" + "".join(f"\n    {line}" for line in rest[:8]))
    count = {s: sum(o.status == s for o in outcomes) for s in (PASSED, FAILED, MISSED)}
    total = sum(o.seconds for o in outcomes) / 60
    tally = f"{count[PASSED]} passed, {count[FAILED]} failed, {count[MISSED]} missed a target; "
    if index is None:
        lines += ["", f"{tally}{total:.1f} minutes in all"]
    else:
        lines += ["", f"{tally}{total:.1f} minutes here, about {sum(reference.values()):.1f} on the reference "
                      f"machine (speed index: {index.describe()})"]
        if any(o.stem not in workloads for o in outcomes):
            lines.append("* no workload in timings.json: projected with the overall factor")
    return "\n".join(line.rstrip() for line in lines)
