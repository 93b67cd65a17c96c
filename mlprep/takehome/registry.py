"""The registry of take-home assignments: one module per assignment (:mod:`~mlprep.takehome.tamper`,
:mod:`~mlprep.takehome.routing`, :mod:`~mlprep.takehome.drift`), each declaring an ``ASSIGNMENT``
(:class:`~mlprep.takehome.assignments.Assignment`).

>>> sorted(names())
['drift', 'routing', 'tamper']
>>> a = get("routing")
>>> a.metric_name, a.leak_column
('macro_f1', 'desk')
"""

from __future__ import annotations

import functools

from mlprep.errors import UsageError
from mlprep.takehome import drift, routing, tamper
from mlprep.takehome.assignments import Assignment

__all__ = ["names", "get"]


@functools.lru_cache(maxsize=1)
def _assignments() -> dict[str, Assignment]:
    return {a.name: a for a in (tamper.ASSIGNMENT, routing.ASSIGNMENT, drift.ASSIGNMENT)}


def names() -> list[str]:
    """The assignments' names, in the order ``mlprep takehome list`` shows them."""
    return list(_assignments())


def get(name: str) -> Assignment:
    """The assignment ``name``; an unknown name lists the valid ones (exit code 2 in the CLI)."""
    found = _assignments().get(str(name))
    if found is None:
        raise UsageError(f"no take-home assignment {name!r}; available: {', '.join(names())} "
                         "(see `mlprep takehome list`)")
    return found
