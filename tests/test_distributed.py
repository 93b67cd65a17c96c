"""Two processes on CPU (gloo, launched with torchrun) against one process, same global batch.

One two-process run of the classify recipe (digits, a BatchNorm-free CNN so the maths is
the same in one and two processes) is shared by the tests below. The global batch of 45
leaves a last batch of 43 samples, split 22/21 between the processes: the uneven case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

pytestmark = pytest.mark.slow  # two processes start, import torch and train: 20 s and more

WORKER = Path(__file__).with_name("distributed_worker.py")
DIGITS_TRAIN = 1078
ARGS = ["--dataset", "digits", "--model", "cnn", "--no-batchnorm", "--no-augment", "--width", "16",
        "--batch-size", "45", "--epochs", "1", "--lr", "0.01", "--warmup-steps", "0", "--min-lr", "0.01",
        "--log-every", "8", "--device", "cpu", "--seed", "3", "--save-every", "12"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(two-process reports by rank, one-process report, their output folders)."""
    two = tmp_path_factory.mktemp("two_processes")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MLPREP_DATA": str(tmp_path_factory.mktemp("data")),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER),
           *ARGS, "--out", str(two)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"torchrun failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    reports = [json.loads((two / f"rank{r}.json").read_text()) for r in (0, 1)]

    import distributed_worker

    one = tmp_path_factory.mktemp("one_process")
    single = distributed_worker.run([*ARGS, "--out", str(one)])
    return reports, single, two, one, proc.stdout


def test_parameters_identical_across_ranks(runs):
    _, _, two, _, _ = runs
    rank0, rank1 = load_file(two / "rank0.safetensors"), load_file(two / "rank1.safetensors")
    assert rank0.keys() == rank1.keys() and rank0
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), f"{name} differs between the ranks"


def test_two_processes_match_one_process(runs):
    reports, single, two, one, _ = runs
    assert reports[0]["step"] == reports[1]["step"] == single["step"] == 24  # ceil(1078 / 45)
    # The loss reported by both ranks is the global batch's, reduced across processes.
    assert reports[0]["final_loss"] == reports[1]["final_loss"]
    assert reports[0]["final_loss"] == pytest.approx(single["final_loss"], rel=1e-4)
    assert reports[0]["metrics"]["val_loss"] == pytest.approx(single["metrics"]["val_loss"], rel=1e-4)
    distributed, alone = load_file(two / "rank0.safetensors"), load_file(one / "rank0.safetensors")
    for name in alone:
        # Float sums in another order, amplified a little by Adam's normalisation: a wrong
        # shard or weighting would differ by ~1e-2.
        torch.testing.assert_close(distributed[name], alone[name], rtol=1e-3, atol=1e-4)
    # and training did something: the loss fell below chance (ln 10 = 2.30)
    assert single["final_loss"] < 2.1 and single["metrics"]["val_accuracy"] > 0.25


def test_each_sample_seen_once_per_epoch(runs):
    reports, single, _, _, _ = runs
    seen0, seen1 = reports[0]["seen"], reports[1]["seen"]
    assert sorted(seen0 + seen1) == list(range(DIGITS_TRAIN))
    assert abs(len(seen0) - len(seen1)) <= 24  # pieces of 23 + 22 (45 samples), 22 + 21 at the end
    assert sorted(single["seen"]) == list(range(DIGITS_TRAIN))


def test_only_the_main_process_logs_and_saves(runs):
    _, _, two, _, stdout = runs
    assert stdout.count("step     24/24") == 1  # one progress line per step shown, not one per rank
    assert sorted(p.name for p in (two / "checkpoints").glob("*")) == ["step_0000012.safetensors",
                                                                      "step_0000024.safetensors"]
    metrics = json.loads((two / "recipe_classify" / "metrics.json").read_text())
    assert metrics["extra"]["num_processes"] == 2


def test_a_two_process_checkpoint_resumes_in_one_process(runs, tmp_path):
    import distributed_worker

    _, _, two, _, _ = runs
    halfway = two / "checkpoints" / "step_0000012.safetensors"
    resumed = distributed_worker.run([*ARGS, "--out", str(tmp_path), "--resume", str(halfway)])
    assert resumed["step"] == 24
    assert len(resumed["seen"]) == DIGITS_TRAIN - 12 * 45  # only the second half of the epoch
    distributed, alone = load_file(two / "rank0.safetensors"), load_file(tmp_path / "rank0.safetensors")
    for name in alone:
        torch.testing.assert_close(alone[name], distributed[name], rtol=1e-3, atol=1e-4)
