"""Shared fixtures: private data/result folders for unit tests, so they never touch the
user's files, and a stand-in for the speed measurement. Notebook tests (nbval) keep the defaults."""

from __future__ import annotations

import datetime as dt
import os

import pytest

# Seconds that give factors cnn 2, lstm 3, transformer 2 against mlprep.speed.REFERENCE.
FAKE_SECONDS = {"cnn": 1.2, "lstm": 1.5, "transformer": 2.1}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private ``MLPREP_HOME`` (``tmp_path / "home"``, not created): the quiz store,
    interviews and drill logs of a test go there, never into the user's."""
    monkeypatch.setenv("MLPREP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    """MLPREP_HOME, MLPREP_DATA and MLPREP_RESULTS in a temporary folder."""
    for name in ("HOME", "DATA", "RESULTS"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(f"MLPREP_{name}", str(path))
    return tmp_path


@pytest.fixture
def fake_speed(monkeypatch):
    """``mlprep.speed.speed_index`` without the real timing (seconds of CPU): it returns
    FAKE_SECONDS for this machine, now. The list returned gets the ``quick`` flag of each call."""
    import torch

    from mlprep import speed

    calls: list[bool] = []

    def measure(quick: bool = False) -> speed.SpeedIndex:
        calls.append(quick)
        measured = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return speed.SpeedIndex(dict(FAKE_SECONDS), torch=torch.__version__, cpu=speed.cpu_model(),
                                cores=os.cpu_count() or 0, measured=measured, quick=quick)

    monkeypatch.setattr(speed, "speed_index", measure)
    return calls
