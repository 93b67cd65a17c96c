"""Every example in a docstring of ``mlprep`` runs and prints what it says, and so does every
example in a drill's statement (the text a candidate reads)."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch

import mlprep
from mlprep.drills import all_drills, get_drill

MODULES = sorted(m.name for m in pkgutil.walk_packages(mlprep.__path__, "mlprep.") if not m.name.endswith("__main__"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _docstring_examples(module) -> int:
    """How many ``>>>`` lines the module's docstrings hold, read from its source with ``ast``."""
    tree = ast.parse(inspect.getsource(module))
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    return sum((ast.get_docstring(n, clean=False) or "").count(">>>") for n in nodes)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_home):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    # A docstring with examples that doctest did not find (a misplaced docstring, a module that
    # hides its functions) would pass vacuously: the examples must have been attempted.
    if _docstring_examples(module):
        assert result.attempted > 0, f"{name} has docstring examples but none ran"


def test_the_package_has_examples_at_all(tmp_home):
    attempted = sum(doctest.testmod(importlib.import_module(m), optionflags=FLAGS, report=False).attempted
                    for m in ("mlprep.results", "mlprep.schedules", "mlprep.errors", "mlprep.drills"))
    assert attempted >= 10


@pytest.mark.parametrize("name", [d.name for d in all_drills() if ">>>" in d.statement])
def test_drill_statement_examples_run(name):
    drill = get_drill(name)
    globs = {"torch": torch, "np": np, "numpy": np, drill.name: drill.reference}
    exec(drill.imports, globs)
    globs.update({helper.__name__: helper for helper in drill.helpers})
    test = doctest.DocTestParser().get_doctest(drill.statement, globs, f"{name} statement", None, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.tries > 0 and runner.failures == 0, f"the example in the {name} statement is wrong"
