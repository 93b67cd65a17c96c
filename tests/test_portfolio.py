"""`mlprep portfolio build` from a fixture results/ tree made here."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from mlprep import results  # noqa: E402
from mlprep.cli import main  # noqa: E402
from mlprep.errors import UsageError  # noqa: E402
from mlprep.portfolio import build  # noqa: E402
from mlprep.portfolio.modelcard import HEADINGS  # noqa: E402
from mlprep.portfolio.projects import PROJECTS  # noqa: E402

CLASSIFICATION = {"mlp_test_accuracy": 0.71, "cnn_test_accuracy": 0.93, "alexnet_test_accuracy": 0.962,
                  "relu_steps_to_target": 120, "tanh_steps_to_target": 480, "small_plain_test_accuracy": 0.55,
                  "small_flips_test_accuracy": 0.78, "digits_test_accuracy": 0.981}
CLASSIFICATION_TARGETS = {"alexnet_test_accuracy": ">= 0.95", "alexnet_test_accuracy - mlp_test_accuracy": ">= 0.10",
                          "relu_steps_to_target": "< tanh_steps_to_target", "digits_test_accuracy": ">= 0.97"}


def _figure(title: str):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [3, 1, 2])
    ax.set_title(title)
    return fig


def make_results_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """results/ with a passing project (figures, executed notebook, run.json), one that
    missed a target, and a learner's own notebook; plus a cards folder holding only
    shapes.md. Returns (results_dir, cards_dir)."""
    results_root, cards = root / "results", root / "cards"
    monkeypatch.setenv("MLPREP_RESULTS", str(results_root))
    figures = {"learning_curves": _figure("curves"), "confusion_matrix": _figure("confusion")}
    results.record("01_image_classification", CLASSIFICATION, targets=CLASSIFICATION_TARGETS,
                   figures=figures, runtime_s=131.0, device="cpu", seed=0)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    (results_root / "01_image_classification" / "executed.ipynb").write_text(nbformat.writes(nb))
    (results_root / "01_image_classification" / "run.json").write_text(json.dumps(
        {"status": "passed", "runtime_s": 140.2, "started": "2000-01-01T00:00:00+00:00",
         "hardware": {"cpu": "Test CPU <fast> & co", "cores": 2}}))
    results.record("04_detection_yolo", {"yolo_test_map50": 0.61, "yolo_test_map": 0.3, "yolo_images_per_s": 88.0},
                   targets={"yolo_test_map50": ">= 0.85"}, figures={"detections": _figure("boxes")},
                   runtime_s=150.0, device="cpu", seed=0)
    results.record("11_my_project", {"f1": 0.5}, runtime_s=10.0, device="cpu", seed=1)
    for fig in figures.values():
        plt.close(fig)
    cards.mkdir()
    (cards / "shapes.md").write_text(
        "# Shapes: procedurally generated scenes\n\n<!-- template note -->\n\n"
        "Synthetic scenes with **six** shape classes, made by `mlprep.datasets`.\n\n"
        "## License\n\nCC0 for the generated data.\n"
    )
    return results_root, cards


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    results_root, cards = make_results_tree(tmp_path, monkeypatch)
    index = build(tmp_path / "portfolio", name="Ada <Lovelace>", results_root=results_root, cards_dir=cards)
    return index.parent


def parse(path: Path) -> ET.Element:
    """Well-formedness check: the pages are XHTML-compatible, so an XML parser must accept them."""
    return ET.fromstring(path.read_text(encoding="utf-8").replace("<!DOCTYPE html>", "", 1))


def test_pages_are_well_formed_and_every_reference_exists(site: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "01_image_classification.html", "10_bert_finetuning.html",
                                       "11_my_project.html"}
    images = 0
    for page in pages:
        tree = parse(page)
        for img in tree.iter("img"):
            target = site / img.get("src")
            assert target.is_file(), f"{page.name} references missing {img.get('src')}"
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            images += 1
        for link in tree.iter("a"):
            href = link.get("href")
            if not href.startswith(("http://", "https://", "#")):
                assert (site / href).is_file(), f"{page.name} links to missing {href}"
    assert images >= 5  # 2 cards + 3 figures on project pages at least


def test_model_card_sections_present(site: Path) -> None:
    for stem in ("01_image_classification", "03_image_segmentation"):  # run and not run
        headings = [h.text for h in parse(site / f"{stem}.html").iter() if h.tag in {"h2", "h3", "h4"}]
        for heading in (*HEADINGS, "Training Data", "Testing Data", "Results", "Hardware"):
            assert heading in headings, f"{stem}: model card lacks {heading!r}"
    readme = (site / "README.md").read_text()
    assert "#### Bias, Risks, and Limitations" in readme


def test_measured_numbers_only_and_not_yet_run(site: Path) -> None:
    page = (site / "01_image_classification.html").read_text()
    assert "96.2% test accuracy" in page and "4.0x fewer steps" in page  # resume bullet, measured
    assert "random flips added 23 points" in page
    assert "Test CPU &lt;fast&gt; &amp; co" in page  # hardware from run.json, escaped
    assert "01_image_classification/executed.ipynb" in page
    assert "Ada &lt;Lovelace&gt;" in page
    not_run = (site / "03_image_segmentation.html").read_text()
    assert "not yet run" in not_run and "Resume bullet" not in not_run
    assert "mlprep run 03_image_segmentation" in not_run
    missed = (site / "04_detection_yolo.html").read_text()
    assert "missed target" in missed and "0.61 is not &gt;= 0.85" in missed
    index = (site / "index.html").read_text()
    assert index.count('class="project-card') == len(PROJECTS)  # the projects but the 00 tour, + the learner's own
    assert f"3 of {len(PROJECTS)} projects run; 1 met every target" in index  # the curriculum and the learner's own
    assert "00_start_here" not in index  # the tour is not a portfolio project


def test_dataset_cards_summarised_or_reported_missing(site: Path) -> None:
    page = (site / "01_image_classification.html").read_text()
    assert "Shapes: procedurally generated scenes" in page
    assert "Synthetic scenes with <strong>six</strong> shape classes" in page
    assert "CC0 for the generated data" in page
    assert "No dataset card found" in page  # digits.md is absent from the fixture
    assert "template note" not in page


def test_readme_links_resolve(site: Path) -> None:
    readme = (site / "README.md").read_text()
    assert "| project | paper | headline result | status | minutes |" in readme
    assert "`alexnet_test_accuracy` = **0.962** (target >= 0.95)" in readme
    for ref in re.findall(r'src="([^"]+)"|\]\((?!https?:|#)([^)]+)\)', readme):
        path = ref[0] or ref[1]
        assert (site / path).is_file(), path


def test_rebuild_removes_stale_files_and_refuses_foreign_folders(tmp_path: Path, site: Path) -> None:
    (tmp_path / "results" / "11_my_project" / "metrics.json").unlink()
    build(site, results_root=tmp_path / "results", cards_dir=tmp_path / "cards")
    assert not (site / "11_my_project.html").exists()
    assert (site / "01_image_classification" / "learning_curves.png").is_file()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(UsageError, match="choose another folder"):
        build(foreign, results_root=tmp_path / "results")
    assert (foreign / "thesis.tex").read_text() == "keep me"


def test_cli_build_and_open_without_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    make_results_tree(tmp_path, monkeypatch)
    assert main(["portfolio", "build", "--out", str(tmp_path / "site"), "--name", "Ada"]) == 0
    assert "file://" in capsys.readouterr().out
    assert "Ada: ML engineering portfolio" in (tmp_path / "site" / "index.html").read_text()
    assert main(["portfolio", "open", "--out", str(tmp_path / "nowhere")]) == 2  # a usage error: nothing to open yet
    assert "run `mlprep portfolio build` first" in capsys.readouterr().err


def test_cli_build_json_says_where_the_site_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import json

    make_results_tree(tmp_path, monkeypatch)
    assert main(["portfolio", "build", "--out", str(tmp_path / "site"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert Path(out["site"]) == (tmp_path / "site").resolve() or Path(out["site"]) == tmp_path / "site"
    assert out["index"].startswith("file://") and Path(out["readme"]).is_file()
