"""Do a notebook's results hold for other seeds? Runs curriculum notebooks headless with
``SEED`` overridden, through ``mlprep run``'s executor, and prints every metric and target.

    python benchmarks/notebook_seeds.py 01 02 03 04 05           # seeds 1 and 2
    python benchmarks/notebook_seeds.py 02 --seeds 3 --out /tmp/seeds
    python benchmarks/notebook_seeds.py 03 --seeds 0 1 2 -p EPOCHS=8   # a candidate setting

Each notebook records and checks its own targets, so this script holds no copy of them, and the
numbers are exactly what a learner gets with that seed. Results go to ``DIR/seed<N>/<notebook>/``
(default: a temporary folder), never over the repository's ``results/``. Notebooks run in
curriculum order, so one that reads an earlier one's results (05 reads 04's, 09 reads 07's)
reads those of the same seed. Takes the notebooks' own time per seed (1-4 CPU minutes each).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="stems or unique prefixes, e.g. 01 02")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: a temporary one)")
    parser.add_argument("-p", "--parameter", dest="parameters", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameters-cell setting for every run (as in mlprep run)")
    args = parser.parse_args(argv)

    from mlprep import notebook_runner as runner
    from mlprep import results
    from mlprep.errors import MlprepError
    from mlprep.parameters import parse_parameters

    paths = runner.find_notebooks(args.notebooks, runner.default_notebooks_dir())
    runner.check_kernel()
    overrides = parse_parameters(args.parameters)
    out = args.out or Path(tempfile.mkdtemp(prefix="mlprep-seeds-"))
    not_passed = 0
    for seed in args.seeds:
        os.environ["MLPREP_RESULTS"] = str(out / f"seed{seed}")  # the kernel and results.load read it
        for path in paths:
            outcome = runner.run_notebook(path, {**overrides, "SEED": seed})
            try:
                doc = results.load(path.stem)
            except MlprepError:  # it failed before recording; the status line below says why
                doc = {"metrics": {}, "targets": {}}
            shown = ", ".join(f"{k} {v:.4g}" for k, v in doc["metrics"].items() if isinstance(v, (int, float)))
            print(f"seed {seed} {path.stem} ({outcome.seconds:.0f} s, {outcome.status}): {shown}", flush=True)
            for row in results.evaluate_targets(doc["metrics"], doc["targets"]):
                print(f"    {row['target']} {row['condition']}: {'holds' if row['ok'] else 'MISSED, ' + row['reason']}")
            if outcome.error:
                print(f"    {outcome.error.splitlines()[0]}")
            not_passed += outcome.status != runner.PASSED
    print(f"results under {out}; " + ("every claim holds" if not not_passed else f"{not_passed} run(s) did not pass"))
    return 1 if not_passed else 0


if __name__ == "__main__":
    sys.exit(main())
