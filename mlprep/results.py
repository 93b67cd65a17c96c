"""The results contract between notebooks, the portfolio and benchmarks.

Each notebook ends with :func:`record`, which writes
``results/<notebook stem>/metrics.json`` (under ``MLPREP_RESULTS``) and the figures it
names as PNG files, then :func:`check`, which raises :class:`TargetMissed` naming each
missed target.

Targets map a metric name, or an arithmetic expression of metric names, to a condition:
``">= 0.95"``, ``"< tanh_steps_to_target"``, ``">= majority_test_macro_f1 + 0.2"``.

>>> import tempfile, os
>>> os.environ["MLPREP_RESULTS"] = tempfile.mkdtemp()
>>> _ = record("demo", {"acc": 0.97, "base": 0.5}, targets={"acc": ">= 0.95", "acc - base": ">= 0.1"})
>>> check("demo")["metrics"]["acc"]
0.97
>>> check("demo")  # a notebook shows one line, not the whole dict
demo: 2/2 targets met: acc = 0.97 (>= 0.95), acc - base = 0.47 (>= 0.1)
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import math
import operator
import platform
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlprep.errors import MlprepError
from mlprep.runtime import atomic_write_bytes, atomic_write_text, results_dir

__all__ = ["record", "load", "check", "evaluate_targets", "evaluate_expression", "TargetMissed", "CheckedResults", "Timer",
           "path_for"]


class TargetMissed(MlprepError, AssertionError):
    """A notebook missed one or more of its stated targets."""


_COMPARE = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate_expression(expr: str, metrics: Mapping[str, float]) -> float:
    """Evaluate ``expr`` (numbers, metric names, + - * / and parentheses) safely."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in metrics:
                raise KeyError(node.id)
            return float(metrics[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"unsupported expression in target: {expr!r}")

    return walk(ast.parse(expr.strip(), mode="eval"))


def _split_condition(condition: str) -> tuple[str, str]:
    condition = condition.strip()
    for op in (">=", "<=", "==", "!=", ">", "<"):
        if condition.startswith(op):
            return op, condition[len(op) :].strip()
    raise ValueError(f"a target must start with one of >=, <=, ==, !=, >, <: got {condition!r}")


def evaluate_targets(
    metrics: Mapping[str, float], targets: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per target: ``{"target", "condition", "value", "bound", "ok", "reason"}``.

    >>> rows = evaluate_targets({"a": 1.0, "b": 2.0}, {"a": "< b", "b - a": ">= 2"})
    >>> [r["ok"] for r in rows]
    [True, False]
    """
    rows = []
    for lhs, condition in targets.items():
        row: dict[str, Any] = {"target": lhs, "condition": condition, "value": None, "bound": None}
        try:
            op, rhs = _split_condition(condition)
            value, bound = evaluate_expression(lhs, metrics), evaluate_expression(rhs, metrics)
            row.update(value=value, bound=bound)
            ok = not (math.isnan(value) or math.isnan(bound)) and _COMPARE[op](value, bound)
            row.update(ok=bool(ok), reason="" if ok else f"{value:.6g} is not {op} {bound:.6g}")
        except KeyError as e:
            row.update(ok=False, reason=f"metric {e.args[0]!r} was not recorded")
        except (ValueError, SyntaxError, ZeroDivisionError) as e:
            row.update(ok=False, reason=str(e))
        rows.append(row)
    return rows


def path_for(notebook: str) -> Path:
    """The folder holding ``notebook``'s results (``results/<stem>/``)."""
    stem = Path(notebook).stem
    if not stem or stem in {".", ".."}:
        raise MlprepError(f"not a notebook name: {notebook!r}")
    return results_dir() / stem


def _versions() -> dict[str, str]:
    """Installed versions of the libraries results depend on, read from the package metadata
    (importing transformers just to ask would cost seconds and hundreds of MB)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name, dist in (("torch", "torch"), ("torchvision", "torchvision"), ("numpy", "numpy"),
                       ("sklearn", "scikit-learn"), ("transformers", "transformers"), ("mlprep", "mlprep")):
        try:
            versions[name] = version(dist)
        except PackageNotFoundError:
            pass
    return versions


def _clean(value: Any) -> Any:
    """Plain JSON types: tensors and NumPy scalars become floats or ints."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def record(
    notebook: str,
    metrics: Mapping[str, Any],
    *,
    targets: Mapping[str, str] | None = None,
    figures: Mapping[str, Any] | None = None,
    runtime_s: float | None = None,
    device: str | None = None,
    seed: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``results/<notebook>/metrics.json`` and each figure as ``<name>.png``.

    ``figures`` maps a file stem to a matplotlib Figure. ``runtime_s`` defaults to the
    time since the notebook's :class:`Timer` (or since ``mlprep`` was imported).
    Returns the path of ``metrics.json``.
    """
    folder = path_for(notebook)
    folder.mkdir(parents=True, exist_ok=True)
    figure_files = []
    for name, fig in (figures or {}).items():
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        atomic_write_bytes(folder / f"{name}.png", buf.getvalue())
        figure_files.append(f"{name}.png")
    if device is None:
        from mlprep.runtime import device as _device

        device = _device().type
    payload = {
        "notebook": Path(notebook).stem,
        "metrics": _clean(dict(metrics)),
        "targets": dict(targets or {}),
        "runtime_s": round(float(runtime_s if runtime_s is not None else Timer.elapsed()), 2),
        "device": str(device),
        "seed": seed,
        "versions": _versions(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "figures": figure_files,
    }
    if extra:
        payload["extra"] = _clean(dict(extra))
    return atomic_write_text(folder / "metrics.json", json.dumps(payload, indent=2) + "\n")


def load(notebook: str) -> dict[str, Any]:
    """Read a notebook's recorded results; a clear error if it has not run yet."""
    path = path_for(notebook) / "metrics.json"
    if not path.is_file():
        raise MlprepError(f"no results for {Path(notebook).stem!r} at {path}: run that notebook first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise MlprepError(f"{path} is not valid JSON ({e}); rerun the notebook to rewrite it") from e


class CheckedResults(dict):
    """What :func:`check` returns: the results dict (``check(...)["metrics"]``), shown as one
    line in a notebook or a REPL: ``<notebook>: 5/5 targets met: <target> = <value> (<condition>), ...``."""

    def __init__(self, results: Mapping[str, Any], rows: list[dict[str, Any]]) -> None:
        super().__init__(results)
        self.rows = rows

    def summary(self) -> str:
        met = ", ".join(f"{r['target']} = {r['value']:.4g} ({r['condition']})" for r in self.rows)
        name = self.get("notebook", "?")
        if not self.rows:
            return f"{name}: no targets recorded"
        return f"{name}: {len(self.rows)}/{len(self.rows)} targets met: {met}"

    def __repr__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's display of a cell's value
        printer.text(self.summary())


def check(notebook_or_results: str | Mapping[str, Any]) -> CheckedResults:
    """Raise :class:`TargetMissed` naming each missed target; return the results if all pass
    (a dict that a notebook shows as one line: ``00_start_here: 1/1 targets met: ...``)."""
    results = load(notebook_or_results) if isinstance(notebook_or_results, str) else notebook_or_results
    metrics = {k: (float("nan") if v is None else v) for k, v in results.get("metrics", {}).items()}
    rows = evaluate_targets(metrics, results.get("targets", {}))
    missed = [r for r in rows if not r["ok"]]
    if missed:
        lines = [f"  - {r['target']} {r['condition']}: {r['reason']}" for r in missed]
        raise TargetMissed(
            f"{results.get('notebook', '?')} missed {len(missed)} of {len(rows)} targets:\n" + "\n".join(lines)
        )
    return CheckedResults(results, rows)


class Timer:
    """Wall-clock time since a notebook started: ``Timer.start()`` in the first cell.

    >>> Timer.start(); Timer.elapsed() >= 0
    True
    """

    _t0 = time.perf_counter()

    @classmethod
    def start(cls) -> None:
        cls._t0 = time.perf_counter()

    @classmethod
    def elapsed(cls) -> float:
        return time.perf_counter() - cls._t0
