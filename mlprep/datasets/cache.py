"""A checksummed on-disk cache for generated arrays.

Each entry is ``<key>.npz`` plus ``<key>.sha256``. Both are written atomically; on read
the checksum is verified, and a corrupt entry is reported, deleted and rebuilt.

>>> import tempfile, numpy as np
>>> root = tempfile.mkdtemp()
>>> arrays = cached_arrays(root, "demo", lambda: {"x": np.arange(3)})
>>> cached_arrays(root, "demo", lambda: {})["x"].tolist()
[0, 1, 2]
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlprep.runtime import atomic_write_bytes, atomic_write_text


class CorruptCacheWarning(UserWarning):
    """A cached file did not match its checksum and was regenerated."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_checksum(path: Path) -> str:
    """The hex digest a ``.sha256`` file starts with, or "" when it holds none (empty,
    blank, binary): the entry is then treated as corrupt and rebuilt, never a crash."""
    try:
        words = path.read_bytes()[:4096].decode("ascii").split()
    except (OSError, UnicodeDecodeError):
        return ""
    return words[0].lower() if words else ""


def cached_arrays(
    root: str | Path, key: str, build: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Load ``key`` from ``root`` if present and intact, else ``build()`` it and store it."""
    root = Path(root)
    data_path, sum_path = root / f"{key}.npz", root / f"{key}.sha256"
    if data_path.is_file() and sum_path.is_file():
        raw = data_path.read_bytes()
        if _sha256(raw) == _read_checksum(sum_path):
            try:
                with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                    return {k: npz[k] for k in npz.files}
            except (OSError, ValueError, EOFError, KeyError):  # a checksum file written to match a bad one
                pass
        warnings.warn(
            f"cached data {data_path} failed its sha256 check (corrupt or partly written); "
            "regenerating it",
            CorruptCacheWarning,
            stacklevel=2,
        )
        data_path.unlink(missing_ok=True)
    arrays = build()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    raw = buf.getvalue()
    atomic_write_bytes(data_path, raw)
    atomic_write_text(sum_path, f"{_sha256(raw)}  {data_path.name}\n")
    return arrays
