"""Do the dense-vision results hold across seeds? Runs notebooks 03, 04 and 05 headless
(papermill) with ``SEED`` overridden and prints each metric and target per seed.

    python benchmarks/dense_seeds.py [--seeds 1 2] [--notebooks 03 04 05] [--out DIR]

Every run uses the notebook's own parameters and the same library training functions
(``mlprep.vision.dense``), so the numbers are those a learner would get with that seed.
Results go to ``DIR/seed<N>/<notebook>/metrics.json`` (default: a temporary folder), never
over the repository's ``results/``. Takes about 2 minutes per notebook and seed on a CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

NOTEBOOKS = {"03": "03_image_segmentation", "04": "04_detection_yolo", "05": "05_detection_faster_rcnn"}


def run(stem: str, seed: int, results: Path) -> dict:
    import papermill

    from mlprep.runtime import repo_root

    os.environ["MLPREP_RESULTS"] = str(results)
    results.mkdir(parents=True, exist_ok=True)
    notebook = repo_root() / "notebooks" / f"{stem}.ipynb"
    start = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(str(notebook), str(results / f"{stem}.ipynb"), parameters={"SEED": seed},
                                   progress_bar=False, cwd=str(notebook.parent))
    except Exception as exc:  # a missed target fails the last cell; metrics.json is written before it
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
    path = results / stem / "metrics.json"
    doc = json.loads(path.read_text()) if path.exists() else {"metrics": {}, "targets": {}}
    doc["wall_s"], doc["error"] = time.perf_counter() - start, error
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--notebooks", nargs="+", default=list(NOTEBOOKS), choices=list(NOTEBOOKS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="mlprep-seeds-"))
    from mlprep.results import evaluate_targets

    failed = False
    for seed in args.seeds:
        for key in args.notebooks:  # in curriculum order: 05 reads 04's results of the same seed
            stem = NOTEBOOKS[key]
            doc = run(stem, seed, out / f"seed{seed}")
            shown = ", ".join(f"{k} {v:.3f}" for k, v in doc["metrics"].items())
            print(f"seed {seed} {stem} ({doc['wall_s']:.0f} s): {shown}")
            for row in evaluate_targets(doc["metrics"], doc["targets"]):
                print(f"    {row['target']} {row['condition']}: {'ok' if row['ok'] else 'MISSED, ' + row['reason']}")
            if doc["error"]:
                print(f"    notebook failed: {doc['error']}")
            failed = failed or bool(doc["error"])
    print(f"results under {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
