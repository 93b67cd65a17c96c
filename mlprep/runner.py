"""``mlprep run``: execute curriculum notebooks headless, in order, and report.

Each notebook runs in a fresh Jupyter kernel (nbclient) with the results folder and
offline switches in its environment. Parameters given with ``-p NAME=VALUE`` go into a
new cell right after the cell tagged ``parameters`` (papermill's convention, and the
same ``injected-parameters`` tag). The executed copy is saved to
``results/<stem>/executed.ipynb`` and the run itself to ``results/<stem>/run.json``.
A failing notebook does not stop the others; the exit code says whether all passed.

>>> parse_parameters(["EPOCHS=2", "DEVICE=cpu", "LR=1e-3", "NAME='a=b'"])
{'EPOCHS': 2, 'DEVICE': 'cpu', 'LR': 0.001, 'NAME': 'a=b'}
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import json
import os
import platform
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlprep.errors import MlprepError, UsageError
from mlprep.runtime import atomic_write_text, repo_root, results_dir

PASSED, FAILED, MISSED = "passed", "failed", "missed target"
# Libraries that would otherwise try the network (Hugging Face hub, datasets).
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "MLPREP_OFFLINE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
_NOTEBOOK = re.compile(r"^\d\d_.+\.ipynb$")


@dataclass
class Outcome:
    """How one notebook's run went."""

    stem: str
    status: str
    seconds: float
    error: str = ""
    headline: str = ""


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings to a dict; values are Python literals, else strings."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise UsageError(f"-p expects NAME=VALUE with a Python name, got {pair!r} (e.g. -p EPOCHS=2)")
        try:
            params[name.strip()] = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            params[name.strip()] = raw.strip()
    return params


def default_notebooks_dir() -> Path:
    root = repo_root()
    return root / "notebooks" if root is not None else Path("notebooks")


def find_notebooks(names: list[str], notebooks_dir: Path) -> list[Path]:
    """Resolve stems, unique prefixes (``04``) or paths; no names means the whole curriculum
    (``NN_*.ipynb`` in ``notebooks_dir``). Always returned in curriculum order (by file name),
    each once, whatever order the names were given in: a later notebook may read an earlier
    one's results (09 trains its GPT for the wall time 07's LSTM took)."""
    available = sorted(p for p in notebooks_dir.glob("*.ipynb") if _NOTEBOOK.match(p.name)) \
        if notebooks_dir.is_dir() else []
    if not names:
        if not available:
            raise UsageError(f"no notebooks (NN_name.ipynb) in {notebooks_dir}; pass --notebooks-dir")
        return available
    found = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            found.append(path)
            continue
        matches = [p for p in available if p.stem == path.stem] or \
                  [p for p in available if p.stem.startswith(path.stem)]
        if len(matches) != 1:
            listing = ", ".join(p.stem for p in available) or f"none in {notebooks_dir}"
            what = "is ambiguous" if matches else "is not a notebook"
            raise UsageError(f"{name!r} {what}; choose from: {listing}")
        found.append(matches[0])
    return sorted(dict.fromkeys(found), key=lambda p: p.name)


def _parameter_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {t.id for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)}


def inject_parameters(nb: Any, params: dict[str, Any]) -> list[str]:
    """Insert a cell setting ``params`` after the ``parameters`` cell (or first, when there
    is none); return warnings about names the parameters cell does not define."""
    import nbformat

    if not params:
        return []
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    source = "# Parameters injected by `mlprep run`\n" + "".join(f"{k} = {v!r}\n" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    if nb.get("nbformat_minor", 0) < 5:
        cell.pop("id", None)  # cell ids exist from nbformat 4.5 on
    nb.cells.insert(tagged[0] + 1 if tagged else 0, cell)
    if not tagged:
        return ["no cell tagged 'parameters'; parameters were injected at the top"]
    known = _parameter_names(nb.cells[tagged[0]].source)
    return [f"{name} is not set in its parameters cell (it sets: {', '.join(sorted(known)) or 'nothing'})"
            for name in params if name not in known]


def hardware() -> dict[str, Any]:
    """The machine's CPU, core count and GPU, for the portfolio's hardware section."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform()}
    try:
        import torch

        if torch.cuda.is_available():
            info["gpu"] = f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return info


def _headline(stem: str, started: float) -> tuple[str, bool | None]:
    """(text, targets met) from this run's metrics.json; ("", None) if it wrote none."""
    from mlprep.portfolio.projects import project_for
    from mlprep.portfolio.report import format_value, headline_row
    from mlprep.results import evaluate_targets, load

    path = results_dir() / stem / "metrics.json"
    if not path.is_file() or path.stat().st_mtime < started - 1:
        return "", None  # missing, or left over from an earlier run
    try:
        results = load(stem)
    except MlprepError as e:
        return f"unreadable metrics.json ({e})", False
    row = headline_row(project_for(stem), results)
    metrics = {k: (float("nan") if v is None else v) for k, v in results.get("metrics", {}).items()}
    met = all(r["ok"] for r in evaluate_targets(metrics, results.get("targets", {})))
    if row is None:
        return "no metrics", met
    target = f" (target {row['condition']}{', met' if row['ok'] else ', MISSED'})" if row["condition"] else ""
    return f"{row['metric']} = {format_value(row['value'])}{target}", met


def run_notebook(path: Path, params: dict[str, Any], *, cell_timeout: int | None = None,
                 position: int = 1) -> Outcome:
    """Execute one notebook in a fresh kernel; save the executed copy and ``run.json``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from tqdm import tqdm

    stem = path.stem
    started_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    started, status, error = time.time(), PASSED, ""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # a corrupt file fails this notebook, not the whole run
        return Outcome(stem, FAILED, 0.0, f"cannot read {path}: {e}")
    for warning in inject_parameters(nb, params):
        tqdm.write(f"warning: {stem}: {warning}")
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    env = {**os.environ, **OFFLINE_ENV, "MLPREP_RESULTS": str(results_dir())}
    bar = tqdm(total=code_cells, desc=stem[:28], unit="cell", position=position, leave=False)
    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=lambda **_: bar.update(1),
        # The kernel's own log (not cell output) would break the progress bars.
        extra_arguments=["--log-level=ERROR"],
    )
    try:
        client.execute(env=env)
    except CellExecutionError as e:
        status = MISSED if e.ename == "TargetMissed" else FAILED
        error = f"{e.ename}: {str(e.evalue).strip()}"
    except Exception as e:  # timeouts, a dead kernel: record it and go on to the next notebook
        message = str(e).strip().splitlines()
        status, error = FAILED, f"{type(e).__name__}: {message[0] if message else ''}"
    finally:
        bar.close()
    seconds = time.time() - started
    headline, met = _headline(stem, started)
    if status == PASSED and met is False:
        status = MISSED
    folder = results_dir() / stem
    atomic_write_text(folder / "executed.ipynb", nbformat.writes(nb))
    run_info = {"notebook": stem, "status": status, "runtime_s": round(seconds, 2), "started": started_at,
                "parameters": {k: repr(v) for k, v in params.items()}, "error": error,
                "hardware": hardware(), "executed": "executed.ipynb"}
    atomic_write_text(folder / "run.json", json.dumps(run_info, indent=2) + "\n")
    return Outcome(stem, status, seconds, error, headline)


def summary_table(outcomes: list[Outcome]) -> str:
    """The per-notebook table printed at the end of a run.

    >>> print(summary_table([Outcome("01_x", "passed", 90.0, headline="acc = 0.97")]))
    notebook  status  minutes  headline metric vs target
    01_x      passed      1.5  acc = 0.97
    <BLANKLINE>
    1 passed, 0 failed, 0 missed a target; 1.5 minutes in all
    """
    header = ("notebook", "status", "minutes", "headline metric vs target")
    rows = [(o.stem, o.status, f"{o.seconds / 60:.1f}", o.headline or "-") for o in outcomes]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in [header, *rows]]
    for o in outcomes:
        if o.error:
            first, *rest = o.error.splitlines()
            lines.append(f"  {o.stem}: {first}" + "".join(f"\n    {line}" for line in rest[:8]))
    count = {s: sum(o.status == s for o in outcomes) for s in (PASSED, FAILED, MISSED)}
    total = sum(o.seconds for o in outcomes) / 60
    lines += ["", f"{count[PASSED]} passed, {count[FAILED]} failed, {count[MISSED]} missed a target; "
                  f"{total:.1f} minutes in all"]
    return "\n".join(line.rstrip() for line in lines)


def check_kernel() -> None:
    """Fail fast, with the fix, when notebooks cannot be executed here."""
    try:
        import nbclient  # noqa: F401
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError as e:
        raise MlprepError(f"`mlprep run` needs {e.name}: pip install nbclient ipykernel") from e
    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel as e:
        raise MlprepError("no Python Jupyter kernel here: pip install ipykernel") from e


def run(names: list[str], params: dict[str, Any], notebooks_dir: Path,
        cell_timeout: int | None = None) -> tuple[int, list[Outcome]]:
    """Run notebooks in order; exit code 0 only if every one passed and met its targets."""
    from tqdm import tqdm

    notebooks = find_notebooks(names, notebooks_dir)
    check_kernel()
    outcomes: list[Outcome] = []
    overall = tqdm(notebooks, desc="curriculum", unit="notebook", position=0)
    try:
        for path in overall:
            overall.set_postfix_str(path.stem)
            outcome = run_notebook(path, params, cell_timeout=cell_timeout)
            outcomes.append(outcome)
            tqdm.write(f"{outcome.stem}: {outcome.status} in {outcome.seconds / 60:.1f} min")
    except KeyboardInterrupt:
        overall.close()
        print(summary_table(outcomes) + "\ninterrupted: the notebooks after these did not run")
        return 130, outcomes
    overall.close()
    print(summary_table(outcomes))
    print(f"executed notebooks and run.json: {results_dir()}/<notebook>/; next: mlprep portfolio build")
    return (0 if all(o.status == PASSED for o in outcomes) else 1), outcomes


def _handler(args: argparse.Namespace) -> int:
    notebooks_dir = Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir()
    code, _ = run(args.notebooks, parse_parameters(args.parameters), notebooks_dir, args.cell_timeout)
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``mlprep run``."""
    parser = subparsers.add_parser(
        "run", help="run the curriculum notebooks headless and summarise their results",
        description="Execute notebooks in curriculum order (all by default), offline, saving "
        "results/<stem>/executed.ipynb. Continues past failures; exits 1 if any notebook failed "
        "or missed a target.",
    )
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="stem (04_detection_yolo), unique prefix (04) or path; default: all")
    parser.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                        metavar="NAME=VALUE", help="set a parameter in every notebook (repeatable)")
    parser.add_argument("--notebooks-dir", metavar="DIR", help=f"default: {default_notebooks_dir()}")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                        help="fail a notebook whose cell runs longer than this (default: no limit)")
    parser.set_defaults(func=_handler)
