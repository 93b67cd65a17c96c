"""What a drill is: a statement, a reference solution and the cases a checker runs.

A drill module in :mod:`mlprep.drills.catalog` defines the reference function (named
after the drill) and a ``DRILL = Drill(...)``. The stub a candidate starts from is
generated from the reference's signature and docstring, so the two cannot drift apart.

>>> def double(x):
...     '''Return ``2 * x``.'''
...     return 2 * x
>>> drill = Drill(name="double", title="Double it", topic="warm-up", difficulty="easy",
...               time_limit_min=1, statement="Double x.", reference=double,
...               make_cases=lambda rng: [Case("two", (2,), expected=4)])
>>> print(drill.stub())
def double(x):
    '''Return ``2 * x``.'''
    raise NotImplementedError("write double here")
<BLANKLINE>
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "CheckFailure", "Drill"]


class CheckFailure(AssertionError):
    """Raised by a comparison or a custom case check with a message a person can act on."""


@dataclass
class Case:
    """One input to a drill and what a correct answer looks like.

    Either ``expected`` is compared with the candidate's output (``atol``/``rtol`` for
    floats, exact for integers and strings), or ``check(got)`` judges the output itself
    and raises :class:`CheckFailure` (used for randomized outputs such as dropout masks).
    """

    name: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    check: Callable[[Any], None] | None = None
    atol: float = 1e-5
    rtol: float = 1e-4


@dataclass
class Drill:
    """A timed coding-round exercise; see the module docstring."""

    name: str
    title: str
    topic: str
    difficulty: str  # "easy" | "medium" | "hard"
    time_limit_min: int
    statement: str  # Markdown: what to implement, the contract, an example
    reference: Callable[..., Any]
    make_cases: Callable[[np.random.Generator], list[Case]]
    imports: str = ""  # the import lines the stub and the solution start with
    helpers: tuple[Callable[..., Any], ...] = ()  # extra functions shown with the solution
    output_names: tuple[str, ...] = ()  # names of a tuple result's parts, used in reports

    def stub(self) -> str:
        """Source of the file a candidate fills in: imports, signature, docstring."""
        signature = inspect.signature(self.reference)
        doc = inspect.getdoc(self.reference) or ""
        header = f"{self.imports.strip()}\n\n\n" if self.imports.strip() else ""
        body = textwrap.indent(f"'''{doc}'''", "    ") if doc else ""
        return (
            f"{header}def {self.name}{_plain_signature(signature)}:\n"
            f"{body}\n"
            f'    raise NotImplementedError("write {self.name} here")\n'
        )

    def solution(self) -> str:
        """Source of the reference solution, runnable as a candidate file."""
        parts = [self.imports.strip()] if self.imports.strip() else []
        parts += [inspect.getsource(helper) for helper in self.helpers]
        parts.append(inspect.getsource(self.reference))
        return "\n\n".join(part.rstrip() + "\n" for part in parts)


def _plain_signature(signature: inspect.Signature) -> str:
    # Keep annotations as written in the source (they are strings under
    # `from __future__ import annotations`), so the stub shows "torch.Tensor", not a repr.
    params = []
    for p in signature.parameters.values():
        text = p.name if p.kind is not p.VAR_POSITIONAL else f"*{p.name}"
        if p.annotation is not p.empty:
            text += f": {p.annotation}" if isinstance(p.annotation, str) else ""
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        params.append(text)
    result = ""
    if signature.return_annotation is not signature.empty and isinstance(
        signature.return_annotation, str
    ):
        result = f" -> {signature.return_annotation}"
    return f"({', '.join(params)}){result}"
