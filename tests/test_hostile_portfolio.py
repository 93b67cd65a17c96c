"""Hostile results folders: the portfolio publishes only regular files inside the notebook's
own results folder, whatever ``metrics.json`` names (issue 23, area 1)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlprep.portfolio import build

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def _results(root: Path, figures: list, *, executed_link: Path | None = None) -> Path:
    folder = root / "results" / "01_image_classification"
    folder.mkdir(parents=True)
    (folder / "good.png").write_bytes(PNG)
    (folder / "sub").mkdir()
    (folder / "sub" / "nested.png").write_bytes(PNG)
    if executed_link is not None:
        (folder / "executed.ipynb").symlink_to(executed_link)
    (folder / "metrics.json").write_text(json.dumps({
        "notebook": "01_image_classification", "metrics": {"alexnet_test_accuracy": 0.9},
        "targets": {}, "figures": figures, "device": "cpu", "runtime_s": 1.0,
    }))
    return root / "results"


def _published(site: Path) -> set[str]:
    return {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}


@pytest.fixture()
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP SECRET")
    return path


def test_figures_outside_the_results_folder_are_skipped_and_reported(tmp_path, secret, capsys):
    results_root = _results(tmp_path, ["good.png", "/etc/passwd", str(secret), "../../secret.txt",
                                        "link.png", "sub", "sub/nested.png", "missing.png", 7, None,
                                        {"a": 1}, "sub/../../../secret.txt"])
    (results_root / "01_image_classification" / "link.png").symlink_to(secret)
    site = build(tmp_path / "site", results_root=results_root).parent
    published = _published(site)
    assert "01_image_classification/good.png" in published
    assert "01_image_classification/nested.png" in published  # a regular file in a subfolder is fine
    for path in published:
        assert "TOP SECRET" not in (site / path).read_text(errors="replace"), path
        assert "root:" not in (site / path).read_text(errors="replace"), path
    assert not (site / "01_image_classification" / "passwd").exists()
    assert not (site / "01_image_classification" / "secret.txt").exists()
    assert not (site / "01_image_classification" / "link.png").exists()
    err = capsys.readouterr().err
    for name in ("/etc/passwd", "../../secret.txt", "link.png", "'sub'", "missing.png", "7"):
        assert name in err, (name, err)
    assert err.count("warning:") == 10


def test_an_executed_notebook_linked_from_elsewhere_is_not_copied(tmp_path, secret, capsys):
    results_root = _results(tmp_path, ["good.png"], executed_link=secret)
    site = build(tmp_path / "site", results_root=results_root).parent
    assert not (site / "01_image_classification" / "executed.ipynb").exists()
    assert "executed.ipynb" in capsys.readouterr().err
    page = (site / "01_image_classification.html").read_text()
    assert "No executed notebook saved yet" in page


def test_a_symlinked_subfolder_pointing_outside_is_refused(tmp_path, secret, capsys):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.png").write_bytes(b"TOP SECRET")
    results_root = _results(tmp_path, ["away/x.png"])
    os.symlink(tmp_path / "elsewhere", results_root / "01_image_classification" / "away")
    site = build(tmp_path / "site", results_root=results_root).parent
    assert not (site / "01_image_classification" / "x.png").exists()
    assert "away/x.png" in capsys.readouterr().err
