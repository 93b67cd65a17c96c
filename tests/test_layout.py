"""The package layout stays readable: no module in ``mlprep/`` over 300 lines (STYLE.md: split
by concern before a file grows past what a learner reads in one sitting)."""

from __future__ import annotations

from pathlib import Path

import mlprep

ROOT = Path(mlprep.__file__).resolve().parent
MAX_LINES = 300


def test_no_module_is_over_300_lines() -> None:
    sizes = {str(p.relative_to(ROOT.parent)): len(p.read_text(encoding="utf-8").splitlines())
             for p in ROOT.rglob("*.py")}
    assert len(sizes) > 50 and "mlprep/train.py" in sizes  # the walk sees the package
    over = {path: n for path, n in sorted(sizes.items()) if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split them by concern): {over}"
