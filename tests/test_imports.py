"""The import graph of ``mlprep``, read with ``ast`` (nothing is imported): no import cycle.

Every module (a package's ``__init__`` is one) is a node. Its edges are the ``mlprep`` modules it
imports, at module level and inside functions alike (a lazy import only hides a cycle until
someone calls that function; ``TYPE_CHECKING`` blocks aside, since they never run):
``import mlprep.a.b`` and ``from mlprep.a import b`` are edges to ``mlprep.a.b`` when that is a
module, and ``from mlprep.a import name`` otherwise to ``mlprep.a``; importing ``mlprep.a.b`` also
runs the package ``mlprep.a``, so that is an edge too (unless the importer is inside it). No
cycle among modules, and the areas (``mlprep.text``, ``mlprep.datasets``, ``mlprep.train``, ...)
depend on each other one way only (``text`` -> ``datasets``, ``interviews`` -> ``quiz``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import mlprep

ROOT = Path(mlprep.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = ("mlprep", *path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The mlprep module that ``import name`` (or ``from x import name``) loads, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name if name.startswith("mlprep") else None


def _imports(module: str, *, lazy: bool = True) -> set[str]:
    """mlprep modules that ``module`` imports: anywhere, or (``lazy=False``) at import time only."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not lazy:
                continue
            if isinstance(node, ast.Import):
                found.update(filter(None, (_resolve(alias.name) for alias in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                found.update(filter(None, (_resolve(f"{base}.{alias.name}") for alias in node.names)))
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit([child for child in getattr(node, field, []) if isinstance(child, (ast.stmt, ast.excepthandler))])

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    # Importing a.b.c runs the packages a and a.b first, except those this module is already inside.
    parents = {p for m in found for p in _parents(m) if not (module == p or module.startswith(p + "."))}
    return (found | parents) - {module}


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge of a depth-first walk (empty when the graph is acyclic)."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


def _area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_walk_sees_the_imports() -> None:
    assert "mlprep.text.lm" in MODULES and len(MODULES) > 50
    assert {"mlprep.train", "mlprep.schedules"} <= _imports("mlprep.text.lm", lazy=False)
    assert "mlprep.datasets" not in _imports("mlprep.text.charrnn", lazy=False)  # imported inside a function
    assert "mlprep.datasets" in _imports("mlprep.text.charrnn")
    assert "mlprep.datasets.wiki" in _imports("mlprep.datasets")  # `from mlprep.datasets import wiki`: the module
    assert "mlprep.quiz" in _imports("mlprep.interviews.quiz_commands")  # the package a submodule runs first
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def _found(cycles: list[list[str]]) -> str:
    return "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_cycle_between_modules() -> None:
    cycles = _cycles({m: _imports(m) for m in MODULES})
    assert not cycles, "import cycles (move the shared code to the module both can import): " + _found(cycles)


def test_areas_depend_on_each_other_one_way() -> None:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        graph.setdefault(_area(module), set()).update(
            _area(m) for m in _imports(module) if _area(m) not in (_area(module), "mlprep"))
    cycles = _cycles(graph)
    assert not cycles, "areas importing each other: " + _found(cycles)
    assert "mlprep.datasets" in graph["mlprep.text"] and "mlprep.quiz" in graph["mlprep.interviews"]
