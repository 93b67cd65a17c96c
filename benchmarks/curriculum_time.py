"""Is the curriculum within its time budgets on the reference machine, projected from this one?

Runs notebooks headless through ``mlprep run``'s executor, measures this machine's speed index once,
and projects each notebook's minutes onto the reference machine (2-core x86-64, AVX2, no AVX-512)
with the factor of its workload.

    python benchmarks/curriculum_time.py                  # every notebook: the curriculum's own time
    python benchmarks/curriculum_time.py 07 09 --write    # two, and record their projections

Budgets on the reference machine: 3 minutes a notebook, 4 for the transformer ones, 40 in all.
Exits 1 if a notebook failed, missed a target or is over its budget on the projection, or the
total is over 40. Results go to a temporary folder (or ``--out``), never over ``results/``.
``--write`` stores the projections in ``notebooks/timings.json`` (source "projected") for the
notebooks that ran to the end; a notebook with no entry there is taken as a cnn workload.
Run it on a quiet machine: anything else running slows the notebooks but not the reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="stems or unique prefixes, e.g. 01 07 (default: all)")
    parser.add_argument("--notebooks-dir", type=Path, default=None, help="default: the checkout's notebooks/")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: a temporary one)")
    parser.add_argument("--write", action="store_true", help="update timings.json with the projections")
    args = parser.parse_args(argv)

    from mlprep import notebook_runner as runner
    from mlprep import speed, timings

    notebooks_dir = args.notebooks_dir or runner.default_notebooks_dir()
    paths = runner.find_notebooks(args.notebooks, notebooks_dir)
    runner.check_kernel()
    recorded = timings.load_timings(notebooks_dir)
    print("measuring the speed index (full, about 30 s)...", flush=True)
    index = speed.speed_index()
    print(f"speed index: {index.describe()}", flush=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="mlprep-time-"))
    os.environ["MLPREP_RESULTS"] = str(out)  # the kernel and the runner read it
    os.environ.setdefault("MLPREP_DEVICE", "cpu")  # the reference machine has no GPU; neither do the budgets

    header = ("notebook", "status", "min here", "workload", "factor", "ref. min", "budget", "recorded", "peak MB")
    rows, problems, projected, here_total, reference_total = [], 0, {}, 0.0, 0.0
    for path in paths:
        outcome = runner.run_notebook(path, {}, speed_index=index)
        entry = recorded.get(path.stem, {})
        workload = entry.get("workload", "cnn")
        minutes = outcome.seconds / 60
        reference = speed.reference_minutes_from(minutes, workload, index)
        budget = timings.budget_minutes(path.stem, workload)
        over = reference > budget
        here_total, reference_total = here_total + minutes, reference_total + reference
        problems += over or outcome.status != runner.PASSED
        if outcome.status != runner.FAILED:  # it ran to the end: its time counts
            projected[path.stem] = {"workload": workload, "reference_minutes": round(reference, 2),
                                    "source": "projected"}
        rows.append((path.stem, outcome.status, f"{minutes:.1f}", workload + ("" if entry else "*"),
                     f"{index.factors[workload]:.2f}", f"{reference:.1f}" + (" OVER" if over else ""),
                     f"{budget:.0f}", f"{entry['reference_minutes']:.1f}" if entry else "-",
                     f"{outcome.peak_rss_mb:.0f}" if outcome.peak_rss_mb is not None else "-"))
        print(f"{path.stem}: {outcome.status}, {minutes:.1f} min here, about {reference:.1f} on the reference"
              + (f" ({outcome.error.splitlines()[0]})" if outcome.error else ""), flush=True)

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{w}}" if i in (0, 1, 3) else f"{cell:>{w}}"
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    over_total = reference_total > timings.CURRICULUM_BUDGET
    problems += over_total
    print(f"\ntotal: {here_total:.1f} minutes here, about {reference_total:.1f} on the reference machine, budget "
          f"{timings.CURRICULUM_BUDGET:.0f}" + (" (OVER)" if over_total else "") + f" ({len(rows)} notebooks)")
    if any(r[3].endswith("*") for r in rows):
        print("* no entry in timings.json: taken as a cnn workload")
    print(f"results under {out}")
    if args.write and projected:
        path = timings.write_timings(notebooks_dir, {**recorded, **projected})
        print(f"wrote {', '.join(projected)} to {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
