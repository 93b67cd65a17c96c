"""How fast is this machine for the curriculum's kind of work, against the reference machine?

The notebook budgets (3 minutes each, 4 for the transformer ones, 40 in all) hold on the
*reference machine*: a 2-core x86-64 CPU with AVX2 and no AVX-512. :func:`speed_index` times
three small fixed workloads the notebooks are made of (a CNN at 32x32, a 2-layer LSTM, a 4-layer
Transformer; forward + backward + AdamW on 2 threads) and divides the reference seconds by the
seconds here: a factor above 1 means this machine is faster. ``notebooks/timings.json`` says
which workload each notebook is like and how long it takes on the reference machine, so:

    minutes here ~= reference minutes / factor        reference minutes ~= minutes here x factor

>>> index = SpeedIndex({"cnn": 1.2, "lstm": 1.5, "transformer": 2.1})
>>> index.factors
{'cnn': 2.0, 'lstm': 3.0, 'transformer': 2.0}
>>> round(index.overall, 3)  # geometric mean of the three
2.289
>>> project_minutes(3.0, "cnn", index), reference_minutes_from(1.5, "lstm", index)
(1.5, 4.5)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlprep.errors import UsageError
from mlprep.runtime import atomic_write_text, home_dir

__all__ = ["SpeedIndex", "speed_index", "cached_speed_index", "read_cache", "write_cache",
           "project_minutes", "reference_minutes_from", "cpu_model", "load_warning", "measured_ago"]

# Seconds per workload on the reference machine (2-core AMD EPYC, AVX2, no AVX-512), quiet:
# copied from ../shared/tools/cpu-index (median of 5 runs, 2026-12-01). The workloads below
# are the same ones, with the same step counts, so the seconds compare.
REFERENCE = {"cnn": 2.4, "lstm": 4.5, "transformer": 4.2}
REFERENCE_MACHINE = "2-core x86-64, AVX2, no AVX-512"
WORKLOADS = tuple(REFERENCE)
THREADS = 2  # the reference machine's cores
CACHE_FILE, CACHE_DAYS = "speed_index.json", 7


@dataclass
class SpeedIndex:
    """Seconds per workload on this machine, and where and when they were measured."""

    seconds: dict[str, float]
    torch: str = ""
    cpu: str = ""
    cores: int = 0
    measured: str = ""  # ISO time, UTC
    quick: bool = False

    @property
    def factors(self) -> dict[str, float]:
        """Reference seconds / seconds here, per workload (above 1: faster than the reference)."""
        return {name: REFERENCE[name] / self.seconds[name] for name in WORKLOADS}

    @property
    def overall(self) -> float:
        """The geometric mean of the factors."""
        return statistics.geometric_mean(self.factors.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (factors included, rounded, for people reading run.json)."""
        return {"seconds": dict(self.seconds), "factors": {k: round(v, 3) for k, v in self.factors.items()},
                "overall": round(self.overall, 3), "reference_seconds": dict(REFERENCE), "threads": THREADS,
                "torch": self.torch, "cpu": self.cpu, "cores": self.cores, "measured": self.measured,
                "quick": self.quick}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeedIndex:
        """The inverse of :meth:`to_dict`; ValueError if the seconds are missing or not positive.

        >>> SpeedIndex.from_dict(SpeedIndex({"cnn": 1.0, "lstm": 2.0, "transformer": 3.0}).to_dict()).seconds
        {'cnn': 1.0, 'lstm': 2.0, 'transformer': 3.0}
        """
        seconds = {name: data["seconds"][name] for name in WORKLOADS}
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in seconds.values()):
            raise ValueError(f"seconds must be positive numbers, got {seconds}")
        return cls({k: float(v) for k, v in seconds.items()}, torch=str(data["torch"]), cpu=str(data["cpu"]),
                   cores=int(data["cores"]), measured=str(data["measured"]), quick=bool(data["quick"]))

    def age(self, now: _dt.datetime | None = None) -> _dt.timedelta:
        """Time since :attr:`measured` (ValueError or TypeError when it is not an ISO time)."""
        return (now or _dt.datetime.now(_dt.timezone.utc)) - _dt.datetime.fromisoformat(self.measured)

    def describe(self) -> str:
        """One line: the factor per workload and overall."""
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.factors.items())
        return f"{parts}; overall {self.overall:.2f}"


# The three workloads: each returns (parameters, a function computing the loss, steps per run).
def _cnn() -> tuple[Any, Callable[[], Any], int]:
    import torch
    from torch import nn

    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]

    net = nn.Sequential(*block(3, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                        nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(128, 6))
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 6, (64,))  # (B, C, H, W), (B,)
    return net.parameters(), lambda: nn.functional.cross_entropy(net(x), y), 20


def _lstm() -> tuple[Any, Callable[[], Any], int]:
    import torch
    from torch import nn

    emb, rnn, head = nn.Embedding(96, 64), nn.LSTM(64, 256, 2, batch_first=True), nn.Linear(256, 96)
    x, y = torch.randint(0, 96, (64, 64)), torch.randint(0, 96, (64, 64))  # (B, T)

    def loss() -> Any:
        logits = head(rnn(emb(x))[0])  # (B, T, vocab)
        return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())

    return nn.ModuleList([emb, rnn, head]).parameters(), loss, 10


def _transformer() -> tuple[Any, Callable[[], Any], int]:
    import torch
    from torch import nn

    layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True, norm_first=True)
    enc = nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)
    emb, head = nn.Embedding(96, 128), nn.Linear(128, 96)
    mask = nn.Transformer.generate_square_subsequent_mask(64)
    x, y = torch.randint(0, 96, (32, 64)), torch.randint(0, 96, (32, 64))  # (B, T)

    def loss() -> Any:
        logits = head(enc(emb(x), mask=mask, is_causal=True))  # (B, T, vocab)
        return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())

    return nn.ModuleList([enc, emb, head]).parameters(), loss, 15


_MAKERS = {"cnn": _cnn, "lstm": _lstm, "transformer": _transformer}


def _time_workload(name: str, warmup: int, repeats: int) -> float:
    """Median seconds of ``repeats`` runs of the workload's steps, after ``warmup`` steps."""
    import torch

    torch.manual_seed(0)
    params, loss_fn, steps = _MAKERS[name]()
    opt = torch.optim.AdamW(params, lr=1e-3)

    def step() -> None:
        opt.zero_grad()
        loss_fn().backward()
        opt.step()

    for _ in range(warmup):
        step()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_warning() -> str:
    """A warning when other work keeps the CPU busy (1-minute load average above half the
    cores): it slows the workloads, so the factors would read low. "" when quiet or unknown.

    >>> isinstance(load_warning(), str)
    True
    """
    try:
        load, cores = os.getloadavg()[0], os.cpu_count() or 1
    except (OSError, AttributeError):  # no load average on Windows
        return ""
    if load <= cores / 2:
        return ""
    return (f"warning: load average {load:.1f} on {cores} cores: other work is running, so the speed "
            "index reads low; measure again when it is quiet (mlprep doctor)")


def speed_index(quick: bool = False) -> SpeedIndex:
    """Time the three workloads on 2 threads (about 10 s quick, 20-30 s full on the reference
    machine; less on a faster one). Torch's thread count and random state are restored after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad():
            seconds = {name: round(_time_workload(name, warmup=2 if quick else 3, repeats=1 if quick else 3), 4)
                       for name in WORKLOADS}
    finally:
        torch.set_num_threads(threads)
    measured = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return SpeedIndex(seconds, torch=torch.__version__, cpu=cpu_model(), cores=os.cpu_count() or 0,
                      measured=measured, quick=quick)


def read_cache(now: _dt.datetime | None = None) -> SpeedIndex | None:
    """The stored index, if it was measured on this CPU model, core count and torch version
    within the last 7 days; None otherwise (missing, unreadable, stale or another machine)."""
    import torch

    try:
        index = SpeedIndex.from_dict(json.loads((home_dir() / CACHE_FILE).read_text(encoding="utf-8")))
        age = index.age(now)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    same = (index.cpu, index.cores, index.torch) == (cpu_model(), os.cpu_count() or 0, torch.__version__)
    return index if same and _dt.timedelta(0) <= age <= _dt.timedelta(days=CACHE_DAYS) else None


def write_cache(index: SpeedIndex) -> Path:
    """Store ``index`` as the cached one (``home_dir()/speed_index.json``)."""
    return atomic_write_text(home_dir() / CACHE_FILE, json.dumps(index.to_dict(), indent=2) + "\n")


def cached_speed_index() -> SpeedIndex:
    """The cached index when still valid (see :func:`read_cache`), else a fresh full one, stored.
    (A quick index, one timed run per workload, read the same machine 0.5x to 2x off: too noisy
    to project a curriculum with.)"""
    index = read_cache()
    if index is None:
        index = speed_index()
        write_cache(index)
    return index


def measured_ago(index: SpeedIndex, now: _dt.datetime | None = None) -> str:
    """How long ago ``index`` was measured, in words; "" when unknown. A cached index can be up to
    a week old, and a virtual machine's speed drifts within a day (a third, on the VM this
    project is developed on), so the projections say how old their index is.

    >>> index = SpeedIndex({"cnn": 1, "lstm": 1, "transformer": 1}, measured="2026-12-02T07:00:00+00:00")
    >>> measured_ago(index, now=_dt.datetime(2026, 12, 2, 16, 30, tzinfo=_dt.timezone.utc))
    '9.5 hours ago'
    >>> measured_ago(index, now=_dt.datetime(2026, 12, 2, 7, 10, tzinfo=_dt.timezone.utc))
    '10 minutes ago'
    """
    try:
        minutes = index.age(now).total_seconds() / 60
    except (ValueError, TypeError):
        return ""
    if minutes < 0:
        return ""
    if minutes < 90:
        return f"{minutes:.0f} minute{'' if round(minutes) == 1 else 's'} ago"
    return f"{minutes / 60:.1f} hours ago" if minutes < 48 * 60 else f"{minutes / 1440:.1f} days ago"


def _factor(workload: str, index: SpeedIndex) -> float:
    if workload not in WORKLOADS:
        raise UsageError(f"unknown workload {workload!r}; use one of: {', '.join(WORKLOADS)}")
    return index.factors[workload]


def project_minutes(reference_minutes: float, workload: str, index: SpeedIndex) -> float:
    """Minutes a notebook should take here, from its minutes on the reference machine.

    >>> project_minutes(4.0, "transformer", SpeedIndex({"cnn": 1, "lstm": 1, "transformer": 2.1}))
    2.0
    """
    return reference_minutes / _factor(workload, index)


def reference_minutes_from(measured_minutes: float, workload: str, index: SpeedIndex) -> float:
    """Minutes a notebook would take on the reference machine, from its minutes here.

    >>> reference_minutes_from(1.0, "cnn", SpeedIndex({"cnn": 1.2, "lstm": 1, "transformer": 1}))
    2.0
    """
    return measured_minutes * _factor(workload, index)
