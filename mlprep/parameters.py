"""Notebook parameters, papermill's way: ``-p NAME=VALUE`` pairs become a new cell, tagged
``injected-parameters``, right after the cell tagged ``parameters``.

>>> parse_parameters(["EPOCHS=2", "DEVICE=cpu", "LR=1e-3", "NAME='a=b'"])
{'EPOCHS': 2, 'DEVICE': 'cpu', 'LR': 0.001, 'NAME': 'a=b'}
"""

from __future__ import annotations

import ast
from typing import Any

from mlprep.errors import UsageError

__all__ = ["parse_parameters", "inject_parameters"]


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


def _parameter_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    targets = [t for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]
    names = set()
    while targets:  # ``A, B = 1, 2`` sets A and B (tuples and lists unpack, nested too)
        t = targets.pop()
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            targets.extend(t.elts)
    return names


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
