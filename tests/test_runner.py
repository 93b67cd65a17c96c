"""`mlprep run` on tiny fixture notebooks (not the curriculum), so these stay fast."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from mlprep import notebook_runner, run_cli
from mlprep.cli import main
from mlprep.errors import UsageError
from mlprep.portfolio import site


def write_notebook(path: Path, *cells: str, parameters: str | None = "SEED = 0\nEPOCHS = 1") -> Path:
    """A notebook whose first code cell (tagged `parameters`) is ``parameters``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {path.stem}"))
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


RECORD = (
    "from mlprep import results\n"
    "results.record('{stem}', {{'acc': {acc}, 'epochs': EPOCHS}}, targets={{'acc': '>= 0.9'}}, device='cpu', seed=SEED)\n"
    "results.check('{stem}')"
)


@pytest.fixture(autouse=True)
def speed_here(fake_speed: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """No real speed measurement (factors cnn 2, lstm 3, transformer 2), cached in a private home."""
    monkeypatch.setenv("MLPREP_HOME", str(tmp_path / "home"))
    return fake_speed


@pytest.fixture()
def curriculum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four notebooks: one passes, one raises, one misses its target, one is not JSON; a
    timings.json with a budget for the first only."""
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "timings.json").write_text(
        '{"01_good": {"workload": "cnn", "reference_minutes": 3.0, "source": "measured"}}')
    write_notebook(folder / "01_good.ipynb", "x = EPOCHS * 2", RECORD.format(stem="01_good", acc=0.95))
    write_notebook(folder / "02_broken.ipynb", "raise ValueError('boom at step 3')")
    write_notebook(folder / "03_weak.ipynb", RECORD.format(stem="03_weak", acc=0.5))
    (folder / "04_corrupt.ipynb").write_text("not a notebook")
    (folder / "notes.ipynb").write_text("{}")  # not NN_name.ipynb: not part of the curriculum
    return folder


def test_failure_does_not_stop_the_others_and_sets_exit_code(curriculum: Path, tmp_path: Path, speed_here: list[bool],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--notebooks-dir", str(curriculum)])
    out = capsys.readouterr().out
    assert code == 1
    # before: the speed index (measured once, then cached) and the minutes expected here
    assert speed_here == [False] and (tmp_path / "home" / "speed_index.json").is_file()
    assert "speed index: cnn 2.00, lstm 3.00, transformer 2.00; overall 2.29" in out
    assert "measured 0 minutes ago" in out  # how old the index is: a VM's speed drifts
    assert "01_good     1.5" in out and "02_broken   no budget recorded" in out
    # after: minutes projected onto the reference machine (01_good by its workload, the others overall)
    assert "ref. min" in out and "minutes here, about" in out and "on the reference machine (speed index" in out
    results = tmp_path / "results"
    runs = {stem: json.loads((results / stem / "run.json").read_text()) for stem in ("01_good", "02_broken", "03_weak")}
    assert runs["01_good"]["status"] == "passed"
    assert runs["02_broken"]["status"] == "failed"
    assert "ValueError: boom at step 3" in runs["02_broken"]["error"]
    assert runs["03_weak"]["status"] == "missed target"  # it ran after the failure
    assert "acc = 0.95 (target >= 0.9, met)" in out
    assert "acc = 0.5 (target >= 0.9, MISSED)" in out
    assert "04_corrupt: cannot read" in out
    assert "1 passed, 2 failed, 1 missed a target" in out
    for info in runs.values():
        assert info["speed_index"]["factors"] == {"cnn": 2.0, "lstm": 3.0, "transformer": 2.0}
        assert info["peak_rss_mb"] is None or info["peak_rss_mb"] > 20  # a Python kernel; None without /proc
    assert runs["01_good"]["peak_rss_mb"] is not None or not Path("/proc/self/status").exists()
    for stem in runs:  # executed copies are saved, failures included, with their outputs
        executed = nbformat.read(results / stem / "executed.ipynb", as_version=4)
        assert any(c.get("outputs") or c.get("execution_count") for c in executed.cells if c.cell_type == "code")
    broken = nbformat.read(results / "02_broken" / "executed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in broken.cells if c.cell_type == "code" for o in c.outputs)


def test_parameters_are_injected_after_the_parameters_cell(curriculum: Path, tmp_path: Path, speed_here: list[bool],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "01", "-p", "EPOCHS=7", "-p", "SEED=3", "--notebooks-dir", str(curriculum),
                 "--no-speed-index"])
    assert code == 0  # all (one) notebooks passed
    out = capsys.readouterr().out
    assert "1 passed, 0 failed, 0 missed a target" in out and "minutes in all" in out  # no projection
    assert "speed index" not in out and speed_here == []  # skipped: not measured, not printed
    assert json.loads((tmp_path / "results" / "01_good" / "run.json").read_text())["speed_index"] is None
    recorded = json.loads((tmp_path / "results" / "01_good" / "metrics.json").read_text())
    assert recorded["metrics"]["epochs"] == 7 and recorded["seed"] == 3
    executed = nbformat.read(tmp_path / "results" / "01_good" / "executed.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    position = tags.index(["injected-parameters"])
    assert tags[position - 1] == ["parameters"]
    assert "EPOCHS = 7" in executed.cells[position].source


def test_json_summary_is_all_of_stdout(curriculum: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "01", "03", "--notebooks-dir", str(curriculum), "--json"])
    out, err = capsys.readouterr()
    assert code == 1  # 03 missed its target
    summary = json.loads(out)  # nothing but the JSON on stdout...
    assert out.startswith('{\n  "notebooks": [')  # ...indented by 2
    assert "1 passed, 0 failed, 1 missed a target" in err and "speed index: cnn 2.00" in err  # the table: stderr
    rows = {r["notebook"]: r for r in summary["notebooks"]}
    assert rows["01_good"]["status"] == "passed" and rows["03_weak"]["status"] == "missed target"
    assert rows["01_good"]["headline"] == "acc = 0.95 (target >= 0.9, met)" and rows["01_good"]["workload"] == "cnn"
    assert rows["01_good"]["reference_minutes"] == pytest.approx(rows["01_good"]["minutes"] * 2, abs=0.02)  # cnn factor 2
    assert summary["counts"] == {"passed": 1, "failed": 0, "missed": 1} and summary["exit_code"] == 1
    assert summary["speed_index"]["factors"] == {"cnn": 2.0, "lstm": 3.0, "transformer": 2.0}
    assert summary["interrupted"] is False and summary["results"] == str(tmp_path / "results")


def test_unknown_parameter_warns(tmp_path: Path) -> None:
    nb = nbformat.read(write_notebook(tmp_path / "01_a.ipynb", "pass"), as_version=4)
    warnings = notebook_runner.inject_parameters(nb, {"EPOCS": 2})
    assert warnings and "EPOCS" in warnings[0]
    nb_without = nbformat.read(write_notebook(tmp_path / "02_b.ipynb", "pass", parameters=None), as_version=4)
    assert "at the top" in notebook_runner.inject_parameters(nb_without, {"A": 1})[0]
    assert nb_without.cells[0].source.endswith("A = 1\n")


def test_parameters_set_by_tuple_assignment_do_not_warn(tmp_path: Path) -> None:
    nb = nbformat.read(write_notebook(tmp_path / "01_a.ipynb", "pass", parameters="SEED = 0\nEPOCHS, (BATCH, LR) = 15, (32, 5e-3)"),
                       as_version=4)
    assert notebook_runner.inject_parameters(nb, {"EPOCHS": 2, "LR": 0.1, "SEED": 1}) == []
    assert notebook_runner.inject_parameters(nb, {"WIDTH": 2}) == ["WIDTH is not set in its parameters cell (it sets: BATCH, EPOCHS, LR, SEED)"]


def test_kernel_runs_offline_with_the_same_results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    check = (
        "import os\n"
        "assert os.environ['HF_HUB_OFFLINE'] == '1' and os.environ['TRANSFORMERS_OFFLINE'] == '1'\n"
        f"assert os.environ['MLPREP_RESULTS'] == {str(tmp_path / 'results')!r}"
    )
    path = write_notebook(tmp_path / "01_offline.ipynb", check)
    outcome = notebook_runner.run_notebook(path, {})
    assert outcome.status == notebook_runner.PASSED, outcome.error


def test_notebook_names_resolve_or_fail_clearly(curriculum: Path) -> None:
    assert [p.stem for p in notebook_runner.find_notebooks([], curriculum)] == ["01_good", "02_broken", "03_weak", "04_corrupt"]
    assert notebook_runner.find_notebooks(["02"], curriculum)[0].stem == "02_broken"
    # curriculum order and each once, whatever order the names come in
    assert [p.stem for p in notebook_runner.find_notebooks(["03", "01_good", "03_weak"], curriculum)] == ["01_good", "03_weak"]
    assert notebook_runner.find_notebooks([str(curriculum / "03_weak.ipynb")], curriculum)[0].stem == "03_weak"
    with pytest.raises(UsageError, match="choose from: 01_good, 02_broken, 03_weak, 04_corrupt"):
        notebook_runner.find_notebooks(["05_missing"], curriculum)
    with pytest.raises(UsageError, match="ambiguous"):
        notebook_runner.find_notebooks(["0"], curriculum)
    with pytest.raises(UsageError, match="NAME=VALUE"):
        notebook_runner.parse_parameters(["EPOCHS"])


def test_portfolio_is_built_whatever_the_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(site, "default_out", lambda: tmp_path / "portfolio")  # not the checkout's
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "02_resnet.ipynb", "raise ValueError('boom')")  # a curriculum project
    write_notebook(folder / "03_weak.ipynb", RECORD.format(stem="03_weak", acc=0.5))  # your own
    code = main(["run", "--portfolio", "--notebooks-dir", str(folder)])
    assert code == 1  # a notebook failed and one missed: non-zero, though the portfolio was built
    assert f"portfolio written to {tmp_path / 'portfolio'}" in capsys.readouterr().out
    index = (tmp_path / "portfolio" / "index.html").read_text()
    resnet = (tmp_path / "portfolio" / "02_resnet.html").read_text()
    assert '<span class="badge none">not yet run</span>' in resnet  # no metrics recorded...
    assert "The last <code>mlprep run</code> of this notebook failed: ValueError: boom" in resnet  # ...says why
    assert '<span class="badge missed">missed target</span>' in (tmp_path / "portfolio" / "03_weak.html").read_text()
    assert "03_weak" in index


def test_portfolio_error_is_one_line_and_sets_the_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("not a portfolio")
    monkeypatch.setattr(site, "default_out", lambda: tmp_path / "mine")
    assert run_cli._build_portfolio() == 2
    assert capsys.readouterr().err.startswith("error: portfolio not built: ")
    assert (tmp_path / "mine" / "notes.txt").is_file()
