"""Repository hygiene: notebooks are committed without outputs, the syllabus points at
things that exist, and every notebook follows the curriculum's conventions."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped_and_parameterised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs; strip them before committing"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    source = "".join("".join(c["source"]) for c in code)
    assert "results.record(" in source and "results.check(" in source, f"{path.name} must record and check results"


def test_syllabus_covered_entries_exist():
    syllabus = yaml.safe_load((ROOT / "seeds" / "syllabus.yaml").read_text(encoding="utf-8"))
    from mlprep.cli import build_parser

    parser = build_parser()
    entries = [e for section in syllabus["sections"] for e in section["items"]]
    assert entries, "empty syllabus"
    for entry in entries:
        assert entry["status"] in {"covered", "planned"}, entry
        if entry["status"] != "covered":
            continue
        for where in entry["where"]:
            if where.startswith("mlprep "):
                parser.parse_args(shlex.split(where)[1:])  # exits (fails) on an unknown command
            else:
                assert (ROOT / where.split("#")[0]).exists(), f"{entry['name']}: {where} does not exist"
