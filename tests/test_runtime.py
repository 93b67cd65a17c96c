from __future__ import annotations

import os

import pytest
import torch

from mlprep import runtime


def test_device_auto_and_override(monkeypatch):
    monkeypatch.delenv("MLPREP_DEVICE", raising=False)
    assert runtime.device().type in {"cpu", "cuda", "mps"}
    assert runtime.device("cpu") == torch.device("cpu")
    monkeypatch.setenv("MLPREP_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_missing_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        runtime.device("cuda")


def test_seed_everything_repeats():
    runtime.seed_everything(123)
    a = (torch.rand(3), __import__("numpy").random.rand())
    runtime.seed_everything(123)
    b = (torch.rand(3), __import__("numpy").random.rand())
    assert torch.equal(a[0], b[0]) and a[1] == b[1]


def test_directories_follow_environment(tmp_home):
    assert runtime.home_dir() == tmp_home / "home"
    assert runtime.data_dir() == tmp_home / "data"
    assert runtime.results_dir() == tmp_home / "results"


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "f.txt"
    runtime.atomic_write_text(path, "one")
    runtime.atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp files left behind
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    assert os.access(path, os.R_OK)
