"""The drill catalog, the checker, the notebook API and the attempt store."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch

import mlprep.drills as drills
from mlprep.drills import check, drill_names, get_drill, run_checks
from mlprep.drills.compare import compare
from mlprep.drills.store import DrillStore
from mlprep.errors import UsageError

torch.set_num_threads(2)

ISSUE_DRILLS = {
    "iou", "nms", "map50", "conv2d", "softmax_cross_entropy", "mlp_numpy", "batchnorm", "kmeans",
    "logistic_regression", "tfidf", "attention", "lstm_cell", "beam_search", "top_k_top_p",
    "bpe_merges", "knn", "roc_auc", "precision_recall_f1", "dropout", "adam_step",
}


def test_catalog_has_every_drill_the_issue_asks_for():
    names = drill_names()
    assert ISSUE_DRILLS <= set(names)
    assert len(names) >= 20 and len(set(names)) == len(names)


@pytest.mark.parametrize("name", drill_names())
def test_reference_passes_its_checker(name):
    drill = get_drill(name)
    result = run_checks(drill, drill.reference)
    assert result, result.report()
    assert len(result.cases) >= 5  # fixed and random cases, not a token check


@pytest.mark.parametrize("name", drill_names())
def test_drill_metadata_stub_and_solution(name):
    drill = get_drill(name)
    assert drill.name == name == drill.reference.__name__
    assert drill.statement.startswith("# ") and len(drill.statement) > 200
    assert drill.difficulty in {"easy", "medium", "hard"} and 5 <= drill.time_limit_min <= 60
    # The stub compiles, defines the function, and fails every case with NotImplementedError.
    namespace: dict = {}
    exec(compile(drill.stub(), f"{name}_stub.py", "exec"), namespace)
    stub_result = run_checks(drill, namespace[name])
    assert not stub_result and "NotImplementedError" in stub_result.cases[0].message
    assert stub_result.not_attempted and stub_result.status == "not attempted"
    assert "not attempted yet" in stub_result.report() and "FAIL" not in stub_result.report()
    # The printed solution is a complete candidate file: it passes on its own.
    namespace = {}
    exec(compile(drill.solution(), f"{name}_solution.py", "exec"), namespace)
    assert run_checks(drill, namespace[name]).status == "pass"


def test_a_partial_attempt_is_a_fail_not_an_untouched_stub():
    # Raising NotImplementedError on some inputs only is an attempt: FAIL, with the first case.
    def partial(a, b):
        if len(a) > 1:
            raise NotImplementedError("batches later")
        return get_drill("iou").reference(a, b)

    result = run_checks(get_drill("iou"), partial)
    assert not result and not result.not_attempted and result.status == "fail"
    assert "FAIL: " in result.report() and "first failing case:" in result.report()


def test_random_cases_depend_on_the_seed_and_are_repeatable():
    make = get_drill("iou").make_cases
    a, b, c = make(np.random.default_rng(0)), make(np.random.default_rng(0)), make(np.random.default_rng(1))
    assert torch.equal(a[-1].args[0], b[-1].args[0])
    assert a[-1].args[0].shape != c[-1].args[0].shape or not torch.equal(a[-1].args[0], c[-1].args[0])


def test_check_api_prints_the_report_and_returns_a_truthy_result(capsys):
    result = check("iou", get_drill("iou").reference)
    out = capsys.readouterr().out
    assert result and result.passed and "PASS: 12/12" in out and "PASS  half overlap" in out
    assert repr(result).startswith("CheckResult(drill='iou', passed=")


def test_check_api_reports_exceptions_with_the_line():
    def broken(boxes1, boxes2):
        return boxes1 @ boxes2  # shape error

    result = check("iou", broken, quiet=True)
    assert not result
    assert "raised RuntimeError" in result.cases[0].message and "boxes1 @ boxes2" in result.cases[0].message
    assert "the same error" in result.report()  # repeated errors are not repeated verbatim


def test_candidate_cannot_corrupt_the_cases_by_mutating_inputs():
    def mutating(boxes1, boxes2):
        result = get_drill("iou").reference(boxes1, boxes2)
        boxes1.zero_()
        return result

    assert check("iou", mutating, quiet=True)


def test_wrong_return_types_are_reported_not_raised():
    assert "did you forget to return" in check("iou", lambda a, b: None, quiet=True).cases[0].message
    message = check("softmax_cross_entropy", lambda logits, targets: logits, quiet=True).cases[0].message
    assert "expected a tuple (probs, loss)" in message


def test_unknown_drill_is_a_usage_error_with_a_suggestion():
    with pytest.raises(UsageError, match="did you mean iou"):
        get_drill("iuo")


def test_show_prints_the_statement(capsys):
    drills.show("nms")
    assert "torchvision.ops.nms" in capsys.readouterr().out


def test_compare_messages_name_the_place_and_the_values():
    with pytest.raises(AssertionError, match=r"result\['b'\]\[1\]: expected 3, got 4"):
        compare({"a": 1.0, "b": np.array([2, 3])}, {"a": 1.0, "b": np.array([2, 4])})
    with pytest.raises(AssertionError, match=r"expected shape \(2,\), got shape \(3,\)"):
        compare(np.zeros(2), np.zeros(3))
    compare(["cat", "sat"], np.array(["cat", "sat"]))  # arrays of strings are fine
    compare(np.array([1, 2]), torch.tensor([1.0, 2.0]))  # 1.0 for 1 is fine


# -- attempts are recorded atomically -------------------------------------------------------


def _result(name: str = "iou", passed: bool = True, elapsed: float | None = 30.0):
    drill = get_drill(name)
    result = run_checks(drill, drill.reference if passed else (lambda a, b: None))
    result.elapsed_s = elapsed
    return result


def test_attempts_round_trip_and_best_time(tmp_path):
    store = DrillStore(tmp_path)
    store.record_attempt(_result(elapsed=300.0))
    store.record_attempt(_result(passed=False, elapsed=100.0))
    store.record_attempt(_result(elapsed=200.0))
    attempts = store.attempts("iou")
    assert [a["passed"] for a in attempts] == [True, False, True]
    assert attempts[1]["first_failure"].startswith("identical boxes")
    assert store.best_time("iou") == 200.0 and store.best_time("nms") is None


def test_concurrent_attempts_are_all_kept(tmp_path):
    result = _result()

    def record_many():
        store = DrillStore(tmp_path)  # one store per thread, as two terminals would have
        for _ in range(10):
            store.record_attempt(result)

    threads = [threading.Thread(target=record_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "attempts.jsonl").read_text().splitlines()
    assert len(lines) == 40 and all(json.loads(line)["drill"] == "iou" for line in lines)


def test_a_failed_write_leaves_the_old_log_intact(tmp_path, monkeypatch):
    store = DrillStore(tmp_path)
    store.record_attempt(_result())
    before = store.attempts_path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError):
        store.record_attempt(_result())
    assert store.attempts_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_corrupt_line_does_not_hide_the_other_attempts(tmp_path):
    store = DrillStore(tmp_path)
    store.record_attempt(_result())
    with open(store.attempts_path, "a") as f:
        f.write("{not json\n")
    store.record_attempt(_result())
    assert len(store.attempts("iou")) == 2


def test_start_writes_the_stub_once_and_force_restarts(tmp_path):
    store, drill = DrillStore(tmp_path), get_drill("nms")
    path, created = store.start(drill)
    assert created and "def nms(" in path.read_text() and store.started_at("nms") is not None
    path.write_text("# my work\n")
    _, created = store.start(drill)
    assert not created and path.read_text() == "# my work\n"
    _, created = store.start(drill, force=True)
    assert created and "def nms(" in path.read_text()
