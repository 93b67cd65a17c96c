"""Execute curriculum notebooks headless: the engine behind ``mlprep run`` (the command itself,
its loop over the curriculum and its summary, is :mod:`mlprep.run_cli`).

Each notebook runs in a fresh Jupyter kernel (nbclient) with the results folder and
offline switches in its environment. Parameters given with ``-p NAME=VALUE`` go into a
new cell right after the cell tagged ``parameters`` (:mod:`mlprep.parameters`). The executed copy is saved to
``results/<stem>/executed.ipynb`` and the run itself to ``results/<stem>/run.json`` (status,
runtime, error, hardware, the speed index and the kernel's peak memory). Before the run it prints
this machine's speed index and each notebook's expected minutes (``notebooks/timings.json``);
after it, a summary table with the minutes projected onto the reference machine
(:mod:`mlprep.run_report`). A failing notebook does not stop the others.

>>> find_notebooks([], Path("no-such-folder"))
Traceback (most recent call last):
...
mlprep.errors.UsageError: no notebooks (NN_name.ipynb) in no-such-folder; pass --notebooks-dir
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
import time
from pathlib import Path
from typing import Any

from mlprep import speed
from mlprep.errors import MlprepError, UsageError
from mlprep.parameters import inject_parameters, parse_parameters
from mlprep.run_report import FAILED, MISSED, PASSED, Outcome, summary_table
from mlprep.runtime import atomic_write_text, repo_root, results_dir
from mlprep.speed import SpeedIndex

__all__ = ["FAILED", "MISSED", "PASSED", "Outcome", "summary_table", "run_notebook", "find_notebooks",
           "default_notebooks_dir", "parse_parameters", "inject_parameters", "hardware", "check_kernel", "peak_rss_mb"]
# Libraries that would otherwise try the network (Hugging Face hub, datasets).
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "MLPREP_OFFLINE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
_NOTEBOOK = re.compile(r"^\d\d_.+\.ipynb$")


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


def hardware() -> dict[str, Any]:
    """The machine's CPU, core count and GPU, for the portfolio's hardware section."""
    info: dict[str, Any] = {"cpu": speed.cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()}
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


def peak_rss_mb(pid: int | None) -> float | None:
    """A process's peak resident memory so far (``VmHWM`` in ``/proc/<pid>/status``), in MB;
    None where there is no /proc (macOS, Windows) or no such process. Its children are not
    counted (DataLoader workers; the notebooks use none).

    >>> peak_rss_mb(os.getpid()) is None or peak_rss_mb(os.getpid()) > 1
    True
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _kernel_pid(client: Any) -> int | None:
    """The kernel's process id, from jupyter_client's local provisioner (None if another kind)."""
    provisioner = getattr(getattr(client, "km", None), "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    return pid if isinstance(pid, int) else None


def run_notebook(path: Path, params: dict[str, Any], *, cell_timeout: int | None = None,
                 position: int = 1, speed_index: SpeedIndex | None = None) -> Outcome:
    """Execute one notebook in a fresh kernel; save the executed copy and ``run.json``
    (with ``speed_index``, this machine's, when given, and the kernel's ``peak_rss_mb``)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from mlprep.progress import progress_bar, write

    stem = path.stem
    started_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    started, status, error = time.time(), PASSED, ""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # a corrupt file fails this notebook, not the whole run
        return Outcome(stem, FAILED, 0.0, f"cannot read {path}: {e}")
    for warning in inject_parameters(nb, params):
        write(f"warning: {stem}: {warning}")
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    env = {**os.environ, **OFFLINE_ENV, "MLPREP_RESULTS": str(results_dir())}
    bar = progress_bar(total=code_cells, desc=stem[:28], unit="cell", position=position, leave=False)
    peak: list[float] = []

    def cell_done(**_: Any) -> None:
        bar.update(1)
        rss = peak_rss_mb(_kernel_pid(client))  # a high-water mark: the last read is the peak
        if rss is not None:
            peak.append(rss)

    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=cell_done,
        # The kernel's own log (not cell output) would break the progress bars.
        extra_arguments=["--log-level=ERROR"],
    )
    folder = results_dir() / stem
    folder.mkdir(parents=True, exist_ok=True)
    # The kernel process's own log (not cell output, which comes over ZMQ): kept in a file, so
    # its shutdown noise after a cell timeout (a ZMQError traceback) stays off the terminal.
    kernel_log = open(folder / "kernel.log", "w", encoding="utf-8")  # closed in the finally below
    try:
        client.execute(env=env, stderr=kernel_log)
    except CellExecutionError as e:
        status = MISSED if e.ename == "TargetMissed" else FAILED
        error = f"{e.ename}: {str(e.evalue).strip()}"
    except Exception as e:  # timeouts, a dead kernel: record it and go on to the next notebook
        message = str(e).strip().splitlines()
        status, error = FAILED, f"{type(e).__name__}: {message[0] if message else ''}"
    finally:
        bar.close()
        kernel_log.close()
    seconds = time.time() - started
    headline, met = _headline(stem, started)
    if status == PASSED and met is False:
        status = MISSED
    atomic_write_text(folder / "executed.ipynb", nbformat.writes(nb))
    rss = round(max(peak), 1) if peak else None
    run_info = {"notebook": stem, "status": status, "runtime_s": round(seconds, 2), "started": started_at,
                "parameters": {k: repr(v) for k, v in params.items()}, "error": error,
                "hardware": hardware(), "speed_index": speed_index.to_dict() if speed_index else None,
                "peak_rss_mb": rss, "executed": "executed.ipynb"}
    atomic_write_text(folder / "run.json", json.dumps(run_info, indent=2) + "\n")
    return Outcome(stem, status, seconds, error, headline, rss)


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
