"""Where things run and where things live: devices, seeds and directories.

Every directory has one environment override, in the spirit of fastai's
``~/.fastai`` home: ``MLPREP_HOME`` (user data: questions, reviews, drills),
``MLPREP_DATA`` (generated datasets) and ``MLPREP_RESULTS`` (notebook results).

>>> import mlprep
>>> mlprep.device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from mlprep.errors import DeviceUnavailableError

if TYPE_CHECKING:
    import torch

__all__ = [
    "device",
    "seed_everything",
    "repo_root",
    "home_dir",
    "data_dir",
    "results_dir",
    "atomic_write_bytes",
    "atomic_write_text",
]

_APP = "mlprep"


def device(name: str | torch.device | None = None) -> torch.device:
    """The device to train on: CUDA, then Apple's MPS, then the CPU.

    ``name`` (or the ``MLPREP_DEVICE`` environment variable) overrides the choice;
    ``"auto"`` means "pick for me". Asking for a device that is not there is an error
    that says what is available.

    >>> device("cpu").type
    'cpu'
    >>> device("auto").type in {"cpu", "cuda", "mps"}
    True
    """
    import torch  # imported here so that `import mlprep` stays fast for the CLI tools

    if name is None:
        name = os.environ.get("MLPREP_DEVICE", "auto")
    if isinstance(name, torch.device):
        return name
    name = str(name).strip().lower() or "auto"
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if has_mps:
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {name!r} requested but CUDA is not available here; "
            "use device='auto' or 'cpu' (or unset MLPREP_DEVICE)"
        )
    if dev.type == "mps" and not has_mps:
        raise DeviceUnavailableError(
            f"device {name!r} requested but MPS is not available here; use 'auto' or 'cpu'"
        )
    return dev


def seed_everything(seed: int) -> int:
    """Seed Python, NumPy and PyTorch (all devices) so a run can be repeated.

    >>> import torch
    >>> _ = seed_everything(0); a = torch.rand(1)
    >>> _ = seed_everything(0); bool(torch.equal(a, torch.rand(1)))
    True
    """
    import numpy as np
    import torch

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return seed


def repo_root() -> Path | None:
    """The checkout this package runs from, or None when installed elsewhere.

    A checkout is recognised by ``pyproject.toml`` next to the ``mlprep`` package.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "mlprep").is_dir():
        return root
    return None


def _dir(env: str, in_repo: str, fallback: Path) -> Path:
    value = os.environ.get(env)
    if value:
        path = Path(value).expanduser()
    else:
        root = repo_root()
        path = root / in_repo if root is not None else fallback
    path.mkdir(parents=True, exist_ok=True)
    return path


def home_dir() -> Path:
    """User data (questions, review log, drills, interviews): ``MLPREP_HOME`` or the
    platform's user data directory (e.g. ``~/.local/share/mlprep``)."""
    value = os.environ.get("MLPREP_HOME")
    path = Path(value).expanduser() if value else Path(platformdirs.user_data_dir(_APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Generated datasets: ``MLPREP_DATA``, else ``datasets/cache`` in a checkout, else
    the user cache directory."""
    return _dir("MLPREP_DATA", "datasets/cache", Path(platformdirs.user_cache_dir(_APP)))


def results_dir() -> Path:
    """Notebook results: ``MLPREP_RESULTS``, else ``results/`` in a checkout, else
    ``$MLPREP_HOME/results``."""
    value = os.environ.get("MLPREP_RESULTS")
    if value or repo_root() is not None:
        return _dir("MLPREP_RESULTS", "results", Path())
    path = home_dir() / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a crash
    leaves either the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))
