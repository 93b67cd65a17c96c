"""Repository hygiene: notebooks are committed without outputs, the syllabus points at
things that exist, and every notebook follows the curriculum's conventions."""

from __future__ import annotations

import json
import re
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


def ipykernel_metadata() -> dict:
    """The notebook metadata JupyterLab writes on opening a notebook with ipykernel's
    ``python3`` kernel: its kernelspec and its ``language_info`` (the Python version varies)."""
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelspec import KERNEL_NAME, get_kernel_dict

    spec = get_kernel_dict()
    return {"kernelspec": {"display_name": spec["display_name"], "language": spec["language"], "name": KERNEL_NAME},
            "language_info": dict(IPythonKernel.language_info)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_metadata_is_what_ipykernel_writes(path):
    """Other metadata makes JupyterLab mark the notebook changed ("Save changes?") before
    anything ran: it writes its kernel's metadata on opening."""
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    expected = ipykernel_metadata()
    version = metadata.get("language_info", {}).get("version", "")
    fix = json.dumps({**expected, "language_info": {**expected["language_info"], "version": version or "3.X.Y"}})
    assert set(metadata) == set(expected), f"{path.name}: notebook metadata should be exactly {fix}"
    assert metadata["kernelspec"] == expected["kernelspec"], f"{path.name}: notebook metadata should be {fix}"
    assert re.fullmatch(r"3\.\d+\.\d+", version), f"{path.name}: language_info.version {version!r} is not a Python version"
    assert {**metadata["language_info"], "version": None} == {**expected["language_info"], "version": None}, \
        f"{path.name}: notebook metadata should be {fix}"


def test_syllabus_covered_entries_exist():
    syllabus = yaml.safe_load((ROOT / "seeds" / "syllabus.yaml").read_text(encoding="utf-8"))
    from mlprep.cli import build_parser

    parser = build_parser()
    assert set(syllabus) == {"sections"}, f"unknown top-level keys: {sorted(set(syllabus) - {'sections'})}"
    for section in syllabus["sections"]:
        assert set(section) == {"name", "items"}, f"section {section.get('name')!r}: keys {sorted(section)}"
    entries = [e for section in syllabus["sections"] for e in section["items"]]
    assert entries, "empty syllabus"
    for entry in entries:
        # A name with a comma, unquoted in a flow mapping, splits into a cut name and a stray key.
        unknown = set(entry) - {"name", "status", "where"}
        assert not unknown, f"{entry.get('name')!r}: unknown keys {sorted(unknown)} (quote names that hold commas)"
        assert isinstance(entry["name"], str) and entry["name"].count("(") == entry["name"].count(")"), entry
        assert entry["status"] in {"covered", "planned"}, entry
        if entry["status"] != "covered":
            continue
        for where in entry["where"]:
            if where.startswith("mlprep "):
                parser.parse_args(shlex.split(where)[1:])  # exits (fails) on an unknown command
            else:
                assert (ROOT / where.split("#")[0]).exists(), f"{entry['name']}: {where} does not exist"
