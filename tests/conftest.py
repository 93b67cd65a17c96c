"""Shared fixtures: private data/result folders for unit tests, so they never touch the
user's files. Notebook tests (nbval) keep the defaults."""

from __future__ import annotations

import pytest


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    """MLPREP_HOME, MLPREP_DATA and MLPREP_RESULTS in a temporary folder."""
    for name in ("HOME", "DATA", "RESULTS"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(f"MLPREP_{name}", str(path))
    return tmp_path
