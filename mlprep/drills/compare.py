"""Compare a candidate's output with the expected one and say precisely where they differ.

Tensors, arrays, numbers, strings, lists, tuples and dicts are compared recursively;
the message names the part that differs (``result[1][2, 0]``), the expected and the
actual value, so the person can find the bug without a debugger.

>>> compare([1.0, 2.0], [1.0, 2.0])
>>> compare(np.array([[0.5, 1.0]]), np.array([[0.5, 1.5]]))
Traceback (most recent call last):
...
mlprep.drills.base.CheckFailure: result[0, 1]: expected 1, got 1.5 (|diff| 0.5, tolerance 0.00011); 1 of 2 entries differ
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from mlprep.drills.base import CheckFailure

__all__ = ["compare", "format_value", "to_numpy"]


def to_numpy(value: Any) -> np.ndarray:
    """A tensor, array, number or nested list as a NumPy array (CPU, detached)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _is_array_like(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, np.ndarray, np.generic, int, float, bool))


def compare(
    expected: Any, got: Any, *, atol: float = 1e-5, rtol: float = 1e-4, path: str = "result"
) -> None:
    """Raise :class:`CheckFailure` naming the first place where ``got`` differs."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise CheckFailure(f"{path}: expected a dict with keys {sorted(expected)}, got {_kind(got)}")
        missing = sorted(set(expected) - set(got))
        if missing:
            raise CheckFailure(f"{path}: missing keys {missing} (got keys {sorted(got)})")
        for key in expected:
            compare(expected[key], got[key], atol=atol, rtol=rtol, path=f"{path}[{key!r}]")
        return
    if isinstance(expected, str):
        if got != expected:
            raise CheckFailure(f"{path}: expected {expected!r}, got {format_value(got)}")
        return
    if isinstance(expected, (list, tuple)) and not _numeric_sequence(expected):
        if isinstance(got, np.ndarray) and got.dtype.kind in "USO":
            got = got.tolist()  # an array of strings is as good as a list of them
        if not isinstance(got, (list, tuple)):
            raise CheckFailure(
                f"{path}: expected a {type(expected).__name__} of {len(expected)} items, got {_kind(got)}"
            )
        if len(got) != len(expected):
            raise CheckFailure(f"{path}: expected {len(expected)} items, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            compare(e, g, atol=atol, rtol=rtol, path=f"{path}[{i}]")
        return
    _compare_arrays(expected, got, atol=atol, rtol=rtol, path=path)


def _numeric_sequence(value: list | tuple) -> bool:
    return len(value) > 0 and all(isinstance(v, (int, float, np.number)) for v in value)


def _kind(value: Any) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {format_value(value)}"


def _compare_arrays(expected: Any, got: Any, *, atol: float, rtol: float, path: str) -> None:
    if got is None:
        raise CheckFailure(f"{path}: expected {_kind(expected)}, got None (did you forget to return?)")
    try:
        want, have = to_numpy(expected), to_numpy(got)
    except (TypeError, ValueError, RuntimeError) as e:
        raise CheckFailure(f"{path}: expected {_kind(expected)}, got {_kind(got)} ({e})") from None
    if have.dtype == object:
        raise CheckFailure(f"{path}: expected {_kind(expected)}, got {_kind(got)}")
    if want.shape != have.shape:
        raise CheckFailure(f"{path}: expected shape {want.shape}, got shape {have.shape}")
    exact = want.dtype.kind in "biu"
    if exact:
        if have.dtype.kind == "f" and np.all(np.isfinite(have)) and np.all(have == np.round(have)):
            have = have.astype(want.dtype)  # 1.0 for 1 is fine; 1.2 is not
        bad = want != have
    else:
        have = have.astype(np.float64)
        want = want.astype(np.float64)
        bad = ~np.isclose(have, want, atol=atol, rtol=rtol, equal_nan=True)  # nan is right only where nan is expected
    if not bad.any():
        return
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    index = f"[{', '.join(map(str, where))}]" if where else ""
    w, h = want[where] if where else want[()], have[where] if where else have[()]
    detail = ""
    if not exact and np.isfinite(w) and np.isfinite(h):
        tolerance = atol + rtol * abs(float(w))
        detail = f" (|diff| {abs(float(w) - float(h)):.3g}, tolerance {tolerance:.2g})"
    elif not np.isfinite(h):
        detail = " (non-finite: overflow, a division by zero or log(0)?)"
    count = f"; {int(bad.sum())} of {bad.size} entries differ" if bad.size > 1 else ""
    raise CheckFailure(f"{path}{index}: expected {_scalar(w)}, got {_scalar(h)}{detail}{count}")


def _scalar(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value.item() if hasattr(value, "item") else value)


def format_value(value: Any, max_chars: int = 600) -> str:
    """A short, readable rendering of an input or output for a failure report.

    >>> format_value(torch.tensor([[1.0, 2.5]]))
    'tensor of shape (1, 2), float32:\\n[[1.  2.5]]'
    """
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = to_numpy(value)
        kind = "tensor" if isinstance(value, torch.Tensor) else "array"
        body = np.array2string(array, precision=4, threshold=60, edgeitems=3, suppress_small=True)
        text = f"{kind} of shape {tuple(array.shape)}, {array.dtype}:\n{body}"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {format_value(v, 200)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)) and any(isinstance(v, (torch.Tensor, np.ndarray)) for v in value):
        inner = ", ".join(format_value(v, 200) for v in value)
        text = f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    else:
        text = repr(value)
    return text if len(text) <= max_chars else text[: max_chars - 5] + " ...)"
