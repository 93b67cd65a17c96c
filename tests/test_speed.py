"""The speed index: its arithmetic, its cache and the timings file. No real timing here: the
measurement is replaced (``fake_speed``), so these run in milliseconds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import torch

from mlprep import speed, timings
from mlprep.errors import MlprepError
from mlprep.speed import SpeedIndex

ROOT_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def index(**seconds: float) -> SpeedIndex:
    return SpeedIndex({"cnn": 1.2, "lstm": 1.5, "transformer": 2.1, **seconds})


def test_factors_overall_and_projections_are_inverse() -> None:
    i = index()
    assert i.factors == pytest.approx({"cnn": 2.0, "lstm": 3.0, "transformer": 2.0})
    assert i.overall == pytest.approx((2 * 3 * 2) ** (1 / 3))
    assert speed.project_minutes(3.0, "lstm", i) == pytest.approx(1.0)
    assert speed.reference_minutes_from(speed.project_minutes(2.7, "cnn", i), "cnn", i) == pytest.approx(2.7)
    slower = index(cnn=4.8)  # twice the reference's seconds: half as fast
    assert slower.factors["cnn"] == pytest.approx(0.5)
    assert speed.project_minutes(3.0, "cnn", slower) == pytest.approx(6.0)
    with pytest.raises(MlprepError, match="unknown workload 'gpu'; use one of: cnn, lstm, transformer"):
        speed.project_minutes(1.0, "gpu", i)


def test_json_round_trip() -> None:
    i = SpeedIndex({"cnn": 1.1, "lstm": 1.4, "transformer": 2.0}, torch="2.9", cpu="Some CPU", cores=2,
                   measured="2026-12-01T10:00:00+00:00", quick=True)
    data = json.loads(json.dumps(i.to_dict()))
    assert SpeedIndex.from_dict(data) == i
    assert data["factors"]["cnn"] == pytest.approx(2.4 / 1.1, abs=1e-3) and data["threads"] == 2
    with pytest.raises(ValueError, match="positive"):
        SpeedIndex.from_dict({**data, "seconds": {"cnn": 0, "lstm": 1, "transformer": 1}})


def test_measurement_uses_two_threads_and_restores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def fake_time(name: str, warmup: int, repeats: int) -> float:
        seen.append((name, torch.get_num_threads(), repeats))
        return 1.0

    monkeypatch.setattr(speed, "_time_workload", fake_time)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        quick = speed.speed_index(quick=True)
        assert torch.get_num_threads() == 1
        full = speed.speed_index()
    finally:
        torch.set_num_threads(before)
    assert [s[:2] for s in seen[:3]] == [("cnn", 2), ("lstm", 2), ("transformer", 2)]
    assert [s[2] for s in seen] == [1, 1, 1, 3, 3, 3]  # quick: fewer repeats
    assert quick.quick and not full.quick and quick.seconds == {"cnn": 1.0, "lstm": 1.0, "transformer": 1.0}
    assert quick.torch == torch.__version__ and quick.cpu == speed.cpu_model()
    dt.datetime.fromisoformat(quick.measured)  # a parseable time


def test_cache_is_reused_on_the_same_machine_within_a_week(tmp_home, fake_speed) -> None:
    first = speed.cached_speed_index()
    assert fake_speed == [False]  # measured once, in full
    assert (tmp_home / "home" / "speed_index.json").is_file()
    assert speed.cached_speed_index() == first and fake_speed == [False]  # reused, not measured
    later = dt.datetime.fromisoformat(first.measured) + dt.timedelta(days=8)
    assert speed.read_cache(now=later) is None  # a week old: stale


@pytest.mark.parametrize("change", [{"cpu": "Another CPU"}, {"cores": 999}, {"torch": "1.0.0"},
                                    {"measured": "2000-01-01T00:00:00+00:00"}, {"seconds": "garbage"}])
def test_cache_is_remeasured_when_it_does_not_match(tmp_home, fake_speed, change) -> None:
    path = tmp_home / "home" / "speed_index.json"
    stored = speed.cached_speed_index().to_dict()
    path.write_text(json.dumps({**stored, **change}))
    speed.cached_speed_index()
    assert fake_speed == [False, False]
    assert json.loads(path.read_text())["cpu"] == speed.cpu_model()  # stored again, fresh


def test_unreadable_cache_is_remeasured(tmp_home, fake_speed) -> None:
    (tmp_home / "home" / "speed_index.json").write_text("{ not json")
    assert speed.cached_speed_index().seconds["cnn"] == 1.2 and fake_speed == [False]


def test_timings_load_write_and_errors(tmp_path) -> None:
    assert timings.load_timings(tmp_path) == {}
    entries = {"02_b": {"workload": "lstm", "reference_minutes": 2.5, "source": "projected"},
               "01_a": {"workload": "cnn", "reference_minutes": 1, "source": "measured"}}
    timings.write_timings(tmp_path, entries)
    assert timings.load_timings(tmp_path) == entries
    assert list(json.loads((tmp_path / "timings.json").read_text())) == ["01_a", "02_b"]  # curriculum order
    bad = {"[1, 2]": "must hold an object", '{"01_a": 3}': "01_a: each entry must be an object",
           '{"01_a": {"workload": "gpu", "reference_minutes": 1, "source": "measured"}}': "workload must be",
           '{"01_a": {"workload": "cnn", "reference_minutes": "1", "source": "measured"}}': "reference_minutes",
           '{"01_a": {"workload": "cnn", "reference_minutes": 1, "source": "guessed"}}': "source must be",
           "{oops": "not readable JSON"}
    for text, message in bad.items():
        (tmp_path / "timings.json").write_text(text)
        with pytest.raises(MlprepError, match=message) as raised:
            timings.load_timings(tmp_path)
        assert str(tmp_path / "timings.json") in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(MlprepError, match="source"):
        timings.write_timings(tmp_path, {"01_a": {"workload": "cnn", "reference_minutes": 1, "source": "?"}})


def test_minutes_here_and_budgets() -> None:
    entries = {"01_a": {"workload": "cnn", "reference_minutes": 3.0, "source": "measured"},
               "07_b": {"workload": "lstm", "reference_minutes": 6.0, "source": "measured"}}
    assert timings.minutes_here(entries, index()) == pytest.approx({"01_a": 1.5, "07_b": 2.0})
    assert timings.budget_minutes("10_bert_finetuning", "cnn") == 4.0
    assert timings.budget_minutes("11_vit", "transformer") == 4.0
    assert timings.budget_minutes("07_rnn_language_model", "lstm") == 3.0


def test_the_curriculum_has_a_budget_entry_for_every_notebook() -> None:
    recorded = timings.load_timings(ROOT_NOTEBOOKS)
    stems = {p.stem for p in ROOT_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert stems <= set(recorded), f"add {sorted(stems - set(recorded))} to notebooks/timings.json"
